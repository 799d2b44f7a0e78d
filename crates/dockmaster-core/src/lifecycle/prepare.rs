//! What an operation needs before Compose runs: the selection resolved (targets, their dependencies, the
//! variables the files refer to), the Compose to run, and — from the keychain — the child's environment and
//! the masker of everything shown.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::compose;
use super::env::{self, ChildEnv};
use super::types::ComposeInfo;
use super::{LifecycleError, OpKind, Result, RunOptions};
use crate::project::{Project, Resolved};
use crate::secrets::catalog::{self, Catalog};
use crate::secrets::{Keychain, Masker, SecretsError, Sensitive};

/// The selection resolved for one operation.
pub(super) struct Prepared {
    pub op: OpKind,
    pub profiles: Vec<String>,
    pub resolved: Arc<Resolved>,
    /// The services asked for (or the selection's), in model order.
    pub targets: Vec<String>,
    /// `targets` plus their dependencies (what `up` starts), in model order.
    pub involved: Vec<String>,
    pub referenced: BTreeSet<String>,
}

pub(super) fn prepare(
    project: &Project,
    op: OpKind,
    profiles: &[String],
    services: &[String],
) -> Result<Prepared> {
    let profiles: Vec<String> = if op == OpKind::Down { project.profile_names() } else { profiles.to_vec() };
    let resolved = project.resolve(&profiles)?;
    let model = &resolved.model;
    if let Some(unknown) = services.iter().find(|s| !model.services.contains_key(*s)) {
        return Err(LifecycleError::UnknownService {
            name: unknown.clone(),
            known: model.services.keys().cloned().collect::<Vec<_>>().join(", "),
        });
    }
    if op == OpKind::Down && !services.is_empty() {
        return Err(LifecycleError::NoServicesAllowed { operation: op });
    }
    let targets: Vec<String> = if services.is_empty() {
        model.services.values().filter(|s| s.is_active(&profiles)).map(|s| s.name.clone()).collect()
    } else {
        model.services.keys().filter(|k| services.contains(k)).cloned().collect()
    };
    let mut wanted: BTreeSet<String> = targets.iter().cloned().collect();
    if matches!(op, OpKind::Up | OpKind::Start | OpKind::Restart) {
        let mut queue: Vec<String> = targets.clone();
        while let Some(name) = queue.pop() {
            for dep in model.services.get(&name).map(|s| s.depends_on.as_slice()).unwrap_or_default() {
                if model.services.contains_key(&dep.service) && wanted.insert(dep.service.clone()) {
                    queue.push(dep.service.clone());
                }
            }
        }
    }
    let involved = model.services.keys().filter(|k| wanted.contains(*k)).cloned().collect();
    let referenced = env::referenced(project, &resolved);
    Ok(Prepared { op, profiles, resolved, targets, involved, referenced })
}

/// What the keychain gave: the project's secrets (or why not) and, when asked for, the variable catalog.
pub(super) struct KeychainRead {
    pub secrets: std::result::Result<Vec<(String, Sensitive<String>)>, SecretsError>,
    pub catalog: Option<Catalog>,
}

/// Reads the keychain off the async runtime (its calls block).
pub(super) async fn read_keychain(
    project: &Project,
    profiles: &[String],
    with_catalog: bool,
) -> KeychainRead {
    let project = project.clone();
    let profiles = profiles.to_vec();
    let read = tokio::task::spawn_blocking(move || match Keychain::open(project.root()) {
        Ok(k) => {
            let secrets = crate::secrets::child_env_from(&k);
            let catalog = if with_catalog { catalog::build(&project, &profiles, Ok(&k)).ok() } else { None };
            KeychainRead { secrets, catalog }
        }
        Err(e) => {
            let catalog = if with_catalog { catalog::build(&project, &profiles, Err(&e)).ok() } else { None };
            KeychainRead { secrets: Err(e), catalog }
        }
    })
    .await;
    read.unwrap_or_else(|e| KeychainRead {
        secrets: Err(SecretsError::Unavailable { detail: format!("the keychain task failed: {e}") }),
        catalog: None,
    })
}

/// Secret variables the project refers to that neither the process environment nor `.env` sets: their value
/// can only come from the keychain.
fn keychain_needed(project: &Project, referenced: &BTreeSet<String>) -> Vec<String> {
    let policy = project.secret_policy();
    let env = project.environment();
    referenced
        .iter()
        .filter(|n| policy.is_secret(n) && env.lookup(n).is_none_or(|v| v.is_empty()))
        .cloned()
        .collect()
}

/// The child's environment and the masker for everything shown. A keychain that cannot be read is an error
/// when the operation creates containers or images from the configuration (`strict`: up, build, drift's
/// hashes) and a variable the project refers to could come from it; else `warn` receives a notice, and the
/// masker is incomplete (container text in reports is withheld). Keychain items under a reserved name
/// (`DOCKER_*`, `PATH`…) never reach the child.
pub(super) fn child_env(
    project: &Project,
    prepared: &Prepared,
    process: &HashMap<String, String>,
    secrets: std::result::Result<Vec<(String, Sensitive<String>)>, SecretsError>,
    strict: bool,
    warn: &mut dyn FnMut(String),
) -> Result<(ChildEnv, Arc<Masker>)> {
    let set = crate::secrets::gather::gather_with(project, secrets.as_deref());
    if let Some(w) = set.too_short_warning() {
        warn(w);
    }
    let masker = Arc::new(Masker::from_set(&set));
    drop(set);
    let secrets = match secrets {
        Ok(s) => s,
        Err(e) => {
            let needed = keychain_needed(project, &prepared.referenced);
            if strict && !needed.is_empty() {
                return Err(LifecycleError::KeychainNeeded { source: Box::new(e), variables: needed });
            }
            warn(if needed.is_empty() {
                format!("The keychain cannot be read, and no variable the project uses needs it: going on without it ({e})")
            } else {
                format!("The keychain cannot be read; `{}` does not create containers, so it goes on without it ({e})", prepared.op.as_str())
            });
            Vec::new()
        }
    };
    let (secrets, reserved) = crate::secrets::injectable(secrets);
    if let Some(w) = crate::secrets::reserved_warning(&reserved) {
        warn(w);
    }
    let vars = env::curate(process, &prepared.referenced);
    Ok((ChildEnv { vars, secrets }, masker))
}

/// The Compose to run: the one asked for (`--compose`, else `DOCKMASTER_COMPOSE`), else v2 when installed,
/// else v1.
pub(super) async fn find_compose(
    options: &RunOptions,
    process: &HashMap<String, String>,
) -> Result<ComposeInfo> {
    let requested =
        compose::requested(options.compose.as_deref(), process.get(compose::FLAVOR_ENV).map(String::as_str))?;
    compose::detect(requested, &env::curate(process, &BTreeSet::new())).await
}
