//! [`RegionError`]: why a region could not be planned, applied or managed, each saying what to do, with a
//! stable code. Never holds a secret.

use super::request::FieldError;
use crate::engine::EngineError;
use crate::error::CoreError;
use crate::secrets::SecretsError;

/// Stable machine-readable codes (the CLI's `--json`, the desktop app branches on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum RegionErrorCode {
    /// The request breaks a rule (see the field errors).
    RegionInvalid,
    /// The project has no usable region template.
    RegionTemplate,
    /// The networks the template joins do not exist: the stack is not up.
    RegionPreflight,
    /// A container, network or volume of that name exists and is not the region's.
    RegionConflict,
    RegionNoFreePort,
    RegionNoFreeSubnet,
    /// A plan option is malformed (port range, subnet pool).
    RegionOptions,
    RegionNotFound,
    /// Removing volumes needs the exact list of them, confirmed.
    RegionConfirmVolumes,
    /// Applying failed; what it had created was removed.
    RegionApplyFailed,
    /// Applying was cancelled; what it had created was removed.
    RegionApplyCancelled,
    /// An engine request failed.
    RegionEngine,
    EngineUnavailable,
    Keychain,
    Project,
}

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
    pub fn code(&self) -> RegionErrorCode {
        match self {
            RegionError::Invalid { .. } => RegionErrorCode::RegionInvalid,
            RegionError::Template { .. } => RegionErrorCode::RegionTemplate,
            RegionError::NetworksMissing { .. } => RegionErrorCode::RegionPreflight,
            RegionError::Conflict { .. } => RegionErrorCode::RegionConflict,
            RegionError::NoFreePort { .. } => RegionErrorCode::RegionNoFreePort,
            RegionError::NoFreeSubnet { .. } => RegionErrorCode::RegionNoFreeSubnet,
            RegionError::Options { .. } => RegionErrorCode::RegionOptions,
            RegionError::NotFound { .. } => RegionErrorCode::RegionNotFound,
            RegionError::ConfirmVolumes { .. } => RegionErrorCode::RegionConfirmVolumes,
            RegionError::ApplyFailed { .. } => RegionErrorCode::RegionApplyFailed,
            RegionError::Cancelled { .. } => RegionErrorCode::RegionApplyCancelled,
            RegionError::Engine { .. } => RegionErrorCode::RegionEngine,
            RegionError::EngineUnavailable(_) => RegionErrorCode::EngineUnavailable,
            RegionError::Keychain(_) => RegionErrorCode::Keychain,
            RegionError::Project(_) => RegionErrorCode::Project,
        }
    }

    /// The code as text (`REGION_INVALID`…); for keychain errors the keychain's own code.
    pub fn code_str(&self) -> String {
        match self {
            RegionError::Keychain(e) => e.code(),
            RegionError::EngineUnavailable(e) => serde_json::to_value(e.code())
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            RegionError::Project(e) => serde_json::to_value(e.code())
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            other => serde_json::to_value(other.code())
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
        }
    }

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
