//! The Doctor page: every check of this machine for the project's selection, and the diagnostics bundle (its
//! contents listed first, then saved where the user says). Each maps arguments, makes one call, maps the result.

use dockmaster_core::diagnostics::{BundleContents, SavedBundle};
use dockmaster_core::doctor::DoctorReport;
use dockmaster_core::face::Face;
use dockmaster_core::session::Sessions;
use dockmaster_core::ErrorCode;
use tauri::{AppHandle, State};

use crate::dialogs;
use crate::error::AppError;

/// Engine, Compose, keychain, memory, disk, clock, host ports, the Compose files and the variables of the
/// selection `profiles`, each ok, warning or failing with its fix.
#[tauri::command]
#[specta::specta]
pub async fn doctor(
    sessions: State<'_, Sessions>,
    dir: String,
    profiles: Vec<String>,
) -> Result<DoctorReport, AppError> {
    sessions.get(&dir).await?.doctor(&profiles, Face::Window).await
}

/// Builds the diagnostics bundle for `profiles` (the last `lines` log lines per container) and lists what it
/// holds; nothing is written until `diagnostics_save`.
#[tauri::command]
#[specta::specta]
pub async fn diagnostics_prepare(
    sessions: State<'_, Sessions>,
    dir: String,
    profiles: Vec<String>,
    lines: u32,
) -> Result<BundleContents, AppError> {
    sessions.get(&dir).await?.prepare_diagnostics(&profiles, lines as usize).await
}

/// Asks where to save (a save dialog opened here: the window names no path), then writes the bundle
/// `diagnostics_prepare` listed. `None` when the user cancelled the dialog.
#[tauri::command]
#[specta::specta]
pub async fn diagnostics_save(
    app: AppHandle,
    sessions: State<'_, Sessions>,
    dir: String,
) -> Result<Option<SavedBundle>, AppError> {
    let session = sessions.get(&dir).await?;
    let name = format!("dockmaster-diagnostics-{}.zip", session.project().name());
    let (filter, code) = (("Zip archive", &["zip"][..]), ErrorCode::DiagnosticsFailed);
    let Some(path) = dialogs::save_file(app, "Save diagnostics bundle", name, filter, code).await? else {
        return Ok(None);
    };
    session.save_diagnostics(path).await.map(Some)
}
