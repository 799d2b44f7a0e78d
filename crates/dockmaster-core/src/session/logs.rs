//! Container logs through the session: a follow that reads through the session's supervisor, every line masked
//! with the project's secrets before anything keeps it (a locked keychain refuses: every line would have to be
//! withheld), the one follow the window shows (replaced by the next) and its export.

use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::mpsc;

use super::{blocking, lock, Session};
use crate::engine::logs::{self, ExportReport, LogBatch, LogConfig, LogFilter, LogFollower};
use crate::engine::ServiceSelection;
use crate::error::{ErrorCode, ErrorReport};
use crate::secrets::Masker;

/// What a follow set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogFollowInfo {
    /// How many distinct secret values every line is masked with.
    pub masked_values: u32,
    /// What to know about masking (no keychain to read secrets from; values too short to mask), if anything.
    pub mask_warning: Option<String>,
    pub max_lines_per_service: u32,
    pub max_bytes_per_service: u32,
}

/// The session's own follow (the window's Logs view).
#[derive(Default)]
pub(super) struct LogsSlot(Mutex<Option<Follow>>);

struct Follow {
    follower: LogFollower,
    forward: tokio::task::JoinHandle<()>,
}

impl Drop for Follow {
    fn drop(&mut self) {
        self.forward.abort();
    }
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Session {
    /// Starts reading the logs of `services` (empty: every service, also ones that appear later) through the
    /// session's supervisor. The caller owns the follow: batches arrive on the receiver, which closes when a
    /// read without `config.follow` is complete. An engine that does not answer yet is not an error (the first
    /// batch says so and the follow starts when it answers).
    pub async fn open_logs(
        &self,
        services: Vec<String>,
        config: LogConfig,
    ) -> Result<(LogFollower, mpsc::Receiver<LogBatch>, LogFollowInfo), ErrorReport> {
        let project = self.project();
        let wanted = services.clone();
        let (masker, warnings) = blocking(move || {
            let selection = ServiceSelection::for_project(&project, &project.default_selection())?;
            logs::check_services(&wanted, &selection.defined)?;
            Ok(Masker::for_project(&project)?)
        })
        .await?;
        let info = LogFollowInfo {
            masked_values: u32_of(masker.len()),
            mask_warning: (!warnings.is_empty()).then(|| warnings.join(" ")),
            max_lines_per_service: u32_of(config.max_lines),
            max_bytes_per_service: u32_of(config.max_bytes),
        };
        let link = self.engine().await?.link();
        let (follower, batches) = LogFollower::start(link, services, Arc::new(masker), config);
        Ok((follower, batches, info))
    }

    /// The window's follow: [`Session::open_logs`] with the default buffers, each batch sent to `sink` (at most
    /// every 50 ms or 500 lines), kept by the session for [`Session::export_logs`]. Replaces the previous one.
    pub async fn follow_logs(
        &self,
        services: Vec<String>,
        sink: impl Fn(LogBatch) -> bool + Send + 'static,
    ) -> Result<LogFollowInfo, ErrorReport> {
        // Stop the previous follow first: its reader tasks end before the new ones start.
        self.stop_logs();
        let (follower, mut batches, info) = self.open_logs(services, LogConfig::default()).await?;
        let forward = tokio::spawn(async move {
            while let Some(batch) = batches.recv().await {
                if !sink(batch) {
                    return; // nobody listens any more
                }
            }
        });
        *lock(&self.inner.logs.0) = Some(Follow { follower, forward });
        Ok(info)
    }

    /// Stops the window's follow.
    pub fn stop_logs(&self) {
        *lock(&self.inner.logs.0) = None;
    }

    /// Writes the followed lines that pass `filter` to `path`, masked, each prefixed with its timestamp and
    /// service, atomically.
    pub async fn export_logs(&self, filter: LogFilter, path: &Path) -> Result<ExportReport, ErrorReport> {
        let lines = {
            let slot = lock(&self.inner.logs.0);
            let Some(follow) = slot.as_ref() else {
                return Err(ErrorReport::new(
                    ErrorCode::LogExportFailed,
                    "no logs of this project are being followed: open the Logs view, then export",
                ));
            };
            follow.follower.query(&filter, None)?
        };
        let path = path.to_path_buf();
        blocking(move || Ok(logs::write_export(&lines, &path)?)).await
    }
}
