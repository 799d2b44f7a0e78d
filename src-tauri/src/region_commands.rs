//! The Regions page's commands: validate, plan, apply (progress over a Channel, cancellable, rolled back by
//! the core on failure), list, start, stop, remove and show regions. Each is one call into
//! `dockmaster_core::region` plus error mapping; no secret crosses IPC (plans and progress hold none).
//!
//! Engine access: the dashboard's supervisor when it watches the project ([`EngineState::link`]), else one
//! supervisor of this module's own for the project, kept for the next call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dockmaster_core::engine::logs::EngineLink;
use dockmaster_core::engine::{
    ConnectionStatus, Endpoint, EndpointEnv, EngineConfig, EngineError, EngineHandle, ServiceSelection,
};
use dockmaster_core::region::{
    self, AppliedRegion, ApplyEvent, ApplyOptions, CancellationToken, Docker, FieldError, PlanOptions,
    RegionError, RegionInfo, RegionPlan, RegionRequest, RemoveReport,
};
use dockmaster_core::Project;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::commands::open_async;
use crate::engine_commands::EngineState;
use crate::error::AppError;

/// How long each region container may take to become healthy (apply and start).
const HEALTH_TIMEOUT: Duration = Duration::from_secs(120);

/// The module's own supervisor, the apply running now, and the last plan the window reviewed.
#[derive(Default)]
pub struct RegionState {
    /// A supervisor for a project the dashboard does not watch: (folder, project name, handle).
    own: Mutex<Option<(String, String, Arc<EngineHandle>)>>,
    /// The apply running now (at most one per window): its folder, region and cancel token.
    running: Mutex<Option<(String, String, CancellationToken)>>,
    /// The plan last shown by `region_plan`: what `region_apply` creates when asked for the same request.
    reviewed: Mutex<Option<(String, RegionPlan)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl From<RegionError> for AppError {
    fn from(e: RegionError) -> Self {
        // RegionError never holds a secret value (plans mask them; the password only exists while applying).
        let message = e.to_string();
        match e {
            RegionError::Invalid { .. } | RegionError::Options { .. } => AppError::RegionInvalid(message),
            RegionError::Template { .. } => AppError::RegionTemplate(message),
            RegionError::NetworksMissing { .. } => AppError::RegionPreflight(message),
            RegionError::Conflict { .. } => AppError::RegionConflict(message),
            RegionError::NoFreePort { .. } => AppError::RegionNoFreePort(message),
            RegionError::NoFreeSubnet { .. } => AppError::RegionNoFreeSubnet(message),
            RegionError::NotFound { .. } => AppError::RegionNotFound(message),
            RegionError::ConfirmVolumes { .. } => AppError::RegionConfirmVolumes(message),
            RegionError::Busy { .. } => AppError::RegionBusy(message),
            RegionError::StateFolder { .. } => AppError::OperationFailed(message),
            RegionError::ApplyFailed { .. } => AppError::RegionApplyFailed(message),
            RegionError::Cancelled { .. } => AppError::RegionApplyCancelled(message),
            RegionError::Engine { .. } => AppError::RegionEngine(message),
            RegionError::EngineUnavailable(_) => AppError::EngineUnavailable(message),
            RegionError::Keychain(e) => e.into(),
            RegionError::Project(e) => e.into(),
        }
    }
}

/// The client of a supervisor that is connecting or connected, once it knows; else why not.
async fn client_of(link: EngineLink) -> Result<Docker, RegionError> {
    let mut snapshots = link.snapshot();
    let snapshot =
        match snapshots.wait_for(|s| s.synced || s.connection.status != ConnectionStatus::Connecting).await {
            Ok(s) => s.clone(),
            Err(_) => link.snapshot().borrow().clone(),
        };
    match link.client().await {
        Some(docker) => Ok(docker),
        None => Err(RegionError::EngineUnavailable(EngineError::Unavailable {
            endpoint: snapshot.connection.endpoint.clone(),
            reason: snapshot.connection.reason.clone().unwrap_or_else(|| "the connection was lost".into()),
        })),
    }
}

/// The engine client for the project in `dir`: the dashboard's supervisor's, else this module's own.
async fn docker(
    engine: &EngineState,
    state: &RegionState,
    dir: &str,
    project: &Project,
) -> Result<Docker, AppError> {
    if let Some(link) = engine.link(dir) {
        return Ok(client_of(link).await?);
    }
    let handle = {
        let mut own = lock(&state.own);
        match own.as_ref().filter(|(d, p, _)| d == dir && p == project.name()) {
            Some((_, _, handle)) => Arc::clone(handle),
            None => {
                let endpoint = Endpoint::resolve(&EndpointEnv::from_process()).map_err(RegionError::from)?;
                let selection = ServiceSelection::for_project(project, &project.default_selection())?;
                let (handle, _updates) =
                    EngineHandle::spawn(EngineConfig::new(project.name(), selection, endpoint));
                let handle = Arc::new(handle);
                *own = Some((dir.to_string(), project.name().to_string(), Arc::clone(&handle)));
                handle
            }
        }
    };
    Ok(region::client(&handle).await?)
}

/// The project in `dir`, opened, and its engine client (see [`docker`]).
async fn connect(
    engine: &EngineState,
    state: &RegionState,
    dir: &str,
) -> Result<(Project, Docker), AppError> {
    let project = open_async(dir).await?;
    let docker = docker(engine, state, dir, &project).await?;
    Ok((project, docker))
}

/// The request's field errors (empty when it is valid), for the wizard's inline validation.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RegionValidation {
    pub errors: Vec<FieldError>,
    /// The name was checked against the project's existing regions (false when the engine could not be asked;
    /// the plan checks again).
    pub regions_checked: bool,
}

/// Checks a region request against the region-manager's rules and, when the engine answers, the project's
/// existing region names. Creates nothing.
#[tauri::command]
#[specta::specta]
pub async fn region_validate(
    engine: State<'_, EngineState>,
    state: State<'_, RegionState>,
    dir: String,
    request: RegionRequest,
) -> Result<RegionValidation, AppError> {
    let project = open_async(&dir).await?;
    let existing = match docker(&engine, &state, &dir, &project).await {
        Ok(d) => region::gather::region_names(&d, project.name()).await.ok(),
        Err(_) => None,
    };
    let errors =
        region::validate(&request, existing.as_deref().unwrap_or_default()).err().unwrap_or_default();
    Ok(RegionValidation { errors, regions_checked: existing.is_some() })
}

/// Everything creating the region would create or join (nothing is created). The plan is kept: applying the
/// same request creates exactly this plan.
#[tauri::command]
#[specta::specta]
pub async fn region_plan(
    engine: State<'_, EngineState>,
    state: State<'_, RegionState>,
    dir: String,
    request: RegionRequest,
) -> Result<RegionPlan, AppError> {
    let (project, docker) = connect(&engine, &state, &dir).await?;
    let plan = region::prepare(&docker, &project, &request, &PlanOptions::default()).await?;
    *lock(&state.reviewed) = Some((dir, plan.clone()));
    Ok(plan)
}

/// Clears the running apply when the command ends, however it ends.
struct Running<'a>(&'a RegionState);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *lock(&self.0.running) = None;
    }
}

/// Creates the region: the plan last reviewed for this request (planned afresh when there is none), applied
/// step by step with every step's progress sent to `on_progress`. On failure or `region_cancel`, everything
/// this apply created is removed (the rollback's steps are sent too) and the error says what failed.
#[tauri::command]
#[specta::specta]
pub async fn region_apply(
    engine: State<'_, EngineState>,
    state: State<'_, RegionState>,
    dir: String,
    request: RegionRequest,
    on_progress: Channel<ApplyEvent>,
) -> Result<AppliedRegion, AppError> {
    let cancel = CancellationToken::new();
    {
        let mut running = lock(&state.running);
        if let Some((_, region, _)) = running.as_ref() {
            return Err(AppError::RegionBusy(format!(
                "region {region} is being created in this window: wait until it is done, or cancel it"
            )));
        }
        *running = Some((dir.clone(), request.name.clone(), cancel.clone()));
    }
    let _running = Running(&state);
    let (project, docker) = connect(&engine, &state, &dir).await?;
    let reviewed = lock(&state.reviewed)
        .take()
        .filter(|(d, plan)| *d == dir && plan.request == request && plan.project == project.name())
        .map(|(_, plan)| plan);
    let plan = match reviewed {
        Some(plan) => plan,
        None => region::prepare(&docker, &project, &request, &PlanOptions::default()).await?,
    };
    if cancel.is_cancelled() {
        return Err(RegionError::Cancelled {
            region: plan.region.clone(),
            step: "plan".into(),
            rollback: Default::default(),
        }
        .into());
    }
    let options = ApplyOptions { health_timeout: HEALTH_TIMEOUT, ..Default::default() };
    let progress = move |event: ApplyEvent| {
        // The window may be gone; the apply (or its rollback) still runs to its end.
        let _ = on_progress.send(event);
    };
    Ok(region::apply(&docker, &project, &plan, &options, &cancel, &progress).await?)
}

/// Cancels the running apply (it then rolls back what it created). False when none is running.
#[tauri::command]
#[specta::specta]
pub fn region_cancel(state: State<'_, RegionState>) -> bool {
    match lock(&state.running).as_ref() {
        Some((_, _, cancel)) => {
            cancel.cancel();
            true
        }
        None => false,
    }
}

/// The project's regions (found by label), with state and health.
#[tauri::command]
#[specta::specta]
pub async fn region_list(
    engine: State<'_, EngineState>,
    state: State<'_, RegionState>,
    dir: String,
) -> Result<Vec<RegionInfo>, AppError> {
    let (project, docker) = connect(&engine, &state, &dir).await?;
    Ok(region::list(&docker, project.name()).await?)
}

/// Starts a region's database, then its server, each waited on until healthy.
#[tauri::command]
#[specta::specta]
pub async fn region_start(
    engine: State<'_, EngineState>,
    state: State<'_, RegionState>,
    dir: String,
    name: String,
) -> Result<RegionInfo, AppError> {
    let (project, docker) = connect(&engine, &state, &dir).await?;
    Ok(region::start(&docker, project.name(), &name, HEALTH_TIMEOUT).await?)
}

/// Stops a region's server, then its database.
#[tauri::command]
#[specta::specta]
pub async fn region_stop(
    engine: State<'_, EngineState>,
    state: State<'_, RegionState>,
    dir: String,
    name: String,
) -> Result<RegionInfo, AppError> {
    let (project, docker) = connect(&engine, &state, &dir).await?;
    Ok(region::stop(&docker, project.name(), &name).await?)
}

/// Removes a region's containers and network; with `confirmedVolumes` naming exactly its volumes, those too
/// (their data) and its database password. Any other list is refused with `REGION_CONFIRM_VOLUMES`.
#[tauri::command]
#[specta::specta]
pub async fn region_remove(
    engine: State<'_, EngineState>,
    state: State<'_, RegionState>,
    dir: String,
    name: String,
    confirmed_volumes: Option<Vec<String>>,
) -> Result<RemoveReport, AppError> {
    let (project, docker) = connect(&engine, &state, &dir).await?;
    Ok(region::remove(&docker, project.root(), project.name(), &name, confirmed_volumes.as_deref()).await?)
}

/// An existing region's plan, rebuilt from its labels and `docker inspect` (environment masked).
#[tauri::command]
#[specta::specta]
pub async fn region_show(
    engine: State<'_, EngineState>,
    state: State<'_, RegionState>,
    dir: String,
    name: String,
) -> Result<RegionPlan, AppError> {
    let (project, docker) = connect(&engine, &state, &dir).await?;
    Ok(region::describe(&docker, project.root(), project.name(), &name, project.secret_policy()).await?)
}

#[cfg(test)]
mod tests {
    use dockmaster_core::region::Rollback;
    use dockmaster_core::secrets::SecretsError;

    use super::*;

    fn code(e: RegionError) -> String {
        serde_json::to_value(AppError::from(e)).expect("JSON")["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The UI branches on these codes (preflight fix, cancelled vs failed, volume confirmation, keychain).
    #[test]
    fn region_errors_keep_their_code_and_message() {
        let missing = RegionError::NetworksMissing {
            networks: vec!["p_nexus-network".into()],
            hint: "Start the stack first: `dockmaster up --profile multi-regional`".into(),
        };
        let message = missing.to_string();
        let app = AppError::from(missing);
        assert_eq!(app.to_string(), message, "the message is the core's, verbatim");
        assert!(message.contains("dockmaster up --profile multi-regional"), "{message}");
        let rollback = Rollback { removed: vec!["container x".into()], left_behind: vec![] };
        let cases = [
            (RegionError::Invalid { errors: vec![] }, "REGION_INVALID"),
            (RegionError::NetworksMissing { networks: vec![], hint: String::new() }, "REGION_PREFLIGHT"),
            (
                RegionError::Cancelled { region: "r".into(), step: "s".into(), rollback: rollback.clone() },
                "REGION_APPLY_CANCELLED",
            ),
            (
                RegionError::ApplyFailed {
                    region: "r".into(),
                    step: "s".into(),
                    cause: "c".into(),
                    rollback,
                },
                "REGION_APPLY_FAILED",
            ),
            (
                RegionError::ConfirmVolumes {
                    region: "r".into(),
                    volumes: vec![],
                    interrupted_apply: None,
                    created_by_apply: vec![],
                },
                "REGION_CONFIRM_VOLUMES",
            ),
            (RegionError::Busy { message: "up runs".into() }, "REGION_BUSY"),
            (RegionError::StateFolder { message: "not yours".into() }, "OPERATION_FAILED"),
            (RegionError::NoFreePort { first: 1, last: 2 }, "REGION_NO_FREE_PORT"),
            (
                RegionError::NotFound { project: "p".into(), name: "r".into(), known: vec![] },
                "REGION_NOT_FOUND",
            ),
            (
                RegionError::EngineUnavailable(EngineError::Unavailable {
                    endpoint: "unix:///x".into(),
                    reason: "gone".into(),
                }),
                "ENGINE_UNAVAILABLE",
            ),
            (RegionError::Keychain(SecretsError::Locked { collection: "login".into() }), "KEYCHAIN_LOCKED"),
        ];
        for (error, expected) in cases {
            assert_eq!(code(error), expected);
        }
    }
}
