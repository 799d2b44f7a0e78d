//! The desktop preferences, kept beside the recent projects in the OS's app-config folder
//! (`preferences.json`): whether closing the window keeps Dockmaster in the tray, which notifications to
//! send, and the level of Dockmaster's own log. Read once at start-up; every change is saved and takes effect at once.

use std::path::PathBuf;
use std::sync::Mutex;

use dockmaster_core::attention::NotifyPrefs;
use dockmaster_core::ownlog::{self, LogLevel};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};

use crate::error::AppError;

const FILE: &str = "preferences.json";

/// What the Settings panel edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct Preferences {
    /// Closing the window keeps Dockmaster running in the tray (when the desktop has a tray); quit from the
    /// tray's menu. Off, or without a tray: closing the window quits.
    pub close_to_tray: bool,
    pub notify: NotifyPrefs,
    /// How much Dockmaster writes to its own log (`DOCKMASTER_LOG`, when set, wins).
    pub log_level: LogLevel,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences { close_to_tray: true, notify: NotifyPrefs::default(), log_level: LogLevel::default() }
    }
}

/// The preferences in effect (managed state).
#[derive(Default)]
pub struct PreferencesState(Mutex<Preferences>);

impl PreferencesState {
    pub fn get(&self) -> Preferences {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, prefs: Preferences) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = prefs;
    }
}

fn path(app: &AppHandle) -> Result<PathBuf, AppError> {
    let dir = app.path().app_config_dir().map_err(|e| crate::error::settings(e.to_string()))?;
    Ok(dir.join(FILE))
}

/// Puts the saved preferences in effect (a missing or damaged file: the defaults).
pub fn setup(app: &AppHandle) {
    app.manage(PreferencesState::default());
    load(app);
}

fn load(app: &AppHandle) {
    let saved: Preferences = path(app)
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    ownlog::set_level(saved.log_level);
    app.state::<PreferencesState>().set(saved);
}

/// Saves `prefs` (atomically: a temporary file renamed over the old one) and puts them in effect.
pub fn save(app: &AppHandle, prefs: Preferences) -> Result<Preferences, AppError> {
    let path = path(app)?;
    let write = || -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&prefs).unwrap_or_default())?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| crate::error::settings(format!("cannot save {}: {e}", path.display())))?;
    ownlog::set_level(prefs.log_level);
    app.state::<PreferencesState>().set(prefs);
    Ok(prefs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn missing_fields_take_the_defaults_and_the_wire_names_are_camel_case() {
        let p: Preferences = serde_json::from_str(r#"{"notify":{"unhealthy":false}}"#).unwrap();
        assert!(p.close_to_tray);
        assert!(!p.notify.unhealthy);
        assert!(p.notify.exited && p.notify.operation_succeeded && p.notify.operation_failed);
        let json = serde_json::to_value(Preferences::default()).unwrap();
        assert_eq!(json["closeToTray"], true);
        assert_eq!(json["notify"]["operationFailed"], true);
        assert_eq!(json["logLevel"], "info");
        let p: Preferences = serde_json::from_str(r#"{"logLevel":"debug"}"#).unwrap();
        assert_eq!(p.log_level, LogLevel::Debug);
    }
}
