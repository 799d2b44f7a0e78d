//! Boundary types of the lifecycle: the preflight's here; progress events (`types/events.rs`), operations
//! and their results (`types/operation.rs`), volume plans (`types/volumes.rs`) and drift (`types/drift.rs`)
//! beside it, all re-exported from here.
//!
//! Serialised for the CLI's `--json` and typed for the UI. No 64-bit integers (they do not fit a TypeScript
//! `number`), and no secret in clear: every text that may come from Compose or a container is masked first.

use serde::Serialize;

use crate::secrets::rules::RuleKind;

mod drift;
mod events;
mod operation;
mod volumes;

pub use drift::*;
pub use events::*;
pub use operation::*;
pub use volumes::*;

/// What a preflight problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum PreflightCode {
    EngineUnavailable,
    ComposeMissing,
    PortTaken,
    VariableInvalid,
    KeychainUnavailable,
    SelectionInvalid,
    MemoryLow,
    DiskLow,
    /// An image the services run is not on the (remote) engine and Compose does not build it.
    ImageMissing,
    /// A bind-mount source does not exist on the (remote) engine's host.
    BindSourceMissing,
    /// Whether a bind-mount source exists on the remote engine's host could not be checked (a warning).
    BindSourceUnchecked,
    /// The free disk space of a remote engine's host is not measured (its API does not say; a warning).
    DiskUnmeasured,
}

/// What holds a host port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum HolderKind {
    /// A container (of this project or another) publishes it.
    Container,
    /// A local process listens on it.
    Process,
    /// Binding fails but the OS does not say who holds it (another user's process, another network
    /// namespace…).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PortHolder {
    pub kind: HolderKind,
    /// e.g. `container web-1 (project shop, service web)` or `process nginx (PID 812)`.
    pub description: String,
    pub container: Option<String>,
    pub project: Option<String>,
    pub service: Option<String>,
    pub pid: Option<u32>,
    pub process: Option<String>,
}

/// One thing the preflight found, with its fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PreflightIssue {
    pub code: PreflightCode,
    pub message: String,
    /// How to fix it, naming `dockmaster` commands (the CLI's wording).
    pub fix: String,
    /// How to fix it, naming the window's buttons (the same advice).
    pub window_fix: String,
    /// What can be done about it besides reading: "Fix and start" does the automatic ones.
    pub remedy: Option<crate::secrets::fix::Remedy>,
    pub service: Option<String>,
    pub variable: Option<String>,
    /// The validation rule a variable breaks.
    pub rule: Option<RuleKind>,
    pub port: Option<u16>,
    pub holder: Option<PortHolder>,
}

/// Memory or disk: what the selection needs against what the host has (MiB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ResourceCheck {
    pub needed_mib: u32,
    pub available_mib: u32,
    /// How `needed_mib` was reckoned (declared limits/reservations, or a floor per service).
    pub basis: String,
}

/// Everything checked before `up`: blocking problems stop the start; warnings do not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PreflightReport {
    pub project: String,
    pub profiles: Vec<String>,
    /// The services checked (the ones started, dependencies included).
    pub services: Vec<String>,
    pub compose: Option<ComposeInfo>,
    /// No blocking problem.
    pub ok: bool,
    pub problems: Vec<PreflightIssue>,
    pub warnings: Vec<PreflightIssue>,
    /// Host ports checked (`host_ip:port/protocol`).
    pub ports_checked: Vec<String>,
    pub memory: Option<ResourceCheck>,
    pub disk: Option<ResourceCheck>,
}
