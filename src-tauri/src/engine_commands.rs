//! Live engine state for the dashboard: at most one supervisor (the open project's), its updates and the
//! visible services' resource usage pushed to the window over Tauri Channels. The UI never polls.
//!
//! Protocol of `watch_engine`'s channel: the first message is a `synced`-kind [`StoreUpdate`] with cause
//! `snapshot`, `seq` 0 and the current [`EngineSnapshot`] (its `synced` flag says whether the engine has
//! confirmed that state yet); every later message is one update of the supervisor, forwarded as is. When the
//! window falls behind the supervisor's buffer, it gets a fresh snapshot the same way, with cause `lagged`.
//! Each message of a snapshot kind replaces the whole state; every other one replaces one service, region or
//! the connection, so applying one twice is harmless.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use dockmaster_core::engine::stats::{StatsConfig, StatsUpdate, StatsWatcher};
use dockmaster_core::engine::{
    ConnectionView, Endpoint, EndpointEnv, EngineConfig, EngineHandle, EngineSnapshot, ServiceSelection,
    StoreUpdate, UpdateKind,
};
use dockmaster_core::secrets::Masker;
use tauri::async_runtime::JoinHandle;
use tauri::ipc::Channel;
use tauri::{State, Webview};
use tokio::sync::broadcast::error::RecvError;

use crate::commands::{blocking, open};
use crate::error::AppError;

/// The window's engine watch (at most one: the open project's).
#[derive(Default)]
pub struct EngineState(Mutex<Option<Watch>>);

impl EngineState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Watch>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The watched supervisor of the project in `dir`, for the log follow (`logs_commands`), if watched.
    pub fn link(&self, dir: &str) -> Option<dockmaster_core::engine::logs::EngineLink> {
        self.lock().as_ref().filter(|w| w.dir == dir).map(|w| w.engine.link())
    }
}

/// Where the stats watcher sends: the channel of the latest `watch_stats` call. Every call brings a new
/// channel (a JavaScript channel must not be handed to Rust twice: each copy counts its messages from 0, and
/// dropping one ends the channel on the JavaScript side), so the running watcher's sink is swapped instead.
type StatsSink = Arc<Mutex<Channel<StatsUpdate>>>;

struct Watch {
    /// The webview that asked.
    window: String,
    /// The project folder as the UI names it.
    dir: String,
    /// The Compose project name.
    project: String,
    engine: EngineHandle,
    forward: JoinHandle<()>,
    /// The stats watcher and the channel it sends to (replaced by each `watch_stats`).
    stats: Option<(StatsSink, StatsWatcher)>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        // The engine handle and the stats watcher stop their own tasks when dropped.
        self.forward.abort();
    }
}

/// The project's name, which of its services the profiles start, and the masker of its containers' text
/// (reads the Compose files and the keychain).
async fn selection(
    dir: &str,
    profiles: Vec<String>,
) -> Result<(String, ServiceSelection, Arc<Masker>), AppError> {
    let dir = dir.to_string();
    blocking(move || {
        let project = open(&dir)?;
        let selection = ServiceSelection::for_project(&project, &profiles)?;
        Ok((project.name().to_string(), selection, Arc::new(Masker::gathered(&project))))
    })
    .await
}

/// Starts following the engine for the project (or re-targets the running watch when it is the same project
/// in the same window), and streams its state to `on_update` (see the module docs for the protocol). An
/// engine that cannot be reached, or a `DOCKER_HOST` that cannot be used, is not an error of this command: the
/// channel says so in the connection state, with what to do.
#[tauri::command]
#[specta::specta]
pub async fn watch_engine(
    webview: Webview,
    state: State<'_, EngineState>,
    dir: String,
    profiles: Vec<String>,
    on_update: Channel<StoreUpdate>,
) -> Result<(), AppError> {
    let (project, selection, masker) = selection(&dir, profiles).await?;
    let window = webview.label().to_string();
    let mut guard = state.lock();
    if let Some(w) = guard.as_mut().filter(|w| w.window == window && w.dir == dir && w.project == project) {
        w.engine.set_selection(selection);
        w.engine.set_masker(masker);
        w.forward.abort();
        w.forward = forward(&w.engine, on_update);
        return Ok(());
    }
    // Another project or window: stop the old supervisor before starting the new one.
    *guard = None;
    let endpoint = match Endpoint::resolve(&EndpointEnv::from_process()) {
        Ok(e) => e,
        Err(e) => {
            let connection = ConnectionView::unavailable("the configured Docker endpoint", e.to_string());
            let snapshot = EngineSnapshot {
                project,
                connection,
                synced: false,
                services: Vec::new(),
                regions: Vec::new(),
            };
            // The window may already be gone; nothing else to tell.
            let _ = on_update.send(snapshot_update(snapshot, "snapshot"));
            return Ok(());
        }
    };
    let config = EngineConfig::new(project.clone(), selection, endpoint).with_masker(masker);
    let (engine, _first) = EngineHandle::spawn(config);
    let forward = forward(&engine, on_update);
    *guard = Some(Watch { window, dir, project, engine, forward, stats: None });
    Ok(())
}

/// Changes which services are desired after the profile chips changed. Does nothing when `dir` is not the
/// watched project.
#[tauri::command]
#[specta::specta]
pub async fn set_engine_selection(
    state: State<'_, EngineState>,
    dir: String,
    profiles: Vec<String>,
) -> Result<(), AppError> {
    let (project, selection, _) = selection(&dir, profiles).await?;
    if let Some(w) = state.lock().as_ref().filter(|w| w.dir == dir && w.project == project) {
        w.engine.set_selection(selection);
    }
    Ok(())
}

/// Stops following the engine (the project was closed or replaced).
#[tauri::command]
#[specta::specta]
pub fn unwatch_engine(state: State<'_, EngineState>) {
    *state.lock() = None;
}

/// Streams CPU and memory of the running containers of `services` (those on screen) and, every 2 s, the host's
/// CPU, memory and disk to `on_stats`. Calling it again changes the services and moves the stream to the new
/// channel; streams of services still on screen keep running. Does nothing when `dir` is not the watched
/// project.
// Async so that it runs on the async runtime, where the watcher's task is spawned.
#[tauri::command]
#[specta::specta]
pub async fn watch_stats(
    state: State<'_, EngineState>,
    dir: String,
    services: Vec<String>,
    on_stats: Channel<StatsUpdate>,
) -> Result<(), AppError> {
    let mut guard = state.lock();
    let Some(w) = guard.as_mut().filter(|w| w.dir == dir) else { return Ok(()) };
    let services: BTreeSet<String> = services.into_iter().collect();
    match &w.stats {
        Some((sink, stats)) if stats.is_running() => {
            *sink.lock().unwrap_or_else(|e| e.into_inner()) = on_stats;
            stats.set_services(services);
        }
        _ => {
            let sink: StatsSink = Arc::new(Mutex::new(on_stats));
            let target = Arc::clone(&sink);
            let watcher = StatsWatcher::spawn(&w.engine, services, StatsConfig::default(), move |u| {
                target.lock().unwrap_or_else(|e| e.into_inner()).send(u).is_ok()
            });
            w.stats = Some((sink, watcher));
        }
    }
    Ok(())
}

/// Stops every stats stream (the dashboard is not on screen).
#[tauri::command]
#[specta::specta]
pub fn unwatch_stats(state: State<'_, EngineState>) {
    if let Some(w) = state.lock().as_mut() {
        w.stats = None;
    }
}

/// Sends the current snapshot, then every update, to the window until the channel or the supervisor closes.
fn forward(engine: &EngineHandle, channel: Channel<StoreUpdate>) -> JoinHandle<()> {
    // Subscribe before reading the snapshot: an update in between arrives twice, which is harmless.
    let mut updates = engine.subscribe();
    let snapshots = engine.watch();
    tauri::async_runtime::spawn(async move {
        let first = snapshots.borrow().clone();
        if channel.send(snapshot_update(first, "snapshot")).is_err() {
            return;
        }
        loop {
            let update = match updates.recv().await {
                Ok(update) => update,
                Err(RecvError::Lagged(_)) => {
                    let current = snapshots.borrow().clone();
                    snapshot_update(current, "lagged")
                }
                Err(RecvError::Closed) => return,
            };
            if channel.send(update).is_err() {
                return;
            }
        }
    })
}

/// A whole snapshot as a `synced`-kind update (seq 0: not one of the supervisor's own updates).
fn snapshot_update(snapshot: EngineSnapshot, cause: &str) -> StoreUpdate {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    StoreUpdate {
        seq: 0,
        kind: UpdateKind::Synced,
        cause: cause.to_string(),
        container: None,
        engine_time_nano: None,
        emitted_at_nano: now.as_nanos().to_string(),
        connection: None,
        service: None,
        region: None,
        snapshot: Some(snapshot),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use dockmaster_core::engine::{EndpointSource, Transport};
    use serde_json::Value;
    use tauri::ipc::InvokeResponseBody;

    use super::*;

    /// A channel that keeps what it is sent, as JSON.
    fn recording() -> (Channel<StoreUpdate>, Arc<Mutex<Vec<Value>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let channel = Channel::new(move |body| {
            if let InvokeResponseBody::Json(json) = body {
                sink.lock().expect("lock").push(serde_json::from_str(&json).expect("JSON"));
            }
            Ok(())
        });
        (channel, seen)
    }

    #[test]
    fn the_window_gets_the_snapshot_first_then_every_update() {
        tauri::async_runtime::block_on(async {
            // An engine that is not there: the supervisor reports that, which is all this test needs.
            let dir = tempfile::tempdir().expect("tmp");
            let endpoint = Endpoint {
                transport: Transport::Unix(dir.path().join("docker.sock")),
                source: EndpointSource::DockerHost,
            };
            let config = EngineConfig::new("p", ServiceSelection::default(), endpoint);
            let (engine, _first) = EngineHandle::spawn(config);
            let (channel, seen) = recording();
            let task = forward(&engine, channel);
            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
            while seen.lock().expect("lock").len() < 3 && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            task.abort();
            let seen = seen.lock().expect("lock").clone();
            let first = &seen[0];
            assert_eq!(first["kind"], "synced", "{first}");
            assert_eq!(first["cause"], "snapshot");
            assert_eq!(first["seq"], 0);
            assert_eq!(first["snapshot"]["project"], "p");
            let statuses: Vec<&Value> = seen[1..].iter().map(|u| &u["connection"]["status"]).collect();
            assert!(
                statuses.contains(&&Value::from("unavailable"))
                    || statuses.contains(&&Value::from("reconnecting")),
                "the unreachable engine is reported after the snapshot: {seen:?}"
            );
            assert!(seen[1..].iter().all(|u| u["seq"].as_u64().unwrap_or(0) > 0), "{seen:?}");
        });
    }
}
