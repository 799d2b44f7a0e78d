//! Desktop notifications, and the feed of the tray: the core's attention follow of the open project (see
//! `dockmaster_core::session::AttentionFollower`) asks here whether the window has the focus and which kinds are
//! on, and sends here the tray's view (drawn by `tray.rs`) and the notifications to show (through the
//! notification plugin: the desktop's notification service).

use std::sync::Arc;

use dockmaster_core::attention::{Notice, NotifyContext};
use dockmaster_core::session::{AttentionFollower, AttentionUpdate, Sessions};
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::preferences::PreferencesState;
use crate::window::Focus;

/// Hands the attention follower to the sessions: it follows whichever project is open from now on.
pub fn setup(app: &AppHandle) {
    let asked = app.clone();
    let told = app.clone();
    let follower = AttentionFollower {
        context: Arc::new(move || NotifyContext {
            focused: asked.state::<Focus>().get(),
            prefs: asked.state::<PreferencesState>().get().notify,
        }),
        sink: Arc::new(move |update| match update {
            AttentionUpdate::Tray(view) => crate::tray::show(&told, &view),
            AttentionUpdate::Notify(notice) => send(&told, &notice),
        }),
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move { app.state::<Sessions>().follow_attention(follower) });
}

fn send(app: &AppHandle, notice: &Notice) {
    if let Err(e) = app.notification().builder().title(&notice.title).body(&notice.body).show() {
        tracing::warn!(title = %notice.title, "a notification could not be sent: {e}");
    }
}
