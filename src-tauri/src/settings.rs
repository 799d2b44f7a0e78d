//! App settings kept in the OS's app-config folder: the recent projects list and the start-up project.

use std::path::PathBuf;

use tauri::{AppHandle, Manager};

use crate::error::AppError;

const RECENT_FILE: &str = "recent-projects.json";
const MAX_RECENT: usize = 10;

/// `--project DIR` given on the command line (also used by end-to-end tests).
pub struct StartupProject(pub Option<String>);

impl StartupProject {
    pub fn from_args(args: impl Iterator<Item = String>) -> Self {
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            if arg == "--project" {
                return StartupProject(args.next());
            }
            if let Some(dir) = arg.strip_prefix("--project=") {
                return StartupProject(Some(dir.to_string()));
            }
        }
        StartupProject(None)
    }
}

fn recent_path(app: &AppHandle) -> Result<PathBuf, AppError> {
    let dir = app.path().app_config_dir().map_err(|e| crate::error::settings(e.to_string()))?;
    Ok(dir.join(RECENT_FILE))
}

pub fn recent(app: &AppHandle) -> Result<Vec<String>, AppError> {
    let path = recent_path(app)?;
    match std::fs::read_to_string(&path) {
        // A damaged settings file is not worth an error: start a fresh list.
        Ok(text) => Ok(serde_json::from_str(&text).unwrap_or_default()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(crate::error::settings(format!("cannot read {}: {e}", path.display()))),
    }
}

fn save(app: &AppHandle, list: &[String]) -> Result<(), AppError> {
    let path = recent_path(app)?;
    let write = || -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(list).unwrap_or_default())?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| crate::error::settings(format!("cannot save {}: {e}", path.display())))
}

pub fn remember_recent(app: &AppHandle, dir: &str) -> Result<(), AppError> {
    let mut list = recent(app)?;
    list.retain(|d| d != dir);
    list.insert(0, dir.to_string());
    list.truncate(MAX_RECENT);
    save(app, &list)
}

pub fn forget_recent(app: &AppHandle, dir: &str) -> Result<Vec<String>, AppError> {
    let mut list = recent(app)?;
    list.retain(|d| d != dir);
    save(app, &list)?;
    Ok(list)
}
