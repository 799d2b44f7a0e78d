//! Desktop habits of the window: one running instance (a second launch brings the window to the front, hands
//! over its `--project` and exits), and the window's size and position kept between runs. One setup call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dockmaster_core::desktop::{DesktopEvent, DesktopRelay};
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, WindowEvent, Wry};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

use crate::settings::StartupProject;

/// How long the window rests after a move or resize before its size and position are written.
const SAVE_AFTER: Duration = Duration::from_millis(500);

/// Adds the desktop habits to the app: call it first, so a second launch stops before anything else starts.
pub fn install(builder: tauri::Builder<Wry>) -> tauri::Builder<Wry> {
    builder
        .plugin(tauri_plugin_single_instance::init(second_launch))
        .plugin(tauri_plugin_window_state::Builder::new().with_state_flags(kept()).build())
        .plugin(save_on_change())
        .manage(DesktopRelay::default())
}

/// What is kept of the window: size, position, maximized, full screen — not whether it was shown (a window
/// hidden when the app quit opens shown) nor its decorations.
fn kept() -> StateFlags {
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED | StateFlags::FULLSCREEN
}

/// Writes the window's size and position once it rests after a move or resize: the window-state plugin
/// writes them only when the app exits normally, so a killed app or an ended session would lose them.
fn save_on_change() -> TauriPlugin<Wry> {
    tauri::plugin::Builder::new("dockmaster-window-save")
        .on_window_ready(|window| {
            let app = window.app_handle().clone();
            let changes = Arc::new(AtomicU64::new(0));
            window.on_window_event(move |event| {
                if !matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
                    return;
                }
                let this = changes.fetch_add(1, Ordering::Relaxed) + 1;
                let (app, changes) = (app.clone(), Arc::clone(&changes));
                tauri::async_runtime::spawn(async move {
                    tokio::time::sleep(SAVE_AFTER).await;
                    if changes.load(Ordering::Relaxed) != this {
                        return; // moved again since: that change saves
                    }
                    // On the main thread, never here: the plugin's save holds its cache lock while it asks the
                    // window for its frame (a call the main thread answers), and the main thread takes that lock
                    // on every move or resize — from another thread the two wait on each other and the window
                    // freezes.
                    let handle = app.clone();
                    let saved = app.run_on_main_thread(move || {
                        if let Err(e) = handle.save_window_state(kept()) {
                            tracing::warn!("cannot save the window's size and position: {e}");
                        }
                    });
                    if let Err(e) = saved {
                        tracing::warn!("cannot save the window's size and position: {e}");
                    }
                });
            });
        })
        .build()
}

/// Another launch (its arguments and working folder): the window comes forward and opens its `--project`.
fn second_launch(app: &AppHandle, argv: Vec<String>, cwd: String) {
    if let Some(window) = app.get_webview_window("main") {
        // Each may fail on a desktop without a window manager; the project still opens.
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    if let Some(dir) = StartupProject::of_launch(argv.into_iter().skip(1), &cwd) {
        app.state::<DesktopRelay>().send(DesktopEvent::OpenProject { dir });
    }
}
