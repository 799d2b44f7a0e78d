//! The window's desktop commands: what another launch asks of it (`watch_desktop`), the About panel's facts,
//! and when the first dashboard was painted (the start-up benchmark reads it). Each is one mapping.

use dockmaster_core::desktop::{AboutInfo, DesktopEvent, DesktopRelay};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

/// Sends what another launch asks (open its `--project`) to `on_event`, first what waited for the window.
#[tauri::command]
#[specta::specta]
pub fn watch_desktop(relay: State<'_, DesktopRelay>, on_event: Channel<DesktopEvent>) {
    relay.listen(move |e| on_event.send(e).is_ok());
}

/// Name, version (the workspace's, as the packages carry it), identifier and Tauri version.
#[tauri::command]
#[specta::specta]
pub fn about(app: AppHandle) -> AboutInfo {
    let package = app.package_info();
    let (name, version) = (package.name.clone(), package.version.to_string());
    let identifier = app.config().identifier.clone();
    AboutInfo { name, version, identifier, tauri_version: tauri::VERSION.to_string() }
}

/// The window painted its first dashboard with live state at `at_ms` (ms since the epoch): one line on stdout,
/// `first-paint <ms>`, as the empty app of scripts/bench/app-idle.sh prints it.
#[tauri::command]
#[specta::specta]
pub fn first_paint(at_ms: f64) {
    println!("first-paint {at_ms:.0}");
}
