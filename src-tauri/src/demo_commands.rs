//! "Try the demo" on the welcome screen: `demo_install` copies the demo project (compiled into the core) into the
//! app's data folder, or finds the copy already there (opened as it is, edits and all); `demo_image` builds the
//! demo's image locally when it is missing, with every step over a Channel. Each is one core call.

use dockmaster_core::demo::{self, DemoCopy, DemoImageEvent, DemoImageReport};
use dockmaster_core::ErrorCode;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};

use crate::error::AppError;

/// Copies the demo into the app's data folder (`$XDG_DATA_HOME/<identifier>/demo` on Linux) unless a copy is
/// there; resolves to the folder to open.
#[tauri::command]
#[specta::specta]
pub async fn demo_install(app: AppHandle) -> Result<DemoCopy, AppError> {
    let dir = app.path().app_data_dir().map_err(no_data_folder)?.join("demo");
    Ok(demo::install_in_background(dir).await?)
}

fn no_data_folder(e: tauri::Error) -> AppError {
    AppError::new(ErrorCode::DemoCopyFailed, format!("the app has no data folder to copy the demo into: {e}"))
}

/// Makes sure the demo's image exists on the engine (built from the local static busybox when missing; never
/// pulled), pushing each step to `on_progress`.
#[tauri::command]
#[specta::specta]
pub async fn demo_image(on_progress: Channel<DemoImageEvent>) -> Result<DemoImageReport, AppError> {
    Ok(demo::ensure_image_from_env(&|event| drop(on_progress.send(event))).await?)
}
