//! The native file dialogs, opened by the backend (the window never names a path): where to save a log export,
//! the diagnostics bundle or a volume's backup, and which backup to restore.

use std::path::PathBuf;

use dockmaster_core::ErrorCode;
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

use crate::error::AppError;

/// Asks where to save (off the async runtime), suggesting `suggested` (path separators dropped): the file the
/// user chose, `None` when cancelled; an unusable choice is `code`.
pub async fn save_file(
    app: AppHandle,
    title: &str,
    suggested: String,
    filter: (&str, &[&str]),
    code: ErrorCode,
) -> Result<Option<PathBuf>, AppError> {
    let name: String = suggested.chars().filter(|c| !std::path::is_separator(*c)).take(120).collect();
    let dialog = app.dialog().file().set_title(title).set_file_name(name).add_filter(filter.0, filter.1);
    let picked = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file()).await;
    let unusable = |e: String| AppError::new(code, format!("the chosen file cannot be used: {e}"));
    match picked.map_err(|e| unusable(e.to_string()))? {
        Some(file) => file.into_path().map(Some).map_err(|e| unusable(e.to_string())),
        None => Ok(None),
    }
}

/// Asks for an existing file to read (off the async runtime): the file the user chose, `None` when cancelled;
/// an unusable choice is `code`.
pub async fn open_file(
    app: AppHandle,
    title: &str,
    filter: (&str, &[&str]),
    code: ErrorCode,
) -> Result<Option<PathBuf>, AppError> {
    let dialog = app.dialog().file().set_title(title).add_filter(filter.0, filter.1);
    let picked = tauri::async_runtime::spawn_blocking(move || dialog.blocking_pick_file()).await;
    let unusable = |e: String| AppError::new(code, format!("the chosen file cannot be used: {e}"));
    match picked.map_err(|e| unusable(e.to_string()))? {
        Some(file) => file.into_path().map(Some).map_err(|e| unusable(e.to_string())),
        None => Ok(None),
    }
}
