//! The window's volume backup and restore: the project's named volumes, a backup to a file the user picks in a
//! save dialog, a restore from a file picked in an open dialog once the volume's name was typed (the core checks
//! it again, and the archive before it touches the volume), and Cancel for the running one (the same core path
//! as the CLI's Ctrl-C). Progress over a Channel. Each maps arguments, makes one call into the project's
//! session, maps the result.

use std::sync::Arc;

use dockmaster_core::session::Sessions;
use dockmaster_core::volumes::purpose::VolumesByPurpose;
use dockmaster_core::volumes::{BackupReport, ProjectVolume, RestoreReport, VolumeProgress};
use dockmaster_core::ErrorCode;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::dialogs;
use crate::error::AppError;

const ARCHIVES: (&str, &[&str]) = ("Volume backup", &["gz", "tgz"]);

/// The project's named volumes (every profile's), who mounts each, whether the engine has it.
#[tauri::command]
#[specta::specta]
pub async fn volume_list(sessions: State<'_, Sessions>, dir: String) -> Result<Vec<ProjectVolume>, AppError> {
    sessions.get(&dir).await?.volumes().await
}

/// The selection's named volumes grouped by the stack descriptor's purposes, each with its services and its
/// size on disk from the engine (or why it is unknown), and the selection's bind mounts.
#[tauri::command]
#[specta::specta]
pub async fn volume_purposes(
    sessions: State<'_, Sessions>,
    dir: String,
    profiles: Vec<String>,
) -> Result<VolumesByPurpose, AppError> {
    sessions.get(&dir).await?.volumes_by_purpose(&profiles).await
}

/// Asks where to save, then backs `volume` up there (its `.sha256` beside it); `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn volume_backup(
    app: AppHandle,
    sessions: State<'_, Sessions>,
    dir: String,
    volume: String,
    suggested_name: String,
    on_progress: Channel<VolumeProgress>,
) -> Result<Option<BackupReport>, AppError> {
    let session = sessions.get(&dir).await?;
    let Some(path) =
        dialogs::save_file(app, "Back up volume", suggested_name, ARCHIVES, ErrorCode::BackupFailed).await?
    else {
        return Ok(None);
    };
    let progress = Arc::new(move |p| drop(on_progress.send(p)));
    session.backup_volume(&volume, Some(path), progress).await.map(Some)
}

/// Asks which backup to restore, then replaces `volume`'s files with it once `confirm` is its exact name;
/// `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn volume_restore(
    app: AppHandle,
    sessions: State<'_, Sessions>,
    dir: String,
    volume: String,
    confirm: String,
    on_progress: Channel<VolumeProgress>,
) -> Result<Option<RestoreReport>, AppError> {
    let session = sessions.get(&dir).await?;
    let Some(path) =
        dialogs::open_file(app, "Restore volume from", ARCHIVES, ErrorCode::RestoreFailed).await?
    else {
        return Ok(None);
    };
    let progress = Arc::new(move |p| drop(on_progress.send(p)));
    session.restore_volume(&volume, &path, &confirm, progress).await.map(Some)
}

/// Cancels the project's running backup or restore (it then ends with `VOLUME_JOB_CANCELLED` saying what state
/// the volume is in); false when none runs.
#[tauri::command]
#[specta::specta]
pub async fn volume_cancel(sessions: State<'_, Sessions>, dir: String) -> Result<bool, AppError> {
    Ok(sessions.get(&dir).await?.cancel_volume_job())
}
