//! Listing the project's regions and summarising one: state and health of its containers, where its
//! server answers, the request it was created from, its networks and volumes.

use std::collections::{BTreeMap, BTreeSet};

use super::{find, interrupted_of, journals, one, region_of, role_of, Found, RegionInfo, Stores};
use crate::engine::ops::{ContainerInfo, EngineOps};
use crate::engine::{ContainerStatus, Health, RunState};
use crate::labels;
use crate::region::error::RegionError;
use crate::region::gather::REQUEST_TIMEOUT;
use crate::region::plan::RegionRole;

/// The project's regions (by label), with state and health from inspect. A region whose containers are gone
/// but whose volumes were kept is listed as `notCreated`; one whose apply was interrupted is marked so (even
/// when that apply created nothing on the engine yet).
pub async fn list<E: EngineOps>(engine: &E, project: &str) -> Result<Vec<RegionInfo>, RegionError> {
    list_in(engine, &Stores::default(), project).await
}

pub(crate) async fn list_in<E: EngineOps>(
    engine: &E,
    stores: &Stores,
    project: &str,
) -> Result<Vec<RegionInfo>, RegionError> {
    let engine = &engine.with_timeout(REQUEST_TIMEOUT);
    let found = find(engine, project, None).await?;
    let (interrupted, _) = journals(stores, project)?;
    let mut by_region: BTreeMap<String, Vec<ContainerInfo>> = BTreeMap::new();
    for c in &found.containers {
        by_region.entry(region_of(&c.labels)).or_default().push(c.clone());
    }
    let mut names: BTreeSet<String> = by_region.keys().cloned().collect();
    names.extend(found.networks.iter().map(|n| region_of(&n.labels)));
    names.extend(found.volumes.iter().map(|v| region_of(&v.labels)));
    names.extend(interrupted.iter().map(|c| c.record.region.clone()));
    names.remove("");
    let mut out = Vec::new();
    for name in names {
        let containers = by_region.remove(&name).unwrap_or_default();
        let region_found = Found {
            containers,
            networks: found.networks.iter().filter(|n| region_of(&n.labels) == name).cloned().collect(),
            volumes: found.volumes.iter().filter(|v| region_of(&v.labels) == name).cloned().collect(),
        };
        let mut region = info(&name, &region_found, stores.link_host.as_deref());
        region.interrupted = interrupted
            .iter()
            .find(|c| c.record.region == name)
            .map(|c| interrupted_of(&name, &c.record, &found.volumes));
        out.push(region);
    }
    Ok(out)
}

/// One region now.
pub async fn get<E: EngineOps>(engine: &E, project: &str, name: &str) -> Result<RegionInfo, RegionError> {
    get_in(engine, &Stores::default(), project, name).await
}

pub(crate) async fn get_in<E: EngineOps>(
    engine: &E,
    stores: &Stores,
    project: &str,
    name: &str,
) -> Result<RegionInfo, RegionError> {
    let engine = &engine.with_timeout(REQUEST_TIMEOUT);
    Ok(one(engine, stores, project, name).await?.1)
}

/// The summary of region `name` from its objects (containers database first); `interrupted` is left unset.
/// `link_host`: the host name the engine's published ports are reached at (`None`: this machine).
pub(super) fn info(name: &str, found: &Found, link_host: Option<&str>) -> RegionInfo {
    let statuses: Vec<ContainerStatus> = found.containers.iter().map(|c| c.status.clone()).collect();
    let state = statuses.iter().map(|s| s.state).max().unwrap_or(RunState::NotCreated);
    let health = statuses
        .iter()
        .filter(|s| s.state == RunState::Running)
        .map(|s| s.health)
        .max()
        .unwrap_or(Health::None);
    let labels = found.containers.first().map(|c| c.labels.clone()).unwrap_or_default();
    let server = found.containers.iter().find(|c| role_of(c) == Some(RegionRole::Server));
    RegionInfo {
        name: name.to_string(),
        engine: String::new(),
        reach: super::Reach::Live,
        owner: labels.get(labels::MANAGER_OWNER).cloned(),
        state,
        health,
        server_url: server.and_then(|s| server_url(s, link_host)),
        request: labels.get(labels::REGION_REQUEST).and_then(|j| serde_json::from_str(j).ok()),
        containers: statuses,
        networks: found
            .networks
            .iter()
            .filter(|n| region_of(&n.labels) == name)
            .map(|n| n.name.clone())
            .collect(),
        volumes: found.volumes_of(name),
        interrupted: None,
    }
}

/// Where the server answers: its first published port binding; one on every interface of an engine elsewhere
/// at that engine's host name.
fn server_url(c: &ContainerInfo, link_host: Option<&str>) -> Option<String> {
    let mut found: Vec<(String, u16)> =
        c.ports.iter().filter(|b| b.host_port != 0).map(|b| (b.host_ip.clone(), b.host_port)).collect();
    found.sort();
    let (ip, port) = found.into_iter().next()?;
    let host = match ip.as_str() {
        "" | "0.0.0.0" | "::" => match link_host {
            Some(h) if h.contains(':') => format!("[{h}]"),
            Some(h) => h.to_string(),
            None => "127.0.0.1".to_string(),
        },
        ip if ip.contains(':') => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    Some(format!("http://{host}:{port}"))
}
