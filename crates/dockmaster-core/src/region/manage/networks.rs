//! The networks the project's region containers are on, as their engine gave them (driver and subnets, from
//! the network's inspect): the network picture draws a region's own network with them and checks its subnet
//! against the stack's.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{find, region_of};
use crate::engine::ops::EngineOps;
use crate::region::error::RegionError;
use crate::region::gather::REQUEST_TIMEOUT;

/// One network a region container is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegionNetwork {
    /// Its name on the engine.
    pub name: String,
    /// The regions with a container on it, by name.
    pub regions: Vec<String>,
    /// `bridge`, `overlay`…
    pub driver: String,
    /// The subnets of its IPAM configuration: those asked for, else those the engine picked.
    pub subnets: Vec<String>,
}

/// Every network a container of the project's regions is on (stopped containers too), by name. A network
/// that is gone by the time it is inspected is left out.
pub(crate) async fn networks_in<E: EngineOps>(
    engine: &E,
    project: &str,
) -> Result<Vec<RegionNetwork>, RegionError> {
    let engine = &engine.with_timeout(REQUEST_TIMEOUT);
    let found = find(engine, project, None).await?;
    let mut on: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in &found.containers {
        for a in &c.networks {
            on.entry(a.network.clone()).or_default().insert(region_of(&c.labels));
        }
    }
    let mut out = Vec::new();
    for (name, regions) in on {
        match engine.inspect_network(&name).await {
            Ok(n) => out.push(RegionNetwork {
                name,
                regions: regions.into_iter().collect(),
                driver: n.driver,
                subnets: n.subnets,
            }),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(RegionError::engine(format!("inspect network {name}"), e)),
        }
    }
    Ok(out)
}
