//! The desktop side of the window: the Settings panel's preferences (close into the tray, each kind of
//! notification), the tray's state, an explicit Quit, and the Channel the tray's requests reach the window by.
//! Each maps arguments, makes one call, maps the result.

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
