//! Lifecycle operations through the session: one at a time per project (cancellable from anywhere that holds
//! the session), progress to a callback, and the questions asked before or beside one (preflight, what
//! `down --volumes` would delete, drift).

use std::time::Duration;

use serde::Deserialize;
use tokio::sync::mpsc;

use super::operation::Running;
use super::{ChildProcess, Session};
use crate::attention::OperationEnd;
use crate::error::ErrorReport;
use crate::lifecycle::{
    self, DriftReport, LifecycleEvent, OpKind, OperationResult, PreflightReport, Request, RunOptions,
    VolumePlan,
};

/// How long `up --wait` waits for health when the request does not say.
pub const DEFAULT_TIMEOUT_SECS: u32 = 180;

/// One operation as a face asks for it (the window's Start/Stop/…, the CLI's `up`/`down`/…).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OperationRequest {
    pub operation: OpKind,
    /// The profile selection (empty: the project's default; `down` ignores it, it removes the whole project).
    pub profiles: Vec<String>,
    /// Single services; empty: the selection's.
    pub services: Vec<String>,
    /// `up`: wait until the services are healthy.
    pub wait: bool,
    /// `up` with `wait`: seconds the services may take (0: the default, 180).
    pub timeout_secs: u32,
    /// `up`: skip the preflight.
    #[serde(default)]
    pub no_preflight: bool,
    /// `down`: delete the project's volumes too.
    pub volumes: bool,
    /// `down` with `volumes`: exactly the list `volume_plan` returned and the user confirmed.
    pub confirmed_volumes: Vec<String>,
    /// The Compose version to use (`v1`/`v2`); `None`: `DOCKMASTER_COMPOSE`, else v2 when installed, else v1.
    #[serde(default)]
    pub compose: Option<String>,
    /// After SIGTERM on cancel, seconds Compose may take to stop before SIGKILL (0: 10).
    #[serde(default)]
    pub grace_secs: u32,
}

impl OperationRequest {
    pub fn new(operation: OpKind) -> Self {
        OperationRequest {
            operation,
            profiles: Vec::new(),
            services: Vec::new(),
            wait: false,
            timeout_secs: 0,
            no_preflight: false,
            volumes: false,
            confirmed_volumes: Vec::new(),
            compose: None,
            grace_secs: 0,
        }
    }
}

impl Session {
    /// The options of one operation or question, and what its children start from (on an SSH engine a relay:
    /// keep it until the children are done).
    fn run_options(
        &self,
        compose: Option<String>,
        grace_secs: u32,
    ) -> Result<(RunOptions, ChildProcess), ErrorReport> {
        let mut options = RunOptions::new(self.endpoint()?);
        let mut children = self.child_process()?;
        options.process_env = children.env.take();
        options.compose = compose;
        if grace_secs > 0 {
            options.kill_grace = Duration::from_secs(u64::from(grace_secs));
        }
        Ok((options, children))
    }

    /// Runs one operation to its end, sending every progress event to `on_event` before the result returns.
    /// A Compose run that fails is a result with outcome `failed` (and the failing service's evidence); an
    /// error means it could not run (`OPERATION_BUSY`, `PREFLIGHT_BLOCKED`, `VOLUMES_UNCONFIRMED`,
    /// `COMPOSE_NOT_FOUND`, a keychain or engine code…).
    pub async fn run(
        &self,
        request: OperationRequest,
        on_event: impl Fn(LifecycleEvent) + Send + 'static,
    ) -> Result<OperationResult, ErrorReport> {
        let op = request.operation;
        let profiles = if op == OpKind::Down { Vec::new() } else { self.profiles(&request.profiles)? };
        let running = self.begin(op.as_str())?;
        self.run_begun(running, profiles, request, on_event).await
    }

    /// [`Session::run`] once the session's operation place is taken (`running`); its end is told to the
    /// session's listeners (the tray, notifications).
    pub(super) async fn run_begun(
        &self,
        mut running: Running,
        profiles: Vec<String>,
        request: OperationRequest,
        on_event: impl Fn(LifecycleEvent) + Send + 'static,
    ) -> Result<OperationResult, ErrorReport> {
        let op = request.operation;
        let services = request.services.clone();
        let result = self.run_in(&running, profiles.clone(), request, on_event).await;
        let project = self.project();
        running.ended(OperationEnd::of_lifecycle(project.name(), op, &profiles, &services, &result));
        result
    }

    /// The operation itself, in the place `running` holds.
    async fn run_in(
        &self,
        running: &Running,
        profiles: Vec<String>,
        request: OperationRequest,
        on_event: impl Fn(LifecycleEvent) + Send + 'static,
    ) -> Result<OperationResult, ErrorReport> {
        let op = request.operation;
        let (options, children) = self.run_options(request.compose.clone(), request.grace_secs)?;
        let mut core = Request::new(op, profiles);
        core.services = request.services;
        core.wait = request.wait;
        let secs = if request.timeout_secs == 0 { DEFAULT_TIMEOUT_SECS } else { request.timeout_secs };
        core.timeout = Duration::from_secs(u64::from(secs));
        core.preflight = op == OpKind::Up && !request.no_preflight;
        core.volumes = request.volumes;
        core.confirmed_volumes = request.confirmed_volumes;
        let (tx, mut rx) = mpsc::unbounded_channel::<LifecycleEvent>();
        let forward = tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                on_event(event);
            }
        });
        let project = self.project();
        let engine = self.engine().await?;
        let result = lifecycle::run(&project, &engine, core, &options, tx, running.cancel.clone()).await;
        // Every event is on its way before the result is: the sender was dropped with the run.
        let _ = forward.await;
        match result {
            Ok(mut result) => {
                if let (Some(failure), Some(why)) = (result.failure.as_mut(), children.relay_failure()) {
                    failure.message = with_relay_failure(&failure.message, &why);
                }
                Ok(result)
            }
            Err(e) => Err(relayed(e.into(), &children)),
        }
    }

    /// What `up` checks first, on its own: engine, Compose, free host ports, required variables, memory and
    /// disk, for the selection's services or `services` (with their dependencies). Starts nothing.
    pub async fn preflight(
        &self,
        profiles: &[String],
        services: &[String],
        compose: Option<String>,
    ) -> Result<PreflightReport, ErrorReport> {
        let profiles = self.profiles(profiles)?;
        let (options, children) = self.run_options(compose, 0)?;
        let engine = self.engine().await?;
        lifecycle::preflight(&self.project(), &engine, &profiles, services, &options)
            .await
            .map_err(|e| relayed(e.into(), &children))
    }

    /// What `down --volumes` would delete now, each volume with why (confirm exactly this list).
    pub async fn volume_plan(&self, compose: Option<String>) -> Result<VolumePlan, ErrorReport> {
        let (options, children) = self.run_options(compose, 0)?;
        let engine = self.engine().await?;
        lifecycle::volume_plan(&self.project(), &engine, &options)
            .await
            .map_err(|e| relayed(e.into(), &children))
    }

    /// Which running services of the selection run an older configuration (the next `up` recreates them).
    pub async fn drift(
        &self,
        profiles: &[String],
        compose: Option<String>,
    ) -> Result<DriftReport, ErrorReport> {
        let profiles = self.profiles(profiles)?;
        let (options, children) = self.run_options(compose, 0)?;
        let engine = self.engine().await?;
        lifecycle::drift(&self.project(), &engine, &profiles, &options)
            .await
            .map_err(|e| relayed(e.into(), &children))
    }
}

/// An operation's error with what went wrong on the SSH relay's side, if anything did.
fn relayed(mut report: ErrorReport, children: &ChildProcess) -> ErrorReport {
    if let Some(why) = children.relay_failure() {
        report.message = with_relay_failure(&report.message, &why);
    }
    report
}

/// `message`, then the SSH relay's failure (once).
fn with_relay_failure(message: &str, why: &str) -> String {
    if message.contains(why) {
        message.to_string()
    } else {
        format!("{message} (the SSH connection to the engine: {why})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relays_ssh_failure_is_added_to_the_error_once() {
        let why = "nothing answers SSH at ssh://ops@far:22 (Connection refused)";
        let once = with_relay_failure("Compose failed: error during connect", why);
        assert_eq!(
            once,
            "Compose failed: error during connect (the SSH connection to the engine: nothing answers SSH at \
             ssh://ops@far:22 (Connection refused))"
        );
        assert_eq!(with_relay_failure(&once, why), once);
        let none = ChildProcess { env: None, relay: None };
        let report = ErrorReport::new(crate::error::ErrorCode::EngineUnavailable, "no answer");
        assert_eq!(relayed(report, &none).message, "no answer", "no relay, nothing added");
    }
}
