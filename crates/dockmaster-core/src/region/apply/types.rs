//! The apply's public types: its options, its steps and their progress events, and the region it returns.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::region::secret::Keychains;

/// How long to wait.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// How long each container may take to become healthy (or running, without a healthcheck).
    pub health_timeout: Duration,
    /// Timeout of each engine request.
    pub request_timeout: Duration,
    /// Where the project's operation lock is taken; `None`: the lifecycle's folder
    /// (`$XDG_RUNTIME_DIR/dockmaster`, else `$XDG_STATE_HOME/dockmaster/locks`).
    pub lock_dir: Option<PathBuf>,
    /// Where the apply's journal is kept; `None`: `$XDG_STATE_HOME/dockmaster/region-applies`.
    pub journal_dir: Option<PathBuf>,
    /// The keychain the region's password is kept in (the OS keychain unless a test says otherwise).
    pub keychains: Keychains,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            health_timeout: Duration::from_secs(120),
            request_timeout: Duration::from_secs(60),
            lock_dir: None,
            journal_dir: None,
            keychains: Keychains::default(),
        }
    }
}

/// The steps of an apply, in order (`rollback` only after a failure or cancel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ApplyStep {
    StorePassword,
    CreateNetwork,
    CreateVolume,
    CreateDb,
    StartDb,
    WaitDbHealthy,
    CreateServer,
    StartServer,
    WaitServerHealthy,
    Rollback,
}

impl ApplyStep {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyStep::StorePassword => "store password",
            ApplyStep::CreateNetwork => "create network",
            ApplyStep::CreateVolume => "create volume",
            ApplyStep::CreateDb => "create database",
            ApplyStep::StartDb => "start database",
            ApplyStep::WaitDbHealthy => "wait for database healthy",
            ApplyStep::CreateServer => "create server",
            ApplyStep::StartServer => "start server",
            ApplyStep::WaitServerHealthy => "wait for server healthy",
            ApplyStep::Rollback => "roll back",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum StepStatus {
    Started,
    Done,
    Failed,
}

/// One progress event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ApplyEvent {
    pub step: ApplyStep,
    pub status: StepStatus,
    /// What the step works on (a container, network, volume or keychain item).
    pub target: String,
    /// What happened (reused, the failure, health now…); never a secret.
    pub detail: Option<String>,
    /// Milliseconds since the apply started.
    pub elapsed_ms: u32,
}

/// A region that is up and healthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AppliedRegion {
    pub region: String,
    pub server_url: String,
    pub containers: Vec<String>,
    /// The label value (`dev.dockmaster.region.apply`) of everything this apply created.
    pub apply_id: String,
    pub elapsed_ms: u32,
}
