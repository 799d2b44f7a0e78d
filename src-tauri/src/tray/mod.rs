//! The status icon: its tint and menu are the core's [`TrayView`] of the open project (sent by the attention
//! follow, see `notify.rs`), drawn here; its menu's clicks show the window (on a service), start or stop the
//! selection through the session, or quit. On Linux it is an AppIndicator (libayatana-appindicator3, loaded
//! at run time): whether a desktop shows it is `host.rs`'s question.

mod host;
mod icon;

use std::sync::Mutex;

use dockmaster_core::attention::{MenuAction, MenuEntry, Tint, TrayView};
use dockmaster_core::lifecycle::OpKind;
use dockmaster_core::session::Sessions;
use serde::Serialize;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};

pub use host::TrayHost;

use crate::window::{self, WindowRequest};

const TRAY_ID: &str = "main";

/// The tray icon: created, or why not (shown in Settings, logged at start-up).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrayStatus {
    pub created: bool,
    pub error: Option<String>,
    /// The status line it shows now.
    pub status: String,
    /// Where it can show now.
    pub host: TrayHost,
}

struct TrayState {
    created: Result<(), String>,
    shown: Mutex<Option<TrayView>>,
}

/// Creates the tray icon (the plain app icon, "No project open") and logs the outcome.
pub fn setup(app: &AppHandle) {
    let view = TrayView::no_project();
    let created = build(app, &view).map_err(|e| e.to_string());
    match &created {
        Ok(()) => tracing::info!("tray icon created"),
        Err(e) => tracing::warn!("the tray icon could not be created: {e} (closing the window quits)"),
    }
    app.manage(TrayState { created, shown: Mutex::new(Some(view)) });
}

fn build(app: &AppHandle, view: &TrayView) -> tauri::Result<()> {
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu(app, view)?)
        .tooltip(format!("Dockmaster — {}", view.status))
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            // Where the icon reports clicks (not AppIndicator): a left click shows the window.
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window::show(tray.app_handle(), None);
            }
        });
    match icon::tray_icon(Tint::Idle) {
        Ok(image) => builder = builder.icon(image),
        Err(e) => tracing::warn!("{e}; the tray uses the default icon"),
    }
    builder.build(app).map(drop)
}

fn menu(app: &AppHandle, view: &TrayView) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    for entry in &view.menu {
        match entry {
            MenuEntry::Status(text) => {
                menu.append(&MenuItem::with_id(app, "status", text, false, None::<&str>)?)?
            }
            MenuEntry::Separator => menu.append(&PredefinedMenuItem::separator(app)?)?,
            MenuEntry::Action { action, label, enabled } => {
                menu.append(&MenuItem::with_id(app, action.id(), label, *enabled, None::<&str>)?)?
            }
        }
    }
    Ok(menu)
}

/// Draws `view` (when it differs from what is shown). No lock is held while the tray is changed (that
/// happens on the main thread, which may be waiting for one).
pub fn show(app: &AppHandle, view: &TrayView) {
    let Some(state) = app.try_state::<TrayState>() else { return };
    let before = {
        let mut shown = state.shown.lock().unwrap_or_else(|e| e.into_inner());
        if shown.as_ref() == Some(view) {
            return;
        }
        shown.replace(view.clone())
    };
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return };
    if before.map(|v| v.tint) != Some(view.tint) {
        match icon::tray_icon(view.tint) {
            Ok(image) => drop(tray.set_icon(Some(image))),
            Err(e) => tracing::warn!("the tray icon could not be tinted: {e}"),
        }
    }
    let _ = tray.set_tooltip(Some(format!("Dockmaster — {}", view.status)));
    match menu(app, view) {
        Ok(menu) => drop(tray.set_menu(Some(menu))),
        Err(e) => tracing::warn!("the tray menu could not be updated: {e}"),
    }
}

fn on_menu(app: &AppHandle, id: &str) {
    match MenuAction::parse(id) {
        Some(MenuAction::ShowWindow) => window::show(app, None),
        Some(MenuAction::ShowService(service)) => {
            window::show(app, Some(WindowRequest::ShowService { service }))
        }
        Some(MenuAction::Start) => run(app, OpKind::Up),
        Some(MenuAction::Stop) => run(app, OpKind::Stop),
        Some(MenuAction::Quit) => app.exit(0),
        None => {}
    }
}

/// Starts or stops the selection on screen; the outcome is told by a notification.
fn run(app: &AppHandle, op: OpKind) {
    if let Some(session) = app.state::<Sessions>().current() {
        tauri::async_runtime::spawn(async move { drop(session.run_selection(op).await) });
    }
}

/// The window may close into the tray: the icon exists and the desktop shows it.
pub fn can_close_into(app: &AppHandle) -> bool {
    app.try_state::<TrayState>().is_some_and(|s| s.created.is_ok()) && host::detect().available()
}

pub fn status(app: &AppHandle) -> TrayStatus {
    let state = app.try_state::<TrayState>();
    let created = state.as_ref().map(|s| s.created.clone());
    let status =
        state.as_ref().and_then(|s| s.shown.lock().ok().and_then(|v| v.as_ref().map(|v| v.status.clone())));
    TrayStatus {
        created: matches!(created, Some(Ok(()))),
        error: created.and_then(|c| c.err()),
        status: status.unwrap_or_default(),
        host: host::detect(),
    }
}
