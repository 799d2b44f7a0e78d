//! Session tests that need no engine: profiles, reports, and a file change reloading the project.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use super::*;
use crate::project::OpenOptions;

fn open(dir: &std::path::Path) -> Session {
    Session::open(OpenOptions { process_env: Some(Default::default()), ..OpenOptions::new(dir) }).unwrap()
}

const COMPOSE: &str = "services:\n  web:\n    image: x\n  mon:\n    image: x\n    profiles: [monitoring]\n";

#[tokio::test]
async fn unknown_profiles_are_refused_and_none_means_none_unless_the_cli_asks_for_the_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).unwrap();
    std::fs::write(dir.path().join(".env"), "COMPOSE_PROFILES=monitoring\n").unwrap();
    let s = open(dir.path());
    assert_eq!(s.profiles(&["monitoring".into()]).unwrap(), ["monitoring"]);
    // The window's "every chip off" is no profile at all, even when the project has a default selection.
    assert_eq!(s.profiles(&[]).unwrap(), Vec::<String>::new());
    let names =
        |r: crate::report::SelectionReport| r.services.into_iter().map(|v| v.name).collect::<Vec<_>>();
    assert_eq!(names(s.report(&[]).await.unwrap()), ["web"]);
    assert_eq!(names(s.report(&["monitoring".into()]).await.unwrap()), ["web", "mon"]);
    // The CLI without --profile means the default selection.
    assert_eq!(s.requested_or_default(&[]), ["monitoring"]);
    assert_eq!(s.requested_or_default(&["x".into()]), ["x"]);
    let e = s.profiles(&["nope".into()]).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnknownProfile);
    assert!(e.message.contains("monitoring"), "{e}");
}

/// An edit on disk reads the project again and tells listeners; a broken save keeps the last good state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_change_reloads_the_project_and_a_broken_one_keeps_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let compose = dir.path().join("compose.yaml");
    std::fs::write(&compose, COMPOSE).unwrap();
    let s = open(dir.path());
    let mut events = s.subscribe();
    s.watch_files().unwrap();
    assert_eq!(s.project().profile_names(), ["monitoring"]);

    std::fs::write(&compose, format!("{COMPOSE}  extra:\n    image: x\n    profiles: [debug]\n")).unwrap();
    let event = tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap();
    assert_eq!(event, SessionEvent::ProjectChanged { generation: 1 });
    assert_eq!(s.project().profile_names(), ["monitoring", "debug"]);

    std::fs::write(&compose, "services: [this is: not valid\n").unwrap();
    let event = tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap();
    let SessionEvent::ProjectInvalid { error } = event else { panic!("{event:?}") };
    assert_eq!(error.code, ErrorCode::ComposeInvalid);
    assert_eq!(s.project().profile_names(), ["monitoring", "debug"], "the last good state stays");

    std::fs::write(dir.path().join(".env"), "COMPOSE_PROFILES=monitoring\n").unwrap();
    std::fs::write(&compose, COMPOSE).unwrap();
    let event = tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap();
    assert!(matches!(event, SessionEvent::ProjectChanged { .. }), "{event:?}");
    assert_eq!(s.project().default_selection(), ["monitoring"], ".env is read again too");
}

#[tokio::test]
async fn each_environment_entry_names_the_variables_it_is_made_of() {
    let dir = tempfile::tempdir().unwrap();
    let compose = "services:\n  grafana:\n    image: grafana/grafana\n    environment:\n      \
        - GF_SECURITY_ADMIN_PASSWORD=${GRAFANA_PASSWORD:-dev_only}\n      - GF_SERVER_ROOT_URL=http://${HOST}:${PORT}/${HOST}\n      \
        - PASSED_THROUGH\n      - PLAIN=yes\n";
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    let s = open(dir.path());
    let report = s.report(&[]).await.unwrap();
    let env = &report.services[0].environment;
    let variables = |name: &str| env.iter().find(|v| v.name == name).unwrap().variables.clone();
    assert_eq!(variables("GF_SECURITY_ADMIN_PASSWORD"), ["GRAFANA_PASSWORD"]);
    assert_eq!(variables("GF_SERVER_ROOT_URL"), ["HOST", "PORT"]);
    assert_eq!(variables("PASSED_THROUGH"), ["PASSED_THROUGH"]);
    assert!(variables("PLAIN").is_empty());
}

/// Switching the engine is refused, with nothing changed or remembered, while an operation runs or when the
/// engine does not exist (neither case writes the settings file).
#[tokio::test]
async fn an_engine_switch_is_refused_while_busy_or_for_an_unknown_engine() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).unwrap();
    let s = open(dir.path());
    let before = s.project_engine();
    let e = s.switch_engine(Some("dockmaster-test-no-such-engine")).unwrap_err();
    assert_eq!(e.code, ErrorCode::EngineNotFound, "{e}");
    assert!(e.message.contains("dockmaster-test-no-such-engine"), "{e}");
    assert_eq!(s.project_engine(), before);

    let running = s.begin("up").unwrap();
    let e = s.switch_engine(Some("default")).unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationBusy);
    assert!(e.message.contains("`up` is running"), "{e}");
    assert_eq!(s.project_engine(), before);
    drop(running);
    assert_eq!(crate::engines::choice::remembered(dir.path()), None, "nothing remembered");
}

/// One backup or restore at a time: a second is refused while the first holds the place, Cancel reaches the
/// running one's token (and finds none once it ended), and the place is freed however the job ends.
#[tokio::test]
async fn one_volume_job_at_a_time_and_cancel_reaches_the_running_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).unwrap();
    let s = open(dir.path());
    assert!(!s.cancel_volume_job(), "nothing runs: nothing to cancel");
    let job = s.begin_volume_job().unwrap();
    let e = s.begin_volume_job().err().unwrap();
    assert_eq!(e.code, ErrorCode::OperationBusy);
    assert!(e.message.contains("backup or restore is already running"), "{e}");
    assert!(!job.cancel.is_cancelled());
    assert!(s.cancel_volume_job());
    assert!(job.cancel.is_cancelled());
    drop(job);
    assert!(!s.cancel_volume_job(), "the ended job's place is free");
    let again = s.begin_volume_job().unwrap();
    assert!(!again.cancel.is_cancelled(), "a new job starts with a fresh token");
}
