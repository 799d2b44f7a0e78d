//! Tauri commands: each is one call into `dockmaster-core` plus error mapping.

use dockmaster_core::secrets::{self, Keychain};
use dockmaster_core::{ErrorCode, OpenOptions, Project, ProjectOverview, SelectionReport};
use tauri::{AppHandle, State};

use crate::error::AppError;
use crate::settings::{self, StartupProject};

/// Opens the project in `dir`. Reads its files: call it inside [`blocking`], or use [`open_async`].
pub(crate) fn open(dir: &str) -> Result<Project, AppError> {
    Ok(Project::open(OpenOptions::new(dir))?)
}

/// Runs blocking work (file and keychain access) off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(work).await.map_err(|_| {
        crate::error::settings("the request stopped unexpectedly: nothing more was done; try again")
    })?
}

/// [`open`], off the async runtime.
pub(crate) async fn open_async(dir: &str) -> Result<Project, AppError> {
    let dir = dir.to_string();
    blocking(move || open(&dir)).await
}

/// Opens a project folder, remembers it among the recent projects, and describes it.
#[tauri::command]
#[specta::specta]
pub async fn open_project(app: AppHandle, dir: String) -> Result<ProjectOverview, AppError> {
    let overview = blocking(move || open(&dir).map(|p| p.overview())).await?;
    settings::remember_recent(&app, &overview.root)?;
    Ok(overview)
}

/// What a profile selection starts: services, ports, networks, volumes and warnings (a variable held in the
/// project's keychain counts as set). Reads the files afresh, so edits on disk show up on the next call.
#[tauri::command]
#[specta::specta]
pub async fn selection_report(dir: String, profiles: Vec<String>) -> Result<SelectionReport, AppError> {
    blocking(move || {
        let project = open(&dir)?;
        // A variable held in the project's keychain is set when the stack starts; an unreadable keychain
        // keeps the warnings and never fails the report.
        let held = secrets::held_names(Keychain::open(project.root()));
        Ok(project.report_with_keychain(&profiles, &held)?)
    })
    .await
}

/// Opens a link in the browser: only `http(s)` links to this machine (the port map's), judged on the parsed
/// URL (`dockmaster_core::links`); anything else is refused with `LINK_REFUSED`.
#[tauri::command]
#[specta::specta]
pub fn open_link(app: AppHandle, url: String) -> Result<(), AppError> {
    use tauri_plugin_opener::OpenerExt;
    let url = dockmaster_core::links::check_local_link(&url)
        .map_err(|e| AppError::new(ErrorCode::LinkRefused, e.to_string()))?;
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| AppError::new(ErrorCode::LinkRefused, format!("the browser could not be started: {e}")))
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

/// The project to open at start-up: `--project DIR` on the command line, else the most recent one.
#[tauri::command]
#[specta::specta]
pub fn startup_project(
    app: AppHandle,
    startup: State<'_, StartupProject>,
) -> Result<Option<String>, AppError> {
    if let Some(dir) = &startup.0 {
        return Ok(Some(dir.clone()));
    }
    Ok(settings::recent(&app)?.into_iter().next())
}
