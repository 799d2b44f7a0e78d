//! Live engine state for the dashboard, pushed over Tauri Channels (the UI never polls): the session's
//! supervisor's snapshot then every update, and the visible services' resource usage. Each command maps
//! arguments, makes one call into the project's session, maps the result.

use dockmaster_core::engine::stats::StatsUpdate;
use dockmaster_core::engine::StoreUpdate;
use dockmaster_core::session::{EngineActivity, Sessions};
use tauri::ipc::Channel;
use tauri::State;

use crate::error::AppError;

/// Follows the engine for the project: `on_update` gets the current snapshot (a `synced`-kind update with
/// cause `snapshot`), then every update, and a fresh snapshot (cause `lagged`) when the window falls behind.
/// An engine that cannot be reached is not an error: the connection state says so, with what to do.
#[tauri::command]
#[specta::specta]
pub async fn watch_engine(
    sessions: State<'_, Sessions>,
    dir: String,
    profiles: Vec<String>,
    on_update: Channel<StoreUpdate>,
) -> Result<(), AppError> {
    sessions.get(&dir).await?.follow_engine(&profiles, move |u| on_update.send(u).is_ok()).await
}

/// Changes which services are desired after the profile chips changed.
#[tauri::command]
#[specta::specta]
pub async fn set_engine_selection(
    sessions: State<'_, Sessions>,
    dir: String,
    profiles: Vec<String>,
) -> Result<(), AppError> {
    sessions.get(&dir).await?.set_engine_selection(&profiles).await
}

/// Stops sending engine updates and stats to the window (the project was closed, or the window hidden).
#[tauri::command]
#[specta::specta]
pub fn unwatch_engine(sessions: State<'_, Sessions>) {
    if let Some(session) = sessions.current() {
        session.stop_following_engine();
    }
}

/// Streams CPU and memory of the running containers of `services` (those on screen) and the host's usage
/// to `on_stats`, the samples of two seconds in one message; calling it again changes the services and moves
/// the stream to the new channel.
#[tauri::command]
#[specta::specta]
pub async fn watch_stats(
    sessions: State<'_, Sessions>,
    dir: String,
    services: Vec<String>,
    on_stats: Channel<Vec<StatsUpdate>>,
) -> Result<(), AppError> {
    sessions.get(&dir).await?.watch_stats(services, move |u| on_stats.send(u).is_ok()).await
}

/// Stops every stats stream (the dashboard is not on screen).
#[tauri::command]
#[specta::specta]
pub fn unwatch_stats(sessions: State<'_, Sessions>) {
    if let Some(session) = sessions.current() {
        session.unwatch_stats();
    }
}

/// What streams to the window now (engine updates followed, stats streams open): a status for tests and
/// diagnosis; nothing is started or stopped.
#[tauri::command]
#[specta::specta]
pub fn engine_activity(sessions: State<'_, Sessions>) -> Option<EngineActivity> {
    sessions.current().map(|session| session.engine_activity())
}
