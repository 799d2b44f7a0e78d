//! [`LifecycleError`]: why an operation could not run at all, each saying what to do, with a stable code.
//!
//! A Compose run that fails is not an error but an [`Outcome`](super::Outcome) with a
//! [`Failure`](super::Failure): the caller gets the result, the failing service and its evidence.

use std::path::PathBuf;

use super::types::{Flavor, OpKind, PreflightReport, VolumePlan, VolumeToDelete};
use crate::engine::EngineError;
use crate::error::{CoreError, ErrorCode};
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

    #[error("{}", confirm_message(volumes, details, confirmed.as_deref()))]
    ConfirmVolumes {
        /// What `down --volumes` would delete now (sorted): confirm exactly this list.
        volumes: Vec<String>,
        /// Why each is on it, in `volumes` order.
        details: Vec<VolumeToDelete>,
        /// The list the caller confirmed, when it confirmed one that differs.
        confirmed: Option<Vec<String>>,
    },

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

/// "would delete N volume(s): …", naming those not created by this project's Compose and, when a different
/// list was confirmed, how it differs.
fn confirm_message(volumes: &[String], details: &[VolumeToDelete], confirmed: Option<&[String]>) -> String {
    let mut text = if volumes.is_empty() {
        "`down --volumes` would delete no volume now".to_string()
    } else {
        format!("`down --volumes` would delete {} volume(s): {}", volumes.len(), volumes.join(", "))
    };
    let foreign: Vec<&str> =
        details.iter().filter(|d| !d.created_by_compose).map(|d| d.name.as_str()).collect();
    if !foreign.is_empty() {
        text.push_str(&format!(
            " ({} NOT created by this project's Compose and may hold data from elsewhere: {})",
            foreign.len(),
            foreign.join(", ")
        ));
    }
    if let Some(confirmed) = confirmed {
        let added: Vec<&str> =
            volumes.iter().filter(|v| !confirmed.contains(v)).map(String::as_str).collect();
        let gone: Vec<&str> = confirmed.iter().filter(|v| !volumes.contains(v)).map(String::as_str).collect();
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!("not confirmed: {}", added.join(", ")));
        }
        if !gone.is_empty() {
            parts.push(format!("confirmed but no longer to be deleted: {}", gone.join(", ")));
        }
        text.push_str(&format!(". That differs from the list that was confirmed ({})", parts.join("; ")));
    }
    text.push_str(
        ". Nothing was done: check the list, then confirm exactly it (CLI: --yes, or --confirm NAME…)",
    );
    text
}

impl LifecycleError {
    /// `down --volumes` needs (another) confirmation: `plan` is what it would delete now; `confirmed` the list the
    /// caller confirmed, if any.
    pub fn confirm_volumes(plan: VolumePlan, confirmed: Option<Vec<String>>) -> Self {
        LifecycleError::ConfirmVolumes { volumes: plan.volumes, details: plan.details, confirmed }
    }
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
    summary_for(report, |p| &p.fix)
}

fn summary_for(report: &PreflightReport, fix: impl Fn(&super::PreflightIssue) -> &String) -> String {
    let first = report.problems.first().map(|p| format!("{} {}", p.message, fix(p))).unwrap_or_default();
    match report.problems.len() {
        0 | 1 => first,
        n => format!("{first} (and {} more problem(s))", n - 1),
    }
}

impl LifecycleError {
    /// The message as the window says it, when it differs from the CLI's (buttons instead of commands).
    pub fn window_text(&self) -> Option<String> {
        match self {
            LifecycleError::Secrets(e) => e.window_text(),
            LifecycleError::KeychainNeeded { source, variables } => source.window_text().map(|text| {
                format!(
                    "{text} (Needed because the project uses secret variables that neither the environment nor \
                     .env sets, so their values can only come from the keychain: {}.)",
                    variables.join(", ")
                )
            }),
            LifecycleError::PreflightBlocked(report) => {
                Some(format!("preflight blocked the start: {}", summary_for(report, |p| &p.window_fix)))
            }
            _ => None,
        }
    }

    /// The failure's code: the same in the CLI's `--json` and the window.
    pub fn code(&self) -> ErrorCode {
        match self {
            LifecycleError::ComposeNotFound { .. } => ErrorCode::ComposeNotFound,
            LifecycleError::ComposeUnavailable { .. } => ErrorCode::ComposeUnavailable,
            LifecycleError::InvalidFlavor { .. } => ErrorCode::ComposeFlavorInvalid,
            LifecycleError::Busy { .. } => ErrorCode::OperationBusy,
            LifecycleError::Lock { .. } => ErrorCode::OperationLockFailed,
            LifecycleError::PreflightBlocked(_) => ErrorCode::PreflightBlocked,
            LifecycleError::ConfirmVolumes { .. } => ErrorCode::VolumesUnconfirmed,
            LifecycleError::UnknownService { .. } => ErrorCode::UnknownService,
            LifecycleError::NoServicesAllowed { .. } => ErrorCode::NoServicesAllowed,
            LifecycleError::Engine(e) => e.code(),
            LifecycleError::Secrets(e) => e.code(),
            LifecycleError::KeychainNeeded { source, .. } => source.code(),
            LifecycleError::Project(e) => e.code(),
            LifecycleError::Spawn { .. } => ErrorCode::ComposeSpawnFailed,
        }
    }
}

pub type Result<T, E = LifecycleError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::types::VolumeKind;

    fn detail(name: &str, ours: bool) -> VolumeToDelete {
        VolumeToDelete {
            name: name.into(),
            kind: VolumeKind::Declared,
            declared_as: Some(name.trim_start_matches("p_").into()),
            containers: Vec::new(),
            created_by_compose: ours,
            labelled_project: ours.then(|| "p".into()),
            reason: String::new(),
            warning: None,
        }
    }

    #[test]
    fn the_refusal_names_the_foreign_volumes_and_how_the_confirmed_list_differs() {
        let plan = VolumePlan {
            project: "p".into(),
            compose: Flavor::V2,
            volumes: vec!["p_data".into(), "p_keepme".into()],
            details: vec![detail("p_data", true), detail("p_keepme", false)],
        };
        let first = LifecycleError::confirm_volumes(plan.clone(), None).to_string();
        assert!(first.starts_with("`down --volumes` would delete 2 volume(s): p_data, p_keepme"), "{first}");
        assert!(first
            .contains("1 NOT created by this project's Compose and may hold data from elsewhere: p_keepme"));
        assert!(!first.contains("differs"), "{first}");
        assert!(first.contains("Nothing was done"), "{first}");

        let again = LifecycleError::confirm_volumes(plan, Some(vec!["p_data".into(), "p_old".into()]));
        let text = again.to_string();
        assert!(
            text.contains("not confirmed: p_keepme; confirmed but no longer to be deleted: p_old"),
            "{text}"
        );
        assert_eq!(again.code(), ErrorCode::VolumesUnconfirmed);

        let none = VolumePlan { project: "p".into(), compose: Flavor::V1, volumes: vec![], details: vec![] };
        let text = LifecycleError::confirm_volumes(none, Some(vec!["p_old".into()])).to_string();
        assert!(text.starts_with("`down --volumes` would delete no volume now"), "{text}");
        assert!(text.contains("confirmed but no longer to be deleted: p_old"), "{text}");
    }
}
