//! The Regions page's commands: validate, plan, apply (progress over a Channel, cancellable, rolled back by
//! the core on failure), list (every known engine's regions), start, stop, remove and show regions, and the
//! networks of the project's regions (the network picture). `engine` names the engine a call works on
//! (`null`: the project's). Each maps arguments, makes one call into the
//! project's session, maps the result; no secret crosses IPC (plans and progress hold none).

use dockmaster_core::region::{
    AppliedRegion, ApplyEvent, ApplyOptions, PlanOptions, RegionInfo, RegionNetwork, RegionPlace, RegionPlan,
    RegionRequest, RegionsEverywhere, RemoveReport,
};
use dockmaster_core::session::{RegionValidation, Sessions};
use tauri::ipc::Channel;
use tauri::State;

use crate::error::AppError;

/// The request's field errors (empty when valid), checked against the existing regions when the engine
/// answers. Creates nothing.
#[tauri::command]
#[specta::specta]
pub async fn region_validate(
    sessions: State<'_, Sessions>,
    dir: String,
    engine: Option<String>,
    request: RegionRequest,
) -> Result<RegionValidation, AppError> {
    sessions.get(&dir).await?.region_validate(engine.as_deref(), &request).await
}

/// Everything creating the region would create or join (nothing is created); applying the same request
/// creates exactly this plan. `standalone`: joining none of the stack's networks, only its own.
#[tauri::command]
#[specta::specta]
pub async fn region_plan(
    sessions: State<'_, Sessions>,
    dir: String,
    engine: Option<String>,
    request: RegionRequest,
    standalone: bool,
) -> Result<RegionPlan, AppError> {
    let options = PlanOptions { standalone, ..PlanOptions::default() };
    sessions.get(&dir).await?.region_plan(engine.as_deref(), &request, &options).await
}

/// Creates the region (the plan last reviewed for this request), every step's progress — rollback included —
/// sent to `on_progress`. Cancel with `region_cancel`.
#[tauri::command]
#[specta::specta]
pub async fn region_apply(
    sessions: State<'_, Sessions>,
    dir: String,
    engine: Option<String>,
    request: RegionRequest,
    standalone: bool,
    on_progress: Channel<ApplyEvent>,
) -> Result<AppliedRegion, AppError> {
    let progress = move |e| drop(on_progress.send(e));
    let (plan, apply) = (PlanOptions { standalone, ..PlanOptions::default() }, ApplyOptions::default());
    sessions.get(&dir).await?.region_apply(engine.as_deref(), &request, &plan, &apply, progress).await
}

/// Cancels the running apply (it then rolls back what it created). False when none is running.
#[tauri::command]
#[specta::specta]
pub fn region_cancel(sessions: State<'_, Sessions>) -> bool {
    sessions.current().is_some_and(|s| s.cancel())
}

/// The project's regions on every known engine (found by label), with state and health; an engine that cannot
/// be reached within a few seconds shows its last-seen regions as unknown, with the reason.
#[tauri::command]
#[specta::specta]
pub async fn region_list(sessions: State<'_, Sessions>, dir: String) -> Result<RegionsEverywhere, AppError> {
    sessions.get(&dir).await?.region_list_everywhere().await
}

/// The networks the project's region containers on its engine are on, with the driver and subnets the engine
/// gave each (the network picture's region bands).
#[tauri::command]
#[specta::specta]
pub async fn region_networks(
    sessions: State<'_, Sessions>,
    dir: String,
) -> Result<Vec<RegionNetwork>, AppError> {
    sessions.get(&dir).await?.region_networks().await
}

/// Where a new region can go: every known engine, whether it answers and whether the stack's networks the
/// regional template joins are there (the wizard's "Where" step).
#[tauri::command]
#[specta::specta]
pub async fn region_places(sessions: State<'_, Sessions>, dir: String) -> Result<Vec<RegionPlace>, AppError> {
    sessions.get(&dir).await?.region_places().await
}

/// Starts a region's database, then its server, each waited on until healthy.
#[tauri::command]
#[specta::specta]
pub async fn region_start(
    sessions: State<'_, Sessions>,
    dir: String,
    engine: Option<String>,
    name: String,
) -> Result<RegionInfo, AppError> {
    sessions.get(&dir).await?.region_start(engine.as_deref(), &name, &ApplyOptions::default()).await
}

/// Stops a region's server, then its database.
#[tauri::command]
#[specta::specta]
pub async fn region_stop(
    sessions: State<'_, Sessions>,
    dir: String,
    engine: Option<String>,
    name: String,
) -> Result<RegionInfo, AppError> {
    sessions.get(&dir).await?.region_stop(engine.as_deref(), &name).await
}

/// Removes a region's containers and network; with `confirmedVolumes` naming exactly its volumes, those too
/// and its database password. Any other list is refused with `VOLUMES_UNCONFIRMED`.
#[tauri::command]
#[specta::specta]
pub async fn region_remove(
    sessions: State<'_, Sessions>,
    dir: String,
    engine: Option<String>,
    name: String,
    confirmed_volumes: Option<Vec<String>>,
) -> Result<RemoveReport, AppError> {
    sessions.get(&dir).await?.region_remove(engine.as_deref(), &name, confirmed_volumes.as_deref()).await
}

/// An existing region's plan, rebuilt from its labels and `docker inspect` (environment masked).
#[tauri::command]
#[specta::specta]
pub async fn region_show(
    sessions: State<'_, Sessions>,
    dir: String,
    engine: Option<String>,
    name: String,
) -> Result<RegionPlan, AppError> {
    sessions.get(&dir).await?.region_show(engine.as_deref(), &name).await
}
