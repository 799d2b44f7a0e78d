//! Tauri commands of the Logs view: follow services' logs (masked, batched over a Channel), stop, and export
//! the kept lines that pass a filter to a file the user picks in a save dialog opened here (the window never
//! names a path). Each maps arguments, makes one call into the project's session, maps the result.

use dockmaster_core::engine::logs::{ExportReport, LogBatch, LogFilter};
use dockmaster_core::session::{LogFollowInfo, Sessions};
use dockmaster_core::ErrorCode;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

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
    let Some(path) = pick_file(app, suggested_name).await? else { return Ok(None) };
    session.export_logs(filter, &path).await.map(Some)
}

/// The save dialog, off the async runtime: the file the user chose, `None` when cancelled.
async fn pick_file(app: AppHandle, suggested: String) -> Result<Option<std::path::PathBuf>, AppError> {
    let name: String = suggested.chars().filter(|c| !std::path::is_separator(*c)).take(120).collect();
    let dialog = app
        .dialog()
        .file()
        .set_title("Export logs")
        .set_file_name(name)
        .add_filter("Log file", &["log", "txt"]);
    let picked = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file()).await;
    let unusable =
        |e: String| AppError::new(ErrorCode::LogExportFailed, format!("the chosen file cannot be used: {e}"));
    match picked.map_err(|e| unusable(e.to_string()))? {
        Some(file) => file.into_path().map(Some).map_err(|e| unusable(e.to_string())),
        None => Ok(None),
    }
}
