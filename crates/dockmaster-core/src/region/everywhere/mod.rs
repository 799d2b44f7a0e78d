//! Regions across every known engine: each engine's regions listed at the same time, each region with its
//! engine's name; an engine that cannot be listed within a short bound shows what was last seen there
//! (`seen.rs`), marked `unknown` with the reason, while the others stay live.

mod places;
mod seen;

pub(crate) use places::places_in;
pub use places::RegionPlace;

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use super::manage::{list_in, Reach, RegionInfo, Stores};
use super::plan::RegionPlan;
use crate::engine::ops::EngineOps;
use crate::engine::{Endpoint, Health, RunState, Transport};

/// How long one engine may take to be reached and listed before its regions are `unknown`.
pub const BOUND: Duration = Duration::from_secs(4);

/// One engine of a listing across engines: whether it answered, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EngineReach {
    pub engine: String,
    /// Its endpoint (`unix://…`, `tcp://…`, `ssh://…`).
    pub host: String,
    pub reach: Reach,
    /// Why its regions could not be listed (set when `unknown`), with what to do.
    pub reason: Option<String>,
}

/// The regions of every known engine.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegionsEverywhere {
    /// Every engine listed, in the order given (the session's own first).
    pub engines: Vec<EngineReach>,
    /// Their regions, engine by engine (as `engines`), each by name.
    pub regions: Vec<RegionInfo>,
}

/// An engine to list regions on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub name: String,
    /// Its endpoint, as shown.
    pub host: String,
    /// The host name its published ports are reached at from here (`None`: this machine).
    pub link_host: Option<String>,
    /// The session's own engine: apply journals written before journals named their engine count here only.
    pub home: bool,
}

/// The host name an engine's published ports are reached at from this machine: the SSH host, or the TCP
/// host when that is not loopback; `None` for a local engine (its ports are this machine's).
pub fn link_host(endpoint: &Endpoint) -> Option<String> {
    if endpoint.is_local() {
        return None;
    }
    match &endpoint.transport {
        Transport::Ssh(target) => Some(target.host.clone()),
        Transport::Tcp { addr, .. } => {
            let host = addr.rsplit_once(':').map_or(addr.as_str(), |(h, _)| h).trim_matches(['[', ']']);
            Some(host.to_string())
        }
        Transport::Unix(_) | Transport::NamedPipe(_) => None,
    }
}

/// A plan for an engine elsewhere (`link_host`: its host name): a server published on every interface is
/// linked at that host; one published on a loopback address is reachable only on that host, which a warning
/// says with the ways to reach it.
pub fn place_plan(plan: &mut RegionPlan, engine: &str, link_host: Option<&str>) {
    let Some(host) = link_host else { return };
    let Some((host_ip, port)) = plan.ports.first().map(|p| (p.host_ip.clone(), p.host_port)) else { return };
    let shown = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
    match host_ip.as_str() {
        "" | "0.0.0.0" | "::" => plan.server_url = format!("http://{shown}:{port}"),
        ip if ip == "localhost" || ip.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()) => {
            plan.warnings.push(format!(
                "the server is published on {ip}:{port} of the engine `{engine}`'s host ({host}), so only that host \
                 reaches it: from here use `ssh -L {port}:{ip}:{port} {host}` and {}, or plan the region with the \
                 host IP 0.0.0.0 to publish it on {host}'s network",
                plan.server_url
            ));
        }
        _ => {}
    }
}

/// Lists the project's regions on every engine of `places` at the same time: `connect` reaches an engine by
/// name; reaching and listing one may take `bound`, after which (or on any failure) its regions are the
/// ones last seen there, `unknown`. What each live engine showed is remembered for the next listing.
pub(crate) async fn list_across_in<E, F, Fut>(
    places: &[Place],
    connect: F,
    stores: &Stores,
    project: &str,
    bound: Duration,
) -> RegionsEverywhere
where
    E: EngineOps,
    F: Fn(&str) -> Fut,
    Fut: Future<Output = Result<E, String>>,
{
    let listings = places.iter().map(|place| {
        let mut stores = stores.clone();
        stores.no_journals = !place.home;
        stores.keychains = stores.keychains.on_engine(&place.name);
        stores.link_host.clone_from(&place.link_host);
        let connect = &connect;
        async move {
            let listed = async {
                let engine = connect(&place.name).await?;
                list_in(&engine, &stores, project).await.map_err(|e| e.to_string())
            };
            match tokio::time::timeout(bound, listed).await {
                Ok(result) => result,
                Err(_) => Err(format!(
                    "it did not answer within {} s: check that its engine runs and can be reached \
                     (`docker --context {} version`)",
                    bound.as_secs(),
                    place.name
                )),
            }
        }
    });
    let results = futures_util::future::join_all(listings).await;
    let mut memory = seen::load(stores, project);
    let before = memory.clone();
    let mut out = RegionsEverywhere { engines: Vec::new(), regions: Vec::new() };
    for (place, result) in places.iter().zip(results) {
        let (reach, reason, regions) = match result {
            Ok(regions) => {
                memory.insert(place.name.clone(), regions.iter().map(seen::Seen::of).collect());
                (Reach::Live, None, regions)
            }
            Err(reason) => {
                let known = memory.get(&place.name).cloned().unwrap_or_default();
                (Reach::Unknown, Some(reason), known.into_iter().map(unknown_region).collect())
            }
        };
        for mut region in regions {
            region.engine = place.name.clone();
            region.reach = reach;
            out.regions.push(region);
        }
        out.engines.push(EngineReach { engine: place.name.clone(), host: place.host.clone(), reach, reason });
    }
    memory.retain(|engine, _| places.iter().any(|p| &p.name == engine));
    if memory != before {
        seen::save(stores, project, &memory);
    }
    out
}

/// A region last seen on an engine that cannot be reached now: its name, owner and server, nothing live.
fn unknown_region(seen: seen::Seen) -> RegionInfo {
    RegionInfo {
        name: seen.name,
        engine: String::new(),
        reach: Reach::Unknown,
        owner: seen.owner,
        state: RunState::NotCreated,
        health: Health::None,
        server_url: seen.server_url,
        request: None,
        containers: Vec::new(),
        networks: Vec::new(),
        volumes: Vec::new(),
        interrupted: None,
    }
}

#[cfg(test)]
mod tests;
