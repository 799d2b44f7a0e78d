//! Reads what the planner needs from the engine (networks and their subnets, containers and the host ports
//! they hold, regions, images, volumes) and the host (which ports of the range something listens on).

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::time::Duration;

use futures_util::StreamExt;

use super::error::RegionError;
use super::plan::{ExistingNetwork, ImageFacts, PlanInputs, PlanOptions};
use super::template::RegionTemplate;
use crate::engine::ops::{EngineOps, LabelFilter, TextMask};
use crate::labels;

/// Timeout of each engine request made while gathering (and managing regions).
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Inspections in flight at once.
const CONCURRENCY: usize = 16;

/// The names of the project's regions that have containers.
pub async fn region_names<E: EngineOps>(engine: &E, project: &str) -> Result<Vec<String>, RegionError> {
    let engine = engine.with_timeout(REQUEST_TIMEOUT);
    let filter = LabelFilter::all().is(labels::PROJECT, project).has(labels::REGION);
    let list = engine
        .list_containers(&filter, true)
        .await
        .map_err(|e| RegionError::engine("list the region containers", e))?;
    let names: BTreeSet<String> =
        list.iter().filter_map(|c| c.labels.get(labels::REGION)).filter(|n| !n.is_empty()).cloned().collect();
    Ok(names.into_iter().collect())
}

/// Everything but the keychain facts (`password_stored`, `secrets_known`, `keychain_service`).
pub async fn gather<E: EngineOps>(
    engine: &E,
    template: &RegionTemplate,
    options: &PlanOptions,
    local: bool,
) -> Result<PlanInputs, RegionError> {
    let engine = &engine.with_timeout(REQUEST_TIMEOUT);
    let mut inputs = PlanInputs::default();

    for n in engine
        .list_networks(&LabelFilter::all())
        .await
        .map_err(|e| RegionError::engine("list networks", e))?
    {
        inputs.networks.push(ExistingNetwork { name: n.name, subnets: n.subnets, labels: n.labels });
    }

    let containers = engine
        .list_containers(&LabelFilter::all(), true)
        .await
        .map_err(|e| RegionError::engine("list containers", e))?;
    let mut stopped = Vec::new();
    let mut regions = BTreeSet::new();
    for c in &containers {
        inputs.container_names.insert(c.name.clone());
        inputs.container_ports.extend(c.ports.iter().filter_map(|p| p.public_port));
        if c.labels.get(labels::PROJECT).map(String::as_str) == Some(template.project.as_str()) {
            if let Some(region) = c.labels.get(labels::REGION).filter(|r| !r.is_empty()) {
                regions.insert(region.clone());
            }
        }
        if !c.running {
            stopped.push(c.id.clone());
        }
    }
    inputs.regions = regions.into_iter().collect();
    // A stopped container keeps its port bindings: starting it again takes the port back (a running one
    // shows them in the list already).
    let bindings: Vec<Vec<u16>> = futures_util::stream::iter(stopped)
        .map(|id| async move {
            let Ok(c) = engine.inspect_container(&id, TextMask::OwnEnvironment).await else {
                return Vec::new();
            };
            c.ports.iter().map(|b| b.host_port).filter(|p| *p != 0).collect()
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    inputs.container_ports.extend(bindings.into_iter().flatten());

    for image in template.image_names() {
        let facts = match engine.inspect_image(&image).await {
            Ok(i) => ImageFacts { present: true, volumes: i.volumes },
            Err(e) if e.is_not_found() => ImageFacts::default(),
            Err(e) => return Err(RegionError::engine(format!("inspect the image {image}"), e)),
        };
        inputs.images.insert(image, facts);
    }

    for v in
        engine.list_volumes(&LabelFilter::all()).await.map_err(|e| RegionError::engine("list volumes", e))?
    {
        inputs.volumes.insert(v.name, v.labels);
    }

    // This machine's listeners matter only when the engine publishes ports here.
    if local {
        inputs.busy_host_ports = busy_ports(&options.host_ip, options.port_first, options.port_last);
    }
    Ok(inputs)
}

/// Ports of `first..=last` that cannot be bound now on `host_ip`, loopback or all interfaces (something
/// listens there: a container's proxy or any other process).
pub fn busy_ports(host_ip: &str, first: u16, last: u16) -> BTreeSet<u16> {
    let mut addrs: Vec<IpAddr> = vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V4(Ipv4Addr::UNSPECIFIED)];
    if let Ok(ip) = host_ip.parse::<IpAddr>() {
        if !addrs.contains(&ip) {
            addrs.push(ip);
        }
    }
    (first..=last)
        .filter(|port| addrs.iter().any(|ip| TcpListener::bind(SocketAddr::new(*ip, *port)).is_err()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listening_port_is_busy_and_a_free_one_is_not() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        assert!(busy_ports("127.0.0.1", port, port).contains(&port));
        drop(listener);
        assert!(busy_ports("127.0.0.1", port, port).is_empty());
    }
}
