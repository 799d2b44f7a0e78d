//! The main window's desktop habits that the tray needs: whether it has the focus (notifications are sent
//! only when it has not), closing it into the tray (when the preference is on and the desktop has a tray;
//! otherwise it closes and the app quits as before), showing it again, and the requests the tray sends it
//! (open on a service) over the Channel the window registers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Window, WindowEvent};

use crate::preferences::PreferencesState;

const MAIN: &str = "main";

/// What the tray asks of the window.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum WindowRequest {
    /// Show this service (the overview, scrolled to it).
    ShowService { service: String },
}

/// Whether the main window is shown and has the keyboard focus.
#[derive(Default)]
pub struct Focus(AtomicBool);

impl Focus {
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    fn set(&self, focused: bool) {
        self.0.store(focused, Ordering::SeqCst);
    }
}

/// Where the window listens for requests (set by `watch_window_requests`).
#[derive(Default)]
pub struct WindowRequests(Mutex<Option<Channel<WindowRequest>>>);

impl WindowRequests {
    pub fn listen(&self, channel: Channel<WindowRequest>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(channel);
    }
}

pub fn setup(app: &AppHandle) {
    let focused = app.get_webview_window(MAIN).and_then(|w| w.is_focused().ok()).unwrap_or(false);
    app.manage(Focus(AtomicBool::new(focused)));
    app.manage(WindowRequests::default());
}

/// Shows the window (again) in front, and sends it `request` if any.
pub fn show(app: &AppHandle, request: Option<WindowRequest>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    if let Some(request) = request {
        if let Some(channel) =
            app.state::<WindowRequests>().0.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
        {
            let _ = channel.send(request);
        }
    }
}

/// Follows the main window's focus; closing it hides it into the tray when the preference is on, the tray
/// icon exists and the desktop shows it.
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    if window.label() != MAIN {
        return;
    }
    let app = window.app_handle();
    match event {
        WindowEvent::Focused(focused) => app.state::<Focus>().set(*focused),
        WindowEvent::CloseRequested { api, .. }
            if app.state::<PreferencesState>().get().close_to_tray && crate::tray::can_close_into(app) =>
        {
            api.prevent_close();
            app.state::<Focus>().set(false);
            let _ = window.hide();
            tracing::info!("the window was closed into the tray (quit from the tray's menu)");
        }
        _ => {}
    }
}
