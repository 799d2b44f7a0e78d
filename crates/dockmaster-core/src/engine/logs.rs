//! Container logs of a project's services: followed through the supervisor's client with timestamps,
//! demultiplexed and split into lines, **masked before they are stored**, kept in bounded per-service ring
//! buffers, re-attached when a container restarts or is recreated (no line twice), searched, filtered,
//! exported, and handed out in batches (≤ `batch_interval` or `batch_lines`) so a UI is never flooded.
//!
//! Pieces: `time` (timestamps), `split` (lines, masked with [`crate::secrets::Masker`]), `buffer` (rings and filters),
//! `follow` (the task that attaches and batches), `export` (files).

mod buffer;
mod export;
mod follow;
mod split;
#[cfg(test)]
mod tests;
mod time;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

pub use buffer::{CompiledFilter, LogBuffer};
pub use export::{export_line, write_export};
pub use split::{SplitLine, Splitter};
pub use time::{format_rfc3339, parse_duration, parse_rfc3339, parse_user_time};

use super::{supervisor, EngineHandle, EngineSnapshot};
use crate::secrets::Masker;

/// Which output a line came from (`console`: a container with a TTY, where the two are one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum LogStream {
    Stdout,
    Stderr,
    Console,
}

/// One log line, masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogLine {
    /// Arrival order across the follow (starts at 1). An `f64`, exact to 2^53 (typed as a plain `number`: never NaN).
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub seq: f64,
    pub service: String,
    /// The container's name.
    pub container: String,
    pub stream: LogStream,
    /// When the container wrote it: RFC 3339 UTC with nine fraction digits (text order = time order).
    pub timestamp: String,
    /// The same time in milliseconds since the epoch.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub time_ms: f64,
    pub text: String,
    /// Longer than the line limit: the line continues in the next one.
    pub partial: bool,
}

/// A service's buffer after a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceLogState {
    pub service: String,
    /// Lines kept now.
    pub lines: u32,
    /// Bytes kept now (text plus a fixed per-line overhead).
    pub bytes: u32,
    /// Older lines dropped to stay within the limits.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub dropped: f64,
    /// Lines received in all.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub total: f64,
    /// `seq` of the oldest line kept.
    #[cfg_attr(feature = "specta", specta(type = Option<u32>))]
    pub first_seq: Option<f64>,
    /// The containers being read now (names).
    pub containers: Vec<String>,
}

/// Something about the follow itself rather than a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum LogNoticeKind {
    /// Waiting for the engine (unavailable or reconnecting).
    Waiting,
    /// Reading a container again after it restarted or was recreated.
    Reattached,
    /// A container stopped: its log ends here until it starts again.
    Ended,
    /// Reading a container failed (it is retried).
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogNotice {
    pub kind: LogNoticeKind,
    pub service: Option<String>,
    pub container: Option<String>,
    pub message: String,
    /// When Dockmaster noticed (RFC 3339).
    pub timestamp: String,
}

/// What a follow delivers at most every `batch_interval`: new lines, notices, and every service's buffer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogBatch {
    pub lines: Vec<LogLine>,
    pub notices: Vec<LogNotice>,
    pub services: Vec<ServiceLogState>,
    /// Per-service limits, for the UI's notices.
    pub max_lines_per_service: u32,
    pub max_bytes_per_service: u32,
}

/// Which lines: services (empty = all), streams (empty = all), a time range (RFC 3339, Unix seconds, or a
/// duration back from now like `10m`), and text (substring, case-insensitive unless `caseSensitive`; a
/// regular expression with `regex`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogFilter {
    pub services: Vec<String>,
    pub streams: Vec<LogStream>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub text: Option<String>,
    pub regex: bool,
    pub case_sensitive: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportReport {
    pub path: String,
    pub lines: u32,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub bytes: f64,
}

/// Why a log request failed; each says what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LogError {
    #[error("unknown service `{name}`: this project's services are {known}")]
    UnknownService { name: String, known: String },
    #[error(
        "`{text}` is not a time: write RFC 3339 (2024-01-02T03:04:05Z), Unix seconds, or a duration back \
         from now such as 90s, 10m or 1h30m"
    )]
    InvalidTime { text: String },
    #[error("invalid search pattern `{pattern}`: {reason}. Turn regular expressions off to search for the text as written")]
    InvalidPattern { pattern: String, reason: String },
    #[error("cannot write the log export to {path}: {reason}. Choose a file in a folder you can write to")]
    Export { path: String, reason: String },
}

impl LogError {
    /// The failure's code: the same in the CLI's `--json` and the window.
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode;
        match self {
            LogError::UnknownService { .. } => ErrorCode::UnknownService,
            LogError::InvalidTime { .. } => ErrorCode::LogTimeInvalid,
            LogError::InvalidPattern { .. } => ErrorCode::LogPatternInvalid,
            LogError::Export { .. } => ErrorCode::LogExportFailed,
        }
    }
}

/// Checks requested service names against the project's (`known`); empty means all.
pub fn check_services(requested: &[String], known: &[String]) -> Result<(), LogError> {
    match requested.iter().find(|r| !known.contains(r)) {
        Some(name) => Err(LogError::UnknownService { name: name.clone(), known: known.join(", ") }),
        None => Ok(()),
    }
}

/// Limits and pacing of a follow.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// Lines kept per service.
    pub max_lines: usize,
    /// Bytes kept per service.
    pub max_bytes: usize,
    /// Lines read back per container when first attached (`None`: all the engine has).
    pub tail: Option<u32>,
    /// Only lines written at or after this time (ns since the epoch).
    pub since_nano: Option<i64>,
    /// Keep reading as containers write (and re-attach on restart); `false` reads what is there and ends.
    pub follow: bool,
    /// The longest line kept whole; longer ones are cut into `partial` pieces.
    pub max_line_bytes: usize,
    /// A batch goes out at least this often while there is something new...
    pub batch_interval: Duration,
    /// ...or as soon as it holds this many lines.
    pub batch_lines: usize,
    /// Batches waiting for the receiver before the follow pauses reading (back-pressure, bounded memory).
    pub channel_batches: usize,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            max_lines: 10_000,
            max_bytes: 4 << 20,
            tail: Some(1000),
            since_nano: None,
            follow: true,
            max_line_bytes: 16 << 10,
            batch_interval: Duration::from_millis(50),
            batch_lines: 500,
            channel_batches: 16,
        }
    }
}

/// A cloneable view of an [`EngineHandle`] for the log follow: the snapshot and the supervisor's client.
/// Holding one does not keep the supervisor alive (dropping the handle still stops it).
#[derive(Clone)]
pub struct EngineLink {
    commands: mpsc::UnboundedSender<supervisor::Command>,
    snapshot: watch::Receiver<EngineSnapshot>,
}

impl EngineLink {
    /// The supervisor's client while connected (`None` otherwise).
    pub async fn client(&self) -> Option<super::DockerEngine> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.commands.send(supervisor::Command::Client(tx)).ok()?;
        rx.await.ok().flatten().map(super::DockerEngine::new)
    }

    pub fn snapshot(&self) -> watch::Receiver<EngineSnapshot> {
        self.snapshot.clone()
    }
}

impl EngineHandle {
    /// A link for the log follow (see [`EngineLink`]).
    pub fn link(&self) -> EngineLink {
        EngineLink { commands: self.commands.clone(), snapshot: self.snapshot.clone() }
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running follow of some services' logs. Dropping it stops reading.
pub struct LogFollower {
    buffer: Arc<Mutex<LogBuffer>>,
    _task: AbortOnDrop,
}

impl LogFollower {
    /// Starts following `services` (empty: every service of the project, including ones that appear later)
    /// on the current Tokio runtime. Batches arrive on the receiver; it closes when a non-`follow` read is
    /// complete. Every line is masked with `masker` before it is stored or sent.
    pub fn start(
        link: EngineLink,
        services: Vec<String>,
        masker: Arc<Masker>,
        config: LogConfig,
    ) -> (LogFollower, mpsc::Receiver<LogBatch>) {
        let (max_lines, max_bytes) = (config.max_lines, config.max_bytes.max(config.max_line_bytes * 2));
        let buffer = Arc::new(Mutex::new(LogBuffer::new(max_lines, max_bytes)));
        let (tx, rx) = mpsc::channel(config.channel_batches.max(1));
        let hub = follow::Hub::new(link, services, masker, config, buffer.clone(), tx);
        let task = tokio::spawn(hub.run());
        (LogFollower { buffer, _task: AbortOnDrop(task) }, rx)
    }

    fn buffer(&self) -> MutexGuard<'_, LogBuffer> {
        // A panic while holding the lock leaves consistent data (pushes are not interrupted midway).
        self.buffer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The kept lines that pass `filter`, oldest first; with `limit`, only the newest `limit` of them.
    pub fn query(&self, filter: &LogFilter, limit: Option<u32>) -> Result<Vec<LogLine>, LogError> {
        let compiled = CompiledFilter::new(filter, super::now_nano())?;
        Ok(self.buffer().query(&compiled, limit.map(|l| l as usize)))
    }

    /// Writes the kept lines that pass `filter` to `path` (atomically).
    pub fn export(&self, filter: &LogFilter, path: &Path) -> Result<ExportReport, LogError> {
        let lines = self.query(filter, None)?;
        write_export(&lines, path)
    }

    /// Every service's buffer now.
    pub fn states(&self) -> Vec<ServiceLogState> {
        self.buffer().states()
    }

    /// The per-service limits (lines, bytes).
    pub fn limits(&self) -> (usize, usize) {
        self.buffer().limits()
    }
}
