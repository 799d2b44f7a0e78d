//! Region provisioning: clone the stack's regional template into a running region — validate the request,
//! plan it (pure), apply it through the engine API with progress and exact rollback, and manage the regions
//! that exist (found again by label after any restart).
//!
//! Flow: [`RegionTemplate::from_project`] → [`prepare`] (gathers the engine/host/keychain facts, then the
//! pure [`plan()`]) → show the [`RegionPlan`] → [`apply()`] with a [`CancellationToken`] and a progress
//! callback. [`list`], [`get`], [`start`], [`stop`], [`remove`], [`describe`] work on existing regions.
//! Every engine call goes through the engine operations the caller lends ([`EngineOps`]: the supervisor's
//! client from [`crate::engine::EngineHandle::connected`], or an in-memory fake in unit tests).

pub mod apply;
pub mod error;
pub mod everywhere;
pub mod gather;
pub mod journal;
pub mod manage;
pub mod net;
pub mod plan;
pub mod render;
pub mod request;
pub mod secret;
pub mod template;
#[cfg(test)]
mod testing;

use std::collections::BTreeSet;

pub use tokio_util::sync::CancellationToken;

pub use apply::{apply, AppliedRegion, ApplyEvent, ApplyOptions, ApplyStep, StepStatus};
pub use error::{RegionError, Rollback};
pub use everywhere::{EngineReach, RegionPlace, RegionsEverywhere};
pub use manage::{
    confirmation_needed, describe, get, list, remove, start, stop, InterruptedApply, Reach, RegionInfo,
    RegionNetwork, RemoveReport,
};
pub use plan::{plan, PlanInputs, PlanOptions, RegionPlan, RegionRole};
pub use request::{validate, FieldError, RegionRequest};
pub use template::RegionTemplate;

use crate::engine::ops::EngineOps;
use crate::project::Project;
use secret::Keychains;

/// Plans a region for the project: reads the template, checks the request, gathers what the engine, the
/// host and the keychain hold now, and runs the pure planner. Nothing is created.
pub async fn prepare<E: EngineOps>(
    engine: &E,
    project: &Project,
    request: &RegionRequest,
    options: &PlanOptions,
) -> Result<RegionPlan, RegionError> {
    prepare_in(engine, &Keychains::default(), true, project, request, options).await
}

/// [`prepare`] with the keychain (and its engine) given (tests use an in-memory one); `local`: the engine runs on
/// this machine, so a port something here listens on is taken (on another engine only its containers' ports
/// are).
pub(crate) async fn prepare_in<E: EngineOps>(
    engine: &E,
    keychains: &Keychains,
    local: bool,
    project: &Project,
    request: &RegionRequest,
    options: &PlanOptions,
) -> Result<RegionPlan, RegionError> {
    let template = RegionTemplate::from_project(project)?;
    // Field rules first: a bad request fails without touching the engine or the keychain.
    validate(request, &[]).map_err(|errors| RegionError::Invalid { errors })?;
    let mut inputs = gather::gather(engine, &template, options, local).await?;
    // The stack must be up before the keychain is asked anything (a standalone region joins none of it).
    if !options.standalone {
        plan::preflight(&template, &inputs)?;
    }
    let policy = project.secret_policy();
    let secret_names = template.secret_variables(policy);
    let from_env: BTreeSet<String> = secret_names
        .iter()
        .filter(|n| project.environment().lookup(n).is_some_and(|v| !v.is_empty()))
        .cloned()
        .collect();
    for name in template.passthrough_names() {
        if let Some(v) = project.environment().lookup(&name).filter(|_| !policy.is_secret(&name)) {
            inputs.env_values.insert(name, v);
        }
    }
    let (root, project_name, region) =
        (project.root().to_path_buf(), template.project.clone(), request.name.clone());
    inputs.keychain_service = keychains.service(project.root(), &template.project, &request.name);
    let keychains = keychains.clone();
    let facts = tokio::task::spawn_blocking(move || {
        let stored = keychains.password_stored(&root, &project_name, &region)?;
        let in_keychain = keychains.project_secret_names(&root, &secret_names)?;
        Ok::<_, crate::secrets::SecretsError>((stored, in_keychain))
    })
    .await
    .map_err(|e| RegionError::Engine { action: "read the keychain".into(), reason: e.to_string() })??;
    inputs.password_stored = facts.0;
    inputs.secrets_known = facts.1.into_iter().chain(from_env).collect();
    plan(&template, request, &inputs, options, policy)
}

/// Compile-time check: the desktop app runs these on a multi-threaded runtime, so their futures must be `Send`.
#[allow(dead_code)]
fn futures_are_send(
    docker: &crate::engine::DockerEngine,
    project: &Project,
    request: &RegionRequest,
    plan: &RegionPlan,
    options: &ApplyOptions,
    cancel: &CancellationToken,
    progress: &(dyn Fn(ApplyEvent) + Send + Sync),
) {
    fn send<T: Send>(_: T) {}
    send(prepare(docker, project, request, &PlanOptions::default()));
    send(apply(docker, project, plan, options, cancel, progress));
    send(list(docker, "p"));
    send(start(docker, "p", "r", std::time::Duration::from_secs(1)));
    send(stop(docker, "p", "r"));
    send(remove(docker, project.root(), "p", "r", None));
    send(describe(docker, project.root(), "p", "r", project.secret_policy()));
}
