//! Applies a region plan through the engine API (bollard), step by step with progress events, a health
//! timeout and a cancellation token; on any failure or cancel it removes exactly what this apply created
//! (tracked IDs, plus everything carrying this apply's label) and reports the cause. It holds the project's
//! operation lock (so it never runs beside a Compose operation or another apply) and keeps a journal of what
//! it created, so an apply killed outright is found again as interrupted (see [`super::journal`]).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bollard::models::{
    ContainerCreateBody, EndpointSettings, HealthConfig, HostConfig, Ipam, IpamConfig, NetworkConnectRequest,
    NetworkCreateRequest, NetworkingConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum,
    VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptions, EventsOptions, ListContainersOptions, ListNetworksOptions, ListVolumesOptions,
    RemoveContainerOptions, RemoveVolumeOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::error::{engine_reason, RegionError, Rollback};
use super::journal::{self, Journal, Record};
use super::plan::{
    NetworkAction, PlannedContainer, RegionPlan, RegionRole, Values, VolumeAction, PASSWORD_VAR,
};
use super::render::Secrets;
use super::secret;
use super::template::RegionTemplate;
use crate::engine::inspect::{container_status, own_env_masker};
use crate::engine::{Health, RunState};
use crate::labels;
use crate::project::Project;
use crate::secrets::Sensitive;

/// How long to wait.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// How long each container may take to become healthy (or running, without a healthcheck).
    pub health_timeout: Duration,
    /// Timeout of each engine request.
    pub request_timeout: Duration,
    /// Where the project's operation lock is taken; `None`: the lifecycle's folder
    /// (`$XDG_RUNTIME_DIR/dockmaster`, else `$XDG_STATE_HOME/dockmaster/locks`).
    pub lock_dir: Option<PathBuf>,
    /// Where the apply's journal is kept; `None`: `$XDG_STATE_HOME/dockmaster/region-applies`.
    pub journal_dir: Option<PathBuf>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            health_timeout: Duration::from_secs(120),
            request_timeout: Duration::from_secs(60),
            lock_dir: None,
            journal_dir: None,
        }
    }
}

/// The operation name a region apply holds the project's lock under (a refused operation names it).
pub fn lock_operation(region: &str) -> String {
    format!("region create {region}")
}

/// The steps of an apply, in order (`rollback` only after a failure or cancel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ApplyStep {
    StorePassword,
    CreateNetwork,
    CreateVolume,
    CreateDb,
    StartDb,
    WaitDbHealthy,
    CreateServer,
    StartServer,
    WaitServerHealthy,
    Rollback,
}

impl ApplyStep {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyStep::StorePassword => "store password",
            ApplyStep::CreateNetwork => "create network",
            ApplyStep::CreateVolume => "create volume",
            ApplyStep::CreateDb => "create database",
            ApplyStep::StartDb => "start database",
            ApplyStep::WaitDbHealthy => "wait for database healthy",
            ApplyStep::CreateServer => "create server",
            ApplyStep::StartServer => "start server",
            ApplyStep::WaitServerHealthy => "wait for server healthy",
            ApplyStep::Rollback => "roll back",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum StepStatus {
    Started,
    Done,
    Failed,
}

/// One progress event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ApplyEvent {
    pub step: ApplyStep,
    pub status: StepStatus,
    /// What the step works on (a container, network, volume or keychain item).
    pub target: String,
    /// What happened (reused, the failure, health now…); never a secret.
    pub detail: Option<String>,
    /// Milliseconds since the apply started.
    pub elapsed_ms: u32,
}

/// A region that is up and healthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AppliedRegion {
    pub region: String,
    pub server_url: String,
    pub containers: Vec<String>,
    /// The label value (`dev.dockmaster.region.apply`) of everything this apply created.
    pub apply_id: String,
    pub elapsed_ms: u32,
}

/// What this apply created, in creation order.
#[derive(Default)]
struct Created {
    password: bool,
    networks: Vec<(String, String)>,
    volumes: Vec<String>,
    containers: Vec<(String, String)>,
}

struct Failure {
    step: ApplyStep,
    cause: String,
    cancelled: bool,
}

struct Run<'a> {
    docker: &'a Docker,
    plan: &'a RegionPlan,
    options: &'a ApplyOptions,
    cancel: &'a CancellationToken,
    progress: &'a (dyn Fn(ApplyEvent) + Send + Sync),
    started: Instant,
    apply_id: String,
}

impl Run<'_> {
    fn emit(&self, step: ApplyStep, status: StepStatus, target: &str, detail: Option<String>) {
        (self.progress)(ApplyEvent {
            step,
            status,
            target: target.to_string(),
            detail,
            elapsed_ms: u32::try_from(self.started.elapsed().as_millis()).unwrap_or(u32::MAX),
        });
    }

    fn check_cancel(&self, step: ApplyStep) -> Result<(), Failure> {
        if self.cancel.is_cancelled() {
            return Err(Failure { step, cause: "cancelled".into(), cancelled: true });
        }
        Ok(())
    }

    /// One engine request with the request timeout; a failure names the step.
    async fn call<T>(
        &self,
        step: ApplyStep,
        f: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T, Failure> {
        match tokio::time::timeout(self.options.request_timeout, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Failure { step, cause: engine_reason(&e), cancelled: false }),
            Err(_) => Err(Failure {
                step,
                cause: format!(
                    "the engine did not answer within {} s",
                    self.options.request_timeout.as_secs()
                ),
                cancelled: false,
            }),
        }
    }

    fn labels(&self, base: &BTreeMap<String, String>) -> HashMap<String, String> {
        let mut l: HashMap<String, String> = base.clone().into_iter().collect();
        l.insert(labels::REGION_APPLY.to_string(), self.apply_id.clone());
        l
    }
}

/// Applies `plan`: stores (or reuses) the region's password, creates its network and volumes, then creates,
/// starts and waits for the database and the server. On failure, timeout or `cancel`, everything this apply
/// created is removed again and the error says what failed and what was rolled back.
pub async fn apply(
    docker: &Docker,
    project: &Project,
    plan: &RegionPlan,
    options: &ApplyOptions,
    cancel: &CancellationToken,
    progress: &(dyn Fn(ApplyEvent) + Send + Sync),
) -> Result<AppliedRegion, RegionError> {
    let run = Run { docker, plan, options, cancel, progress, started: Instant::now(), apply_id: apply_id() };
    // One operation per project: never beside `up`/`down` or another apply, in any process.
    let lock_dir = match &options.lock_dir {
        Some(dir) => dir.clone(),
        None => crate::lifecycle::lock::default_dir(&crate::env::Environment::process_vars())
            .map_err(RegionError::from_lock)?,
    };
    let _lock = crate::lifecycle::lock::OperationLock::acquire(
        &lock_dir,
        project.root(),
        project.name(),
        &lock_operation(&plan.region),
    )
    .map_err(RegionError::from_lock)?;
    let journal_dir = match &options.journal_dir {
        Some(dir) => dir.clone(),
        None => journal::default_dir()?,
    };
    // An interrupted apply of this region must be removed first: what it left is not this apply's to reuse.
    for found in journal::find(&journal_dir, &plan.project)? {
        if let journal::Found::Interrupted(c) = found {
            if c.record.region == plan.region {
                return Err(RegionError::Conflict {
                    message: format!(
                        "region {} has an interrupted creation (apply {}) that was never cleaned up: remove it \
                         first (`dockmaster region rm {}`, or Remove on the Regions page), then create it again",
                        plan.region, c.record.apply_id, plan.region
                    ),
                });
            }
        }
    }
    // Written before anything is created, so an apply killed at any point is found again.
    let mut journal = Journal::begin(
        &journal_dir,
        Record {
            apply_id: run.apply_id.clone(),
            project: plan.project.clone(),
            root: project.root().to_path_buf(),
            region: plan.region.clone(),
            pid: std::process::id(),
            ..Default::default()
        },
    )?;
    let mut created = Created::default();
    match steps(&run, project, &mut created, &mut journal).await {
        Ok(()) => {
            // Done: nothing is left to clean up. A journal that cannot be deleted only shows the region as
            // interrupted later, where Remove cleans it up.
            let _ = journal.finish();
            Ok(AppliedRegion {
                region: plan.region.clone(),
                server_url: plan.server_url.clone(),
                containers: plan.containers.iter().map(|c| c.name.clone()).collect(),
                apply_id: run.apply_id.clone(),
                elapsed_ms: u32::try_from(run.started.elapsed().as_millis()).unwrap_or(u32::MAX),
            })
        }
        Err(failure) => {
            run.emit(failure.step, StepStatus::Failed, &plan.region, Some(failure.cause.clone()));
            let rollback = rollback(&run, project, &created).await;
            if rollback.left_behind.is_empty() {
                let _ = journal.finish();
            } // else the journal stays: the region shows as interrupted, and Remove finishes the clean-up.
            if failure.cancelled {
                Err(RegionError::Cancelled {
                    region: plan.region.clone(),
                    step: failure.step.as_str().into(),
                    rollback,
                })
            } else {
                Err(RegionError::ApplyFailed {
                    region: plan.region.clone(),
                    step: failure.step.as_str().into(),
                    cause: failure.cause,
                    rollback,
                })
            }
        }
    }
}

fn apply_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        bytes = fastrand::u64(..).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records in the journal what was just created (or is about to be); a failure to write fails the step.
fn note(journal: &mut Journal, step: ApplyStep, change: impl FnOnce(&mut Record)) -> Result<(), Failure> {
    journal.update(change).map_err(|e| Failure { step, cause: e.to_string(), cancelled: false })
}

async fn steps(
    run: &Run<'_>,
    project: &Project,
    created: &mut Created,
    journal: &mut Journal,
) -> Result<(), Failure> {
    let plan = run.plan;
    let docker = run.docker;

    // 1. The password (and the project's secrets the template references), from the keychain.
    let step = ApplyStep::StorePassword;
    run.check_cancel(step)?;
    run.emit(step, StepStatus::Started, &plan.password.keychain_service, None);
    let template = RegionTemplate::from_project(project).map_err(|e| Failure {
        step,
        cause: e.to_string(),
        cancelled: false,
    })?;
    let policy = project.secret_policy();
    let wanted = template.secret_variables(policy);
    let root = project.root().to_path_buf();
    let (project_name, region) = (plan.project.clone(), plan.region.clone());
    let wanted_for_keychain = wanted.clone();
    // Whether the password is this apply's is journaled before it may be stored: a kill right after the
    // store still leaves a journal that says so.
    let (r, p, n) = (project.root().to_path_buf(), plan.project.clone(), plan.region.clone());
    let existed = match tokio::task::spawn_blocking(move || secret::password_stored(&r, &p, &n)).await {
        Ok(Ok(existed)) => existed,
        Ok(Err(e)) => return Err(Failure { step, cause: e.to_string(), cancelled: false }),
        Err(e) => {
            return Err(Failure { step, cause: format!("the keychain task failed: {e}"), cancelled: false })
        }
    };
    note(journal, step, |r| r.password_existed = Some(existed))?;
    let secrets = tokio::task::spawn_blocking(move || {
        let (password, new) = secret::ensure_password(&root, &project_name, &region)?;
        let values = secret::project_secret_values(&root, &wanted_for_keychain)?;
        Ok::<_, crate::secrets::SecretsError>((password, new, values))
    })
    .await;
    let (password, new_password, mut values) = match secrets {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return Err(Failure { step, cause: e.to_string(), cancelled: false }),
        Err(e) => {
            return Err(Failure { step, cause: format!("the keychain task failed: {e}"), cancelled: false })
        }
    };
    created.password = new_password;
    for name in &wanted {
        if !values.contains_key(name) {
            if let Some(v) = project.environment().lookup(name).filter(|v| !v.is_empty()) {
                values.insert(name.clone(), Sensitive::new(v));
            }
        }
    }
    let env_values: BTreeMap<String, String> = template
        .passthrough_names()
        .into_iter()
        .filter(|n| !policy.is_secret(n))
        .filter_map(|n| project.environment().lookup(&n).map(|v| (n, v)))
        .collect();
    values.insert(PASSWORD_VAR.to_string(), password);
    // The template rendered again, now with the secrets: what is shown must be what the plan showed.
    let known = |n: &str| values.contains_key(n);
    let value = |n: &str| values.get(n).map(|v| v.expose().clone());
    let secrets = Secrets { known: &known, value: &value };
    let mut rendered = Vec::new();
    for c in &plan.containers {
        let v = super::plan::values(&template, c.role, &plan.request, &env_values, &secrets, policy)
            .map_err(|e| Failure { step, cause: e.to_string(), cancelled: false })?;
        if !c.shows(&v) {
            return Err(Failure {
                step,
                cause: format!(
                    "the region template (services.{}) or the secrets it uses changed since the plan was made: \
                     make the plan again",
                    c.template
                ),
                cancelled: false,
            });
        }
        rendered.push(v);
    }
    drop(values);
    run.emit(
        step,
        StepStatus::Done,
        &plan.password.keychain_service,
        Some(if new_password { "generated and stored" } else { "reused the stored password" }.into()),
    );

    // 2. The region's network.
    for net in plan.networks.iter().filter(|n| n.action == NetworkAction::Create) {
        let step = ApplyStep::CreateNetwork;
        run.check_cancel(step)?;
        run.emit(step, StepStatus::Started, &net.name, net.subnet.clone());
        let filters = HashMap::from([("name".to_string(), vec![net.name.clone()])]);
        let existing = run
            .call(step, docker.list_networks(Some(ListNetworksOptions { filters: Some(filters) })))
            .await?;
        if existing.iter().any(|n| n.name.as_deref() == Some(net.name.as_str())) {
            return Err(Failure {
                step,
                cause: format!(
                    "a network named {} exists already (created since the plan was made)",
                    net.name
                ),
                cancelled: false,
            });
        }
        let request = NetworkCreateRequest {
            name: net.name.clone(),
            driver: Some("bridge".into()),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig { subnet: net.subnet.clone(), ..Default::default() }]),
                ..Default::default()
            }),
            labels: Some(run.labels(&net.labels)),
            ..Default::default()
        };
        let response = run.call(step, docker.create_network(request)).await?;
        created.networks.push((net.name.clone(), response.id));
        note(journal, step, |r| r.networks.push(net.name.clone()))?;
        run.emit(step, StepStatus::Done, &net.name, None);
    }

    // 3. Its volumes (a kept one is reused as it is).
    for vol in &plan.volumes {
        let step = ApplyStep::CreateVolume;
        run.check_cancel(step)?;
        run.emit(step, StepStatus::Started, &vol.name, None);
        match tokio::time::timeout(run.options.request_timeout, docker.inspect_volume(&vol.name)).await {
            Ok(Ok(found)) => {
                let ours = found.labels.get(labels::REGION) == Some(&plan.region)
                    && found.labels.get(labels::PROJECT) == Some(&plan.project);
                if vol.action == VolumeAction::Reuse && ours {
                    run.emit(step, StepStatus::Done, &vol.name, Some("reused (kept from before)".into()));
                    continue;
                }
                return Err(Failure {
                    step,
                    cause: format!("a volume named {} exists already and is not this region's", vol.name),
                    cancelled: false,
                });
            }
            Ok(Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })) => {}
            Ok(Err(e)) => return Err(Failure { step, cause: engine_reason(&e), cancelled: false }),
            Err(_) => {
                return Err(Failure { step, cause: "the engine did not answer".into(), cancelled: false })
            }
        }
        let request = VolumeCreateRequest {
            name: Some(vol.name.clone()),
            driver: Some("local".into()),
            labels: Some(run.labels(&vol.labels)),
            ..Default::default()
        };
        run.call(step, docker.create_volume(request)).await?;
        created.volumes.push(vol.name.clone());
        note(journal, step, |r| r.volumes.push(vol.name.clone()))?;
        run.emit(step, StepStatus::Done, &vol.name, None);
    }

    // 4. Database, then server: create, join the other networks, start, wait until healthy.
    for (c, v) in plan.containers.iter().zip(&rendered) {
        let (create, start, wait) = match c.role {
            RegionRole::Db => (ApplyStep::CreateDb, ApplyStep::StartDb, ApplyStep::WaitDbHealthy),
            RegionRole::Server => {
                (ApplyStep::CreateServer, ApplyStep::StartServer, ApplyStep::WaitServerHealthy)
            }
        };
        run.check_cancel(create)?;
        run.emit(create, StepStatus::Started, &c.name, Some(c.image.clone()));
        let mut labels = run.labels(&c.labels);
        // Labels of the image are inherited: an image Compose built carries `com.docker.compose.project`,
        // which would make `docker compose down` (and the project's live view) take the region's containers
        // for its own. Blank them.
        if let Ok(Ok(image)) =
            tokio::time::timeout(run.options.request_timeout, docker.inspect_image(&c.image)).await
        {
            for key in image.config.and_then(|cfg| cfg.labels).unwrap_or_default().into_keys() {
                if key.starts_with("com.docker.compose.") {
                    labels.insert(key, String::new());
                }
            }
        }
        let body = container_body(c, v, &labels);
        let options = CreateContainerOptions { name: Some(c.name.clone()), ..Default::default() };
        let response = run.call(create, docker.create_container(Some(options), body)).await?;
        created.containers.push((c.name.clone(), response.id.clone()));
        note(journal, create, |r| r.containers.push(c.name.clone()))?;
        for n in c.networks.iter().skip(1) {
            let request = NetworkConnectRequest {
                container: response.id.clone(),
                endpoint_config: Some(EndpointSettings {
                    aliases: Some(n.aliases.clone()).filter(|a| !a.is_empty()),
                    ..Default::default()
                }),
            };
            run.call(create, docker.connect_network(&n.network, request)).await?;
        }
        run.emit(create, StepStatus::Done, &c.name, None);

        run.check_cancel(start)?;
        run.emit(start, StepStatus::Started, &c.name, None);
        run.call(start, docker.start_container(&response.id, None)).await?;
        run.emit(start, StepStatus::Done, &c.name, None);

        run.emit(wait, StepStatus::Started, &c.name, None);
        let detail = wait_healthy(
            docker,
            &response.id,
            run.options.health_timeout,
            run.options.request_timeout,
            run.cancel,
        )
        .await
        .map_err(|(cause, cancelled)| Failure { step: wait, cause, cancelled })?;
        run.emit(wait, StepStatus::Done, &c.name, Some(detail));
    }
    Ok(())
}

fn ms_to_ns(ms: Option<u32>) -> Option<i64> {
    ms.map(|m| i64::from(m) * 1_000_000)
}

/// The engine's create request for a planned container, with the real values (secrets included).
fn container_body(c: &PlannedContainer, v: &Values, labels: &HashMap<String, String>) -> ContainerCreateBody {
    let mut binds = Vec::new();
    let mut tmpfs = HashMap::new();
    let mut anonymous = Vec::new();
    for m in &c.mounts {
        match (m.kind.as_str(), &m.source) {
            ("bind" | "volume", Some(source)) => {
                binds.push(format!("{source}:{}{}", m.target, if m.read_only { ":ro" } else { "" }))
            }
            ("tmpfs", _) => {
                tmpfs.insert(m.target.clone(), String::new());
            }
            _ => anonymous.push(m.target.clone()),
        }
    }
    let mut port_bindings = HashMap::new();
    let mut exposed = Vec::new();
    for p in &c.ports {
        let key = format!("{}/{}", p.container_port, p.protocol);
        exposed.push(key.clone());
        port_bindings.insert(
            key,
            Some(vec![PortBinding {
                host_ip: Some(p.host_ip.clone()),
                host_port: Some(p.host_port.to_string()),
            }]),
        );
    }
    let restart = c.restart.as_deref().map(|r| {
        let (name, count) = r.split_once(':').unwrap_or((r, ""));
        RestartPolicy {
            name: Some(match name {
                "always" => RestartPolicyNameEnum::ALWAYS,
                "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
                "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
                _ => RestartPolicyNameEnum::NO,
            }),
            maximum_retry_count: count.parse().ok(),
        }
    });
    let first_network = c.networks.first().map(|n| {
        HashMap::from([(
            n.network.clone(),
            EndpointSettings {
                aliases: Some(n.aliases.clone()).filter(|a| !a.is_empty()),
                ..Default::default()
            },
        )])
    });
    ContainerCreateBody {
        image: Some(c.image.clone()),
        cmd: v.command_real.clone(),
        entrypoint: v.entrypoint_real.clone(),
        env: Some(v.env_real.iter().map(|(name, value)| format!("{name}={value}")).collect()),
        labels: Some(labels.clone()),
        user: c.user.clone(),
        working_dir: c.working_dir.clone(),
        stop_timeout: c.stop_grace_seconds.map(i64::from),
        exposed_ports: Some(exposed).filter(|e| !e.is_empty()),
        volumes: Some(anonymous).filter(|a| !a.is_empty()),
        healthcheck: c.healthcheck.as_ref().map(|h| HealthConfig {
            test: v.health_real.clone(),
            interval: ms_to_ns(h.interval_ms),
            timeout: ms_to_ns(h.timeout_ms),
            retries: h.retries.map(i64::from),
            start_period: ms_to_ns(h.start_period_ms),
            ..Default::default()
        }),
        host_config: Some(HostConfig {
            binds: Some(binds).filter(|b| !b.is_empty()),
            tmpfs: Some(tmpfs).filter(|t| !t.is_empty()),
            port_bindings: Some(port_bindings).filter(|p| !p.is_empty()),
            memory: Some(i64::from(c.limits.memory_mb) * 1024 * 1024),
            nano_cpus: Some((c.limits.cpus * 1e9).round() as i64),
            init: Some(c.init).filter(|i| *i),
            restart_policy: restart,
            ..Default::default()
        }),
        networking_config: first_network.map(|e| NetworkingConfig { endpoints_config: Some(e) }),
        ..Default::default()
    }
}

/// Waits until the container is healthy (running, without a healthcheck), following its events; fails
/// when it exits, turns unhealthy, `health_timeout` passes, or `cancel` fires (then the `bool` is true).
pub(crate) async fn wait_healthy(
    docker: &Docker,
    id: &str,
    health_timeout: Duration,
    request_timeout: Duration,
    cancel: &CancellationToken,
) -> Result<String, (String, bool)> {
    let deadline = tokio::time::Instant::now() + health_timeout;
    let filters = HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        ("container".to_string(), vec![id.to_string()]),
    ]);
    let mut events = docker.events(Some(EventsOptions { filters: Some(filters), ..Default::default() }));
    loop {
        let inspected = match tokio::time::timeout(request_timeout, docker.inspect_container(id, None)).await
        {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err((engine_reason(&e), false)),
            Err(_) => return Err(("the engine did not answer".into(), false)),
        };
        let Some(s) = container_status(&inspected, &own_env_masker(&inspected)) else {
            return Err(("the engine returned no container".into(), false));
        };
        let last_probe = || {
            s.health_log
                .last()
                .map(|p| format!(" (last probe exited {}: {})", p.exit_code, p.output.trim()))
                .unwrap_or_default()
        };
        match (s.state, s.health) {
            (RunState::Running, Health::Healthy) => return Ok("healthy".into()),
            (RunState::Running, Health::None) => return Ok("running (no healthcheck)".into()),
            (RunState::Running, Health::Unhealthy) => {
                return Err((format!("{} is unhealthy{}", s.name, last_probe()), false))
            }
            (RunState::Exited | RunState::Dead, _) => {
                return Err((
                    format!(
                        "{} exited{}{}",
                        s.name,
                        s.exit_code.map(|c| format!(" with code {c}")).unwrap_or_default(),
                        s.error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
                    ),
                    false,
                ))
            }
            _ => {}
        }
        tokio::select! {
            _ = events.next() => {}
            // A safety net: re-inspect now and then even without events.
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = tokio::time::sleep_until(deadline) => {
                let health = serde_json::to_value(s.health).ok().and_then(|v| v.as_str().map(String::from));
                return Err((
                    format!(
                        "{} did not become healthy within {} s (health: {}){}",
                        s.name,
                        health_timeout.as_secs(),
                        health.unwrap_or_default(),
                        last_probe()
                    ),
                    false,
                ));
            }
            _ = cancel.cancelled() => return Err(("cancelled".into(), true)),
        }
    }
}

/// Removes what this apply created: tracked containers (with their anonymous volumes), then anything else
/// carrying this apply's label (a request that timed out may still have created it), then networks,
/// volumes and the password it stored. Never touches anything else.
async fn rollback(run: &Run<'_>, project: &Project, created: &Created) -> Rollback {
    let docker = run.docker;
    let mut result = Rollback::default();
    let step = ApplyStep::Rollback;
    let mine =
        HashMap::from([("label".to_string(), vec![labels::filter(labels::REGION_APPLY, &run.apply_id)])]);
    let timeout = run.options.request_timeout;

    let mut containers: Vec<(String, String)> = created.containers.clone();
    if let Ok(Ok(list)) = tokio::time::timeout(
        timeout,
        docker.list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(mine.clone()),
            ..Default::default()
        })),
    )
    .await
    {
        for c in list {
            let id = c.id.unwrap_or_default();
            if !containers.iter().any(|(_, known)| *known == id) {
                let name = c.names.unwrap_or_default().first().cloned().unwrap_or_default();
                containers.push((name.trim_start_matches('/').to_string(), id));
            }
        }
    }
    for (name, id) in containers.iter().rev() {
        let options = RemoveContainerOptions { force: true, v: true, ..Default::default() };
        let outcome = tokio::time::timeout(timeout, docker.remove_container(id, Some(options))).await;
        record(run, &mut result, step, format!("container {name}"), outcome);
    }

    let mut networks: Vec<(String, String)> = created.networks.clone();
    if let Ok(Ok(list)) = tokio::time::timeout(
        timeout,
        docker.list_networks(Some(ListNetworksOptions { filters: Some(mine.clone()) })),
    )
    .await
    {
        for n in list {
            let id = n.id.unwrap_or_default();
            if !networks.iter().any(|(_, known)| *known == id) {
                networks.push((n.name.unwrap_or_default(), id));
            }
        }
    }
    for (name, id) in networks.iter().rev() {
        let outcome = tokio::time::timeout(timeout, docker.remove_network(id)).await;
        record(run, &mut result, step, format!("network {name}"), outcome);
    }

    let mut volumes: Vec<String> = created.volumes.clone();
    if let Ok(Ok(list)) =
        tokio::time::timeout(timeout, docker.list_volumes(Some(ListVolumesOptions { filters: Some(mine) })))
            .await
    {
        for v in list.volumes.unwrap_or_default() {
            if !volumes.contains(&v.name) {
                volumes.push(v.name);
            }
        }
    }
    for name in volumes.iter().rev() {
        let outcome = tokio::time::timeout(
            timeout,
            docker.remove_volume(name, Some(RemoveVolumeOptions { force: false })),
        )
        .await;
        record(run, &mut result, step, format!("volume {name}"), outcome);
    }

    if created.password {
        let (root, project_name, region) =
            (project.root().to_path_buf(), run.plan.project.clone(), run.plan.region.clone());
        let target = format!("keychain {PASSWORD_VAR} ({})", run.plan.password.keychain_service);
        run.emit(step, StepStatus::Started, &target, None);
        match tokio::task::spawn_blocking(move || secret::forget_password(&root, &project_name, &region))
            .await
        {
            Ok(Ok(_)) => {
                run.emit(step, StepStatus::Done, &target, None);
                result.removed.push(target);
            }
            Ok(Err(e)) => {
                run.emit(step, StepStatus::Failed, &target, Some(e.to_string()));
                result.left_behind.push(format!("{target}: {e}"));
            }
            Err(e) => result.left_behind.push(format!("{target}: {e}")),
        }
    }
    result
}

fn record(
    run: &Run<'_>,
    result: &mut Rollback,
    step: ApplyStep,
    target: String,
    outcome: Result<Result<(), bollard::errors::Error>, tokio::time::error::Elapsed>,
) {
    match outcome {
        Ok(Ok(())) | Ok(Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })) => {
            run.emit(step, StepStatus::Done, &target, Some("removed".into()));
            result.removed.push(target);
        }
        Ok(Err(e)) => {
            let why = engine_reason(&e);
            run.emit(step, StepStatus::Failed, &target, Some(why.clone()));
            result.left_behind.push(format!("{target}: {why}"));
        }
        Err(_) => {
            run.emit(step, StepStatus::Failed, &target, Some("no answer".into()));
            result.left_behind.push(format!("{target}: the engine did not answer"));
        }
    }
}
