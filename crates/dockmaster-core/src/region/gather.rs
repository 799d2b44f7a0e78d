//! Reads what the planner needs from the engine (networks and their subnets, containers and the host ports
//! they hold, regions, images, volumes) and the host (which ports of the range something listens on).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::time::Duration;

use bollard::models::ContainerSummaryStateEnum;
use bollard::query_parameters::{ListContainersOptions, ListNetworksOptions, ListVolumesOptions};
use bollard::Docker;
use futures_util::StreamExt;

use super::error::RegionError;
use super::plan::{ExistingNetwork, ImageFacts, PlanInputs, PlanOptions};
use super::template::RegionTemplate;
use crate::labels;

/// Timeout of each engine request made while gathering.
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Inspections in flight at once.
const CONCURRENCY: usize = 16;

/// `f` within [`REQUEST_TIMEOUT`], its failure or timeout as a [`RegionError::Engine`] about `action`.
pub(super) async fn timed<T>(
    action: &str,
    f: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<T, RegionError> {
    match tokio::time::timeout(REQUEST_TIMEOUT, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(RegionError::engine(action, &e)),
        Err(_) => Err(RegionError::Engine {
            action: action.to_string(),
            reason: format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
        }),
    }
}

/// The names of the project's regions that have containers.
pub async fn region_names(docker: &Docker, project: &str) -> Result<Vec<String>, RegionError> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![labels::filter(labels::PROJECT, project), labels::REGION.to_string()],
    )]);
    let list = timed(
        "list the region containers",
        docker.list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        })),
    )
    .await?;
    let names: BTreeSet<String> = list
        .iter()
        .filter_map(|c| c.labels.as_ref().and_then(|l| l.get(labels::REGION)).cloned())
        .filter(|n| !n.is_empty())
        .collect();
    Ok(names.into_iter().collect())
}

/// Everything but the keychain facts (`password_stored`, `secrets_known`, `keychain_service`).
pub async fn gather(
    docker: &Docker,
    template: &RegionTemplate,
    options: &PlanOptions,
) -> Result<PlanInputs, RegionError> {
    let mut inputs = PlanInputs::default();

    for n in timed("list networks", docker.list_networks(None::<ListNetworksOptions>)).await? {
        inputs.networks.push(ExistingNetwork {
            name: n.name.unwrap_or_default(),
            subnets: n
                .ipam
                .and_then(|i| i.config)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|c| c.subnet)
                .collect(),
            labels: n.labels.unwrap_or_default().into_iter().collect(),
        });
    }

    let containers = timed(
        "list containers",
        docker.list_containers(Some(ListContainersOptions { all: true, ..Default::default() })),
    )
    .await?;
    let mut stopped = Vec::new();
    let mut regions = BTreeSet::new();
    for c in &containers {
        for name in c.names.iter().flatten() {
            inputs.container_names.insert(name.trim_start_matches('/').to_string());
        }
        inputs.container_ports.extend(c.ports.iter().flatten().filter_map(|p| p.public_port));
        let labels = c.labels.clone().unwrap_or_default();
        if labels.get(labels::PROJECT).map(String::as_str) == Some(template.project.as_str()) {
            if let Some(region) = labels.get(labels::REGION).filter(|r| !r.is_empty()) {
                regions.insert(region.clone());
            }
        }
        let running = c.state == Some(ContainerSummaryStateEnum::RUNNING);
        if !running {
            if let Some(id) = c.id.clone() {
                stopped.push(id);
            }
        }
    }
    inputs.regions = regions.into_iter().collect();
    // A stopped container keeps its port bindings: starting it again takes the port back (a running one
    // shows them in the list already).
    let bindings: Vec<Vec<u16>> = futures_util::stream::iter(stopped)
        .map(|id| async move {
            let Ok(Ok(c)) = tokio::time::timeout(REQUEST_TIMEOUT, docker.inspect_container(&id, None)).await
            else {
                return Vec::new();
            };
            c.host_config
                .and_then(|h| h.port_bindings)
                .unwrap_or_default()
                .into_values()
                .flatten()
                .flatten()
                .filter_map(|b| b.host_port.and_then(|p| p.parse().ok()))
                .collect()
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    inputs.container_ports.extend(bindings.into_iter().flatten());

    for image in template.image_names() {
        let facts = match tokio::time::timeout(REQUEST_TIMEOUT, docker.inspect_image(&image)).await {
            Ok(Ok(i)) => ImageFacts {
                present: true,
                volumes: i.config.and_then(|c| c.volumes).unwrap_or_default().into_iter().collect(),
            },
            Ok(Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })) => {
                ImageFacts::default()
            }
            Ok(Err(e)) => return Err(RegionError::engine(format!("inspect the image {image}"), &e)),
            Err(_) => {
                return Err(RegionError::Engine {
                    action: format!("inspect the image {image}"),
                    reason: "no answer".into(),
                })
            }
        };
        inputs.images.insert(image, facts);
    }

    let volumes = timed("list volumes", docker.list_volumes(None::<ListVolumesOptions>)).await?;
    for v in volumes.volumes.unwrap_or_default() {
        inputs.volumes.insert(v.name, v.labels.into_iter().collect::<BTreeMap<_, _>>());
    }

    inputs.busy_host_ports = busy_ports(&options.host_ip, options.port_first, options.port_last);
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
