//! The Doctor page: every check of this machine for the project's selection, one core call.

use dockmaster_core::doctor::DoctorReport;
use dockmaster_core::face::Face;
use dockmaster_core::session::Sessions;
use tauri::State;

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
