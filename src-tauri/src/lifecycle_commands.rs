//! Start, stop, restart and remove the project through Compose: `lifecycle_run` (progress over a Channel,
//! cancellable with `lifecycle_cancel`), plus the questions asked before or beside an operation
//! (`lifecycle_preflight`, `lifecycle_volume_plan`, `lifecycle_drift`). Each is one call into
//! `dockmaster_core::lifecycle` plus error mapping.
//!
//! One operation per project: the core's lock refuses a second one across processes (CLI and app alike); this
//! module also refuses a second one from this window before Compose is looked for, and keeps each running
//! operation's cancel token by project folder. The engine endpoint is resolved as the dashboard does
//! (`DOCKER_HOST`, the Docker context, the platform socket).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use dockmaster_core::engine::{Endpoint, EndpointEnv, EngineError};
use dockmaster_core::lifecycle::{
    self, CancellationToken, DriftReport, LifecycleError, LifecycleEvent, OpKind, OperationResult,
    PreflightReport, Request, RunOptions, VolumePlan,
};
use dockmaster_core::secrets::SecretsError;
use serde::Deserialize;
use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::mpsc;

use crate::commands::open_async;
use crate::error::AppError;

/// How long `up --wait` waits for health when the window does not say.
const DEFAULT_TIMEOUT_SECS: u32 = 180;

/// One operation as the window asks for it.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LifecycleRequest {
    pub operation: OpKind,
    /// The profile selection (`down` ignores it: it removes the whole project).
    pub profiles: Vec<String>,
    /// Single services; empty: the selection's.
    pub services: Vec<String>,
    /// `up`: wait until the services are healthy.
    pub wait: bool,
    /// `up` with `wait`: seconds the services may take (0: the default, 180).
    pub timeout_secs: u32,
    /// `down`: delete the project's named volumes too.
    pub volumes: bool,
    /// `down` with `volumes`: exactly the list `lifecycle_volume_plan` returned and the user confirmed.
    pub confirmed_volumes: Vec<String>,
}

impl LifecycleRequest {
    fn into_core(self) -> Request {
        let mut r = Request::new(self.operation, self.profiles);
        r.services = self.services;
        r.wait = self.wait;
        let secs = if self.timeout_secs == 0 { DEFAULT_TIMEOUT_SECS } else { self.timeout_secs };
        r.timeout = Duration::from_secs(u64::from(secs));
        r.volumes = self.volumes;
        r.confirmed_volumes = self.confirmed_volumes;
        r
    }
}

/// The operations running from this window: project folder → (operation, cancel token).
#[derive(Default)]
pub struct LifecycleState(Mutex<BTreeMap<String, (OpKind, CancellationToken)>>);

impl LifecycleState {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, (OpKind, CancellationToken)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Forgets the running operation when the command ends, however it ends.
struct Running<'a> {
    state: &'a LifecycleState,
    dir: String,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.state.lock().remove(&self.dir);
    }
}

impl From<LifecycleError> for AppError {
    fn from(e: LifecycleError) -> Self {
        // Lifecycle errors never carry a secret value (Compose's output is masked before it is kept).
        let message = e.to_string();
        match e {
            LifecycleError::Busy { .. } => AppError::OperationBusy(message),
            LifecycleError::PreflightBlocked(_) => AppError::PreflightBlocked(message),
            LifecycleError::ConfirmVolumes { .. } => AppError::VolumesUnconfirmed(message),
            LifecycleError::ComposeNotFound { .. }
            | LifecycleError::ComposeUnavailable { .. }
            | LifecycleError::InvalidFlavor { .. } => AppError::ComposeMissing(message),
            LifecycleError::UnknownService { .. } | LifecycleError::NoServicesAllowed { .. } => {
                AppError::OperationInvalid(message)
            }
            LifecycleError::Lock { .. } | LifecycleError::Spawn { .. } => AppError::OperationFailed(message),
            LifecycleError::Engine(_) => AppError::EngineUnavailable(message),
            LifecycleError::KeychainNeeded { source, .. } => match *source {
                SecretsError::Locked { .. } => AppError::KeychainLocked(message),
                _ => AppError::KeychainUnavailable(message),
            },
            LifecycleError::Secrets(e) => e.into(),
            LifecycleError::Project(e) => e.into(),
        }
    }
}

/// The engine endpoint as the dashboard resolves it, and the defaults of the core's runner.
fn options() -> Result<RunOptions, AppError> {
    let endpoint = Endpoint::resolve(&EndpointEnv::from_process())
        .map_err(|e: EngineError| AppError::EngineUnavailable(e.to_string()))?;
    Ok(RunOptions::new(endpoint))
}

/// Runs one operation on the project in `dir` to its end, sending every progress event to `on_event`. A
/// Compose run that fails is a result with outcome `failed` (and the failing service's evidence), not an
/// error; errors mean it could not run: `OPERATION_BUSY`, `PREFLIGHT_BLOCKED` (ask `lifecycle_preflight` for
/// the problems), `VOLUMES_UNCONFIRMED`, `COMPOSE_MISSING`, `KEYCHAIN_LOCKED`/`KEYCHAIN_UNAVAILABLE`,
/// `ENGINE_UNAVAILABLE`, `OPERATION_INVALID`, `OPERATION_FAILED`.
#[tauri::command]
#[specta::specta]
pub async fn lifecycle_run(
    state: State<'_, LifecycleState>,
    dir: String,
    request: LifecycleRequest,
    on_event: Channel<LifecycleEvent>,
) -> Result<OperationResult, AppError> {
    let op = request.operation;
    let cancel = CancellationToken::new();
    {
        let mut running = state.lock();
        if let Some((other, _)) = running.get(&dir) {
            return Err(AppError::OperationBusy(format!(
                "`{}` is already running on this project in this window: wait for it to finish (or cancel \
                 it), then retry `{}`",
                other.as_str(),
                op.as_str()
            )));
        }
        running.insert(dir.clone(), (op, cancel.clone()));
    }
    let _running = Running { state: &state, dir: dir.clone() };
    let project = open_async(&dir).await?;
    let options = options()?;
    let (tx, mut rx) = mpsc::unbounded_channel::<LifecycleEvent>();
    let forward = tauri::async_runtime::spawn(async move {
        while let Some(event) = rx.recv().await {
            // The window may be gone: the operation still runs to its end (and its lock is released).
            let _ = on_event.send(event);
        }
    });
    let result = lifecycle::run(&project, request.into_core(), &options, tx, cancel).await;
    // Every event is on its way before the result is: the sender was dropped with the run.
    let _ = forward.await;
    Ok(result?)
}

/// Cancels the operation running on the project in `dir` (Compose gets SIGTERM, then SIGKILL after the grace
/// period); the running `lifecycle_run` then returns with outcome `cancelled`. False when none runs.
#[tauri::command]
#[specta::specta]
pub fn lifecycle_cancel(state: State<'_, LifecycleState>, dir: String) -> bool {
    match state.lock().get(&dir) {
        Some((_, cancel)) => {
            cancel.cancel();
            true
        }
        None => false,
    }
}

/// What `up` checks first, on its own: engine, Compose, free host ports (and who holds a taken one, with the
/// variable that moves it), required variables, memory and disk, for the selection's services or `services`
/// (with their dependencies). Starts nothing.
#[tauri::command]
#[specta::specta]
pub async fn lifecycle_preflight(
    dir: String,
    profiles: Vec<String>,
    services: Vec<String>,
) -> Result<PreflightReport, AppError> {
    let project = open_async(&dir).await?;
    Ok(lifecycle::preflight(&project, &profiles, &services, &options()?).await?)
}

/// The project's named volumes `down` with volumes would delete (pass exactly this list back to confirm).
#[tauri::command]
#[specta::specta]
pub async fn lifecycle_volume_plan(dir: String) -> Result<VolumePlan, AppError> {
    let project = open_async(&dir).await?;
    Ok(lifecycle::volume_plan(&project, &options()?).await?)
}

/// Which running services of the selection run an older configuration (the next `up` recreates them).
#[tauri::command]
#[specta::specta]
pub async fn lifecycle_drift(dir: String, profiles: Vec<String>) -> Result<DriftReport, AppError> {
    let project = open_async(&dir).await?;
    Ok(lifecycle::drift(&project, &profiles, &options()?).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_request_becomes_the_core_request() {
        let request: LifecycleRequest = serde_json::from_value(serde_json::json!({
            "operation": "down",
            "profiles": ["development"],
            "services": [],
            "wait": false,
            "timeoutSecs": 0,
            "volumes": true,
            "confirmedVolumes": ["p_db", "p_cache"],
        }))
        .expect("a valid request");
        let core = request.into_core();
        assert_eq!(core.operation, OpKind::Down);
        assert!(core.volumes);
        assert_eq!(core.confirmed_volumes, ["p_db", "p_cache"]);
        assert_eq!(core.timeout, Duration::from_secs(u64::from(DEFAULT_TIMEOUT_SECS)));
        assert!(!core.preflight, "only up runs the preflight");

        let up: LifecycleRequest = serde_json::from_value(serde_json::json!({
            "operation": "up", "profiles": ["development"], "services": ["gameserver"], "wait": true,
            "timeoutSecs": 30, "volumes": false, "confirmedVolumes": [],
        }))
        .expect("a valid request");
        let core = up.into_core();
        assert_eq!(core.operation, OpKind::Up);
        assert!(core.preflight && core.wait);
        assert_eq!(core.services, ["gameserver"]);
        assert_eq!(core.timeout, Duration::from_secs(30));
    }

    #[test]
    fn errors_keep_their_meaning_for_the_window() {
        let busy = AppError::from(LifecycleError::Busy {
            project: "p".into(),
            operation: "up".into(),
            pid: Some(7),
            compose_pid: Some(8),
            holder_exited: false,
        });
        assert!(
            matches!(&busy, AppError::OperationBusy(m) if m.contains("`up`") && m.contains("PID 7") && m.contains("Compose PID 8"))
        );
        let volumes = AppError::from(LifecycleError::ConfirmVolumes { volumes: vec!["p_db".into()] });
        assert!(matches!(&volumes, AppError::VolumesUnconfirmed(m) if m.contains("p_db")));
        let compose = AppError::from(LifecycleError::ComposeNotFound { tried: "docker compose".into() });
        assert!(matches!(&compose, AppError::ComposeMissing(m) if m.contains("Install Compose")));
        let locked = AppError::from(LifecycleError::KeychainNeeded {
            source: Box::new(SecretsError::Locked { collection: "Login".into() }),
            variables: vec!["JWT_SECRET".into()],
        });
        assert!(matches!(&locked, AppError::KeychainLocked(m) if m.contains("JWT_SECRET")));
    }

    #[test]
    fn a_running_operation_is_forgotten_when_its_command_ends() {
        let state = LifecycleState::default();
        state.lock().insert("/p".into(), (OpKind::Up, CancellationToken::new()));
        {
            let _running = Running { state: &state, dir: "/p".into() };
        }
        assert!(state.lock().is_empty());
    }
}
