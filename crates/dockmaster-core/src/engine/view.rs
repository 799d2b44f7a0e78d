//! Boundary types of the live engine state: serialised for the CLI's `--json` and typed for the UI.
//!
//! No 64-bit integers here (they do not fit a TypeScript `number`): nanosecond times are decimal strings.

use serde::Serialize;

/// How Dockmaster is connected to the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ConnectionStatus {
    Connecting,
    Connected,
    Unavailable,
    Reconnecting,
}

/// The engine connection, with what the UI needs to say about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectionView {
    pub status: ConnectionStatus,
    /// The endpoint and where it came from, e.g. `unix:///var/run/docker.sock (default socket)`.
    pub endpoint: String,
    /// The negotiated API version (connected only).
    pub api_version: Option<String>,
    /// The engine's version (connected only).
    pub engine_version: Option<String>,
    /// Why the engine cannot be reached, and what to do (unavailable and reconnecting).
    pub reason: Option<String>,
    /// Reconnection attempt number (reconnecting only).
    pub attempt: Option<u32>,
    /// Milliseconds until the next attempt (reconnecting only).
    pub next_in_ms: Option<u32>,
}

impl ConnectionView {
    pub fn connecting(endpoint: &str) -> Self {
        Self::base(ConnectionStatus::Connecting, endpoint)
    }

    pub fn connected(endpoint: &str, api_version: String, engine_version: String) -> Self {
        Self {
            api_version: Some(api_version),
            engine_version: Some(engine_version),
            ..Self::base(ConnectionStatus::Connected, endpoint)
        }
    }

    pub fn unavailable(endpoint: &str, reason: String) -> Self {
        Self { reason: Some(reason), ..Self::base(ConnectionStatus::Unavailable, endpoint) }
    }

    pub fn reconnecting(endpoint: &str, attempt: u32, next_in_ms: u32, reason: String) -> Self {
        Self {
            reason: Some(reason),
            attempt: Some(attempt),
            next_in_ms: Some(next_in_ms),
            ..Self::base(ConnectionStatus::Reconnecting, endpoint)
        }
    }

    fn base(status: ConnectionStatus, endpoint: &str) -> Self {
        Self {
            status,
            endpoint: endpoint.to_string(),
            api_version: None,
            engine_version: None,
            reason: None,
            attempt: None,
            next_in_ms: None,
        }
    }
}

/// A container's (or, summarised, a service's) lifecycle state. `notCreated` is for services only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum RunState {
    // Ordered from "fine" to "worst": a service shows its worst container.
    Running,
    Created,
    Paused,
    Removing,
    Restarting,
    Exited,
    Dead,
    NotCreated,
}

/// Healthcheck status; `none` when the container has no healthcheck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Health {
    // Ordered from "fine" to "worst".
    None,
    Healthy,
    Starting,
    Unhealthy,
}

/// One healthcheck run, as the engine keeps it (the last five).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProbeResult {
    pub start: String,
    pub end: String,
    pub exit_code: i32,
    pub output: String,
}

/// A port the engine actually published (from inspect, so only while the container runs).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PublishedPort {
    pub container_port: u16,
    pub protocol: String,
    pub host_ip: String,
    pub host_port: u16,
}

/// One container of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContainerStatus {
    /// Full container ID.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// `com.docker.compose.service`; for a region container the region-manager's `service` label (else
    /// Compose's, else the container's name).
    pub service: String,
    /// The region of a region container (`dev.dockmaster.region`); `None` for the project's Compose containers.
    pub region: Option<String>,
    /// A `docker compose run` container (`com.docker.compose.oneoff=True`).
    pub one_off: bool,
    pub image: String,
    pub state: RunState,
    pub health: Health,
    /// Consecutive failed probes.
    pub failing_streak: u32,
    /// The last probe results, oldest first.
    pub health_log: Vec<ProbeResult>,
    pub restart_count: u32,
    /// Exit code of the last run (meaningful once it has exited).
    pub exit_code: Option<i32>,
    pub oom_killed: bool,
    /// The engine's error for the last start, if any.
    pub error: Option<String>,
    /// RFC 3339, when the container last started.
    pub started_at: Option<String>,
    /// RFC 3339, when the container last stopped.
    pub finished_at: Option<String>,
    pub ports: Vec<PublishedPort>,
    /// The engine names of the networks it is attached to, sorted (the network picture draws a region's
    /// containers on them).
    pub networks: Vec<String>,
}

/// One Compose service: in the selection or not, and its containers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceStatus {
    pub name: String,
    /// In the current profile selection.
    pub desired: bool,
    /// Defined in the project's Compose files (false for containers of a service the files no longer have).
    pub defined: bool,
    /// The worst state of its (non one-off) containers; `notCreated` without any.
    pub state: RunState,
    /// The worst health of its (non one-off) containers.
    pub health: Health,
    pub restart_count: u32,
    /// Exit code of the container shown in `state`, when it has exited.
    pub exit_code: Option<i32>,
    /// Every published port of its containers.
    pub ports: Vec<PublishedPort>,
    pub containers: Vec<ContainerStatus>,
}

/// One region of the project: the containers created outside Compose with Dockmaster's region labels
/// (`dev.dockmaster.region=<name>`, `dev.dockmaster.project=<project>`), summarised like a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegionStatus {
    pub name: String,
    /// The worst state of its containers; `notCreated` once it has none (the region is gone).
    pub state: RunState,
    /// The worst health of its running containers.
    pub health: Health,
    pub restart_count: u32,
    /// Exit code of the container shown in `state`, when it has exited.
    pub exit_code: Option<i32>,
    /// Every published port of its containers.
    pub ports: Vec<PublishedPort>,
    /// Its containers by name; `service` says which of the region's services each runs.
    pub containers: Vec<ContainerStatus>,
}

/// The whole live state of the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EngineSnapshot {
    pub project: String,
    pub connection: ConnectionView,
    /// True once the state was resynced from a full list since the last (re)connection; false means the
    /// services show the last known state.
    pub synced: bool,
    pub services: Vec<ServiceStatus>,
    /// The project's regions that have containers, by name.
    pub regions: Vec<RegionStatus>,
}

impl EngineSnapshot {
    /// Puts a changed service in (as the supervisor's snapshot does): a service the files do not define is
    /// listed only while it has containers.
    pub fn put_service(&mut self, service: &ServiceStatus) {
        match self.services.iter().position(|v| v.name == service.name) {
            Some(i) if !service.defined && service.containers.is_empty() => {
                self.services.remove(i);
            }
            Some(i) => self.services[i] = service.clone(),
            None => self.services.push(service.clone()),
        }
    }

    /// Puts a changed region in: a region is listed only while it has containers.
    pub fn put_region(&mut self, region: &RegionStatus) {
        match self.regions.binary_search_by(|r| r.name.cmp(&region.name)) {
            Ok(i) if region.containers.is_empty() => {
                self.regions.remove(i);
            }
            Ok(i) => self.regions[i] = region.clone(),
            Err(i) if !region.containers.is_empty() => self.regions.insert(i, region.clone()),
            Err(_) => {}
        }
    }

    /// The state after `update`, as a follower that got every update since this snapshot sees it.
    pub fn apply(&mut self, update: &StoreUpdate) {
        if let Some(snapshot) = &update.snapshot {
            *self = snapshot.clone();
            return;
        }
        if let Some(connection) = &update.connection {
            self.connection = connection.clone();
            if connection.status != ConnectionStatus::Connected {
                // The state is the last known one until the next resync.
                self.synced = false;
            }
        }
        if let Some(service) = &update.service {
            self.put_service(service);
        }
        if let Some(region) = &update.region {
            self.put_region(region);
        }
    }
}

/// What an update is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum UpdateKind {
    /// The engine connection changed (`connection` is set).
    Connection,
    /// A service changed (`service` is set).
    Service,
    /// A region changed, appeared or (state `notCreated`, no containers) disappeared (`region` is set).
    Region,
    /// A full resync finished (`snapshot` is set): the state now equals the engine's.
    Synced,
}

/// One change of the live state, as the CLI's `status --watch` prints it and the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StoreUpdate {
    /// Increases by one per update (starts at 1).
    pub seq: u32,
    pub kind: UpdateKind,
    /// What caused it: an engine event action (`die`, `health_status: unhealthy`…), `inspect`, `resync`,
    /// `selection`, or a connection step.
    pub cause: String,
    /// The container the cause is about, if any.
    pub container: Option<String>,
    /// The engine event's `timeNano` (nanoseconds since the epoch, decimal), when an event caused it.
    pub engine_time_nano: Option<String>,
    /// When Dockmaster emitted the update (nanoseconds since the epoch, decimal).
    pub emitted_at_nano: String,
    pub connection: Option<ConnectionView>,
    pub service: Option<ServiceStatus>,
    pub region: Option<RegionStatus>,
    pub snapshot: Option<EngineSnapshot>,
}
