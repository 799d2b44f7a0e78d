//! The fake's engine operations: what the engine does, on the in-memory state, with injected faults.

use std::time::Duration;

use futures_util::stream::BoxStream;
use futures_util::StreamExt;

use super::inspect::info;
use super::{conflict, not_found, AfterStart, Container, FakeEngine, Op};
use crate::engine::ops::{
    ContainerInfo, ContainerSpec, ContainerSummary, EngineInfo, EngineOps, EventRecord, ImageInfo,
    ImageSummary, LabelFilter, ListedPort, NetworkAttachment, NetworkInfo, NetworkSpec, OpError, OpErrorKind,
    OpResult, TextMask, VolumeInfo, VolumeSpec, VolumeUsage,
};
use crate::engine::{Health, RunState};

impl EngineOps for FakeEngine {
    fn with_timeout(&self, _timeout: Duration) -> Self {
        self.clone()
    }

    async fn list_containers(
        &self,
        filter: &LabelFilter,
        include_stopped: bool,
    ) -> OpResult<Vec<ContainerSummary>> {
        self.run(Op::ListContainers, |s| {
            Ok(s.containers
                .iter()
                .filter(|c| {
                    filter.matches(&c.spec.labels) && (include_stopped || c.state == RunState::Running)
                })
                .map(|c| ContainerSummary {
                    id: c.id.clone(),
                    name: c.spec.name.clone(),
                    labels: c.spec.labels.clone(),
                    running: c.state == RunState::Running,
                    ports: c
                        .spec
                        .ports
                        .iter()
                        .filter(|_| c.state == RunState::Running)
                        .map(|p| ListedPort {
                            ip: Some(p.host_ip.clone()),
                            public_port: Some(p.host_port),
                            protocol: p.protocol.clone(),
                        })
                        .collect(),
                })
                .collect())
        })
    }

    async fn inspect_container(&self, id: &str, mask: TextMask<'_>) -> OpResult<ContainerInfo> {
        self.run(Op::InspectContainer, |s| Ok(info(&s.containers[s.container(id)?], mask)))
    }

    async fn create_container(&self, spec: &ContainerSpec) -> OpResult<String> {
        self.run(Op::CreateContainer, |s| {
            if s.containers.iter().any(|c| c.spec.name == spec.name) {
                return Err(conflict(format!(
                    "Conflict. The container name \"/{}\" is already in use",
                    spec.name
                )));
            }
            let Some(image) = s.images.get(&spec.image).cloned() else {
                return Err(not_found(format!("No such image: {}", spec.image)));
            };
            if let Some(n) = &spec.network {
                s.network(&n.network)?;
            }
            if let Some(m) = spec.host_mounts.iter().find(|m| !s.host_paths.contains(&m.source)) {
                return Err(OpError::new(
                    OpErrorKind::Failed,
                    format!(
                        "invalid mount config for type \"bind\": bind source path does not exist: {} (HTTP 400)",
                        m.source
                    ),
                ));
            }
            for bind in &spec.binds {
                let source = bind.split(':').next().unwrap_or_default();
                if !source.starts_with('/') {
                    s.ensure_volume(source);
                }
            }
            let bound: Vec<&str> = spec.binds.iter().filter_map(|b| b.split(':').nth(1)).collect();
            let mut targets = spec.anonymous_volumes.clone();
            targets.extend(image.volumes.iter().filter(|v| !bound.contains(&v.as_str())).cloned());
            let mut anonymous = Vec::new();
            for _ in &targets {
                let name = s.id('v');
                s.ensure_volume(&name);
                anonymous.push(name);
            }
            let id = s.id('c');
            let mut spec = spec.clone();
            spec.anonymous_volumes = targets;
            let health = if spec.healthcheck.is_some() { Health::Starting } else { Health::None };
            s.containers.push(Container {
                id: id.clone(),
                networks: spec.network.iter().cloned().collect(),
                spec,
                anonymous,
                state: RunState::Created,
                health,
                exit_code: None,
            });
            Ok(id)
        })
    }

    async fn connect_network(&self, network: &str, container: &str, aliases: &[String]) -> OpResult<()> {
        self.run(Op::ConnectNetwork, |s| {
            let n = s.network(network)?;
            let name = s.networks[n].name.clone();
            let c = s.container(container)?;
            let on = &mut s.containers[c].networks;
            if on.iter().any(|a| a.network == name) {
                return Err(conflict(format!(
                    "endpoint with name {container} already exists in network {name}"
                )));
            }
            on.push(NetworkAttachment { network: name, aliases: aliases.to_vec() });
            Ok(())
        })
    }

    async fn start_container(&self, id: &str) -> OpResult<()> {
        self.run(Op::StartContainer, |s| {
            let i = s.container(id)?;
            if s.containers[i].state == RunState::Running {
                return Err(OpError::new(OpErrorKind::NotModified, "container already started (HTTP 304)"));
            }
            let name = s.containers[i].spec.name.clone();
            let behaviour = s.after_start.get(&name).copied().unwrap_or(AfterStart::Healthy);
            let c = &mut s.containers[i];
            let checked = c.spec.healthcheck.is_some();
            (c.state, c.health, c.exit_code) = match behaviour {
                AfterStart::Healthy if checked => (RunState::Running, Health::Healthy, None),
                AfterStart::Healthy => (RunState::Running, Health::None, None),
                AfterStart::Unhealthy => (RunState::Running, Health::Unhealthy, None),
                AfterStart::Starting => (RunState::Running, Health::Starting, None),
                AfterStart::Exits(code) => (RunState::Exited, Health::None, Some(code)),
            };
            Ok(())
        })
    }

    async fn stop_container(&self, id: &str, _grace: Duration) -> OpResult<()> {
        self.run(Op::StopContainer, |s| {
            let i = s.container(id)?;
            let c = &mut s.containers[i];
            if c.state != RunState::Running {
                return Err(OpError::new(OpErrorKind::NotModified, "container already stopped (HTTP 304)"));
            }
            (c.state, c.exit_code) = (RunState::Exited, Some(0));
            Ok(())
        })
    }

    async fn remove_container(&self, id: &str, with_volumes: bool) -> OpResult<()> {
        self.run(Op::RemoveContainer, |s| {
            let i = s.container(id)?;
            let c = s.containers.remove(i);
            if with_volumes {
                for name in &c.anonymous {
                    if !s.containers.iter().any(|o| o.uses_volume(name)) {
                        s.volumes.retain(|v| &v.name != name);
                    }
                }
            }
            Ok(())
        })
    }

    async fn container_logs(&self, id: &str, _tail: usize) -> OpResult<String> {
        self.run(Op::ContainerLogs, |s| {
            let i = s.container(id)?;
            let c = &s.containers[i];
            Ok(s.logs.get(&c.id).or_else(|| s.logs.get(&c.spec.name)).cloned().unwrap_or_default())
        })
    }

    fn container_events(&self, _id: &str) -> BoxStream<'static, ()> {
        futures_util::stream::pending().boxed()
    }

    async fn list_networks(&self, filter: &LabelFilter) -> OpResult<Vec<NetworkInfo>> {
        self.run(Op::ListNetworks, |s| {
            Ok(s.networks.iter().filter(|n| filter.matches(&n.labels)).cloned().collect())
        })
    }

    async fn inspect_network(&self, name: &str) -> OpResult<NetworkInfo> {
        self.run(Op::InspectNetwork, |s| {
            let i = s.network(name)?;
            Ok(s.networks[i].clone())
        })
    }

    async fn create_network(&self, spec: &NetworkSpec) -> OpResult<String> {
        self.run(Op::CreateNetwork, |s| {
            if s.networks.iter().any(|n| n.name == spec.name) {
                return Err(conflict(format!("network with name {} already exists", spec.name)));
            }
            let id = s.id('n');
            s.networks.push(NetworkInfo {
                id: id.clone(),
                name: spec.name.clone(),
                driver: spec.driver.clone(),
                subnets: spec.subnet.iter().cloned().collect(),
                labels: spec.labels.clone(),
            });
            Ok(id)
        })
    }

    async fn remove_network(&self, id: &str) -> OpResult<()> {
        self.run(Op::RemoveNetwork, |s| {
            let i = s.network(id)?;
            let name = s.networks[i].name.clone();
            if s.containers.iter().any(|c| c.networks.iter().any(|a| a.network == name)) {
                return Err(OpError::new(
                    OpErrorKind::Failed,
                    format!("error while removing network: network {name} has active endpoints (HTTP 403)"),
                ));
            }
            s.networks.remove(i);
            Ok(())
        })
    }

    async fn list_volumes(&self, filter: &LabelFilter) -> OpResult<Vec<VolumeInfo>> {
        self.run(Op::ListVolumes, |s| {
            Ok(s.volumes.iter().filter(|v| filter.matches(&v.labels)).cloned().collect())
        })
    }

    async fn volume_users(&self, name: &str) -> OpResult<Vec<ContainerSummary>> {
        self.run(Op::ListContainers, |s| {
            Ok(s.containers
                .iter()
                .filter(|c| {
                    c.spec.binds.iter().any(|b| b.split(':').next() == Some(name))
                        || c.anonymous.iter().any(|a| a == name)
                })
                .map(|c| ContainerSummary {
                    id: c.id.clone(),
                    name: c.spec.name.clone(),
                    labels: c.spec.labels.clone(),
                    running: c.state == RunState::Running,
                    ports: Vec::new(),
                })
                .collect())
        })
    }

    async fn inspect_volume(&self, name: &str) -> OpResult<VolumeInfo> {
        self.run(Op::InspectVolume, |s| {
            s.volume(name)
                .map(|i| s.volumes[i].clone())
                .ok_or_else(|| not_found(format!("get {name}: no such volume")))
        })
    }

    async fn create_volume(&self, spec: &VolumeSpec) -> OpResult<()> {
        self.run(Op::CreateVolume, |s| {
            // Like the engine: creating a volume that exists returns it unchanged.
            if s.volume(&spec.name).is_none() {
                s.volumes.push(VolumeInfo {
                    name: spec.name.clone(),
                    driver: spec.driver.clone(),
                    labels: spec.labels.clone(),
                });
            }
            Ok(())
        })
    }

    async fn volume_sizes(&self) -> OpResult<Vec<VolumeUsage>> {
        self.run(Op::VolumeSizes, |s| {
            Ok(s.volumes
                .iter()
                .map(|v| VolumeUsage {
                    name: v.name.clone(),
                    size: s.sizes.get(&v.name).copied(),
                    ref_count: s
                        .sizes
                        .contains_key(&v.name)
                        .then(|| s.containers.iter().filter(|c| c.uses_volume(&v.name)).count() as u64),
                })
                .collect())
        })
    }

    async fn remove_volume(&self, name: &str) -> OpResult<()> {
        self.run(Op::RemoveVolume, |s| {
            let i = s.volume(name).ok_or_else(|| not_found(format!("get {name}: no such volume")))?;
            if let Some(user) = s.containers.iter().find(|c| c.uses_volume(name)) {
                return Err(conflict(format!("remove {name}: volume is in use - [{}]", user.id)));
            }
            s.volumes.remove(i);
            Ok(())
        })
    }

    async fn inspect_image(&self, name: &str) -> OpResult<ImageInfo> {
        self.run(Op::InspectImage, |s| {
            s.images.get(name).cloned().ok_or_else(|| not_found(format!("No such image: {name}")))
        })
    }

    async fn list_images(&self) -> OpResult<Vec<ImageSummary>> {
        self.run(Op::ListImages, |s| Ok(super::images::list(s)))
    }

    fn save_image(&self, name: &str) -> BoxStream<'static, OpResult<bytes::Bytes>> {
        super::images::save(self, name)
    }

    async fn load_image(
        &self,
        archive: BoxStream<'static, Result<bytes::Bytes, std::io::Error>>,
    ) -> OpResult<()> {
        super::images::load(self, archive).await
    }

    async fn info(&self) -> OpResult<EngineInfo> {
        self.run(Op::Info, |s| Ok(s.info.clone()))
    }

    /// The fake records no event history.
    async fn recent_events(&self, _filter: &LabelFilter, _since_secs: i64) -> OpResult<Vec<EventRecord>> {
        Ok(Vec::new())
    }
}
