//! [`LifecycleError`]: why an operation could not run at all, each saying what to do, with a stable code.
//!
//! A Compose run that fails is not an error but an [`Outcome`](super::Outcome) with a
//! [`Failure`](super::Failure): the caller gets the result, the failing service and its evidence.

use std::path::PathBuf;

use super::types::{Flavor, OpKind, PreflightReport};
use crate::engine::EngineError;
use crate::error::CoreError;
use crate::secrets::SecretsError;

/// How to install Compose, for every "not found" message.
pub const INSTALL_HINT: &str =
    "Install Compose v2 (the `docker-compose-plugin` package, or Docker Desktop, which \
     includes it) or Compose v1 (`apt-get install docker-compose`), make sure it is on PATH, and retry";

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("no Docker Compose found: {tried}. {INSTALL_HINT}")]
    ComposeNotFound { tried: String },

    #[error(
        "Compose {flavor} was asked for ({origin}) but {why}. Install it, or ask for the other version \
             (--compose v1|v2, or DOCKMASTER_COMPOSE)"
    )]
    ComposeUnavailable { flavor: Flavor, origin: String, why: String },

    #[error("`{value}` ({origin}) is not a Compose version: use v1 or v2")]
    InvalidFlavor { value: String, origin: String },

    #[error("another operation is running on project {project}: `{operation}`{}. Wait for it to finish (or \
             cancel it), then retry", holder_text(*pid, *compose_pid, *holder_exited))]
    Busy {
        project: String,
        operation: String,
        /// The Dockmaster process that took the lock.
        pid: Option<u32>,
        /// The Compose process it started, which holds the lock as long as it lives.
        compose_pid: Option<u32>,
        /// The Dockmaster process is gone (killed) while its Compose still runs.
        holder_exited: bool,
    },

    /// The lock folder or file is not safe to use (not the user's, open to others, a link) or cannot be
    /// written; `detail` says which and how to fix it.
    #[error("cannot take the operation lock ({path}): {detail}")]
    Lock { path: PathBuf, detail: String },

    #[error("preflight blocked the start: {}", summary(.0))]
    PreflightBlocked(Box<PreflightReport>),

    #[error("`down --volumes` would delete {} volume(s): {}. Nothing was done: confirm with exactly this list \
             (CLI: --yes)", volumes.len(), volumes.join(", "))]
    ConfirmVolumes { volumes: Vec<String> },

    #[error("unknown service `{name}`; this project's services are: {known}")]
    UnknownService { name: String, known: String },

    #[error("`{}` works on the whole project and takes no service names", operation.as_str())]
    NoServicesAllowed { operation: OpKind },

    #[error("{0}")]
    Engine(#[from] EngineError),

    #[error("{0}")]
    Secrets(#[from] SecretsError),

    #[error("{source} (Needed because the project uses secret variables that neither the environment nor .env \
             sets, so their values can only come from the keychain: {}.)", variables.join(", "))]
    KeychainNeeded { source: Box<SecretsError>, variables: Vec<String> },

    #[error("{0}")]
    Project(#[from] CoreError),

    #[error("cannot run `{command}`: {detail}")]
    Spawn { command: String, detail: String },
}

fn holder_text(pid: Option<u32>, compose_pid: Option<u32>, exited: bool) -> String {
    match (pid, compose_pid) {
        (Some(p), Some(c)) if exited => format!(
            " (PID {p}) ended without stopping its Compose (PID {c}), which is still running and holds the \
             lock until it ends (stop it with `kill -TERM -- -{c}`, its process group, if it hangs)"
        ),
        (Some(p), Some(c)) => format!(" (PID {p}, Compose PID {c}) is still running"),
        (Some(p), None) => format!(" (PID {p})"),
        (None, _) => String::new(),
    }
}

fn summary(report: &PreflightReport) -> String {
    let first = report.problems.first().map(|p| format!("{} {}", p.message, p.fix)).unwrap_or_default();
    match report.problems.len() {
        0 | 1 => first,
        n => format!("{first} (and {} more problem(s))", n - 1),
    }
}

impl LifecycleError {
    /// A stable machine-readable code (the UI branches on it, never on the message).
    pub fn code(&self) -> String {
        match self {
            LifecycleError::ComposeNotFound { .. } => "COMPOSE_NOT_FOUND".into(),
            LifecycleError::ComposeUnavailable { .. } => "COMPOSE_UNAVAILABLE".into(),
            LifecycleError::InvalidFlavor { .. } => "COMPOSE_FLAVOR_INVALID".into(),
            LifecycleError::Busy { .. } => "OPERATION_BUSY".into(),
            LifecycleError::Lock { .. } => "OPERATION_LOCK_FAILED".into(),
            LifecycleError::PreflightBlocked(_) => "PREFLIGHT_BLOCKED".into(),
            LifecycleError::ConfirmVolumes { .. } => "CONFIRMATION_REQUIRED".into(),
            LifecycleError::UnknownService { .. } => "UNKNOWN_SERVICE".into(),
            LifecycleError::NoServicesAllowed { .. } => "NO_SERVICES_ALLOWED".into(),
            LifecycleError::Engine(e) => serde_json::to_value(e.code())
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_else(|| "ENGINE_UNAVAILABLE".into()),
            LifecycleError::Secrets(e) => e.code(),
            LifecycleError::KeychainNeeded { source, .. } => source.code(),
            LifecycleError::Project(e) => serde_json::to_value(e.code())
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            LifecycleError::Spawn { .. } => "COMPOSE_SPAWN_FAILED".into(),
        }
    }
}

pub type Result<T, E = LifecycleError> = std::result::Result<T, E>;
