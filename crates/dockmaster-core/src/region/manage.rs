//! Regions that exist: found by their labels (so they survive a Dockmaster restart), listed with health,
//! stopped, started, removed (volumes only when confirmed by name) and their plan shown again from inspect.
//! A region whose apply was interrupted (its journal left, held by nobody) is marked so, and removing it
//! removes everything that apply created, its volumes (once confirmed) and password included.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{
    ListContainersOptions, ListNetworksOptions, ListVolumesOptions, RemoveContainerOptions,
    RemoveVolumeOptions, StopContainerOptions,
};
use bollard::Docker;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::apply::wait_healthy;
use super::error::RegionError;
use super::gather::{timed, REQUEST_TIMEOUT};
use super::journal::{self, Claimed, Found as Journaled};
use super::plan::{
    ContainerNetwork, Limits, NetworkAction, PlannedContainer, PlannedEnv, PlannedHealthcheck, PlannedMount,
    PlannedNetwork, PlannedPort, PlannedSecret, PlannedVolume, RegionPlan, RegionRole, SecretAction,
    VolumeAction, PASSWORD_VAR,
};
use super::render::Rendered;
use super::request::RegionRequest;
use super::secret;
use crate::compose::mask::{SecretPolicy, MASK};
use crate::compose::node::Scalar;
use crate::engine::inspect::{container_status, own_env_masker};
use crate::engine::{ContainerStatus, Health, RunState};
use crate::labels;

/// One region of the project, as the engine has it now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegionInfo {
    pub name: String,
    pub owner: Option<String>,
    /// The worst state of its containers; `notCreated` when only its kept volumes (or network) are left.
    pub state: RunState,
    /// The worst health of its running containers.
    pub health: Health,
    /// Where its server answers, from the server's port binding.
    pub server_url: Option<String>,
    /// The request it was created from (its label), when readable.
    pub request: Option<RegionRequest>,
    /// Database first, then the server.
    pub containers: Vec<ContainerStatus>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    /// Set when the apply that created the region was interrupted (killed before it finished or rolled
    /// back): the region is not usable, and removing it cleans up everything that apply created.
    pub interrupted: Option<InterruptedApply>,
}

/// An interrupted region apply: what it left, and how to clean it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct InterruptedApply {
    /// The apply's ID (the `dev.dockmaster.region.apply` label of what it created).
    pub apply_id: String,
    /// The volumes it created: removed with the region, once confirmed (the region's other volumes, kept
    /// from an earlier region of the same name, follow the usual rule).
    pub volumes: Vec<String>,
    /// It generated the region's database password (or was about to): removed with the region.
    pub password_generated: bool,
    /// What to do about it.
    pub fix: String,
}

/// What `remove` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemoveReport {
    pub region: String,
    pub containers: Vec<String>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    /// Volumes left in place (remove them with the volumes confirmed).
    pub kept_volumes: Vec<String>,
    /// The region's password was removed from the keychain (only with its volumes).
    pub password_removed: bool,
}

fn scope(project: &str, region: Option<&str>) -> HashMap<String, Vec<String>> {
    let region = match region {
        Some(r) => labels::filter(labels::REGION, r),
        None => labels::REGION.to_string(),
    };
    HashMap::from([("label".to_string(), vec![labels::filter(labels::PROJECT, project), region])])
}

/// A region's engine objects, found by label.
struct Found {
    containers: Vec<ContainerInspectResponse>,
    networks: Vec<(String, String, String)>,
    /// (name, region, the apply that created it).
    volumes: Vec<(String, String, String)>,
}

async fn find(docker: &Docker, project: &str, region: Option<&str>) -> Result<Found, RegionError> {
    let filters = scope(project, region);
    let list = timed(
        "list region containers",
        docker.list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters.clone()),
            ..Default::default()
        })),
    )
    .await?;
    let mut containers = Vec::new();
    for c in list {
        let Some(id) = c.id else { continue };
        match tokio::time::timeout(REQUEST_TIMEOUT, docker.inspect_container(&id, None)).await {
            Ok(Ok(i)) => containers.push(i),
            Ok(Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })) => {}
            Ok(Err(e)) => return Err(RegionError::engine(format!("inspect container {id}"), &e)),
            Err(_) => {
                return Err(RegionError::Engine {
                    action: format!("inspect container {id}"),
                    reason: "no answer".into(),
                })
            }
        }
    }
    let region_of = |l: &HashMap<String, String>| l.get(labels::REGION).cloned().unwrap_or_default();
    let networks = timed(
        "list region networks",
        docker.list_networks(Some(ListNetworksOptions { filters: Some(filters.clone()) })),
    )
    .await?
    .into_iter()
    .map(|n| {
        let r = region_of(n.labels.as_ref().unwrap_or(&HashMap::new()));
        (n.id.unwrap_or_default(), n.name.unwrap_or_default(), r)
    })
    .collect();
    let volumes = timed(
        "list region volumes",
        docker.list_volumes(Some(ListVolumesOptions { filters: Some(filters) })),
    )
    .await?
    .volumes
    .unwrap_or_default()
    .into_iter()
    .map(|v| {
        let r = region_of(&v.labels);
        let apply = v.labels.get(labels::REGION_APPLY).cloned().unwrap_or_default();
        (v.name, r, apply)
    })
    .collect();
    Ok(Found { containers, networks, volumes })
}

fn container_labels(c: &ContainerInspectResponse) -> HashMap<String, String> {
    c.config.as_ref().and_then(|cfg| cfg.labels.clone()).unwrap_or_default()
}

fn role_of(c: &ContainerInspectResponse) -> Option<RegionRole> {
    container_labels(c).get(labels::MANAGER_SERVICE).and_then(|s| RegionRole::from_label(s))
}

fn server_url(c: &ContainerInspectResponse) -> Option<String> {
    let bindings = c.host_config.as_ref()?.port_bindings.as_ref()?;
    let mut found: Vec<(String, String)> = bindings
        .values()
        .flatten()
        .flatten()
        .filter_map(|b| Some((b.host_ip.clone().unwrap_or_default(), b.host_port.clone()?)))
        .collect();
    found.sort();
    let (ip, port) = found.into_iter().next()?;
    let host = match ip.as_str() {
        "" | "0.0.0.0" => "127.0.0.1".to_string(),
        ip if ip.contains(':') => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    Some(format!("http://{host}:{port}"))
}

/// The project's apply journals: interrupted ones (claimed while they are looked at) and running ones. No
/// state folder (no HOME) means none.
fn journals(project: &str) -> Result<(Vec<Claimed>, Vec<journal::Record>), RegionError> {
    let Ok(dir) = journal::default_dir() else { return Ok((Vec::new(), Vec::new())) };
    let mut interrupted = Vec::new();
    let mut running = Vec::new();
    for found in journal::find(&dir, project)? {
        match found {
            Journaled::Interrupted(c) => interrupted.push(c),
            Journaled::Running(r) => running.push(r),
        }
    }
    Ok((interrupted, running))
}

/// What an interrupted apply left of region `name`: the volumes it created (by its label, or its journal).
fn interrupted_of(
    name: &str,
    record: &journal::Record,
    volumes: &[(String, String, String)],
) -> InterruptedApply {
    let created = volumes
        .iter()
        .filter(|(v, r, apply)| r == name && (*apply == record.apply_id || record.volumes.contains(v)))
        .map(|(v, _, _)| v.clone())
        .collect();
    InterruptedApply {
        apply_id: record.apply_id.clone(),
        volumes: created,
        password_generated: record.owns_password(),
        fix: format!(
            "its creation (apply {}) was interrupted before it finished: remove it (`dockmaster region rm {name}`, \
             or Remove on the Regions page), then create it again",
            record.apply_id
        ),
    }
}

/// The project's regions (by label), with state and health from inspect. A region whose containers are gone
/// but whose volumes were kept is listed as `notCreated`; one whose apply was interrupted is marked so (even
/// when that apply created nothing on the engine yet).
pub async fn list(docker: &Docker, project: &str) -> Result<Vec<RegionInfo>, RegionError> {
    let found = find(docker, project, None).await?;
    let (interrupted, _) = journals(project)?;
    let mut by_region: BTreeMap<String, Vec<ContainerInspectResponse>> = BTreeMap::new();
    for c in found.containers {
        let region = container_labels(&c).get(labels::REGION).cloned().unwrap_or_default();
        by_region.entry(region).or_default().push(c);
    }
    let mut names: BTreeSet<String> = by_region.keys().cloned().collect();
    names.extend(found.networks.iter().map(|(_, _, r)| r.clone()));
    names.extend(found.volumes.iter().map(|(_, r, _)| r.clone()));
    names.extend(interrupted.iter().map(|c| c.record.region.clone()));
    names.remove("");
    let mut out = Vec::new();
    for name in names {
        let mut containers = by_region.remove(&name).unwrap_or_default();
        containers.sort_by_key(role_of);
        let mut region = info(&name, &containers, &found.networks, &found.volumes);
        region.interrupted = interrupted
            .iter()
            .find(|c| c.record.region == name)
            .map(|c| interrupted_of(&name, &c.record, &found.volumes));
        out.push(region);
    }
    Ok(out)
}

fn info(
    name: &str,
    containers: &[ContainerInspectResponse],
    networks: &[(String, String, String)],
    volumes: &[(String, String, String)],
) -> RegionInfo {
    let statuses: Vec<ContainerStatus> =
        containers.iter().filter_map(|c| container_status(c, &own_env_masker(c))).collect();
    let state = statuses.iter().map(|s| s.state).max().unwrap_or(RunState::NotCreated);
    let health = statuses
        .iter()
        .filter(|s| s.state == RunState::Running)
        .map(|s| s.health)
        .max()
        .unwrap_or(Health::None);
    let labels = containers.first().map(container_labels).unwrap_or_default();
    let server = containers.iter().find(|c| role_of(c) == Some(RegionRole::Server));
    RegionInfo {
        name: name.to_string(),
        owner: labels.get(labels::MANAGER_OWNER).cloned(),
        state,
        health,
        server_url: server.and_then(server_url),
        request: labels.get(labels::REGION_REQUEST).and_then(|j| serde_json::from_str(j).ok()),
        containers: statuses,
        networks: networks.iter().filter(|(_, _, r)| r == name).map(|(_, n, _)| n.clone()).collect(),
        volumes: volumes.iter().filter(|(_, r, _)| r == name).map(|(v, _, _)| v.clone()).collect(),
        interrupted: None,
    }
}

/// One region's apply journals.
#[derive(Default)]
struct RegionJournals {
    /// Its interrupted apply's journal, claimed (held by this process until dropped).
    interrupted: Option<Claimed>,
    /// An apply of it that runs now.
    running: Option<journal::Record>,
}

/// One region: its engine objects, what the window shows of it, and its apply journals.
async fn one(
    docker: &Docker,
    project: &str,
    name: &str,
) -> Result<(Found, RegionInfo, RegionJournals), RegionError> {
    let found = find(docker, project, Some(name)).await?;
    let (interrupted, running) = journals(project)?;
    let claimed = interrupted.into_iter().find(|c| c.record.region == name);
    let running = running.into_iter().find(|r| r.region == name);
    if found.containers.is_empty()
        && found.networks.is_empty()
        && found.volumes.is_empty()
        && claimed.is_none()
    {
        let known = list(docker, project).await?.into_iter().map(|r| r.name).collect();
        return Err(RegionError::NotFound { project: project.into(), name: name.into(), known });
    }
    let mut containers = found.containers.clone();
    containers.sort_by_key(role_of);
    let mut info = info(name, &containers, &found.networks, &found.volumes);
    info.interrupted = claimed.as_ref().map(|c| interrupted_of(name, &c.record, &found.volumes));
    Ok((Found { containers, ..found }, info, RegionJournals { interrupted: claimed, running }))
}

/// One region now.
pub async fn get(docker: &Docker, project: &str, name: &str) -> Result<RegionInfo, RegionError> {
    Ok(one(docker, project, name).await?.1)
}

/// The refusal that lists what removing `region` with its volumes needs confirmed: every volume, those its
/// interrupted apply created marked so.
pub fn confirmation_needed(region: &RegionInfo) -> RegionError {
    RegionError::ConfirmVolumes {
        region: region.name.clone(),
        volumes: region.volumes.clone(),
        interrupted_apply: region.interrupted.as_ref().map(|i| i.apply_id.clone()),
        created_by_apply: region.interrupted.as_ref().map(|i| i.volumes.clone()).unwrap_or_default(),
    }
}

/// Stops the server, then the database.
pub async fn stop(docker: &Docker, project: &str, name: &str) -> Result<RegionInfo, RegionError> {
    let (found, _, _) = one(docker, project, name).await?;
    for c in found.containers.iter().rev() {
        let id = c.id.clone().unwrap_or_default();
        let grace = c.config.as_ref().and_then(|cfg| cfg.stop_timeout).unwrap_or(10);
        let options =
            StopContainerOptions { t: Some(i32::try_from(grace).unwrap_or(10)), ..Default::default() };
        match tokio::time::timeout(
            REQUEST_TIMEOUT + Duration::from_secs(grace.max(0) as u64),
            docker.stop_container(&id, Some(options)),
        )
        .await
        {
            Ok(Ok(()))
            | Ok(Err(bollard::errors::Error::DockerResponseServerError { status_code: 304, .. })) => {}
            Ok(Err(e)) => return Err(RegionError::engine(format!("stop {}", display_name(c)), &e)),
            Err(_) => {
                return Err(RegionError::Engine {
                    action: format!("stop {}", display_name(c)),
                    reason: "no answer".into(),
                })
            }
        }
    }
    get(docker, project, name).await
}

/// Starts the database, waits until it is healthy, then the server (and waits for it too).
pub async fn start(
    docker: &Docker,
    project: &str,
    name: &str,
    health_timeout: Duration,
) -> Result<RegionInfo, RegionError> {
    let (found, _, _) = one(docker, project, name).await?;
    let cancel = CancellationToken::new();
    for c in &found.containers {
        let id = c.id.clone().unwrap_or_default();
        match timed(&format!("start {}", display_name(c)), docker.start_container(&id, None)).await {
            Ok(()) => {}
            Err(RegionError::Engine { reason, .. }) if reason.contains("304") => {}
            Err(e) => return Err(e),
        }
        wait_healthy(docker, &id, health_timeout, REQUEST_TIMEOUT, &cancel).await.map_err(
            |(reason, _)| RegionError::Engine { action: format!("start {}", display_name(c)), reason },
        )?;
    }
    get(docker, project, name).await
}

fn display_name(c: &ContainerInspectResponse) -> String {
    c.name.clone().unwrap_or_default().trim_start_matches('/').to_string()
}

/// Removes the region's containers and network. Its volumes (and the database password in the keychain,
/// which their data needs) are removed only when `confirm_volumes` names exactly the region's volumes.
///
/// A region whose apply was interrupted is removed completely: also the volumes that apply created (they
/// must be confirmed: `confirm_volumes` names exactly them, or all the region's volumes) and the password it
/// generated, then its journal. Its other volumes (kept from an earlier region of the same name) follow the
/// usual rule. A region whose apply still runs is refused.
pub async fn remove(
    docker: &Docker,
    root: &Path,
    project: &str,
    name: &str,
    confirm_volumes: Option<&[String]>,
) -> Result<RemoveReport, RegionError> {
    let (found, info, journals) = one(docker, project, name).await?;
    let claimed = journals.interrupted;
    if let Some(running) = journals.running {
        let message = if crate::lifecycle::lock::process_alive(running.pid) {
            format!(
                "region {name} is being created (apply {}, PID {}): wait for it to finish, or cancel it, then retry",
                running.apply_id, running.pid
            )
        } else {
            format!(
                "another Dockmaster process is reading or cleaning up region {name}'s interrupted creation (apply \
                 {}) right now: retry in a moment",
                running.apply_id
            )
        };
        return Err(RegionError::Busy { message });
    }
    let volumes: BTreeSet<String> = info.volumes.iter().cloned().collect();
    let created: BTreeSet<String> =
        info.interrupted.as_ref().map(|i| i.volumes.iter().cloned().collect()).unwrap_or_default();
    let given: Option<BTreeSet<String>> = confirm_volumes.map(|g| g.iter().cloned().collect());
    // Which volumes go: all of them (confirmed), or only what the interrupted apply created (confirmed).
    let (with_volumes, removed_volumes) = match &given {
        Some(g) if *g == volumes => (true, volumes.clone()),
        Some(g) if !created.is_empty() && *g == created => (false, created.clone()),
        None if created.is_empty() => (false, BTreeSet::new()),
        None => {
            return Err(RegionError::ConfirmVolumes {
                region: name.into(),
                volumes: created.iter().cloned().collect(),
                interrupted_apply: info.interrupted.as_ref().map(|i| i.apply_id.clone()),
                created_by_apply: created.iter().cloned().collect(),
            })
        }
        Some(_) => return Err(confirmation_needed(&info)),
    };
    let mut report = RemoveReport { region: name.into(), ..Default::default() };
    for c in found.containers.iter().rev() {
        let id = c.id.clone().unwrap_or_default();
        // An interrupted apply's containers and their anonymous volumes are all its own.
        let v = with_volumes || claimed.is_some();
        let options = RemoveContainerOptions { force: true, v, ..Default::default() };
        timed(&format!("remove {}", display_name(c)), docker.remove_container(&id, Some(options))).await?;
        report.containers.push(display_name(c));
    }
    for (id, net, _) in &found.networks {
        timed(&format!("remove network {net}"), docker.remove_network(id)).await?;
        report.networks.push(net.clone());
    }
    for v in &removed_volumes {
        timed(
            &format!("remove volume {v}"),
            docker.remove_volume(v, Some(RemoveVolumeOptions { force: false })),
        )
        .await?;
        report.volumes.push(v.clone());
    }
    report.kept_volumes = volumes.difference(&removed_volumes).cloned().collect();
    let owned_password = info.interrupted.as_ref().is_some_and(|i| i.password_generated);
    if with_volumes || owned_password {
        // The password of an interrupted apply lives in its project root's namespace.
        let root = claimed.as_ref().map_or_else(|| root.to_path_buf(), |c| c.record.root.clone());
        let (project, region) = (project.to_string(), name.to_string());
        report.password_removed =
            tokio::task::spawn_blocking(move || secret::forget_password(&root, &project, &region))
                .await
                .map_err(|e| RegionError::Engine {
                action: "remove the password".into(),
                reason: e.to_string(),
            })??;
    }
    if let Some(claimed) = claimed {
        claimed.finish()?;
    }
    Ok(report)
}

/// The plan of an existing region, rebuilt from its labels and `docker inspect` (environment masked).
pub async fn describe(
    docker: &Docker,
    root: &Path,
    project: &str,
    name: &str,
    policy: &SecretPolicy,
) -> Result<RegionPlan, RegionError> {
    let (found, info, _) = one(docker, project, name).await?;
    let request = info.request.clone().ok_or_else(|| RegionError::Template {
        message: match &info.interrupted {
            Some(i) => format!("region {name} has no container to show the plan of: {}", i.fix),
            None => format!(
                "region {name} has no readable `{}` label (was it created by Dockmaster?): its plan cannot be \
                 shown",
                labels::REGION_REQUEST
            ),
        },
    })?;
    let mut containers = Vec::new();
    let mut ports = Vec::new();
    let mut networks: Vec<PlannedNetwork> = Vec::new();
    let mut volumes: Vec<PlannedVolume> = Vec::new();
    let mut db_host = format!("{name}-db");
    let mut db_port = 5432;
    for c in &found.containers {
        let cname = display_name(c);
        let cfg = c.config.clone().unwrap_or_default();
        let host = c.host_config.clone().unwrap_or_default();
        let l = container_labels(c);
        let shown = |text: &str| Rendered { shown: text.to_string(), masked: false };
        let env: Vec<PlannedEnv> = cfg
            .env
            .clone()
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e.split_once('='))
            .map(|(k, v)| {
                let (text, masked) = policy.mask_entry(k, &Scalar::plain(v));
                PlannedEnv { name: k.into(), value: Rendered { shown: text, masked } }
            })
            .collect();
        if let Some(url) = env.iter().find(|e| e.name == "DATABASE_URL") {
            if let Some((h, p)) = super::plan::url_host_port(&url.value.shown) {
                (db_host, db_port) = (h, p);
            }
        }
        let mut container_ports = Vec::new();
        for (key, bindings) in host.port_bindings.clone().unwrap_or_default() {
            let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
            for b in bindings.unwrap_or_default() {
                container_ports.push(PlannedPort {
                    container: cname.clone(),
                    host_ip: b.host_ip.unwrap_or_default(),
                    host_port: b.host_port.and_then(|p| p.parse().ok()).unwrap_or(0),
                    container_port: port.parse().unwrap_or(0),
                    protocol: proto.into(),
                });
            }
        }
        ports.extend(container_ports.clone());
        let mut container_networks = Vec::new();
        let short_id: String = c.id.clone().unwrap_or_default().chars().take(12).collect();
        for (net, endpoint) in
            c.network_settings.as_ref().and_then(|n| n.networks.clone()).unwrap_or_default()
        {
            let aliases: Vec<String> = endpoint
                .aliases
                .unwrap_or_default()
                .into_iter()
                .filter(|a| *a != short_id && *a != cname)
                .collect();
            container_networks.push(ContainerNetwork { network: net.clone(), aliases });
            let ours = found.networks.iter().any(|(_, n, _)| *n == net);
            match networks.iter_mut().find(|n| n.name == net) {
                Some(n) => n.containers.push(cname.clone()),
                None => networks.push(PlannedNetwork {
                    name: net.clone(),
                    action: if ours { NetworkAction::Create } else { NetworkAction::Join },
                    subnet: None,
                    labels: BTreeMap::new(),
                    containers: vec![cname.clone()],
                }),
            }
        }
        container_networks.sort_by_key(|n| !found.networks.iter().any(|(_, name, _)| *name == n.network));
        let mut mounts = Vec::new();
        for m in c.mounts.clone().unwrap_or_default() {
            let kind = match m.typ.as_deref() {
                Some("volume")
                    if m.name.as_deref().is_some_and(|n| found.volumes.iter().any(|(v, _, _)| v == n)) =>
                {
                    "volume"
                }
                Some("volume") => "anonymous",
                Some("tmpfs") => "tmpfs",
                _ => "bind",
            };
            let source =
                if kind == "volume" || kind == "anonymous" { m.name.clone() } else { m.source.clone() };
            if kind == "volume" {
                if let Some(v) = &source {
                    match volumes.iter_mut().find(|p| &p.name == v) {
                        Some(p) => p.mounted_by.push(cname.clone()),
                        None => volumes.push(PlannedVolume {
                            name: v.clone(),
                            action: VolumeAction::Create,
                            labels: BTreeMap::new(),
                            mounted_by: vec![cname.clone()],
                        }),
                    }
                }
            }
            mounts.push(PlannedMount {
                kind: kind.into(),
                source,
                target: m.destination.unwrap_or_default(),
                read_only: m.rw == Some(false),
            });
        }
        let masked_words = |words: Option<Vec<String>>| {
            words.map(|w| {
                w.iter()
                    .map(|x| {
                        let (text, masked) = policy.mask_scalar(&Scalar::plain(x.clone()));
                        Rendered { shown: text, masked }
                    })
                    .collect()
            })
        };
        containers.push(PlannedContainer {
            name: cname.clone(),
            role: role_of(c).unwrap_or(RegionRole::Server),
            template: l.get(labels::REGION_TEMPLATE).cloned().unwrap_or_default(),
            image: cfg.image.clone().unwrap_or_default(),
            image_present: true,
            command: masked_words(cfg.cmd.clone()),
            entrypoint: masked_words(cfg.entrypoint.clone()),
            env,
            labels: l.clone().into_iter().collect(),
            networks: container_networks,
            mounts,
            ports: container_ports,
            limits: Limits {
                cpus: host.nano_cpus.unwrap_or(0) as f64 / 1e9,
                memory_mb: u32::try_from(host.memory.unwrap_or(0) / (1024 * 1024)).unwrap_or(u32::MAX),
            },
            healthcheck: cfg.healthcheck.as_ref().filter(|h| h.test.is_some()).map(|h| PlannedHealthcheck {
                test: h.test.clone().unwrap_or_default().iter().map(|t| shown(t)).collect(),
                interval_ms: h.interval.map(|n| u32::try_from(n / 1_000_000).unwrap_or(u32::MAX)),
                timeout_ms: h.timeout.map(|n| u32::try_from(n / 1_000_000).unwrap_or(u32::MAX)),
                retries: h.retries.and_then(|r| u32::try_from(r).ok()),
                start_period_ms: h.start_period.map(|n| u32::try_from(n / 1_000_000).unwrap_or(u32::MAX)),
            }),
            restart: host
                .restart_policy
                .as_ref()
                .and_then(|r| r.name.map(|n| n.to_string()))
                .filter(|n| !n.is_empty()),
            init: host.init.unwrap_or(false),
            stop_grace_seconds: cfg.stop_timeout.and_then(|t| u32::try_from(t).ok()),
            user: cfg.user.clone().filter(|u| !u.is_empty()),
            working_dir: cfg.working_dir.clone().filter(|w| !w.is_empty()),
        });
    }
    for (id, net, _) in &found.networks {
        if let Ok(Ok(n)) = tokio::time::timeout(REQUEST_TIMEOUT, docker.inspect_network(id, None)).await {
            if let Some(p) = networks.iter_mut().find(|p| &p.name == net) {
                p.subnet =
                    n.ipam.and_then(|i| i.config).unwrap_or_default().into_iter().find_map(|c| c.subnet);
                p.labels = n.labels.unwrap_or_default().into_iter().collect();
            }
        }
    }
    let (r, p, n) = (root.to_path_buf(), project.to_string(), name.to_string());
    let stored = tokio::task::spawn_blocking(move || secret::password_stored(&r, &p, &n))
        .await
        .ok()
        .and_then(Result::ok);
    let db_user = request.effective_db_user();
    Ok(RegionPlan {
        region: name.into(),
        project: project.into(),
        template_profile: String::new(),
        db_user,
        server_url: info.server_url.clone().unwrap_or_default(),
        containers,
        networks,
        volumes,
        ports,
        password: PlannedSecret {
            variable: PASSWORD_VAR.into(),
            keychain_service: secret::service(root, project, name),
            action: SecretAction::Reuse,
            shown: MASK.into(),
        },
        db_host,
        db_port,
        warnings: info
            .interrupted
            .iter()
            .map(|i| format!("region {name}: {}", i.fix))
            .chain(stored.filter(|s| !s).map(|_| {
                format!(
                    "the keychain holds no {PASSWORD_VAR} for this region any more: the database's password is lost"
                )
            }))
            .collect(),
        request,
    })
}
