//! Tauri commands: each is one call into `dockmaster-core` plus error mapping.

use dockmaster_core::{OpenOptions, Project, ProjectOverview, SelectionReport};
use tauri::{AppHandle, State};

use crate::error::AppError;
use crate::settings::{self, StartupProject};

fn open(dir: &str) -> Result<Project, AppError> {
    Ok(Project::open(OpenOptions::new(dir))?)
}

/// Opens a project folder, remembers it among the recent projects, and describes it.
#[tauri::command]
#[specta::specta]
pub async fn open_project(app: AppHandle, dir: String) -> Result<ProjectOverview, AppError> {
    let overview = tauri::async_runtime::spawn_blocking(move || open(&dir).map(|p| p.overview()))
        .await
        .map_err(|e| AppError::Settings(e.to_string()))??;
    settings::remember_recent(&app, &overview.root)?;
    Ok(overview)
}

/// What a profile selection starts: services, ports, networks, volumes and warnings. Reads the files
/// afresh, so edits on disk show up on the next call.
#[tauri::command]
#[specta::specta]
pub async fn selection_report(dir: String, profiles: Vec<String>) -> Result<SelectionReport, AppError> {
    tauri::async_runtime::spawn_blocking(move || Ok(open(&dir)?.report(&profiles)?))
        .await
        .map_err(|e| AppError::Settings(e.to_string()))?
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
