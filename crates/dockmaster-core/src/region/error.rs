//! [`RegionError`]: why a region could not be planned, applied or managed, each saying what to do, with a
//! stable code. Never holds a secret.

use super::request::FieldError;
use crate::engine::EngineError;
use crate::error::{CoreError, ErrorCode};
use crate::secrets::SecretsError;

/// What a failed or cancelled apply did about what it had created.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Rollback {
    /// What was removed again (`container x`, `network y`, `volume z`, `keychain REGION_DB_PASSWORD`).
    pub removed: Vec<String>,
    /// What could not be removed, with why (remove these by hand).
    pub left_behind: Vec<String>,
}

impl Rollback {
    fn summary(&self) -> String {
        let mut text = if self.removed.is_empty() {
            "nothing had been created".to_string()
        } else {
            format!("rolled back: removed {}", self.removed.join(", "))
        };
        if !self.left_behind.is_empty() {
            text.push_str(&format!("; COULD NOT REMOVE (remove by hand): {}", self.left_behind.join("; ")));
        }
        text
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    #[error("the region request is invalid: {}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid { errors: Vec<FieldError> },

    #[error("{message}")]
    Template { message: String },

    #[error("the region template joins network(s) that do not exist: {}. {hint}", networks.join(", "))]
    NetworksMissing { networks: Vec<String>, hint: String },

    #[error("{message}")]
    Conflict { message: String },

    #[error(
        "no free host port in {first}–{last}: every one is used by a container or something listening on the \
         host. Free one, or give another range (--port-range FIRST-LAST)"
    )]
    NoFreePort { first: u16, last: u16 },

    #[error(
        "no free /24 subnet in {}: each overlaps an existing Docker network. Remove unused networks \
         (`docker network prune`) or give another pool (--subnet-pool CIDR)", pools.join(", ")
    )]
    NoFreeSubnet { pools: Vec<String> },

    #[error("{message}")]
    Options { message: String },

    #[error("project {project} has no region `{name}`{}", known_list(known))]
    NotFound { project: String, name: String, known: Vec<String> },

    #[error(
        "removing region {region}'s volumes deletes its data: confirm with exactly these volumes: {} \
         (CLI: --volumes --yes). Nothing was removed", volumes.join(", ")
    )]
    ConfirmVolumes { region: String, volumes: Vec<String> },

    #[error("creating region {region} failed at step `{step}`: {cause}. {}", rollback.summary())]
    ApplyFailed { region: String, step: String, cause: String, rollback: Rollback },

    #[error("creating region {region} was cancelled at step `{step}`. {}", rollback.summary())]
    Cancelled { region: String, step: String, rollback: Rollback },

    #[error("the engine refused to {action}: {reason}")]
    Engine { action: String, reason: String },

    #[error(transparent)]
    EngineUnavailable(#[from] EngineError),

    #[error(transparent)]
    Keychain(#[from] SecretsError),

    #[error(transparent)]
    Project(#[from] CoreError),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        " (it has none; create one with `dockmaster region create`)".into()
    } else {
        format!("; its regions are: {}", known.join(", "))
    }
}

impl RegionError {
    /// The failure's code: the same in the CLI's `--json` and the window.
    pub fn code(&self) -> ErrorCode {
        match self {
            RegionError::Invalid { .. } => ErrorCode::RegionInvalid,
            RegionError::Options { .. } => ErrorCode::RegionOptionsInvalid,
            RegionError::Template { .. } => ErrorCode::RegionTemplate,
            RegionError::NetworksMissing { .. } => ErrorCode::RegionPreflight,
            RegionError::Conflict { .. } => ErrorCode::RegionConflict,
            RegionError::NoFreePort { .. } => ErrorCode::RegionNoFreePort,
            RegionError::NoFreeSubnet { .. } => ErrorCode::RegionNoFreeSubnet,
            RegionError::NotFound { .. } => ErrorCode::RegionNotFound,
            RegionError::ConfirmVolumes { .. } => ErrorCode::VolumesUnconfirmed,
            RegionError::ApplyFailed { .. } => ErrorCode::RegionApplyFailed,
            RegionError::Cancelled { .. } => ErrorCode::RegionApplyCancelled,
            RegionError::Engine { .. } => ErrorCode::RegionEngine,
            RegionError::EngineUnavailable(e) => e.code(),
            RegionError::Keychain(e) => e.code(),
            RegionError::Project(e) => e.code(),
        }
    }
}

impl RegionError {
    pub(crate) fn engine(action: impl Into<String>, e: &bollard::errors::Error) -> Self {
        RegionError::Engine { action: action.into(), reason: engine_reason(e) }
    }
}

/// A bollard error as the engine's own message (`No such image: x`), or the transport failure with its causes.
pub fn engine_reason(e: &bollard::errors::Error) -> String {
    if let bollard::errors::Error::DockerResponseServerError { status_code, message } = e {
        return format!("{} (HTTP {status_code})", message.trim());
    }
    crate::engine::client::full_text(e)
}
