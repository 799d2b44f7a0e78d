//! Dockmaster's own engine object types: what an operation takes (specs, label filters) and returns
//! (summaries and inspections of containers, networks, volumes, images). Secret-bearing fields (environment,
//! command words, healthcheck test) are [`Sensitive`], so a `Debug` print shows none of them.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::engine::ContainerStatus;
use crate::labels;
use crate::secrets::Sensitive;

/// Labels of an engine object.
pub type Labels = BTreeMap<String, String>;

/// Words (a command, an entrypoint, a healthcheck test) that may carry a secret.
pub type Words = Sensitive<Vec<String>>;

/// Which objects a list returns: those carrying every label term (`key=value`, or just `key`). The engine
/// ANDs the terms; an empty filter matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelFilter {
    terms: Vec<(String, Option<String>)>,
}

impl LabelFilter {
    /// Every object.
    pub fn all() -> Self {
        LabelFilter::default()
    }

    /// Also: label `key` has `value`.
    pub fn is(mut self, key: &str, value: &str) -> Self {
        self.terms.push((key.to_string(), Some(value.to_string())));
        self
    }

    /// Also: label `key` is set (any value).
    pub fn has(mut self, key: &str) -> Self {
        self.terms.push((key.to_string(), None));
        self
    }

    /// Whether `labels` match (what the engine does server-side).
    pub fn matches(&self, labels: &Labels) -> bool {
        self.terms.iter().all(|(key, value)| match (labels.get(key), value) {
            (Some(found), Some(want)) => found == want,
            (Some(_), None) => true,
            (None, _) => false,
        })
    }

    /// The terms as the engine's `label` filter takes them.
    pub(crate) fn engine_terms(&self) -> Vec<String> {
        self.terms
            .iter()
            .map(|(k, v)| match v {
                Some(v) => labels::filter(k, v),
                None => k.clone(),
            })
            .collect()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// A published port of a container: `host_ip:host_port` → `container_port/protocol`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortBind {
    pub container_port: u16,
    pub protocol: String,
    pub host_ip: String,
    /// 0 when the engine picks one.
    pub host_port: u16,
}

/// A container on a network, with its extra DNS names there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAttachment {
    pub network: String,
    pub aliases: Vec<String>,
}

/// A restart policy as the engine names it: `no`, `always`, `unless-stopped`, `on-failure`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartPolicy {
    pub name: String,
    pub max_retries: Option<i64>,
}

/// CPU and memory limits (0: none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceLimits {
    pub nano_cpus: i64,
    pub memory_bytes: i64,
}

/// A container's healthcheck.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healthcheck {
    pub test: Words,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub retries: Option<i64>,
    pub start_period: Option<Duration>,
}

/// What a container is created from (everything a region container sets).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub cmd: Option<Words>,
    pub entrypoint: Option<Words>,
    pub env: Vec<(String, Sensitive<String>)>,
    pub labels: Labels,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub stop_timeout_s: Option<i64>,
    /// `source:target[:ro]` of named volumes and host paths (the engine creates a missing host folder).
    pub binds: Vec<String>,
    /// Host paths mounted with the `Mounts` API: the engine refuses a source that does not exist (nothing is
    /// created on the host).
    pub host_mounts: Vec<HostMount>,
    /// Targets of tmpfs mounts.
    pub tmpfs: Vec<String>,
    /// Targets of anonymous volumes.
    pub anonymous_volumes: Vec<String>,
    pub ports: Vec<PortBind>,
    pub healthcheck: Option<Healthcheck>,
    pub limits: ResourceLimits,
    pub init: bool,
    pub restart: Option<RestartPolicy>,
    /// The network it is created on (others are joined with [`super::EngineOps::connect_network`]).
    pub network: Option<NetworkAttachment>,
}

/// A host path bound into a container through the `Mounts` API (a missing source is refused, never created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMount {
    pub source: String,
    pub target: String,
    pub read_only: bool,
}

/// A mount of a container as it runs (inspect's `Mounts`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountInfo {
    /// `volume`, `bind`, `tmpfs`, …
    pub kind: String,
    /// The volume's name (volumes only).
    pub name: Option<String>,
    /// The host path (binds) or the volume's data folder.
    pub source: Option<String>,
    pub destination: String,
    pub read_only: bool,
}

/// A mount of a container's spec (`HostConfig.Mounts`): whether it names its source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecMount {
    pub kind: String,
    pub source: Option<String>,
    pub target: Option<String>,
}

/// One container as `inspect` has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    pub image: String,
    pub labels: Labels,
    pub env: Vec<(String, Sensitive<String>)>,
    pub cmd: Option<Words>,
    pub entrypoint: Option<Words>,
    /// State, health (probe output masked), exit code, published ports.
    pub status: ContainerStatus,
    pub mounts: Vec<MountInfo>,
    /// The spec's `Binds` (`source:target[:mode]`).
    pub binds: Vec<String>,
    pub spec_mounts: Vec<SpecMount>,
    /// The spec's port bindings.
    pub ports: Vec<PortBind>,
    /// Networks it is on, by name.
    pub networks: Vec<NetworkAttachment>,
    pub restart: Option<RestartPolicy>,
    pub limits: ResourceLimits,
    pub healthcheck: Option<Healthcheck>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub init: bool,
    pub stop_timeout_s: Option<i64>,
}

/// A port in a container list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPort {
    pub ip: Option<String>,
    pub public_port: Option<u16>,
    pub protocol: String,
}

/// One container as a list has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSummary {
    pub id: String,
    /// Its name, without the leading `/`.
    pub name: String,
    pub labels: Labels,
    pub running: bool,
    pub ports: Vec<ListedPort>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSpec {
    pub name: String,
    pub driver: String,
    pub subnet: Option<String>,
    pub labels: Labels,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkInfo {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub subnets: Vec<String>,
    pub labels: Labels,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSpec {
    pub name: String,
    pub driver: String,
    pub labels: Labels,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeInfo {
    pub name: String,
    pub driver: String,
    pub labels: Labels,
}

/// A volume's disk usage as the engine measured it (`system df`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeUsage {
    pub name: String,
    /// Bytes on disk (`None`: the engine did not measure it, e.g. a driver other than `local`).
    pub size: Option<u64>,
    /// Containers that mount it (`None`: not measured).
    pub ref_count: Option<u64>,
}

/// An image the engine has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageInfo {
    /// `sha256:…`.
    pub id: String,
    pub labels: Labels,
    /// Its `VOLUME` paths.
    pub volumes: Vec<String>,
}

/// An image as the engine lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSummary {
    /// `sha256:…`.
    pub id: String,
    /// `repo:tag` names (none for a dangling image).
    pub tags: Vec<String>,
}

/// One event the engine recorded (`docker events`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    /// Unix seconds.
    pub time: i64,
    /// `container`, `network`, `volume`, `image`…
    pub kind: String,
    /// `start`, `die`, `health_status: unhealthy`…
    pub action: String,
    /// The object's ID.
    pub id: String,
    /// Its attributes (name, image, exit code, labels).
    pub attributes: BTreeMap<String, String>,
}

/// What the engine says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineInfo {
    /// Docker's data root (`/var/lib/docker`).
    pub data_root: Option<String>,
    /// The storage driver (`overlay2`, `vfs`, …).
    pub storage_driver: Option<String>,
    /// The engine host's clock when it answered, RFC 3339 with nanoseconds.
    pub system_time: Option<String>,
    /// The engine host's operating system (`Debian GNU/Linux 12 (bookworm)`) and kernel.
    pub operating_system: Option<String>,
    pub kernel_version: Option<String>,
    /// CPUs and memory (bytes) the engine can use.
    pub cpus: Option<u32>,
    pub memory_bytes: Option<u64>,
}
