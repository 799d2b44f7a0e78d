//! After Compose: waiting until every involved service runs healthy (v1 has no `--wait`; v2's answer still
//! needs the engine's events to catch up), judged on the supervisor's live state, and draining the updates
//! already queued.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::tracker::{Emitter, Tracker};
use crate::engine::{EngineHandle, EngineSnapshot, Health, RunState, StoreUpdate};

/// How waiting on the engine ended.
pub(super) enum WaitEnd {
    Ready,
    Failed,
    TimedOut,
    Cancelled,
}

/// Whether every involved service runs (healthy where it has a healthcheck). `Err(())`: one has failed.
fn readiness(
    snapshot: &EngineSnapshot,
    involved: &[String],
    bad_since: &mut BTreeMap<String, Instant>,
) -> std::result::Result<bool, ()> {
    let mut ready = true;
    for name in involved {
        let Some(s) = snapshot.services.iter().find(|s| &s.name == name) else {
            ready = false;
            continue;
        };
        let containers: Vec<_> = s.containers.iter().filter(|c| !c.one_off).collect();
        if containers.is_empty() {
            ready = false;
        }
        let mut bad = false;
        for c in containers {
            match (c.state, c.health) {
                (RunState::Running, Health::None | Health::Healthy) => {}
                (RunState::Exited, _) if c.exit_code == Some(0) => {}
                (RunState::Running, Health::Unhealthy) => return Err(()),
                (RunState::Exited | RunState::Dead | RunState::Restarting, _) => {
                    bad = true;
                    ready = false;
                }
                _ => ready = false,
            }
        }
        // An exit may be followed by a restart: a crash only counts once it lasts.
        if bad {
            let since = *bad_since.entry(name.clone()).or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(5) {
                return Err(());
            }
        } else {
            bad_since.remove(name);
        }
    }
    Ok(ready)
}

pub(super) async fn wait_ready(
    handle: &EngineHandle,
    updates: &mut broadcast::Receiver<StoreUpdate>,
    tracker: &mut Tracker,
    em: &mut Emitter,
    involved: &[String],
    deadline: tokio::time::Instant,
    cancel: &CancellationToken,
) -> WaitEnd {
    let mut bad_since = BTreeMap::new();
    let mut engine_open = true;
    loop {
        match readiness(&handle.snapshot(), involved, &mut bad_since) {
            Ok(true) => return WaitEnd::Ready,
            Err(()) => return WaitEnd::Failed,
            Ok(false) => {}
        }
        tokio::select! {
            update = updates.recv(), if engine_open => match update {
                Ok(u) => if let Some(s) = &u.service { tracker.on_engine(em, s) },
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    for s in &handle.snapshot().services { tracker.on_engine(em, s) }
                }
                Err(broadcast::error::RecvError::Closed) => engine_open = false,
            },
            _ = tokio::time::sleep_until(deadline) => return WaitEnd::TimedOut,
            _ = cancel.cancelled() => return WaitEnd::Cancelled,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// Processes the engine updates already queued (the state a moment after Compose returned).
pub(super) async fn settle(
    handle: &EngineHandle,
    updates: &mut broadcast::Receiver<StoreUpdate>,
    tracker: &mut Tracker,
    em: &mut Emitter,
) {
    loop {
        match tokio::time::timeout(Duration::from_millis(300), updates.recv()).await {
            Ok(Ok(u)) => {
                if let Some(s) = &u.service {
                    tracker.on_engine(em, s);
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {
                for s in &handle.snapshot().services {
                    tracker.on_engine(em, s);
                }
            }
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return,
        }
    }
}
