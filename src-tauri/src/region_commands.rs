//! The Regions page's commands: validate, plan, apply (progress over a Channel, cancellable, rolled back by
//! the core on failure), list, start, stop, remove and show regions. Each is one call into
//! `dockmaster_core::region` plus error mapping; no secret crosses IPC (plans and progress hold none).
//!
//! Engine access: the dashboard's supervisor when it watches the project ([`EngineState::link`]), else one
//! supervisor of this module's own for the project, kept for the next call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dockmaster_core::engine::logs::EngineLink;
use dockmaster_core::engine::DockerEngine;
use dockmaster_core::engine::{
    ConnectionStatus, Endpoint, EndpointEnv, EngineConfig, EngineError, EngineHandle, ServiceSelection,
};
use dockmaster_core::region::{
    self, AppliedRegion, ApplyEvent, ApplyOptions, CancellationToken, FieldError, PlanOptions, RegionError,
    RegionInfo, RegionPlan, RegionRequest, RemoveReport,
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

/// The client of a supervisor that is connecting or connected, once it knows; else why not.
async fn client_of(link: EngineLink) -> Result<DockerEngine, RegionError> {
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
) -> Result<DockerEngine, AppError> {
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
                let masker = Arc::new(dockmaster_core::secrets::Masker::gathered(project));
                let config = EngineConfig::new(project.name(), selection, endpoint).with_masker(masker);
                let (handle, _updates) = EngineHandle::spawn(config);
                let handle = Arc::new(handle);
                *own = Some((dir.to_string(), project.name().to_string(), Arc::clone(&handle)));
                handle
            }
        }
    };
    Ok(handle.connected().await.map_err(RegionError::from)?)
}

/// The project in `dir`, opened, and its engine client (see [`docker`]).
async fn connect(
    engine: &EngineState,
    state: &RegionState,
    dir: &str,
) -> Result<(Project, DockerEngine), AppError> {
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
            return Err(AppError::new(
                dockmaster_core::ErrorCode::OperationBusy,
                format!(
                    "region {region} is being created in this window: wait until it is done, or cancel it"
                ),
            ));
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
