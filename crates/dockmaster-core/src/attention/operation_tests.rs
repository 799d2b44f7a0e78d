//! What finished operations say: each outcome of a lifecycle operation, an error before it ran, a region apply.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::engine::{Health, RunState};
use crate::lifecycle::{ComposeInfo, Failure, Flavor};

fn result(op: OpKind, outcome: Outcome) -> OperationResult {
    OperationResult {
        operation: op,
        project: "demo".into(),
        profiles: vec!["development".into()],
        services: Vec::new(),
        compose: ComposeInfo {
            flavor: Flavor::V2,
            version: "2.26.1".into(),
            command: vec!["docker".into(), "compose".into()],
            chosen_by: "detected".into(),
        },
        outcome,
        exit_code: Some(0),
        duration_ms: 42_300,
        states: Vec::new(),
        failure: None,
        removed_volumes: Vec::new(),
        preflight: None,
    }
}

fn failure(service: Option<&str>, state: Option<RunState>, health: Option<Health>) -> Failure {
    Failure {
        message: "Container demo-gameserver is unhealthy: secret-free but long Compose text".into(),
        service: service.map(String::from),
        container: None,
        state,
        health,
        probe: None,
        logs: vec!["a log line that must not reach a notification".into()],
        hint: "Open the logs".into(),
    }
}

fn end(op: OpKind, services: &[&str], r: Result<OperationResult, ErrorReport>) -> OperationEnd {
    let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
    OperationEnd::of_lifecycle("demo", op, &["development".into()], &services, &r)
}

fn ok(title: &str, body: &str) -> OperationEnd {
    OperationEnd::Succeeded { title: title.into(), body: body.into() }
}

fn failed(title: &str, body: &str) -> OperationEnd {
    OperationEnd::Failed { title: title.into(), body: body.into() }
}

#[test]
fn lifecycle_outcomes() {
    let mut down = result(OpKind::Down, Outcome::Succeeded);
    down.removed_volumes = vec!["a".into(), "b".into()];
    let mut unhealthy = result(OpKind::Up, Outcome::Failed);
    unhealthy.failure = Some(failure(Some("gameserver"), Some(RunState::Running), Some(Health::Unhealthy)));
    let mut crashed = result(OpKind::Up, Outcome::Failed);
    crashed.failure = Some(failure(Some("api"), Some(RunState::Exited), None));
    let mut compose = result(OpKind::Stop, Outcome::Failed);
    compose.exit_code = Some(1);
    compose.failure = Some(failure(None, None, None));
    let mut slow = result(OpKind::Up, Outcome::TimedOut);
    slow.failure = Some(failure(Some("database"), Some(RunState::Running), Some(Health::Starting)));
    let mut long = result(OpKind::Restart, Outcome::Succeeded);
    long.duration_ms = 125_000;

    let cases: Vec<(&str, OperationEnd, OperationEnd)> = vec![
        (
            "started",
            end(OpKind::Up, &[], Ok(result(OpKind::Up, Outcome::Succeeded))),
            ok("Started development", "demo: took 42 s"),
        ),
        (
            "one service stopped",
            end(OpKind::Stop, &["gameserver"], Ok(result(OpKind::Stop, Outcome::Succeeded))),
            ok("Stopped gameserver", "demo: took 42 s"),
        ),
        (
            "removed with volumes",
            end(OpKind::Down, &[], Ok(down)),
            ok("Removed the project and its 2 volumes", "demo: took 42 s"),
        ),
        (
            "minutes",
            end(OpKind::Restart, &[], Ok(long)),
            ok("Restarted development", "demo: took 2 min 05 s"),
        ),
        (
            "unhealthy",
            end(OpKind::Up, &[], Ok(unhealthy)),
            failed("Starting development failed", "demo: gameserver is unhealthy"),
        ),
        (
            "exited",
            end(OpKind::Up, &[], Ok(crashed)),
            failed("Starting development failed", "demo: api exited"),
        ),
        (
            "Compose itself",
            end(OpKind::Stop, &[], Ok(compose)),
            failed("Stopping development failed", "demo: Compose failed (exit code 1)"),
        ),
        (
            "timed out",
            end(OpKind::Up, &[], Ok(slow)),
            failed("Starting development failed", "demo: database was not healthy in time"),
        ),
        (
            "cancelled",
            end(OpKind::Up, &[], Ok(result(OpKind::Up, Outcome::Cancelled))),
            OperationEnd::Cancelled,
        ),
        (
            "could not run",
            end(
                OpKind::Up,
                &[],
                Err(ErrorReport::new(
                    ErrorCode::PreflightBlocked,
                    "the preflight found 2 problems: JWT_SECRET is required but not set\nmore detail",
                )),
            ),
            failed(
                "Starting development failed",
                "demo: the preflight found 2 problems: JWT_SECRET is required but not set",
            ),
        ),
    ];
    for (what, got, want) in cases {
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn no_compose_output_or_log_line_reaches_the_text() {
    let mut r = result(OpKind::Up, Outcome::Failed);
    r.failure = Some(failure(Some("gameserver"), Some(RunState::Running), Some(Health::Unhealthy)));
    let OperationEnd::Failed { title, body } = end(OpKind::Up, &[], Ok(r)) else { panic!("failed expected") };
    for text in [title, body] {
        assert!(!text.contains("Compose text") && !text.contains("log line"), "{text}");
    }
}

#[test]
fn long_error_messages_are_cut() {
    let long = "x".repeat(500);
    let got = end(OpKind::Up, &[], Err(ErrorReport::new(ErrorCode::Internal, long)));
    let OperationEnd::Failed { body, .. } = got else { panic!("failed expected") };
    assert_eq!(body.chars().count(), "demo: ".len() + 160);
    assert!(body.ends_with('…'));
}

#[test]
fn region_applies() {
    let applied = AppliedRegion {
        region: "eu".into(),
        server_url: "http://localhost:9000".into(),
        containers: Vec::new(),
        apply_id: "a1".into(),
        elapsed_ms: 9_000,
    };
    assert_eq!(
        OperationEnd::of_region_apply("demo", "eu", &Ok(applied)),
        ok("Created region eu", "demo: took 9 s")
    );
    let err =
        ErrorReport::new(ErrorCode::RegionApplyFailed, "the server did not become healthy; rolled back");
    assert_eq!(
        OperationEnd::of_region_apply("demo", "eu", &Err(err)),
        failed("Creating region eu failed", "demo: the server did not become healthy; rolled back")
    );
    let cancelled = ErrorReport::new(ErrorCode::RegionApplyCancelled, "cancelled; rolled back");
    assert_eq!(OperationEnd::of_region_apply("demo", "eu", &Err(cancelled)), OperationEnd::Cancelled);
}
