//! The project's commands: open it (and follow its changes on disk), report on a selection, the recent
//! projects with their last selection and the start-up project, and opening a link. Each maps arguments,
//! makes one call, maps the result.

use dockmaster_core::engine::EndpointEnv;
use dockmaster_core::session::{SessionEvent, Sessions};
use dockmaster_core::{ErrorCode, ProjectOverview, SelectionReport};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::error::AppError;
use crate::settings::{self, StartupProject};

/// Opens a project folder (the same one again: reads its files again), remembers it among the recent
/// projects, and describes it. Its files are watched from now on (see `watch_project`).
#[tauri::command]
#[specta::specta]
pub async fn open_project(
    app: AppHandle,
    sessions: State<'_, Sessions>,
    dir: String,
) -> Result<ProjectOverview, AppError> {
    let overview = sessions.open(&dir).await?.overview();
    settings::remember_recent(&app, &overview.root)?;
    Ok(overview)
}

/// The open project as its files are now (the session reads them again when they change): no file is read.
#[tauri::command]
#[specta::specta]
pub async fn project_overview(
    sessions: State<'_, Sessions>,
    dir: String,
) -> Result<ProjectOverview, AppError> {
    Ok(sessions.get(&dir).await?.overview())
}

/// Sends the project's events to `on_event`: `projectChanged` when its files changed on disk and were read
/// again (ask for the overview and reports anew), `projectInvalid` when they cannot be read now.
#[tauri::command]
#[specta::specta]
pub async fn watch_project(
    sessions: State<'_, Sessions>,
    dir: String,
    on_event: Channel<SessionEvent>,
) -> Result<(), AppError> {
    sessions.get(&dir).await?.forward_events(move |e| on_event.send(e).is_ok());
    Ok(())
}

/// What a profile selection starts: services, ports, networks, volumes and warnings (a variable held in the
/// project's keychain counts as set).
#[tauri::command]
#[specta::specta]
pub async fn selection_report(
    sessions: State<'_, Sessions>,
    dir: String,
    profiles: Vec<String>,
) -> Result<SelectionReport, AppError> {
    sessions.get(&dir).await?.report(&profiles).await
}

/// Recently opened project folders, most recent first.
#[tauri::command]
#[specta::specta]
pub fn recent_projects(app: AppHandle) -> Result<Vec<String>, AppError> {
    settings::recent(&app)
}

#[tauri::command]
#[specta::specta]
pub fn forget_recent_project(app: AppHandle, dir: String) -> Result<Vec<String>, AppError> {
    settings::forget_recent(&app, &dir)
}

/// The profile selection last shown for the project `dir` (its overview's root), if it was ever changed.
#[tauri::command]
#[specta::specta]
pub fn remembered_selection(app: AppHandle, dir: String) -> Result<Option<Vec<String>>, AppError> {
    settings::selection(&app, &dir)
}

/// Remembers the profile selection shown for the project `dir`, to show it again when the project reopens.
#[tauri::command]
#[specta::specta]
pub fn remember_selection(app: AppHandle, dir: String, profiles: Vec<String>) -> Result<(), AppError> {
    settings::remember_selection(&app, &dir, &profiles)
}

/// The project to open at start-up: `--project DIR` on the command line, else the most recent one.
#[tauri::command]
#[specta::specta]
pub fn startup_project(
    app: AppHandle,
    startup: State<'_, StartupProject>,
) -> Result<Option<String>, AppError> {
    match &startup.0 {
        Some(dir) => Ok(Some(dir.clone())),
        None => Ok(settings::recent(&app)?.into_iter().next()),
    }
}

/// Opens a link in the browser: only `http(s)` links to this machine or to one of the user's engine hosts,
/// judged on the parsed URL (`dockmaster_core::links`); anything else is refused with `LINK_REFUSED`.
#[tauri::command]
#[specta::specta]
pub fn open_link(app: AppHandle, url: String) -> Result<(), AppError> {
    use tauri_plugin_opener::OpenerExt;
    let refused = |e: String| AppError::new(ErrorCode::LinkRefused, e);
    let url = dockmaster_core::links::check_link(&url, &EndpointEnv::from_process())
        .map_err(|e| refused(e.to_string()))?;
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| refused(format!("the browser could not be started: {e}")))
}
