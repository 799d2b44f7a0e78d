//! "Try the demo" on the welcome screen: `demo_install` copies the demo project (compiled into the core) into the
//! app's data folder, or finds the copy already there (opened as it is, edits and all); `demo_image` builds the
//! demo's image locally when it is missing, with every step over a Channel. Each is one core call.

use dockmaster_core::demo::{self, DemoCopy, DemoError, DemoErrorCode, DemoImageEvent, DemoImageReport};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};

use crate::commands::blocking;
use crate::error::AppError;

/// The demo's folder under the app's data folder (`$XDG_DATA_HOME/<identifier>/demo` on Linux).
const DEMO_FOLDER: &str = "demo";

/// Copies the demo into the app's data folder unless a copy is there; resolves to the folder to open.
#[tauri::command]
#[specta::specta]
pub async fn demo_install(app: AppHandle) -> Result<DemoCopy, AppError> {
    let data = app.path().app_data_dir().map_err(|e| {
        AppError::DemoCopyFailed(format!("the app has no data folder to copy the demo into: {e}"))
    })?;
    let dir = data.join(DEMO_FOLDER);
    blocking(move || Ok(demo::install(&dir)?)).await
}

/// Makes sure the demo's image exists on the engine (built from the local static busybox when missing; never
/// pulled), pushing each step to `on_progress`.
#[tauri::command]
#[specta::specta]
pub async fn demo_image(on_progress: Channel<DemoImageEvent>) -> Result<DemoImageReport, AppError> {
    let send = |event: DemoImageEvent| {
        // A closed window stops listening; the image is still finished.
        let _ = on_progress.send(event);
    };
    Ok(demo::ensure_image_from_env(&send).await?)
}

impl From<DemoError> for AppError {
    fn from(e: DemoError) -> Self {
        let message = e.to_string();
        match e.code() {
            DemoErrorCode::DemoFolderTaken | DemoErrorCode::DemoCopyFailed => {
                AppError::DemoCopyFailed(message)
            }
            DemoErrorCode::EngineUnavailable => AppError::EngineUnavailable(message),
            DemoErrorCode::BusyboxMissing | DemoErrorCode::DemoImageFailed => {
                AppError::DemoImageFailed(message)
            }
        }
    }
}
