//! An operation and its result: which Compose runs it, what it is, how it ended, why it failed.

use serde::{Deserialize, Serialize};

use super::{Phase, PreflightReport};
use crate::engine::{Health, ProbeResult, RunState};

/// Which Compose implementation runs the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Flavor {
    /// `docker-compose` 1.x (Python).
    V1,
    /// `docker compose` 2.x (the Docker CLI plugin), or a `docker-compose` binary that reports 2.x.
    V2,
}

impl Flavor {
    /// `v1` / `v2` (also `1`, `2`, `compose-v1`…), as given to `--compose` or `DOCKMASTER_COMPOSE`.
    pub fn parse(text: &str) -> Option<Flavor> {
        match text.trim().to_ascii_lowercase().trim_start_matches("compose-") {
            "v1" | "1" => Some(Flavor::V1),
            "v2" | "2" => Some(Flavor::V2),
            _ => None,
        }
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Flavor::V1 => "v1",
            Flavor::V2 => "v2",
        })
    }
}

/// The Compose found for an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ComposeInfo {
    pub flavor: Flavor,
    /// What `version --short` printed, e.g. `2.26.1` or `1.29.2`.
    pub version: String,
    /// The command that runs it: `["docker", "compose"]` or `["docker-compose"]`.
    pub command: Vec<String>,
    /// Why this one: `detected`, `--compose`, or `DOCKMASTER_COMPOSE`.
    pub chosen_by: String,
}

/// A lifecycle operation (also what the window asks to run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum OpKind {
    Up,
    Stop,
    Start,
    Restart,
    Down,
    Pull,
    Build,
}

impl OpKind {
    /// The Compose subcommand (and the name the lock file records).
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Up => "up",
            OpKind::Stop => "stop",
            OpKind::Start => "start",
            OpKind::Restart => "restart",
            OpKind::Down => "down",
            OpKind::Pull => "pull",
            OpKind::Build => "build",
        }
    }
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Outcome {
    Succeeded,
    /// Compose failed, or a service became unhealthy or exited.
    Failed,
    /// Services were not healthy within the timeout.
    TimedOut,
    /// Cancelled by the caller; Compose was stopped (SIGTERM, then SIGKILL after the grace period).
    Cancelled,
}

/// Why an operation failed, with everything needed to act on it (all masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Failure {
    /// Compose's own error text, or what Dockmaster saw (e.g. "not healthy after 60 s").
    pub message: String,
    /// The service that failed, when one can be named.
    pub service: Option<String>,
    pub container: Option<String>,
    pub state: Option<RunState>,
    pub health: Option<Health>,
    /// Its last healthcheck run (output masked).
    pub probe: Option<ProbeResult>,
    /// Its last log lines (about 20, masked).
    pub logs: Vec<String>,
    /// What to do next.
    pub hint: String,
}

/// Where a service ended up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceOutcome {
    pub name: String,
    /// The last phase seen during the operation.
    pub phase: Option<Phase>,
    pub state: RunState,
    pub health: Health,
}

/// The result of one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OperationResult {
    pub operation: OpKind,
    pub project: String,
    pub profiles: Vec<String>,
    /// The services the operation was about (the selection's, or the ones asked for).
    pub services: Vec<String>,
    pub compose: ComposeInfo,
    pub outcome: Outcome,
    /// Compose's exit status (`None` when it was killed or never ran).
    pub exit_code: Option<i32>,
    pub duration_ms: u32,
    pub states: Vec<ServiceOutcome>,
    pub failure: Option<Failure>,
    /// `down --volumes`: the volumes that are gone now.
    pub removed_volumes: Vec<String>,
    /// The preflight that ran before `up` (its warnings did not block).
    pub preflight: Option<PreflightReport>,
}
