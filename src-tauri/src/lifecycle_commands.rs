//! Start, stop, restart and remove the project through Compose: `lifecycle_run` (progress over a Channel,
//! cancellable with `lifecycle_cancel`), plus the questions asked before or beside an operation. Each maps
//! arguments, makes one call into the project's session (which runs one operation per project), maps the
//! result.

use dockmaster_core::lifecycle::{DriftReport, LifecycleEvent, OperationResult, PreflightReport, VolumePlan};
use dockmaster_core::secrets::fix::FixReport;
use dockmaster_core::session::{OperationRequest, Sessions};
use tauri::ipc::Channel;
use tauri::State;

use crate::error::AppError;

/// Runs one operation to its end, sending every progress event to `on_event` before the result returns. A
/// Compose run that fails is a result with outcome `failed`, not an error; errors mean it could not run.
#[tauri::command]
#[specta::specta]
pub async fn lifecycle_run(
    sessions: State<'_, Sessions>,
    dir: String,
    request: OperationRequest,
    on_event: Channel<LifecycleEvent>,
) -> Result<OperationResult, AppError> {
    sessions.get(&dir).await?.run(request, move |e| drop(on_event.send(e))).await
}

/// Fix and start: what the preflight can fix without asking is fixed first (missing secrets generated into the
/// keychain, the stack's suggested values written to `.env`), `on_fixed` gets what was done (names only), then
/// the start runs as `lifecycle_run` does.
#[tauri::command]
#[specta::specta]
pub async fn lifecycle_fix_and_run(
    sessions: State<'_, Sessions>,
    dir: String,
    request: OperationRequest,
    on_fixed: Channel<FixReport>,
    on_event: Channel<LifecycleEvent>,
) -> Result<OperationResult, AppError> {
    let session = sessions.get(&dir).await?;
    session.fix_and_run(request, move |f| drop(on_fixed.send(f)), move |e| drop(on_event.send(e))).await
}

/// Cancels the operation running on the project (Compose gets SIGTERM, then SIGKILL; a region apply rolls
/// back); the running call then returns with outcome `cancelled`. False when none runs.
#[tauri::command]
#[specta::specta]
pub async fn lifecycle_cancel(sessions: State<'_, Sessions>, dir: String) -> Result<bool, AppError> {
    Ok(sessions.get(&dir).await?.cancel())
}

/// What `up` checks first, on its own (starts nothing).
#[tauri::command]
#[specta::specta]
pub async fn lifecycle_preflight(
    sessions: State<'_, Sessions>,
    dir: String,
    profiles: Vec<String>,
    services: Vec<String>,
) -> Result<PreflightReport, AppError> {
    sessions.get(&dir).await?.preflight(&profiles, &services, None).await
}

/// What `down` with volumes would delete, each volume with why (pass exactly this list back to confirm).
#[tauri::command]
#[specta::specta]
pub async fn lifecycle_volume_plan(
    sessions: State<'_, Sessions>,
    dir: String,
) -> Result<VolumePlan, AppError> {
    sessions.get(&dir).await?.volume_plan(None).await
}

/// Which running services of the selection run an older configuration (the next `up` recreates them).
#[tauri::command]
#[specta::specta]
pub async fn lifecycle_drift(
    sessions: State<'_, Sessions>,
    dir: String,
    profiles: Vec<String>,
) -> Result<DriftReport, AppError> {
    sessions.get(&dir).await?.drift(&profiles, None).await
}
