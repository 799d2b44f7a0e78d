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
pub mod failure;
pub mod lock;
pub mod ports;
pub mod preflight;
pub mod progress;
mod tracker;
pub mod types;
mod volumes;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc};
pub use tokio_util::sync::CancellationToken;

use crate::engine::Endpoint;
use crate::engine::{
    EngineConfig, EngineHandle, EngineSnapshot, Health, RunState, ServiceSelection, StoreUpdate,
};
use crate::project::{Project, Resolved};
use crate::secrets::catalog::{self, Catalog};
use crate::secrets::{Keychain, SecretsError, Sensitive};

pub use drift::drift;
pub use error::{LifecycleError, Result};
pub use types::*;

use crate::secrets::Masker;
use child::ComposeChild;
use compose::{Invocation, OpArgs, Target};
use env::ChildEnv;
use lock::OperationLock;
use tracker::{Emitter, Tracker};

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

/// The selection resolved for one operation.
struct Prepared {
    op: OpKind,
    profiles: Vec<String>,
    resolved: std::sync::Arc<Resolved>,
    /// The services asked for (or the selection's), in model order.
    targets: Vec<String>,
    /// `targets` plus their dependencies (what `up` starts), in model order.
    involved: Vec<String>,
    referenced: BTreeSet<String>,
}

fn prepare(project: &Project, op: OpKind, profiles: &[String], services: &[String]) -> Result<Prepared> {
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
struct KeychainRead {
    secrets: std::result::Result<Vec<(String, Sensitive<String>)>, SecretsError>,
    catalog: Option<Catalog>,
}

/// Reads the keychain off the async runtime (its calls block).
async fn read_keychain(project: &Project, profiles: &[String], with_catalog: bool) -> KeychainRead {
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
fn child_env(
    project: &Project,
    prepared: &Prepared,
    process: &HashMap<String, String>,
    secrets: std::result::Result<Vec<(String, Sensitive<String>)>, SecretsError>,
    strict: bool,
    warn: &mut dyn FnMut(String),
) -> Result<(ChildEnv, std::sync::Arc<Masker>)> {
    let set = crate::secrets::gather::gather_with(project, secrets.as_deref());
    if let Some(w) = set.too_short_warning() {
        warn(w);
    }
    let masker = std::sync::Arc::new(Masker::from_set(&set));
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

/// Connects to the engine (the supervisor) for a selection; fails when the engine cannot be reached.
async fn connect(
    project: &Project,
    profiles: &[String],
    endpoint: &Endpoint,
) -> Result<(EngineHandle, broadcast::Receiver<StoreUpdate>)> {
    let selection = ServiceSelection::for_project(project, profiles)?;
    let (handle, updates) =
        EngineHandle::spawn(EngineConfig::new(project.name(), selection, endpoint.clone()));
    handle.first_contact().await?;
    Ok((handle, updates))
}

/// What `down --volumes` would delete now, exactly as the Compose that would run it acts (see `volumes.rs`):
/// the declared volumes of every profile's files by engine name, plus the anonymous volumes of the project's
/// containers, each with why it is listed.
pub async fn volume_plan(project: &Project, options: &RunOptions) -> Result<VolumePlan> {
    let prepared = prepare(project, OpKind::Down, &[], &[])?;
    let process = options.process();
    let requested =
        compose::requested(options.compose.as_deref(), process.get(compose::FLAVOR_ENV).map(String::as_str))?;
    let info = compose::detect(requested, &env::curate(&process, &BTreeSet::new())).await?;
    let (handle, _updates) = connect(project, &prepared.profiles, &options.endpoint).await?;
    let docker = handle.client().await.ok_or_else(|| crate::engine::EngineError::Unavailable {
        endpoint: options.endpoint.to_string(),
        reason: "the connection dropped".into(),
    })?;
    volumes::compute(&docker, project.name(), info.flavor, &prepared.resolved.model).await
}

/// The checks `up` runs first, on their own (no lock, nothing started).
pub async fn preflight(
    project: &Project,
    profiles: &[String],
    services: &[String],
    options: &RunOptions,
) -> Result<PreflightReport> {
    let prepared = prepare(project, OpKind::Up, profiles, services)?;
    let process = options.process();
    let requested =
        compose::requested(options.compose.as_deref(), process.get(compose::FLAVOR_ENV).map(String::as_str))?;
    let base = env::curate(&process, &BTreeSet::new());
    let compose = compose::detect(requested, &base).await.map_err(|e| e.to_string());
    let engine = match connect(project, &prepared.profiles, &options.endpoint).await {
        Ok((handle, _)) => Ok((handle.client().await, handle)),
        Err(e) => Err(e.to_string()),
    };
    let read = read_keychain(project, &prepared.profiles, true).await;
    let client = match &engine {
        Ok((Some(c), _)) => Ok(c.clone()),
        Ok((None, _)) => Err("the connection dropped".to_string()),
        Err(e) => Err(e.clone()),
    };
    Ok(preflight::check(preflight::Input {
        project,
        profiles: &prepared.profiles,
        resolved: &prepared.resolved,
        involved: &prepared.involved,
        explicit: !services.is_empty(),
        compose,
        engine: client,
        endpoint: &options.endpoint,
        catalog: read.catalog.as_ref(),
    })
    .await)
}

/// How waiting on the engine ended.
enum WaitEnd {
    Ready,
    Failed,
    TimedOut,
    Cancelled,
}

/// Whether every involved service runs (healthy where it has a healthcheck). `Err(())`: one has failed.
fn readiness(
    snapshot: &EngineSnapshot,
    involved: &[String],
    bad_since: &mut BTreeMap<String, Instant>,
) -> std::result::Result<bool, ()> {
    let mut ready = true;
    for name in involved {
        let Some(s) = snapshot.services.iter().find(|s| &s.name == name) else {
            ready = false;
            continue;
        };
        let containers: Vec<_> = s.containers.iter().filter(|c| !c.one_off).collect();
        if containers.is_empty() {
            ready = false;
        }
        let mut bad = false;
        for c in containers {
            match (c.state, c.health) {
                (RunState::Running, Health::None | Health::Healthy) => {}
                (RunState::Exited, _) if c.exit_code == Some(0) => {}
                (RunState::Running, Health::Unhealthy) => return Err(()),
                (RunState::Exited | RunState::Dead | RunState::Restarting, _) => {
                    bad = true;
                    ready = false;
                }
                _ => ready = false,
            }
        }
        // An exit may be followed by a restart: a crash only counts once it lasts.
        if bad {
            let since = *bad_since.entry(name.clone()).or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(5) {
                return Err(());
            }
        } else {
            bad_since.remove(name);
        }
    }
    Ok(ready)
}

async fn wait_ready(
    handle: &EngineHandle,
    updates: &mut broadcast::Receiver<StoreUpdate>,
    tracker: &mut Tracker,
    em: &mut Emitter,
    involved: &[String],
    deadline: tokio::time::Instant,
    cancel: &CancellationToken,
) -> WaitEnd {
    let mut bad_since = BTreeMap::new();
    let mut engine_open = true;
    loop {
        match readiness(&handle.snapshot(), involved, &mut bad_since) {
            Ok(true) => return WaitEnd::Ready,
            Err(()) => return WaitEnd::Failed,
            Ok(false) => {}
        }
        tokio::select! {
            update = updates.recv(), if engine_open => match update {
                Ok(u) => if let Some(s) = &u.service { tracker.on_engine(em, s) },
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    for s in &handle.snapshot().services { tracker.on_engine(em, s) }
                }
                Err(broadcast::error::RecvError::Closed) => engine_open = false,
            },
            _ = tokio::time::sleep_until(deadline) => return WaitEnd::TimedOut,
            _ = cancel.cancelled() => return WaitEnd::Cancelled,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// Processes the engine updates already queued (the state a moment after Compose returned).
async fn settle(
    handle: &EngineHandle,
    updates: &mut broadcast::Receiver<StoreUpdate>,
    tracker: &mut Tracker,
    em: &mut Emitter,
) {
    loop {
        match tokio::time::timeout(Duration::from_millis(300), updates.recv()).await {
            Ok(Ok(u)) => {
                if let Some(s) = &u.service {
                    tracker.on_engine(em, s);
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {
                for s in &handle.snapshot().services {
                    tracker.on_engine(em, s);
                }
            }
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return,
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

/// Runs one operation to its end. Progress goes to `events` (ignored when nobody listens); cancelling
/// `cancel` stops Compose cleanly. `Err` means the operation could not run (busy, preflight blocked,
/// keychain locked, no Compose…); a Compose run that fails is an `Ok` result with outcome `failed`.
pub async fn run(
    project: &Project,
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
    let requested =
        compose::requested(options.compose.as_deref(), process.get(compose::FLAVOR_ENV).map(String::as_str))?;
    let info = compose::detect(requested, &env::curate(&process, &BTreeSet::new())).await?;

    let lock_dir = match &options.lock_dir {
        Some(dir) => dir.clone(),
        None => lock::default_dir(&process)?,
    };
    let mut lock = OperationLock::acquire(&lock_dir, project.root(), project.name(), op.as_str())?;

    let selection =
        if prepared.profiles.is_empty() { "no profile".to_string() } else { prepared.profiles.join("+") };
    em.event(
        EventKind::Started,
        EventSource::Dockmaster,
        format!(
            "{} {} ({}) with Compose {} {} (`{}`, {})",
            op.as_str(),
            project.name(),
            selection,
            info.flavor,
            info.version,
            info.command.join(" "),
            info.chosen_by
        ),
    )
    .send();

    let (handle, mut updates) = connect(project, &prepared.profiles, &options.endpoint).await?;
    let with_catalog = op == OpKind::Up && request.preflight;
    let read = read_keychain(project, &prepared.profiles, with_catalog).await;
    let mut notices: Vec<String> = Vec::new();
    let strict = matches!(op, OpKind::Up | OpKind::Build | OpKind::Pull);
    let (child_env, masker) =
        child_env(project, &prepared, &process, read.secrets, strict, &mut |w| notices.push(w))?;
    // The supervisor masks probe output and container errors with the operation's secrets from now on.
    handle.set_masker(masker.clone());
    let notices_keychain = notices.clone();
    for n in notices {
        em.event(EventKind::Warning, EventSource::Dockmaster, n).send();
    }
    let client = handle.client().await;

    let mut preflight_report = None;
    if with_catalog {
        let report = preflight::check(preflight::Input {
            project,
            profiles: &prepared.profiles,
            resolved: &prepared.resolved,
            involved: &prepared.involved,
            explicit: !request.services.is_empty(),
            compose: Ok(info.clone()),
            engine: client.clone().ok_or_else(|| "the connection dropped".to_string()),
            endpoint: &options.endpoint,
            catalog: read.catalog.as_ref(),
        })
        .await;
        em.event(
            EventKind::Preflight,
            EventSource::Dockmaster,
            format!(
                "preflight: {} checked, {}, {}",
                plural(report.services.len(), "service"),
                plural(report.problems.len(), "blocking problem"),
                plural(report.warnings.len(), "warning")
            ),
        )
        .send();
        let warned_keychain = !notices_keychain.is_empty();
        for w in report
            .warnings
            .iter()
            .filter(|w| !(warned_keychain && w.code == PreflightCode::KeychainUnavailable))
        {
            em.event(EventKind::Warning, EventSource::Dockmaster, format!("{} {}", w.message, w.fix))
                .service(w.service.as_deref())
                .send();
        }
        if !report.ok {
            return Err(LifecycleError::PreflightBlocked(Box::new(report)));
        }
        preflight_report = Some(report);
    }

    // `down --volumes`: what Compose would delete now (under the lock) must be exactly what was confirmed.
    let mut planned_volumes: Vec<String> = Vec::new();
    if op == OpKind::Down && request.volumes {
        let docker = client.clone().ok_or_else(|| crate::engine::EngineError::Unavailable {
            endpoint: options.endpoint.to_string(),
            reason: "the connection dropped".into(),
        })?;
        let plan = volumes::compute(&docker, project.name(), info.flavor, &prepared.resolved.model).await?;
        let confirmed: BTreeSet<String> = request.confirmed_volumes.iter().cloned().collect();
        if confirmed != plan.volumes.iter().cloned().collect::<BTreeSet<String>>() {
            let shown = (!confirmed.is_empty()).then(|| confirmed.into_iter().collect());
            return Err(LifecycleError::confirm_volumes(plan, shown));
        }
        planned_volumes = plan.volumes;
    }

    // Compose itself.
    let wait = op == OpKind::Up && request.wait;
    let timeout_s = u32::try_from(request.timeout.as_secs()).unwrap_or(u32::MAX).max(1);
    let deadline = wait.then(|| tokio::time::Instant::from_std(started) + request.timeout);
    let remaining_s = deadline.map(|d| {
        let left = d.saturating_duration_since(tokio::time::Instant::now()).as_millis().div_ceil(1000);
        u32::try_from(left).unwrap_or(u32::MAX).max(1)
    });
    let services: Vec<String> = request.services.clone();
    let args = OpArgs { services: &services, wait_timeout_s: remaining_s, volumes: request.volumes };
    let target = Target {
        files: &prepared.resolved.files,
        project_dir: project.root(),
        project_name: project.name(),
        profiles: &prepared.profiles,
    };
    let invocation: Invocation =
        compose::invocation(&info, &target, compose::subcommand(info.flavor, op, &args));
    let mut tracker =
        Tracker::new(op, info.flavor, project.name(), &prepared.resolved.model, &prepared.involved);
    tracker.seed(&handle.snapshot());

    // Compose inherits the lock: it stays held while Compose lives, even if this process is killed.
    let (mut child, mut lines) = ComposeChild::spawn(&invocation, &child_env, Some(&mut lock))?;
    drop(child_env); // the secrets are in the child's environment now; zeroise our copy
    em.event(
        EventKind::Output,
        EventSource::Dockmaster,
        format!("$ {} (PID {})", invocation.display(), child.pid().unwrap_or_default()),
    )
    .send();

    // v2 gets `--wait-timeout`: give it a moment past that to say so itself before it is stopped.
    let compose_deadline = deadline.map(|d| match info.flavor {
        Flavor::V2 => d + Duration::from_secs(10),
        Flavor::V1 => d,
    });
    let far = tokio::time::Instant::now() + Duration::from_secs(60 * 60 * 24 * 365);
    let sleep = tokio::time::sleep_until(compose_deadline.unwrap_or(far));
    tokio::pin!(sleep);
    let (mut cancelled, mut timed_out) = (false, false);
    let mut lines_open = true;
    let mut engine_open = true;
    let exit = loop {
        tokio::select! {
            line = lines.recv(), if lines_open => match line {
                Some((_, l)) => tracker.on_line(&mut em, &masker, &l),
                None => lines_open = false,
            },
            status = child.wait() => break status.ok(),
            _ = cancel.cancelled() => {
                cancelled = true;
                em.event(EventKind::Warning, EventSource::Dockmaster, "cancelled: stopping Compose (SIGTERM, then SIGKILL)").send();
                break child.terminate(options.kill_grace).await;
            }
            _ = &mut sleep, if compose_deadline.is_some() => {
                timed_out = true;
                em.event(EventKind::Warning, EventSource::Dockmaster, format!("not done after {timeout_s} s: stopping Compose")).send();
                break child.terminate(options.kill_grace).await;
            }
            update = updates.recv(), if engine_open => match update {
                Ok(u) => if let Some(s) = &u.service { tracker.on_engine(&mut em, s) },
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    for s in &handle.snapshot().services { tracker.on_engine(&mut em, s) }
                }
                Err(broadcast::error::RecvError::Closed) => engine_open = false,
            },
        }
    };
    // The rest of its output (the streams close once the whole group is gone).
    while let Ok(Some((_, l))) = tokio::time::timeout(Duration::from_millis(500), lines.recv()).await {
        tracker.on_line(&mut em, &masker, &l);
    }
    let exit_code = exit.and_then(|s| s.code());
    let success = exit.is_some_and(|s| s.success());

    let mut outcome = if cancelled {
        Outcome::Cancelled
    } else if timed_out {
        Outcome::TimedOut
    } else if !success {
        if tracker.other_lines.iter().any(|l| l.contains("not healthy after")) {
            Outcome::TimedOut
        } else {
            Outcome::Failed
        }
    } else {
        Outcome::Succeeded
    };
    if outcome == Outcome::Succeeded && wait {
        // v2 waited itself: the engine's events only need to catch up.
        let slack = if info.flavor == Flavor::V2 { Duration::from_secs(5) } else { Duration::ZERO };
        let until = deadline.unwrap_or(far) + slack;
        outcome = match wait_ready(
            &handle,
            &mut updates,
            &mut tracker,
            &mut em,
            &prepared.involved,
            until,
            &cancel,
        )
        .await
        {
            WaitEnd::Ready => Outcome::Succeeded,
            WaitEnd::Failed => Outcome::Failed,
            WaitEnd::TimedOut => Outcome::TimedOut,
            WaitEnd::Cancelled => Outcome::Cancelled,
        };
    }
    settle(&handle, &mut updates, &mut tracker, &mut em).await;
    let snapshot = handle.snapshot();

    let failure = if matches!(outcome, Outcome::Failed | Outcome::TimedOut) {
        let evidence = failure::Evidence {
            outcome,
            compose_text: &tracker.other_lines,
            exit_code,
            timeout_s,
            involved: &prepared.involved,
            snapshot: &snapshot,
            tracker: &tracker,
        };
        Some(failure::diagnose(evidence, client.as_ref(), &masker).await)
    } else {
        None
    };

    let mut removed_volumes = Vec::new();
    if !planned_volumes.is_empty() {
        if let Some(docker) = handle.client().await {
            if let Ok(left) = volumes::engine_volumes(&docker).await {
                let left: BTreeSet<String> = left.into_iter().map(|v| v.name).collect();
                removed_volumes = planned_volumes.iter().filter(|v| !left.contains(*v)).cloned().collect();
            }
        }
    }

    let shown: Vec<String> = if op == OpKind::Down {
        snapshot
            .services
            .iter()
            .filter(|s| tracker.phase(&s.name).is_some())
            .map(|s| s.name.clone())
            .collect()
    } else {
        prepared.involved.clone()
    };
    let states: Vec<ServiceOutcome> = shown
        .iter()
        .map(|name| {
            let s = snapshot.services.iter().find(|s| &s.name == name);
            ServiceOutcome {
                name: name.clone(),
                phase: tracker.phase(name),
                state: s.map_or(RunState::NotCreated, |s| s.state),
                health: s.map_or(Health::None, |s| s.health),
            }
        })
        .collect();
    let duration_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    let summary = match outcome {
        Outcome::Succeeded => {
            format!("{} succeeded in {:.1} s", op.as_str(), f64::from(duration_ms) / 1000.0)
        }
        Outcome::Failed => format!(
            "{} failed{}",
            op.as_str(),
            failure.as_ref().and_then(|f| f.service.as_ref()).map(|s| format!(": {s}")).unwrap_or_default()
        ),
        Outcome::TimedOut => format!("{} timed out after {timeout_s} s", op.as_str()),
        Outcome::Cancelled => format!("{} cancelled; Compose was stopped", op.as_str()),
    };
    em.event(EventKind::Finished, EventSource::Dockmaster, summary).send();
    Ok(OperationResult {
        operation: op,
        project: project.name().to_string(),
        profiles: prepared.profiles.clone(),
        services: prepared.targets.clone(),
        compose: info,
        outcome,
        exit_code,
        duration_ms,
        states,
        failure,
        removed_volumes,
        preflight: preflight_report,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The app spawns these futures on its runtime: they must be `Send`.
    #[allow(dead_code)]
    fn futures_are_send(project: &Project, options: &RunOptions, tx: mpsc::UnboundedSender<LifecycleEvent>) {
        fn send<T: Send>(_: &T) {}
        send(&run(project, Request::new(OpKind::Up, Vec::new()), options, tx, CancellationToken::new()));
        send(&preflight(project, &[], &[], options));
        send(&drift(project, &[], options));
        send(&volume_plan(project, options));
    }

    #[test]
    fn targets_include_dependencies_and_unknown_services_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("compose.yaml"),
            "services:\n  db:\n    image: x\n  api:\n    image: x\n    depends_on: [db]\n  web:\n    image: x\n    depends_on:\n      api:\n        condition: service_healthy\n  mon:\n    image: x\n    profiles: [monitoring]\n",
        )
        .unwrap();
        let project = Project::open(crate::OpenOptions {
            process_env: Some(HashMap::new()),
            ..crate::OpenOptions::new(dir.path())
        })
        .unwrap();
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
