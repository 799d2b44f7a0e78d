//! [`DockerEngine`]: the engine operations over the supervisor's lent bollard client, each within the
//! handle's timeout.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use bollard::container::LogOutput;
use bollard::models::{Ipam, IpamConfig, NetworkConnectRequest, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptionsBuilder, EventsOptions, ImportImageOptions,
    InspectNetworkOptions, ListContainersOptions, ListImagesOptions, ListNetworksOptions, ListVolumesOptions,
    LogsOptions, RemoveContainerOptions, RemoveVolumeOptions, StopContainerOptions,
};
use bollard::Docker;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};

use super::convert::{container_info, container_summary, create_body, endpoint, op_error};
use super::{
    ContainerInfo, ContainerSpec, ContainerSummary, EngineInfo, EngineOps, EventRecord, ImageInfo,
    ImageSummary, LabelFilter, NetworkInfo, NetworkSpec, OpError, OpErrorKind, OpResult, TextMask,
    VolumeInfo, VolumeSpec, VolumeUsage,
};

/// The engine through the supervisor's connected client (see [`crate::engine::EngineHandle::client`]).
/// Cloning is cheap and shares the connection; the supervisor stays its only owner (it reconnects, this
/// handle does not).
#[derive(Clone)]
pub struct DockerEngine {
    docker: Docker,
    timeout: Duration,
}

impl std::fmt::Debug for DockerEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerEngine").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl DockerEngine {
    /// The timeout of each request unless [`EngineOps::with_timeout`] says otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    pub(crate) fn new(docker: Docker) -> Self {
        DockerEngine { docker, timeout: Self::DEFAULT_TIMEOUT }
    }

    /// Connects to `endpoint` on its own, outside any supervisor (the one-shot commands: `dockmaster demo image`):
    /// the error says what is wrong and how to start the engine.
    pub async fn connect(endpoint: &crate::engine::Endpoint, timeout: Duration) -> Result<Self, String> {
        let connected = crate::engine::client::connect(endpoint, timeout).await?;
        Ok(DockerEngine::new(connected.docker))
    }

    /// Imports a root file system archive as `repo:tag` (`docker import`), applying the Dockerfile
    /// instructions in `changes`; `archive` is streamed to the engine as it is read, so whoever feeds it can
    /// count progress. Finishes when the engine has tagged the image.
    pub async fn import_image(
        &self,
        repo: &str,
        tag: &str,
        changes: Vec<String>,
        archive: impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static,
    ) -> OpResult<()> {
        let options =
            CreateImageOptionsBuilder::default().from_src("-").repo(repo).tag(tag).changes(changes).build();
        let run = async {
            let mut replies =
                self.docker.create_image(Some(options), Some(bollard::body_try_stream(archive)), None);
            while let Some(reply) = replies.next().await {
                reply?;
            }
            Ok(())
        };
        self.call(run).await
    }

    /// The bollard client, for the engine module's own streams (logs, stats).
    pub(crate) fn into_docker(self) -> Docker {
        self.docker
    }

    /// The timeout of each request.
    pub(super) fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn timed<T>(
        &self,
        timeout: Duration,
        f: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> OpResult<T> {
        match tokio::time::timeout(timeout, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(op_error(&e)),
            Err(_) => Err(OpError::timed_out(timeout)),
        }
    }

    async fn call<T>(&self, f: impl Future<Output = Result<T, bollard::errors::Error>>) -> OpResult<T> {
        self.timed(self.timeout, f).await
    }
}

/// The bound of one image transfer (save or load) as a whole; the copy bounds each chunk's wait itself.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

fn label_filters(filter: &LabelFilter) -> Option<HashMap<String, Vec<String>>> {
    (!filter.is_empty()).then(|| HashMap::from([("label".to_string(), filter.engine_terms())]))
}

impl EngineOps for DockerEngine {
    fn with_timeout(&self, timeout: Duration) -> Self {
        DockerEngine { docker: self.docker.clone(), timeout }
    }

    async fn list_containers(
        &self,
        filter: &LabelFilter,
        include_stopped: bool,
    ) -> OpResult<Vec<ContainerSummary>> {
        let options = ListContainersOptions {
            all: include_stopped,
            filters: label_filters(filter),
            ..Default::default()
        };
        let list = self.call(self.docker.list_containers(Some(options))).await?;
        Ok(list.into_iter().map(container_summary).collect())
    }

    async fn inspect_container(&self, id: &str, mask: TextMask<'_>) -> OpResult<ContainerInfo> {
        let c = self.call(self.docker.inspect_container(id, None)).await?;
        container_info(&c, mask).ok_or_else(|| {
            OpError::new(OpErrorKind::Failed, format!("the engine returned no container for {id}"))
        })
    }

    async fn create_container(&self, spec: &ContainerSpec) -> OpResult<String> {
        let options = CreateContainerOptions { name: Some(spec.name.clone()), ..Default::default() };
        Ok(self.call(self.docker.create_container(Some(options), create_body(spec))).await?.id)
    }

    async fn connect_network(&self, network: &str, container: &str, aliases: &[String]) -> OpResult<()> {
        let request = NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(endpoint(aliases)),
        };
        self.call(self.docker.connect_network(network, request)).await
    }

    async fn start_container(&self, id: &str) -> OpResult<()> {
        self.call(self.docker.start_container(id, None)).await
    }

    async fn stop_container(&self, id: &str, grace: Duration) -> OpResult<()> {
        let seconds = i32::try_from(grace.as_secs()).unwrap_or(i32::MAX);
        let options = StopContainerOptions { t: Some(seconds), ..Default::default() };
        self.timed(self.timeout + grace, self.docker.stop_container(id, Some(options))).await
    }

    async fn remove_container(&self, id: &str, with_volumes: bool) -> OpResult<()> {
        let options = RemoveContainerOptions { force: true, v: with_volumes, ..Default::default() };
        self.call(self.docker.remove_container(id, Some(options))).await
    }

    async fn container_logs(&self, id: &str, tail: usize) -> OpResult<String> {
        let options =
            LogsOptions { stdout: true, stderr: true, tail: tail.to_string(), ..Default::default() };
        let read = async {
            let mut stream = self.docker.logs(id, Some(options));
            let mut text = String::new();
            while let Some(item) = stream.next().await {
                match item {
                    Ok(
                        LogOutput::StdOut { message }
                        | LogOutput::StdErr { message }
                        | LogOutput::Console { message }
                        | LogOutput::StdIn { message },
                    ) => text.push_str(&String::from_utf8_lossy(&message)),
                    Err(e) if text.is_empty() => return Err(e),
                    Err(_) => break,
                }
            }
            Ok(text)
        };
        self.call(read).await
    }

    fn container_events(&self, id: &str) -> BoxStream<'static, ()> {
        let filters = HashMap::from([
            ("type".to_string(), vec!["container".to_string()]),
            ("container".to_string(), vec![id.to_string()]),
        ]);
        self.docker
            .events(Some(EventsOptions { filters: Some(filters), ..Default::default() }))
            .take_while(|e| std::future::ready(e.is_ok()))
            .map(|_| ())
            .boxed()
    }

    async fn list_networks(&self, filter: &LabelFilter) -> OpResult<Vec<NetworkInfo>> {
        let options = ListNetworksOptions { filters: label_filters(filter) };
        let list = self.call(self.docker.list_networks(Some(options))).await?;
        Ok(list.into_iter().map(|n| network_info(n.id, n.name, n.driver, n.ipam, n.labels)).collect())
    }

    async fn inspect_network(&self, name: &str) -> OpResult<NetworkInfo> {
        let n = self.call(self.docker.inspect_network(name, None::<InspectNetworkOptions>)).await?;
        Ok(network_info(n.id, n.name, n.driver, n.ipam, n.labels))
    }

    async fn create_network(&self, spec: &NetworkSpec) -> OpResult<String> {
        let request = NetworkCreateRequest {
            name: spec.name.clone(),
            driver: Some(spec.driver.clone()),
            ipam: spec.subnet.as_ref().map(|subnet| Ipam {
                config: Some(vec![IpamConfig { subnet: Some(subnet.clone()), ..Default::default() }]),
                ..Default::default()
            }),
            labels: Some(spec.labels.clone().into_iter().collect()),
            ..Default::default()
        };
        Ok(self.call(self.docker.create_network(request)).await?.id)
    }

    async fn remove_network(&self, id: &str) -> OpResult<()> {
        self.call(self.docker.remove_network(id)).await
    }

    async fn list_volumes(&self, filter: &LabelFilter) -> OpResult<Vec<VolumeInfo>> {
        let options = ListVolumesOptions { filters: label_filters(filter) };
        let list = self.call(self.docker.list_volumes(Some(options))).await?;
        Ok(list
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| VolumeInfo { name: v.name, driver: v.driver, labels: v.labels.into_iter().collect() })
            .collect())
    }

    async fn volume_users(&self, name: &str) -> OpResult<Vec<ContainerSummary>> {
        let filters = HashMap::from([("volume".to_string(), vec![name.to_string()])]);
        let options = ListContainersOptions { all: true, filters: Some(filters), ..Default::default() };
        let list = self.call(self.docker.list_containers(Some(options))).await?;
        Ok(list.into_iter().map(container_summary).collect())
    }

    async fn inspect_volume(&self, name: &str) -> OpResult<VolumeInfo> {
        let v = self.call(self.docker.inspect_volume(name)).await?;
        Ok(VolumeInfo { name: v.name, driver: v.driver, labels: v.labels.into_iter().collect() })
    }

    async fn create_volume(&self, spec: &VolumeSpec) -> OpResult<()> {
        let request = VolumeCreateRequest {
            name: Some(spec.name.clone()),
            driver: Some(spec.driver.clone()),
            labels: Some(spec.labels.clone().into_iter().collect()),
            ..Default::default()
        };
        self.call(self.docker.create_volume(request)).await.map(|_| ())
    }

    async fn volume_sizes(&self) -> OpResult<Vec<VolumeUsage>> {
        let body = self.call(super::disk_usage::request(&self.docker)).await?;
        super::disk_usage::parse(&body)
    }

    async fn remove_volume(&self, name: &str) -> OpResult<()> {
        self.call(self.docker.remove_volume(name, Some(RemoveVolumeOptions { force: false }))).await
    }

    async fn inspect_image(&self, name: &str) -> OpResult<ImageInfo> {
        let image = self.call(self.docker.inspect_image(name)).await?;
        let config = image.config.unwrap_or_default();
        Ok(ImageInfo {
            id: image.id.unwrap_or_default(),
            labels: config.labels.unwrap_or_default().into_iter().collect(),
            volumes: config.volumes.unwrap_or_default(),
        })
    }

    async fn list_images(&self) -> OpResult<Vec<ImageSummary>> {
        let options = ListImagesOptions { all: false, ..Default::default() };
        let list = self.call(self.docker.list_images(Some(options))).await?;
        Ok(list.into_iter().map(|i| ImageSummary { id: i.id, tags: i.repo_tags }).collect())
    }

    fn save_image(&self, name: &str) -> BoxStream<'static, OpResult<bytes::Bytes>> {
        // No request timeout: a large image takes long; the caller bounds the wait for each chunk.
        let docker = self.docker.clone().with_timeout(TRANSFER_TIMEOUT);
        docker.export_image(name).map(|chunk| chunk.map_err(|e| op_error(&e))).boxed()
    }

    async fn load_image(
        &self,
        archive: BoxStream<'static, Result<bytes::Bytes, std::io::Error>>,
    ) -> OpResult<()> {
        let options = ImportImageOptions { quiet: true, ..Default::default() };
        let docker = self.docker.clone().with_timeout(TRANSFER_TIMEOUT);
        let mut replies = docker.import_image_stream(options, archive, None);
        while let Some(reply) = replies.next().await {
            let info = reply.map_err(|e| op_error(&e))?;
            if let Some(message) = info.error_detail.and_then(|d| d.message) {
                return Err(OpError::new(OpErrorKind::Failed, message));
            }
        }
        Ok(())
    }

    async fn info(&self) -> OpResult<EngineInfo> {
        let info = self.call(self.docker.info()).await?;
        Ok(EngineInfo {
            data_root: info.docker_root_dir,
            storage_driver: info.driver,
            system_time: info.system_time,
            operating_system: info.operating_system,
            kernel_version: info.kernel_version,
            cpus: info.ncpu.and_then(|n| u32::try_from(n).ok()),
            memory_bytes: info.mem_total.and_then(|n| u64::try_from(n).ok()),
        })
    }

    async fn recent_events(&self, filter: &LabelFilter, since_secs: i64) -> OpResult<Vec<EventRecord>> {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let options = EventsOptions {
            since: Some(since_secs.to_string()),
            until: Some(now.to_string()),
            filters: label_filters(filter),
        };
        let events: Vec<_> = self.call(self.docker.events(Some(options)).try_collect::<Vec<_>>()).await?;
        Ok(events
            .into_iter()
            .map(|e| {
                let actor = e.actor.unwrap_or_default();
                EventRecord {
                    time: e.time.unwrap_or_default(),
                    kind: e.typ.map(|t| t.to_string()).unwrap_or_default(),
                    action: e.action.unwrap_or_default(),
                    id: actor.id.unwrap_or_default(),
                    attributes: actor.attributes.unwrap_or_default().into_iter().collect(),
                }
            })
            .collect())
    }
}

/// A network as a list or an inspect has it: the subnets of its IPAM configuration (those the engine picked
/// when none was asked for).
fn network_info(
    id: Option<String>,
    name: Option<String>,
    driver: Option<String>,
    ipam: Option<Ipam>,
    labels: Option<HashMap<String, String>>,
) -> NetworkInfo {
    NetworkInfo {
        id: id.unwrap_or_default(),
        name: name.unwrap_or_default(),
        driver: driver.unwrap_or_default(),
        subnets: ipam
            .and_then(|i| i.config)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| c.subnet)
            .collect(),
        labels: labels.unwrap_or_default().into_iter().collect(),
    }
}
