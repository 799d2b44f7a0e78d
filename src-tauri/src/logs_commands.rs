//! Tauri commands of the Logs view: follow services' logs (masked, batched over a Channel), stop, and export
//! the kept lines that pass a filter to a file the user picked. Each is one call into `dockmaster-core`.
//!
//! The follow reads through the dashboard's engine supervisor when it watches the same project
//! ([`EngineState::link`]); otherwise it starts a supervisor of its own for the project. At most one follow
//! runs per app: a new `follow_logs` replaces it (new services, new channel).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use dockmaster_core::engine::logs::{
    self, EngineLink, ExportReport, LogBatch, LogConfig, LogFilter, LogFollower,
};
use dockmaster_core::engine::{Endpoint, EndpointEnv, EngineConfig, EngineHandle, ServiceSelection};
use dockmaster_core::secrets::Masker;
use dockmaster_core::{OpenOptions, Project};
use serde::Serialize;
use tauri::async_runtime::JoinHandle;
use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use crate::engine_commands::EngineState;
use crate::error::AppError;

/// The running follow (at most one).
#[derive(Default)]
pub struct LogsState(Mutex<Option<Follow>>);

impl LogsState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Follow>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Follow {
    dir: String,
    follower: LogFollower,
    forward: JoinHandle<()>,
    /// A supervisor of the follow's own, when the dashboard was not watching this project.
    _engine: Option<EngineHandle>,
}

impl Drop for Follow {
    fn drop(&mut self) {
        self.forward.abort();
    }
}

/// What `follow_logs` set up.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LogFollowInfo {
    /// How many distinct secret values every line is masked with.
    pub masked_values: u32,
    /// Why some secrets cannot be masked (no keychain to read them from), if so.
    pub mask_warning: Option<String>,
    pub max_lines_per_service: u32,
    pub max_bytes_per_service: u32,
}

/// What following needs from the project: its name, services, and the masker (keychain reads block).
struct Prepared {
    project: String,
    selection: ServiceSelection,
    masker: Arc<Masker>,
    warning: Option<String>,
}

async fn prepare(dir: String, services: Vec<String>) -> Result<Prepared, AppError> {
    tauri::async_runtime::spawn_blocking(move || {
        let project = Project::open(OpenOptions::new(&dir))?;
        let selection = ServiceSelection::for_project(&project, &project.default_selection())?;
        logs::check_services(&services, &selection.defined)?;
        let (masker, warnings) = Masker::for_project(&project)?;
        let warning = (!warnings.is_empty()).then(|| warnings.join(" "));
        Ok(Prepared { project: project.name().to_string(), selection, masker: Arc::new(masker), warning })
    })
    .await
    .map_err(|e| crate::error::settings(format!("reading the project failed unexpectedly: {e}")))?
}

/// Follows the logs of `services` (empty: all) of the project in `dir`, masked, and sends them to `on_batch`
/// in batches (at most every 50 ms or 500 lines). Replaces any follow already running. An unreachable engine is
/// not an error: the first batch carries a `waiting` notice and the follow starts when the engine answers.
#[tauri::command]
#[specta::specta]
pub async fn follow_logs(
    engine: State<'_, EngineState>,
    state: State<'_, LogsState>,
    dir: String,
    services: Vec<String>,
    on_batch: Channel<LogBatch>,
) -> Result<LogFollowInfo, AppError> {
    // Stop the previous follow first: its reader tasks end before the new ones start.
    *state.lock() = None;
    let prepared = prepare(dir.clone(), services.clone()).await?;
    let (link, own): (EngineLink, Option<EngineHandle>) = match engine.link(&dir) {
        Some(link) => (link, None),
        None => {
            let endpoint = Endpoint::resolve(&EndpointEnv::from_process()).map_err(AppError::from)?;
            let config = EngineConfig::new(prepared.project.clone(), prepared.selection, endpoint)
                .with_masker(prepared.masker.clone());
            let (handle, _updates) = EngineHandle::spawn(config);
            (handle.link(), Some(handle))
        }
    };
    let config = LogConfig::default();
    let info = LogFollowInfo {
        masked_values: u32::try_from(prepared.masker.len()).unwrap_or(u32::MAX),
        mask_warning: prepared.warning,
        max_lines_per_service: u32::try_from(config.max_lines).unwrap_or(u32::MAX),
        max_bytes_per_service: u32::try_from(config.max_bytes).unwrap_or(u32::MAX),
    };
    let (follower, mut batches) = LogFollower::start(link, services, prepared.masker, config);
    let forward = tauri::async_runtime::spawn(async move {
        while let Some(batch) = batches.recv().await {
            if on_batch.send(batch).is_err() {
                return; // the window is gone
            }
        }
    });
    *state.lock() = Some(Follow { dir, follower, forward, _engine: own });
    Ok(info)
}

/// Stops following (the Logs view closed).
#[tauri::command]
#[specta::specta]
pub fn stop_logs(state: State<'_, LogsState>) {
    *state.lock() = None;
}

/// Asks where to save (the save dialog, opened here: the window never names a path itself), then writes the
/// kept lines of the running follow that pass `filter` there, masked, each prefixed with its timestamp and
/// service, atomically. `None` when the user cancelled the dialog.
#[tauri::command]
#[specta::specta]
pub async fn export_logs(
    app: tauri::AppHandle,
    state: State<'_, LogsState>,
    dir: String,
    filter: LogFilter,
    suggested_name: String,
) -> Result<Option<ExportReport>, AppError> {
    let lines = {
        let guard = state.lock();
        let Some(follow) = guard.as_ref().filter(|f| f.dir == dir) else {
            return Err(AppError::new(
                dockmaster_core::ErrorCode::LogExportFailed,
                "no logs of this project are being followed: open the Logs view, then export",
            ));
        };
        follow.follower.query(&filter, None)?
    };
    let name: String = suggested_name.chars().filter(|c| !std::path::is_separator(*c)).take(120).collect();
    tauri::async_runtime::spawn_blocking(move || {
        let picked = app
            .dialog()
            .file()
            .set_title("Export logs")
            .set_file_name(name)
            .add_filter("Log file", &["log", "txt"])
            .blocking_save_file();
        let Some(picked) = picked else { return Ok(None) };
        let path: PathBuf = picked.into_path().map_err(|e| {
            AppError::new(
                dockmaster_core::ErrorCode::LogExportFailed,
                format!("the chosen file cannot be used: {e}"),
            )
        })?;
        Ok(Some(logs::write_export(&lines, &path)?))
    })
    .await
    .map_err(|e| {
        AppError::new(
            dockmaster_core::ErrorCode::LogExportFailed,
            format!("the export stopped unexpectedly: {e}"),
        )
    })?
}
