//! A resync: the full lists of the project's Compose and region containers, and an inspection of each.

use std::collections::HashMap;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::query_parameters::ListContainersOptions;
use bollard::Docker;
use futures_util::stream::StreamExt;

use crate::engine::client::reason;
use crate::engine::event::label_scopes;
use crate::engine::inspect::container_status;
use crate::engine::view::ContainerStatus;

/// The full lists (all states; the project's Compose containers and its region containers) and an inspection
/// of each container, `concurrency` at a time.
pub(super) async fn resync(
    docker: Docker,
    project: String,
    timeout: Duration,
    concurrency: usize,
    masker: std::sync::Arc<crate::secrets::Masker>,
) -> Result<Vec<ContainerStatus>, String> {
    let lists = label_scopes(&project).map(|labels| {
        let options = ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([("label".to_string(), labels)])),
            ..Default::default()
        };
        let d = docker.clone();
        async move { tokio::time::timeout(timeout, d.list_containers(Some(options))).await }
    });
    let mut ids: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for result in futures_util::future::join_all(lists).await {
        let list = match result {
            Err(_) => return Err(format!("listing containers: no answer within {} ms", timeout.as_millis())),
            Ok(Err(e)) => return Err(format!("listing containers failed: {}", reason(&e))),
            Ok(Ok(list)) => list,
        };
        // A region container may carry the project's Compose label too: inspect it once.
        ids.extend(list.into_iter().filter_map(|c| c.id).filter(|id| seen.insert(id.clone())));
    }
    let results: Vec<_> = futures_util::stream::iter(ids)
        .map(|id| {
            let d = docker.clone();
            async move { tokio::time::timeout(timeout, d.inspect_container(&id, None)).await }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut containers = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Err(_) => {
                return Err(format!("inspecting containers: no answer within {} ms", timeout.as_millis()))
            }
            // Removed between the list and its inspection: the destroy event follows.
            Ok(Err(BollardError::DockerResponseServerError { status_code: 404, .. })) => {}
            Ok(Err(e)) => return Err(format!("inspecting containers failed: {}", reason(&e))),
            Ok(Ok(resp)) => containers.extend(container_status(&resp, &masker)),
        }
    }
    Ok(containers)
}
