//! Compose itself: the invocation for the operation, the child started with its curated environment (it
//! inherits the operation lock), its output and the engine's updates turned into events as they come, and its
//! end — by itself, by cancel (SIGTERM to its group, SIGKILL after the grace period) or past the deadline.

use std::process::ExitStatus;
use std::time::{Duration, Instant};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::child::ComposeChild;
use super::compose::{self, Invocation, OpArgs, Target};
use super::env::ChildEnv;
use super::lock::OperationLock;
use super::prepare::Prepared;
use super::tracker::{Emitter, Tracker};
use super::types::{ComposeInfo, EventKind, EventSource, Flavor, OpKind};
use super::{Request, Result, RunOptions};
use crate::engine::{EngineHandle, StoreUpdate};
use crate::project::Project;
use crate::secrets::Masker;

/// What running Compose needs.
pub(super) struct Run<'a> {
    pub project: &'a Project,
    pub engine: &'a EngineHandle,
    pub updates: &'a mut broadcast::Receiver<StoreUpdate>,
    pub prepared: &'a Prepared,
    pub request: &'a Request,
    pub info: &'a ComposeInfo,
    /// Moved into the child's environment, then zeroised here.
    pub env: ChildEnv,
    pub lock: &'a mut OperationLock,
    pub masker: &'a Masker,
    pub options: &'a RunOptions,
    pub started: Instant,
    pub cancel: &'a CancellationToken,
    pub em: &'a mut Emitter,
}

/// How Compose ended, with what its output and the engine said meanwhile.
pub(super) struct Ran {
    pub exit: Option<ExitStatus>,
    pub cancelled: bool,
    pub timed_out: bool,
    pub tracker: Tracker,
    /// `up --wait`: when the services must be healthy by.
    pub deadline: Option<tokio::time::Instant>,
    pub timeout_s: u32,
}

/// Starts Compose and follows it to its end.
pub(super) async fn compose(run: Run<'_>) -> Result<Ran> {
    let Run {
        project,
        engine,
        updates,
        prepared,
        request,
        info,
        env,
        lock,
        masker,
        options,
        started,
        cancel,
        em,
    } = run;
    let op = prepared.op;
    let wait = op == OpKind::Up && request.wait;
    let timeout_s = u32::try_from(request.timeout.as_secs()).unwrap_or(u32::MAX).max(1);
    let deadline = wait.then(|| tokio::time::Instant::from_std(started) + request.timeout);
    let remaining_s = deadline.map(|d| {
        let left = d.saturating_duration_since(tokio::time::Instant::now()).as_millis().div_ceil(1000);
        u32::try_from(left).unwrap_or(u32::MAX).max(1)
    });
    let args = OpArgs { services: &request.services, wait_timeout_s: remaining_s, volumes: request.volumes };
    let target = Target {
        files: &prepared.resolved.files,
        project_dir: project.root(),
        project_name: project.name(),
        profiles: &prepared.profiles,
        context: env.context(),
    };
    let invocation: Invocation =
        compose::invocation(info, &target, compose::subcommand(info.flavor, op, &args));
    let mut tracker =
        Tracker::new(op, info.flavor, project.name(), &prepared.resolved.model, &prepared.involved);
    tracker.seed(&engine.snapshot());

    // Compose inherits the lock: it stays held while Compose lives, even if this process is killed.
    let (mut child, mut lines) = ComposeChild::spawn(&invocation, &env, Some(lock))?;
    drop(env); // the secrets are in the child's environment now; zeroise our copy
    let started_line = format!("$ {} (PID {})", invocation.display(), child.pid().unwrap_or_default());
    em.event(EventKind::Output, EventSource::Dockmaster, started_line).send();

    // v2 gets `--wait-timeout`: give it a moment past that to say so itself before it is stopped.
    let compose_deadline = deadline.map(|d| match info.flavor {
        Flavor::V2 => d + Duration::from_secs(10),
        Flavor::V1 => d,
    });
    let sleep = tokio::time::sleep_until(compose_deadline.unwrap_or_else(far));
    tokio::pin!(sleep);
    let (mut cancelled, mut timed_out) = (false, false);
    let (mut lines_open, mut engine_open) = (true, true);
    let exit = loop {
        tokio::select! {
            line = lines.recv(), if lines_open => match line {
                Some((_, l)) => tracker.on_line(em, masker, &l),
                None => lines_open = false,
            },
            status = child.wait() => break status.ok(),
            _ = cancel.cancelled() => {
                cancelled = true;
                em.event(EventKind::Warning, EventSource::Dockmaster, "cancelled: stopping Compose (SIGTERM, then SIGKILL)").send();
                break child.terminate(options.kill_grace).await;
            }
            _ = &mut sleep, if compose_deadline.is_some() => {
                timed_out = true;
                em.event(EventKind::Warning, EventSource::Dockmaster, format!("not done after {timeout_s} s: stopping Compose")).send();
                break child.terminate(options.kill_grace).await;
            }
            update = updates.recv(), if engine_open => match update {
                Ok(u) => if let Some(s) = &u.service { tracker.on_engine(em, s) },
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    for s in &engine.snapshot().services { tracker.on_engine(em, s) }
                }
                Err(broadcast::error::RecvError::Closed) => engine_open = false,
            },
        }
    };
    // The rest of its output (the streams close once the whole group is gone).
    while let Ok(Some((_, l))) = tokio::time::timeout(Duration::from_millis(500), lines.recv()).await {
        tracker.on_line(em, masker, &l);
    }
    Ok(Ran { exit, cancelled, timed_out, tracker, deadline, timeout_s })
}

/// A deadline that never comes (a year from now).
pub(super) fn far() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(60 * 60 * 24 * 365)
}
