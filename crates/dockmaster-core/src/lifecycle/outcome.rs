//! After Compose: the outcome (waiting for health where asked), the failing service's evidence, the volumes
//! that are gone, each involved service's state, and the operation's result with its one-line summary.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::execute::{far, Ran};
use super::prepare::Prepared;
use super::tracker::Emitter;
use super::types::{
    ComposeInfo, EventKind, EventSource, Flavor, OpKind, OperationResult, Outcome, PreflightReport,
    ServiceOutcome,
};
use super::wait::{settle, wait_ready, WaitEnd};
use super::{failure, volumes};
use crate::engine::{DockerEngine, EngineHandle, Health, RunState, StoreUpdate};
use crate::project::Project;
use crate::secrets::Masker;

/// What the result is made from besides Compose's run.
pub(super) struct Context<'a> {
    pub project: &'a Project,
    pub engine: &'a EngineHandle,
    pub prepared: &'a Prepared,
    pub info: ComposeInfo,
    pub docker: &'a DockerEngine,
    pub masker: &'a Masker,
}

/// The outcome Compose's exit and output say (before waiting for health).
fn compose_outcome(ran: &Ran) -> Outcome {
    let success = ran.exit.is_some_and(|s| s.success());
    if ran.cancelled {
        Outcome::Cancelled
    } else if ran.timed_out {
        Outcome::TimedOut
    } else if success {
        Outcome::Succeeded
    } else if ran.tracker.other_lines.iter().any(|l| l.contains("not healthy after")) {
        Outcome::TimedOut
    } else {
        Outcome::Failed
    }
}

pub(super) async fn finish(
    ctx: Context<'_>,
    mut ran: Ran,
    mut updates: broadcast::Receiver<StoreUpdate>,
    planned_volumes: Vec<String>,
    preflight: Option<PreflightReport>,
    cancel: &CancellationToken,
    em: &mut Emitter,
) -> OperationResult {
    let Context { project, engine, prepared, info, docker, masker } = ctx;
    let op = prepared.op;
    let mut outcome = compose_outcome(&ran);
    if outcome == Outcome::Succeeded && ran.deadline.is_some() {
        // v2 waited itself: the engine's events only need to catch up.
        let slack = if info.flavor == Flavor::V2 { Duration::from_secs(5) } else { Duration::ZERO };
        let until = ran.deadline.unwrap_or_else(far) + slack;
        let end =
            wait_ready(engine, &mut updates, &mut ran.tracker, em, &prepared.involved, until, cancel).await;
        outcome = match end {
            WaitEnd::Ready => Outcome::Succeeded,
            WaitEnd::Failed => Outcome::Failed,
            WaitEnd::TimedOut => Outcome::TimedOut,
            WaitEnd::Cancelled => Outcome::Cancelled,
        };
    }
    settle(engine, &mut updates, &mut ran.tracker, em).await;
    let snapshot = engine.snapshot();
    let exit_code = ran.exit.and_then(|s| s.code());
    let failure = if matches!(outcome, Outcome::Failed | Outcome::TimedOut) {
        let evidence = failure::Evidence {
            outcome,
            compose_text: &ran.tracker.other_lines,
            exit_code,
            timeout_s: ran.timeout_s,
            involved: &prepared.involved,
            snapshot: &snapshot,
            tracker: &ran.tracker,
        };
        Some(failure::diagnose(evidence, Some(docker), masker).await)
    } else {
        None
    };
    let removed_volumes = removed(docker, &planned_volumes).await;

    let shown: Vec<String> = if op == OpKind::Down {
        let touched = snapshot.services.iter().filter(|s| ran.tracker.phase(&s.name).is_some());
        touched.map(|s| s.name.clone()).collect()
    } else {
        prepared.involved.clone()
    };
    let states: Vec<ServiceOutcome> = shown
        .iter()
        .map(|name| {
            let s = snapshot.services.iter().find(|s| &s.name == name);
            ServiceOutcome {
                name: name.clone(),
                phase: ran.tracker.phase(name),
                state: s.map_or(RunState::NotCreated, |s| s.state),
                health: s.map_or(Health::None, |s| s.health),
            }
        })
        .collect();
    let duration_ms = em.elapsed_ms();
    let failed_service = failure.as_ref().and_then(|f| f.service.as_ref());
    let summary = match outcome {
        Outcome::Succeeded => {
            format!("{} succeeded in {:.1} s", op.as_str(), f64::from(duration_ms) / 1000.0)
        }
        Outcome::Failed => {
            format!("{} failed{}", op.as_str(), failed_service.map(|s| format!(": {s}")).unwrap_or_default())
        }
        Outcome::TimedOut => format!("{} timed out after {} s", op.as_str(), ran.timeout_s),
        Outcome::Cancelled => format!("{} cancelled; Compose was stopped", op.as_str()),
    };
    em.event(EventKind::Finished, EventSource::Dockmaster, summary).send();
    OperationResult {
        operation: op,
        project: project.name().to_string(),
        profiles: prepared.profiles.clone(),
        services: prepared.targets.clone(),
        compose: info,
        outcome,
        exit_code,
        duration_ms,
        states,
        failure,
        removed_volumes,
        preflight,
    }
}

/// Which of the volumes `down` was to delete are gone now.
async fn removed(docker: &DockerEngine, planned: &[String]) -> Vec<String> {
    if planned.is_empty() {
        return Vec::new();
    }
    match volumes::engine_volumes(docker).await {
        Ok(left) => {
            let left: BTreeSet<String> = left.into_iter().map(|v| v.name).collect();
            planned.iter().filter(|v| !left.contains(*v)).cloned().collect()
        }
        Err(_) => Vec::new(),
    }
}
