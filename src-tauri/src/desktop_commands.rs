//! The desktop side of the window: the Settings panel's preferences (close into the tray, each kind of
//! notification), the tray's state, an explicit Quit, the Channel the tray's requests reach the window by, what
//! another launch asks of it (`watch_desktop`), the About panel's facts, and when the first dashboard was painted
//! (the start-up benchmark reads it), and Dockmaster's own log (where, which level, open its folder). Each maps arguments, makes one call, maps the result.

use dockmaster_core::desktop::{AboutInfo, DesktopEvent, DesktopRelay};
use dockmaster_core::ownlog::{self, LogInfo};
use dockmaster_core::ErrorCode;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::error::AppError;
use crate::preferences::{self, Preferences, PreferencesState};
use crate::tray::{self, TrayStatus};
use crate::window::{WindowRequest, WindowRequests};

/// The preferences in effect.
#[tauri::command]
#[specta::specta]
pub fn get_preferences(preferences: State<'_, PreferencesState>) -> Preferences {
    preferences.get()
}

/// Saves the preferences and puts them in effect at once.
#[tauri::command]
#[specta::specta]
pub fn set_preferences(app: AppHandle, preferences: Preferences) -> Result<Preferences, AppError> {
    preferences::save(&app, preferences)
}

/// Whether the tray icon exists, what it says, and whether the desktop has a tray to show it (asked now).
#[tauri::command]
#[specta::specta]
pub async fn tray_status(app: AppHandle) -> TrayStatus {
    tray::status(&app)
}

/// Quits Dockmaster (the window may otherwise close into the tray).
#[tauri::command]
#[specta::specta]
pub fn quit_app(app: AppHandle) {
    app.exit(0);
}

/// Sends the tray's requests (open the window on a service) to `on_request`, replacing an earlier listener.
#[tauri::command]
#[specta::specta]
pub fn watch_window_requests(requests: State<'_, WindowRequests>, on_request: Channel<WindowRequest>) {
    requests.listen(on_request);
}

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
/// `first-paint <ms>`, as the empty app of scripts/bench/app-idle.sh prints it, and the page's start-up steps
/// (`marks`: `name=ms` since its navigation began) in the log.
#[tauri::command]
#[specta::specta]
pub fn first_paint(at_ms: f64, marks: String) {
    println!("first-paint {at_ms:.0}");
    tracing::debug!(steps = %marks, "first dashboard painted");
}

/// Where Dockmaster's own log is, at which level (and whether `DOCKMASTER_LOG` decides it).
#[tauri::command]
#[specta::specta]
pub fn log_info() -> LogInfo {
    ownlog::info()
}

/// Opens the log folder in the file manager (made first when nothing was logged yet).
#[tauri::command]
#[specta::specta]
pub fn open_log_folder(app: AppHandle) -> Result<(), AppError> {
    use tauri_plugin_opener::OpenerExt;
    let folder = ownlog::folder_to_open()?;
    tracing::debug!(folder = %folder.display(), "log folder opened");
    app.opener().open_path(folder.display().to_string(), None::<&str>).map_err(|e| {
        AppError::new(
            ErrorCode::LogFolderFailed,
            format!("{}: the file manager could not be started: {e}", folder.display()),
        )
    })
}
