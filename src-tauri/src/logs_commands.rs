//! Tauri commands of the Logs view: follow services' logs (masked, batched over a Channel), stop, and export
//! the kept lines that pass a filter to a file the user picks in a save dialog opened here (the window never
//! names a path). Each maps arguments, makes one call into the project's session, maps the result.

use dockmaster_core::engine::logs::{ExportReport, LogBatch, LogFilter};
use dockmaster_core::session::{LogFollowInfo, Sessions};
use dockmaster_core::ErrorCode;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::dialogs;
use crate::error::AppError;

/// Follows the logs of `services` (empty: all), masked, sending them to `on_batch` in batches (at most every
/// 50 ms or 500 lines); replaces the follow running. An unreachable engine is not an error: the first batch
/// carries a `waiting` notice and the follow starts when the engine answers.
#[tauri::command]
#[specta::specta]
pub async fn follow_logs(
    sessions: State<'_, Sessions>,
    dir: String,
    services: Vec<String>,
    on_batch: Channel<LogBatch>,
) -> Result<LogFollowInfo, AppError> {
    sessions.get(&dir).await?.follow_logs(services, move |b| on_batch.send(b).is_ok()).await
}

/// Stops following (the Logs view closed).
#[tauri::command]
#[specta::specta]
pub fn stop_logs(sessions: State<'_, Sessions>) {
    if let Some(session) = sessions.current() {
        session.stop_logs();
    }
}

/// Asks where to save, then writes the followed lines that pass `filter` there, masked, atomically. `None`
/// when the user cancelled the dialog.
#[tauri::command]
#[specta::specta]
pub async fn export_logs(
    app: AppHandle,
    sessions: State<'_, Sessions>,
    dir: String,
    filter: LogFilter,
    suggested_name: String,
) -> Result<Option<ExportReport>, AppError> {
    let session = sessions.get(&dir).await?;
    let (kinds, code) = (("Log file", &["log", "txt"][..]), ErrorCode::LogExportFailed);
    let Some(path) = dialogs::save_file(app, "Export logs", suggested_name, kinds, code).await? else {
        return Ok(None);
    };
    session.export_logs(filter, &path).await.map(Some)
}
