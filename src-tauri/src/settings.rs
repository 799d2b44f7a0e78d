//! App settings kept in the OS's app-config folder: the recent projects with each one's last selection (the
//! list itself is `dockmaster_core::recent`), and the start-up project (`--project DIR`).

use std::path::Path;

use dockmaster_core::recent::RecentProjects;
use tauri::{AppHandle, Manager};

use crate::error::AppError;

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

    /// The `--project` of another launch's command line (`argv` without the program), a relative folder
    /// taken from that launch's working directory `cwd`.
    pub fn of_launch(argv: impl Iterator<Item = String>, cwd: &str) -> Option<String> {
        let dir = Self::from_args(argv).0?;
        Some(Path::new(cwd).join(dir).display().to_string())
    }
}

fn recent_list(app: &AppHandle) -> Result<RecentProjects, AppError> {
    let dir = app.path().app_config_dir().map_err(|e| crate::error::settings(e.to_string()))?;
    Ok(RecentProjects::in_folder(&dir))
}

pub fn recent(app: &AppHandle) -> Result<Vec<String>, AppError> {
    recent_list(app)?.folders()
}

pub fn remember_recent(app: &AppHandle, dir: &str) -> Result<(), AppError> {
    recent_list(app)?.opened(dir)
}

pub fn forget_recent(app: &AppHandle, dir: &str) -> Result<Vec<String>, AppError> {
    recent_list(app)?.forget(dir)
}

pub fn selection(app: &AppHandle, dir: &str) -> Result<Option<Vec<String>>, AppError> {
    recent_list(app)?.selection(dir)
}

pub fn remember_selection(app: &AppHandle, dir: &str, profiles: &[String]) -> Result<(), AppError> {
    recent_list(app)?.remember_selection(dir, profiles)
}

#[cfg(test)]
mod tests {
    use super::StartupProject;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter().map(|s| s.to_string()).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn project_from_the_command_line() {
        assert_eq!(StartupProject::from_args(args(&["--project", "/p"])).0.as_deref(), Some("/p"));
        assert_eq!(StartupProject::from_args(args(&["--project=/q"])).0.as_deref(), Some("/q"));
        assert_eq!(StartupProject::from_args(args(&["--other"])).0, None);
    }

    #[test]
    fn another_launch_names_its_project_from_its_own_folder() {
        let of = |a: &[&str]| StartupProject::of_launch(args(a), "/home/u/work");
        assert_eq!(of(&["--project", "demo"]).as_deref(), Some("/home/u/work/demo"));
        assert_eq!(of(&["--project=../x"]).as_deref(), Some("/home/u/work/../x"));
        assert_eq!(of(&["--project", "/abs/p"]).as_deref(), Some("/abs/p"), "absolute stays");
        assert_eq!(of(&[]), None);
    }
}
