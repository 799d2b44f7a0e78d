//! The plan of an existing region, rebuilt from its labels and `docker inspect` (environment masked).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::{one, role_of, Stores};
use crate::compose::mask::{SecretPolicy, MASK};
use crate::compose::node::Scalar;
use crate::engine::ops::{ContainerInfo, EngineOps, Words};
use crate::labels;
use crate::region::error::RegionError;
use crate::region::gather::REQUEST_TIMEOUT;
use crate::region::plan::{
    ContainerNetwork, Limits, NetworkAction, PlannedContainer, PlannedEnv, PlannedHealthcheck, PlannedMount,
    PlannedNetwork, PlannedPort, PlannedSecret, PlannedVolume, RegionPlan, RegionRole, SecretAction,
    VolumeAction, PASSWORD_VAR,
};
use crate::region::render::Rendered;

/// The plan of an existing region, rebuilt from its labels and `docker inspect` (environment masked).
pub async fn describe<E: EngineOps>(
    engine: &E,
    root: &Path,
    project: &str,
    name: &str,
    policy: &SecretPolicy,
) -> Result<RegionPlan, RegionError> {
    describe_in(engine, &Stores::default(), root, project, name, policy).await
}

pub(crate) async fn describe_in<E: EngineOps>(
    engine: &E,
    stores: &Stores,
    root: &Path,
    project: &str,
    name: &str,
    policy: &SecretPolicy,
) -> Result<RegionPlan, RegionError> {
    let engine = &engine.with_timeout(REQUEST_TIMEOUT);
    let (found, info, _) = one(engine, stores, project, name).await?;
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
    let ours = |net: &str| found.networks.iter().any(|n| n.name == net);
    let mut containers = Vec::new();
    let mut networks: Vec<PlannedNetwork> = Vec::new();
    let mut volumes: Vec<PlannedVolume> = Vec::new();
    let mut db_host = format!("{name}-db");
    let mut db_port = 5432;
    for c in &found.containers {
        let planned = container(c, policy, &ours, |v| found.volumes.iter().any(|f| f.name == v));
        if let Some(url) = planned.env.iter().find(|e| e.name == "DATABASE_URL") {
            if let Some((h, p)) = crate::region::plan::url_host_port(&url.value.shown) {
                (db_host, db_port) = (h, p);
            }
        }
        for n in &planned.networks {
            match networks.iter_mut().find(|p| p.name == n.network) {
                Some(p) => p.containers.push(c.name.clone()),
                None => networks.push(PlannedNetwork {
                    name: n.network.clone(),
                    action: if ours(&n.network) { NetworkAction::Create } else { NetworkAction::Join },
                    subnet: None,
                    labels: BTreeMap::new(),
                    containers: vec![c.name.clone()],
                }),
            }
        }
        for m in planned.mounts.iter().filter(|m| m.kind == "volume") {
            let Some(v) = &m.source else { continue };
            match volumes.iter_mut().find(|p| &p.name == v) {
                Some(p) => p.mounted_by.push(c.name.clone()),
                None => volumes.push(PlannedVolume {
                    name: v.clone(),
                    action: VolumeAction::Create,
                    labels: BTreeMap::new(),
                    mounted_by: vec![c.name.clone()],
                }),
            }
        }
        containers.push(planned);
    }
    for n in &found.networks {
        if let Some(p) = networks.iter_mut().find(|p| p.name == n.name) {
            p.subnet = n.subnets.first().cloned();
            p.labels = n.labels.clone();
        }
    }
    let ports = containers.iter().flat_map(|c| c.ports.clone()).collect();
    let (r, p, n, k) = (root.to_path_buf(), project.to_string(), name.to_string(), stores.keychains.clone());
    let stored =
        tokio::task::spawn_blocking(move || k.password_stored(&r, &p, &n)).await.ok().and_then(Result::ok);
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
            keychain_service: stores.keychains.service(root, project, name),
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

fn ms(d: Option<Duration>) -> Option<u32> {
    d.map(|d| u32::try_from(d.as_millis()).unwrap_or(u32::MAX))
}

/// Command words as shown: each masked as a secret would be.
fn masked_words(policy: &SecretPolicy, words: Option<&Words>) -> Option<Vec<Rendered>> {
    words.map(|w| {
        w.expose()
            .iter()
            .map(|x| {
                let (text, masked) = policy.mask_scalar(&Scalar::plain(x.clone()));
                Rendered { shown: text, masked }
            })
            .collect()
    })
}

/// One container as the plan shows it: environment and command masked, its own networks first, its
/// region's volumes as `volume` mounts (others as `anonymous`).
fn container(
    c: &ContainerInfo,
    policy: &SecretPolicy,
    ours: &dyn Fn(&str) -> bool,
    region_volume: impl Fn(&str) -> bool,
) -> PlannedContainer {
    let env: Vec<PlannedEnv> = c
        .env
        .iter()
        .map(|(k, v)| {
            let (text, masked) = policy.mask_entry(k, &Scalar::plain(v.expose().as_str()));
            PlannedEnv { name: k.clone(), value: Rendered { shown: text, masked } }
        })
        .collect();
    let ports = c
        .ports
        .iter()
        .map(|b| PlannedPort {
            container: c.name.clone(),
            host_ip: b.host_ip.clone(),
            host_port: b.host_port,
            container_port: b.container_port,
            protocol: b.protocol.clone(),
        })
        .collect();
    let short_id: String = c.id.chars().take(12).collect();
    let mut networks: Vec<ContainerNetwork> = c
        .networks
        .iter()
        .map(|n| ContainerNetwork {
            network: n.network.clone(),
            aliases: n.aliases.iter().filter(|a| **a != short_id && **a != c.name).cloned().collect(),
        })
        .collect();
    networks.sort_by_key(|n| !ours(&n.network));
    let mounts = c
        .mounts
        .iter()
        .map(|m| {
            let kind = match m.kind.as_str() {
                "volume" if m.name.as_deref().is_some_and(&region_volume) => "volume",
                "volume" => "anonymous",
                "tmpfs" => "tmpfs",
                _ => "bind",
            };
            let source =
                if kind == "volume" || kind == "anonymous" { m.name.clone() } else { m.source.clone() };
            PlannedMount { kind: kind.into(), source, target: m.destination.clone(), read_only: m.read_only }
        })
        .collect();
    PlannedContainer {
        name: c.name.clone(),
        role: role_of(c).unwrap_or(RegionRole::Server),
        template: c.labels.get(labels::REGION_TEMPLATE).cloned().unwrap_or_default(),
        image: c.image.clone(),
        image_present: true,
        command: masked_words(policy, c.cmd.as_ref()),
        entrypoint: masked_words(policy, c.entrypoint.as_ref()),
        env,
        labels: c.labels.clone(),
        networks,
        mounts,
        ports,
        limits: Limits {
            cpus: c.limits.nano_cpus as f64 / 1e9,
            memory_mb: u32::try_from(c.limits.memory_bytes / (1024 * 1024)).unwrap_or(u32::MAX),
        },
        healthcheck: c.healthcheck.as_ref().map(|h| PlannedHealthcheck {
            test: h.test.expose().iter().map(|t| Rendered { shown: t.clone(), masked: false }).collect(),
            interval_ms: ms(h.interval),
            timeout_ms: ms(h.timeout),
            retries: h.retries.and_then(|r| u32::try_from(r).ok()),
            start_period_ms: ms(h.start_period),
        }),
        restart: c.restart.as_ref().map(|r| r.name.clone()),
        init: c.init,
        stop_grace_seconds: c.stop_timeout_s.and_then(|t| u32::try_from(t).ok()),
        user: c.user.clone(),
        working_dir: c.working_dir.clone(),
    }
}
