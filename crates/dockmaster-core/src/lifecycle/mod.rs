//! Lifecycle: start, stop, restart, remove, pull and build a project's services through Compose itself (v2
//! `docker compose` or v1 `docker-compose`), so what Dockmaster starts is what a teammate's terminal sees.
//!
//! [`run`] takes the project's operation lock, runs the preflight (for `up`), starts Compose with an argument
//! vector and a curated environment plus the keychain's secrets, and turns Compose's output and the engine's
//! live state into [`LifecycleEvent`]s on a channel; cancelling its token stops Compose (SIGTERM to its process
//! group, SIGKILL after a grace period). [`preflight`], [`volume_plan`] and [`drift`] answer questions before
//! or besides an operation.

mod child;
pub mod compose;
mod drift;
pub mod env;
pub mod error;
mod execute;
pub mod failure;
pub mod lock;
mod outcome;
pub mod ports;
pub mod preflight;
mod prepare;
pub mod progress;
mod questions;
mod tracker;
pub mod types;
mod volumes;
mod wait;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
pub use tokio_util::sync::CancellationToken;

use crate::engine::{Endpoint, EngineHandle};
use crate::project::Project;
use crate::secrets::Masker;

pub use drift::drift;
pub use error::{LifecycleError, Result};
pub use questions::{compose_installed, preflight, volume_plan, ComposeInstalled};
pub use types::*;

use env::ChildEnv;
use lock::OperationLock;
use prepare::{child_env, find_compose, prepare, read_keychain, Prepared};
use tracker::Emitter;

/// How operations run: which engine, which Compose, how patiently.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub endpoint: Endpoint,
    /// The Compose version asked for by the caller (`--compose v1|v2`); wins over `DOCKMASTER_COMPOSE`.
    pub compose: Option<String>,
    /// After SIGTERM, how long Compose may take to stop before SIGKILL.
    pub kill_grace: Duration,
    /// The environment to curate the child's from; `None` reads the current process's.
    pub process_env: Option<HashMap<String, String>>,
    /// Where lock files go; `None`: `$XDG_RUNTIME_DIR/dockmaster`, else `$XDG_STATE_HOME/dockmaster/locks`.
    pub lock_dir: Option<PathBuf>,
}

impl RunOptions {
    pub fn new(endpoint: Endpoint) -> Self {
        RunOptions {
            endpoint,
            compose: None,
            kill_grace: Duration::from_secs(10),
            process_env: None,
            lock_dir: None,
        }
    }

    fn process(&self) -> HashMap<String, String> {
        self.process_env.clone().unwrap_or_else(crate::env::Environment::process_vars)
    }
}

/// One operation to run.
#[derive(Debug, Clone)]
pub struct Request {
    pub operation: OpKind,
    /// The profile selection (ignored by `down`, which removes the whole project).
    pub profiles: Vec<String>,
    /// Single services; empty means the selection's.
    pub services: Vec<String>,
    /// `up`: wait until the services are healthy (v2 `--wait`; v1: the engine's state is watched).
    pub wait: bool,
    /// `up --wait`: how long the services may take to become healthy.
    pub timeout: Duration,
    /// `up`: run the preflight first and refuse to start on a blocking problem.
    pub preflight: bool,
    /// `down`: remove the project's named volumes too.
    pub volumes: bool,
    /// `down --volumes`: the exact volume list the caller confirmed (from [`volume_plan`]).
    pub confirmed_volumes: Vec<String>,
}

impl Request {
    pub fn new(operation: OpKind, profiles: Vec<String>) -> Self {
        Request {
            operation,
            profiles,
            services: Vec::new(),
            wait: false,
            timeout: Duration::from_secs(180),
            preflight: operation == OpKind::Up,
            volumes: false,
            confirmed_volumes: Vec::new(),
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Runs one operation to its end on the engine `engine` follows (the supervisor the caller lends). Progress
/// goes to `events` (ignored when nobody listens); cancelling `cancel` stops Compose cleanly. `Err` means the
/// operation could not run (busy, preflight blocked, keychain locked, no Compose…); a Compose run that fails
/// is an `Ok` result with outcome `failed`.
pub async fn run(
    project: &Project,
    engine: &EngineHandle,
    request: Request,
    options: &RunOptions,
    events: mpsc::UnboundedSender<LifecycleEvent>,
    cancel: CancellationToken,
) -> Result<OperationResult> {
    let started = Instant::now();
    let op = request.operation;
    let mut em = Emitter::new(events, op, started);
    let prepared = prepare(project, op, &request.profiles, &request.services)?;
    let process = options.process();
    let info = find_compose(options, &process).await?;
    let lock_dir = match &options.lock_dir {
        Some(dir) => dir.clone(),
        None => lock::default_dir(&process)?,
    };
    let mut lock = OperationLock::acquire(&lock_dir, project.root(), project.name(), op.as_str())?;
    announce(&mut em, project, &prepared, &info);

    let mut updates = engine.subscribe();
    let docker = engine.connected().await?;
    let (child_env, masker, keychain_warned, catalog) =
        secrets_for_child(project, &prepared, &request, &process, &mut em).await?;
    // The supervisor masks probe output and container errors with the operation's secrets from now on.
    engine.set_masker(masker.clone());
    crate::ownlog::mask_with(&masker);
    let preflight = if op == OpKind::Up && request.preflight {
        let input = Checked { info: &info, docker: &docker, catalog: catalog.as_ref(), keychain_warned };
        Some(preflight_gate(project, &prepared, &request, options, input, &mut em).await?)
    } else {
        None
    };
    let planned_volumes = confirm_volumes(project, &prepared, &request, &info, &docker).await?;

    let ran = execute::compose(execute::Run {
        project,
        engine,
        updates: &mut updates,
        prepared: &prepared,
        request: &request,
        info: &info,
        env: child_env,
        lock: &mut lock,
        masker: &masker,
        options,
        started,
        cancel: &cancel,
        em: &mut em,
    })
    .await?;
    let ctx =
        outcome::Context { project, engine, prepared: &prepared, info, docker: &docker, masker: &masker };
    Ok(outcome::finish(ctx, ran, updates, planned_volumes, preflight, &cancel, &mut em).await)
}

/// The first event: what runs, on what, with which Compose.
fn announce(em: &mut Emitter, project: &Project, prepared: &Prepared, info: &ComposeInfo) {
    let selection =
        if prepared.profiles.is_empty() { "no profile".to_string() } else { prepared.profiles.join("+") };
    let text = format!(
        "{} {} ({}) with Compose {} {} (`{}`, {})",
        prepared.op.as_str(),
        project.name(),
        selection,
        info.flavor,
        info.version,
        info.command.join(" "),
        info.chosen_by
    );
    em.event(EventKind::Started, EventSource::Dockmaster, text).send();
}

/// The keychain read once: the child's environment, the masker, whether a keychain notice was given, and the
/// variable catalog (for `up`'s preflight). Notices become warning events.
async fn secrets_for_child(
    project: &Project,
    prepared: &Prepared,
    request: &Request,
    process: &HashMap<String, String>,
    em: &mut Emitter,
) -> Result<(ChildEnv, Arc<Masker>, bool, Option<crate::secrets::Catalog>)> {
    let with_catalog = prepared.op == OpKind::Up && request.preflight;
    let read = read_keychain(project, &prepared.profiles, with_catalog).await;
    let mut notices: Vec<String> = Vec::new();
    let strict = matches!(prepared.op, OpKind::Up | OpKind::Build | OpKind::Pull);
    let (env, masker) =
        child_env(project, prepared, process, read.secrets, strict, &mut |w| notices.push(w))?;
    let warned = !notices.is_empty();
    for n in notices {
        em.event(EventKind::Warning, EventSource::Dockmaster, n).send();
    }
    Ok((env, masker, warned, read.catalog))
}

/// What the preflight gate reads besides the selection.
struct Checked<'a> {
    info: &'a ComposeInfo,
    docker: &'a crate::engine::DockerEngine,
    catalog: Option<&'a crate::secrets::Catalog>,
    /// A keychain notice was given already (the preflight's own is not repeated).
    keychain_warned: bool,
}

/// `up`'s preflight: its warnings become events; a blocking problem refuses the start.
async fn preflight_gate(
    project: &Project,
    prepared: &Prepared,
    request: &Request,
    options: &RunOptions,
    checked: Checked<'_>,
    em: &mut Emitter,
) -> Result<PreflightReport> {
    let report = preflight::check(preflight::Input {
        project,
        profiles: &prepared.profiles,
        resolved: &prepared.resolved,
        involved: &prepared.involved,
        explicit: !request.services.is_empty(),
        compose: Ok(checked.info.clone()),
        engine: Ok(checked.docker.clone()),
        endpoint: &options.endpoint,
        catalog: checked.catalog,
    })
    .await;
    let text = format!(
        "preflight: {} checked, {}, {}",
        plural(report.services.len(), "service"),
        plural(report.problems.len(), "blocking problem"),
        plural(report.warnings.len(), "warning")
    );
    em.event(EventKind::Preflight, EventSource::Dockmaster, text).send();
    let repeated =
        |w: &&PreflightIssue| checked.keychain_warned && w.code == PreflightCode::KeychainUnavailable;
    for w in report.warnings.iter().filter(|w| !repeated(w)) {
        em.event(EventKind::Warning, EventSource::Dockmaster, format!("{} {}", w.message, w.fix))
            .service(w.service.as_deref())
            .send();
    }
    if !report.ok {
        return Err(LifecycleError::PreflightBlocked(Box::new(report)));
    }
    Ok(report)
}

/// `down --volumes`: what Compose would delete now (under the lock) must be exactly what was confirmed.
/// Returns that list (empty for any other operation).
async fn confirm_volumes(
    project: &Project,
    prepared: &Prepared,
    request: &Request,
    info: &ComposeInfo,
    docker: &crate::engine::DockerEngine,
) -> Result<Vec<String>> {
    if prepared.op != OpKind::Down || !request.volumes {
        return Ok(Vec::new());
    }
    let plan = volumes::compute(docker, project.name(), info.flavor, &prepared.resolved.model).await?;
    let confirmed: BTreeSet<String> = request.confirmed_volumes.iter().cloned().collect();
    if confirmed != plan.volumes.iter().cloned().collect::<BTreeSet<String>>() {
        let shown = (!confirmed.is_empty()).then(|| confirmed.into_iter().collect());
        return Err(LifecycleError::confirm_volumes(plan, shown));
    }
    Ok(plan.volumes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The app spawns these futures on its runtime: they must be `Send`.
    #[allow(dead_code)]
    fn futures_are_send(
        project: &Project,
        engine: &EngineHandle,
        options: &RunOptions,
        tx: mpsc::UnboundedSender<LifecycleEvent>,
    ) {
        fn send<T: Send>(_: &T) {}
        let request = Request::new(OpKind::Up, Vec::new());
        send(&run(project, engine, request, options, tx, CancellationToken::new()));
        send(&preflight(project, engine, &[], &[], options));
        send(&drift(project, engine, &[], options));
        send(&volume_plan(project, engine, options));
    }

    #[test]
    fn targets_include_dependencies_and_unknown_services_are_refused() {
        let (_dir, project) = crate::project::test_project(
            "services:\n  db:\n    image: x\n  api:\n    image: x\n    depends_on: [db]\n  web:\n    image: x\n    depends_on:\n      api:\n        condition: service_healthy\n  mon:\n    image: x\n    profiles: [monitoring]\n",
        );
        let p = prepare(&project, OpKind::Up, &[], &["web".to_string()]).unwrap();
        assert_eq!(p.targets, ["web"]);
        assert_eq!(p.involved, ["db", "api", "web"]);
        let all = prepare(&project, OpKind::Stop, &[], &[]).unwrap();
        assert_eq!(all.targets, ["db", "api", "web"]);
        let down = prepare(&project, OpKind::Down, &[], &[]).unwrap();
        assert_eq!(down.profiles, ["monitoring"]);
        assert_eq!(down.targets, ["db", "api", "web", "mon"]);
        assert!(matches!(
            prepare(&project, OpKind::Up, &[], &["nope".to_string()]),
            Err(LifecycleError::UnknownService { .. })
        ));
        assert!(matches!(
            prepare(&project, OpKind::Down, &[], &["db".to_string()]),
            Err(LifecycleError::NoServicesAllowed { .. })
        ));
    }
}
