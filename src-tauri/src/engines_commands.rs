//! The Engines page and the project's engine choice: the engines (Docker contexts plus the local `default`)
//! listed, tested, added and removed, and the engine the project runs on switched in place. Each command maps
//! arguments, makes one core call, maps the result.

use dockmaster_core::engine::EndpointEnv;
use dockmaster_core::engines::{self, EngineAddRequest, EngineAdded, EngineInfo, EngineStatus};
use dockmaster_core::session::{ProjectEngine, Sessions};
use tauri::State;

use crate::error::AppError;

/// Every engine, `default` first, without connecting (each is then tested on its own: `engine_test`).
#[tauri::command]
#[specta::specta]
pub fn engines_list() -> Vec<EngineInfo> {
    engines::list(&EndpointEnv::from_process())
}

/// Connects to one engine: reachable with its version, or why not. For an SSH engine whose host key is
/// unknown (`HOST_KEY_UNKNOWN`, with the fingerprint in its detail), `accept_host_key` is the fingerprint the
/// user confirmed: that key is recorded, then the engine tested again.
#[tauri::command]
#[specta::specta]
pub async fn engine_test(name: String, accept_host_key: Option<String>) -> Result<EngineStatus, AppError> {
    engines::test(&EndpointEnv::from_process(), &name, accept_host_key.as_deref()).await
}

/// Adds an engine: the connection is tested first, then it is saved as a Docker context.
#[tauri::command]
#[specta::specta]
pub async fn engine_add(request: EngineAddRequest) -> Result<EngineAdded, AppError> {
    engines::add(&EndpointEnv::from_process(), request).await
}

/// Removes an engine; one Dockmaster did not create only when `confirmed` (`ENGINE_NOT_OURS` otherwise).
#[tauri::command]
#[specta::specta]
pub fn engine_remove(name: String, confirmed: bool) -> Result<(), AppError> {
    engines::remove(&EndpointEnv::from_process(), &name, confirmed)
}

/// The engine the project in `dir` runs on.
#[tauri::command]
#[specta::specta]
pub async fn project_engine(sessions: State<'_, Sessions>, dir: String) -> Result<ProjectEngine, AppError> {
    Ok(sessions.get(&dir).await?.project_engine())
}

/// Moves the project to `engine` (null: the Docker CLI's current context) and remembers it; the window then
/// watches the engine again (`watch_engine`) to follow the new one.
#[tauri::command]
#[specta::specta]
pub async fn use_engine(
    sessions: State<'_, Sessions>,
    dir: String,
    engine: Option<String>,
) -> Result<ProjectEngine, AppError> {
    sessions.use_engine(&dir, engine.as_deref()).await
}
