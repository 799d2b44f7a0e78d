//! Dockmaster's own log: `tracing` records of what Dockmaster did (operations started and ended, the engine
//! connected or lost, errors), written by both faces to one size-bounded file pair in the platform's log folder.
//!
//! Where: `DOCKMASTER_LOG_DIR`, else Linux/BSD `$XDG_STATE_HOME/dockmaster/logs` (`~/.local/state/…`), macOS
//! `~/Library/Logs/Dockmaster`, Windows `%LOCALAPPDATA%\Dockmaster\logs` — see [`folder`]. `dockmaster.log`
//! grows to [`MAX_FILE_BYTES`], then becomes `dockmaster.log.1` ([`rotate`]). The level is the app's setting,
//! or `DOCKMASTER_LOG` (`off`, `error`, `warn`, `info`, `debug`, `trace`), which wins. Records never carry a
//! secret value or an environment map: call sites log masked texts, and [`sink`] masks every record again with
//! every masker alive in the process ([`mask_with`]). The diagnostics bundle takes the log's [`tail`].

pub mod rotate;
pub mod sink;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, Registry};

pub use sink::mask_with;

/// Each file's limit (two files are kept).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// The environment variable that sets the level, whatever the settings say.
pub const LEVEL_VAR: &str = "DOCKMASTER_LOG";
/// The environment variable that sets the folder.
pub const DIR_VAR: &str = "DOCKMASTER_LOG_DIR";
/// The crates whose records are kept at the chosen level; other crates' only from `warn` up.
const OWN_TARGETS: [&str; 3] = ["dockmaster_core", "dockmaster_app", "dockmaster"];

/// How much Dockmaster writes to its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    #[default]
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn parse(text: &str) -> Option<LogLevel> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => LogLevel::Off,
            "error" => LogLevel::Error,
            "warn" | "warning" => LogLevel::Warn,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            "trace" => LogLevel::Trace,
            _ => return None,
        })
    }

    fn filter(self) -> LevelFilter {
        match self {
            LogLevel::Off => LevelFilter::OFF,
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

/// The log as the settings show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogInfo {
    /// The folder the log files are in.
    pub folder: String,
    /// The level in effect.
    pub level: LogLevel,
    /// Set when `DOCKMASTER_LOG` decides the level (the setting is kept but has no effect).
    pub level_from_env: Option<String>,
    /// Why nothing is written, when the log could not be opened.
    pub problem: Option<String>,
}

struct Installed {
    folder: Option<PathBuf>,
    reload: Option<reload::Handle<Targets, Registry>>,
    level: std::sync::Mutex<LogLevel>,
    problem: Option<String>,
}

static INSTALLED: OnceLock<Installed> = OnceLock::new();

/// The log folder for these environment variables (`DOCKMASTER_LOG_DIR`, then the platform's), `None` when
/// neither it nor a home folder is known.
pub fn folder_for(vars: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let absolute = |name: &str| vars(name).map(PathBuf::from).filter(|p| p.is_absolute());
    if let Some(dir) = absolute(DIR_VAR) {
        return Some(dir);
    }
    if cfg!(target_os = "macos") {
        return absolute("HOME").map(|h| h.join("Library").join("Logs").join("Dockmaster"));
    }
    if cfg!(windows) {
        return absolute("LOCALAPPDATA").map(|d| d.join("Dockmaster").join("logs"));
    }
    absolute("XDG_STATE_HOME")
        .or_else(|| absolute("HOME").map(|h| h.join(".local").join("state")))
        .map(|s| s.join("dockmaster").join("logs"))
}

/// The folder in use (set up by [`init`]), else the one this process's environment names.
pub fn folder() -> Option<PathBuf> {
    match INSTALLED.get() {
        Some(installed) => installed.folder.clone(),
        None => folder_for(&|name| std::env::var(name).ok()),
    }
}

/// The level `DOCKMASTER_LOG` asks for, if it is set (an unknown word is said once on stderr and ignored).
fn level_from_env() -> Option<(LogLevel, String)> {
    let text = std::env::var(LEVEL_VAR).ok()?;
    match LogLevel::parse(&text) {
        Some(level) => Some((level, text)),
        None => {
            eprintln!(
                "dockmaster: {LEVEL_VAR}={text:?} is not a log level (off, error, warn, info, debug, trace); \
                 using the setting"
            );
            None
        }
    }
}

fn targets(level: LogLevel) -> Targets {
    let own = level.filter();
    Targets::new().with_default(own.min(LevelFilter::WARN)).with_targets(OWN_TARGETS.map(|t| (t, own)))
}

/// Starts this process's log for `face` (`app`, `cli`) at `level` (`DOCKMASTER_LOG` wins). Once per process; a
/// folder that cannot be used leaves the process without a log and says why (on stderr, and in [`info`]).
pub fn init(face: &str, level: LogLevel) {
    let env = level_from_env();
    let level = env.as_ref().map_or(level, |(l, _)| *l);
    let Some(folder) = folder_for(&|name| std::env::var(name).ok()) else {
        let problem = format!("no log folder: set {DIR_VAR} (or HOME) to write Dockmaster's log");
        let _ = INSTALLED.set(Installed {
            folder: None,
            reload: None,
            level: level.into(),
            problem: Some(problem),
        });
        return;
    };
    let file = match rotate::RotatingFile::open(&folder, MAX_FILE_BYTES) {
        Ok(file) => file,
        Err(e) => {
            let problem = format!(
                "{}: Dockmaster's log cannot be written there ({e}); set {DIR_VAR} to a folder of yours",
                folder.display()
            );
            eprintln!("dockmaster: {problem}");
            let _ = INSTALLED.set(Installed {
                folder: Some(folder),
                reload: None,
                level: level.into(),
                problem: Some(problem),
            });
            return;
        }
    };
    let (filter, handle) = reload::Layer::new(targets(level));
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(sink::Sink::new(file, face)));
    let installed =
        Installed { folder: Some(folder), reload: Some(handle), level: level.into(), problem: None };
    if INSTALLED.set(installed).is_err()
        || tracing_subscriber::registry().with(filter).with(layer).try_init().is_err()
    {
        return;
    }
    tracing::info!(face, version = env!("CARGO_PKG_VERSION"), pid = std::process::id(), "dockmaster started");
}

/// Changes the level from now on (a settings change). `DOCKMASTER_LOG`, when set, keeps deciding.
pub fn set_level(level: LogLevel) {
    let Some(installed) = INSTALLED.get() else { return };
    if level_from_env().is_some() {
        return;
    }
    let before = std::mem::replace(&mut *installed.level.lock().unwrap_or_else(|e| e.into_inner()), level);
    if before == level {
        return;
    }
    if let Some(handle) = &installed.reload {
        let _ = handle.reload(targets(level));
    }
    tracing::info!(level = ?level, "log level changed");
}

/// Where the log is, at which level, and why it is not written if it is not.
pub fn info() -> LogInfo {
    let folder = folder().map(|f| f.display().to_string()).unwrap_or_default();
    match INSTALLED.get() {
        Some(installed) => LogInfo {
            folder,
            level: *installed.level.lock().unwrap_or_else(|e| e.into_inner()),
            level_from_env: level_from_env().map(|(_, text)| text),
            problem: installed.problem.clone(),
        },
        None => LogInfo {
            folder,
            level: LogLevel::Off,
            level_from_env: None,
            problem: Some("this process writes no log".to_string()),
        },
    }
}

/// The log folder, made (private) if nothing was logged yet, for "Open log folder"; `LOG_FOLDER_FAILED` when
/// there is none or it cannot be made.
pub fn folder_to_open() -> Result<PathBuf, crate::error::ErrorReport> {
    use crate::error::{ErrorCode, ErrorReport};
    let folder = folder().ok_or_else(|| {
        ErrorReport::new(ErrorCode::LogFolderFailed, format!("there is no log folder: set {DIR_VAR} or HOME"))
    })?;
    rotate::create_private_dir(&folder).map_err(|e| {
        ErrorReport::new(
            ErrorCode::LogFolderFailed,
            format!(
                "{}: the log folder cannot be made ({e}); set {DIR_VAR} to a folder of yours",
                folder.display()
            ),
        )
    })?;
    Ok(folder)
}

/// The last `max_bytes` of the log in `dir` (both files), from a whole line; `None` when there is none yet.
pub fn tail(dir: &Path, max_bytes: usize) -> std::io::Result<Option<String>> {
    rotate::tail(dir, max_bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_in_any_case_and_unknown_words_do_not() {
        assert_eq!(LogLevel::parse(" DEBUG "), Some(LogLevel::Debug));
        assert_eq!(LogLevel::parse("warning"), Some(LogLevel::Warn));
        assert_eq!(LogLevel::parse("off"), Some(LogLevel::Off));
        assert_eq!(LogLevel::parse("loud"), None);
        assert_eq!(serde_json::to_string(&LogLevel::Info).unwrap(), "\"info\"");
    }

    #[test]
    fn other_crates_log_from_warn_up_and_ours_at_the_level() {
        use tracing::Level;
        let t = targets(LogLevel::Debug);
        assert!(t.would_enable("dockmaster_core::session", &Level::DEBUG));
        assert!(!t.would_enable("hyper::proto", &Level::DEBUG));
        assert!(t.would_enable("hyper::proto", &Level::WARN));
        let off = targets(LogLevel::Off);
        assert!(!off.would_enable("dockmaster_core", &Level::ERROR));
        assert!(!off.would_enable("hyper", &Level::ERROR));
    }

    #[test]
    fn the_folder_follows_the_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        assert_eq!(
            folder_for(&vars(&[(DIR_VAR, "/x/logs"), ("HOME", "/home/u")])),
            Some(PathBuf::from("/x/logs"))
        );
        assert!(
            folder_for(&vars(&[(DIR_VAR, "relative"), ("HOME", "/nowhere")])).is_some(),
            "a relative folder is ignored"
        );
        assert_eq!(folder_for(&vars(&[])), None);
        #[cfg(target_os = "linux")]
        {
            assert_eq!(
                folder_for(&vars(&[("XDG_STATE_HOME", "/s"), ("HOME", "/home/u")])),
                Some(PathBuf::from("/s/dockmaster/logs"))
            );
            assert_eq!(
                folder_for(&vars(&[("HOME", "/home/u")])),
                Some(PathBuf::from("/home/u/.local/state/dockmaster/logs"))
            );
        }
    }
}
