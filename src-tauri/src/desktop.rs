//! Desktop habits of the window: one running instance (a second launch brings the window to the front, hands
//! over its `--project` and exits), and the window's size and position kept between runs. One setup call.

use dockmaster_core::desktop::{DesktopEvent, DesktopRelay};
use tauri::{AppHandle, Manager, Wry};
use tauri_plugin_window_state::StateFlags;

use crate::settings::StartupProject;

/// Adds the desktop habits to the app: call it first, so a second launch stops before anything else starts.
pub fn install(builder: tauri::Builder<Wry>) -> tauri::Builder<Wry> {
    builder
        .plugin(tauri_plugin_single_instance::init(second_launch))
        .plugin(tauri_plugin_window_state::Builder::new().with_state_flags(kept()).build())
        .manage(DesktopRelay::default())
}

/// What is kept of the window: size, position, maximized, full screen — not whether it was shown (a window
/// hidden when the app quit opens shown) nor its decorations.
fn kept() -> StateFlags {
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED | StateFlags::FULLSCREEN
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
