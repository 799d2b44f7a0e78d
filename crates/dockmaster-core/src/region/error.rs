//! [`RegionError`]: why a region could not be planned, applied or managed, each saying what to do, with a
//! stable code. Never holds a secret.

use super::request::FieldError;
use crate::engine::ops::OpError;
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

    #[error("{}", confirm_text(region, volumes, interrupted_apply.as_deref(), created_by_apply))]
    ConfirmVolumes {
        region: String,
        volumes: Vec<String>,
        /// The interrupted apply whose region this is, if it is one.
        interrupted_apply: Option<String>,
        /// Which of `volumes` that interrupted apply created (they go with the region; the others are kept
        /// unless confirmed).
        created_by_apply: Vec<String>,
    },

    #[error("{message}")]
    Busy { message: String },

    #[error("{message}")]
    StateFolder { message: String },

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

/// The volumes to confirm, each created by the interrupted apply marked so.
pub fn volume_list(volumes: &[String], apply: Option<&str>, created: &[String]) -> String {
    volumes
        .iter()
        .map(|v| match apply.filter(|_| created.contains(v)) {
            Some(id) => format!("{v} ({})", created_reason(id)),
            None => v.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a volume goes with an interrupted region.
pub fn created_reason(apply_id: &str) -> String {
    format!("created by the interrupted apply {apply_id}")
}

fn confirm_text(region: &str, volumes: &[String], apply: Option<&str>, created: &[String]) -> String {
    let what = match apply {
        Some(_) => format!("region {region}'s creation was interrupted; removing it"),
        None => format!("removing region {region}'s volumes"),
    };
    format!(
        "{what} deletes their data: confirm with exactly these volumes: {} (CLI: `dockmaster region rm {region} \
         {}`). Nothing was removed",
        volume_list(volumes, apply, created),
        confirm_flags(volumes, created)
    )
}

/// The CLI flags that confirm `volumes`: `--yes` when they are only the interrupted apply's own.
fn confirm_flags(volumes: &[String], created: &[String]) -> &'static str {
    if !volumes.is_empty() && volumes.iter().all(|v| created.contains(v)) {
        "--yes"
    } else {
        "--volumes --yes"
    }
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
            RegionError::Busy { .. } => ErrorCode::OperationBusy,
            RegionError::StateFolder { .. } => ErrorCode::OperationLockFailed,
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
    /// A refusal of the project's operation lock, for a region apply.
    pub(crate) fn from_lock(e: crate::lifecycle::LifecycleError) -> Self {
        match e {
            crate::lifecycle::LifecycleError::Busy { .. } => RegionError::Busy { message: e.to_string() },
            other => RegionError::StateFolder { message: other.to_string() },
        }
    }

    /// An engine operation about `action` failed (its message is the engine's own, or the timeout).
    pub(crate) fn engine(action: impl Into<String>, e: OpError) -> Self {
        RegionError::Engine { action: action.into(), reason: e.message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_region_names_why_each_volume_goes_and_the_flags_that_confirm() {
        let own = RegionError::ConfirmVolumes {
            region: "r".into(),
            volumes: vec!["p-region-r-data".into()],
            interrupted_apply: Some("ab12".into()),
            created_by_apply: vec!["p-region-r-data".into()],
        }
        .to_string();
        assert!(own.contains("p-region-r-data (created by the interrupted apply ab12)"), "{own}");
        assert!(own.contains("`dockmaster region rm r --yes`") && own.contains("interrupted"), "{own}");
        let mixed = RegionError::ConfirmVolumes {
            region: "r".into(),
            volumes: vec!["p-region-r-data".into(), "p-region-r-kept".into()],
            interrupted_apply: Some("ab12".into()),
            created_by_apply: vec!["p-region-r-data".into()],
        }
        .to_string();
        assert!(!mixed.contains("p-region-r-kept (created") && mixed.contains("--volumes --yes"), "{mixed}");
        let plain = RegionError::ConfirmVolumes {
            region: "r".into(),
            volumes: vec!["v".into()],
            interrupted_apply: None,
            created_by_apply: vec![],
        }
        .to_string();
        assert!(plain.contains("region r's volumes") && plain.contains(": v (CLI:"), "{plain}");
    }
}
