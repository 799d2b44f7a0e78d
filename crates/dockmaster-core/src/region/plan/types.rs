//! The plan's types: options, the engine facts the planner reads, and the serialisable plan itself.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{DEFAULT_HOST_IP, DEFAULT_PORTS, DEFAULT_SUBNET_POOLS};
use crate::region::render::Rendered;
use crate::region::request::RegionRequest;

/// Where ports and subnets are picked from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanOptions {
    /// First host port the server may get.
    pub port_first: u16,
    /// Last host port the server may get.
    pub port_last: u16,
    /// IPv4 pools region subnets (`/24`) are taken from, in order.
    pub subnet_pools: Vec<String>,
    /// The host address the server's port is published on.
    pub host_ip: String,
    /// A standalone region, for an engine without the stack: it joins none of the stack's networks, only its own
    /// (created, labelled and removed with it like every region's), so the stack's networks need not exist there.
    #[serde(default)]
    pub standalone: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            port_first: DEFAULT_PORTS.0,
            port_last: DEFAULT_PORTS.1,
            subnet_pools: DEFAULT_SUBNET_POOLS.iter().map(|s| s.to_string()).collect(),
            host_ip: DEFAULT_HOST_IP.to_string(),
            standalone: false,
        }
    }
}

/// The engine and host as they are now: what the pure planner needs to know.
#[derive(Debug, Clone, Default)]
pub struct PlanInputs {
    /// Every network on the engine.
    pub networks: Vec<ExistingNetwork>,
    /// Every container name on the engine.
    pub container_names: BTreeSet<String>,
    /// Host ports any container publishes or will publish when started.
    pub container_ports: BTreeSet<u16>,
    /// Host ports in the planned range that something listens on now.
    pub busy_host_ports: BTreeSet<u16>,
    /// The project's existing regions.
    pub regions: Vec<String>,
    /// What the engine knows of the template's images.
    pub images: BTreeMap<String, ImageFacts>,
    /// Every volume on the engine, with its labels.
    pub volumes: BTreeMap<String, BTreeMap<String, String>>,
    /// The region's keychain namespace already holds a database password (kept from a removed region).
    pub password_stored: bool,
    /// Secret variables that will have a value when the region is applied (keychain or environment).
    pub secrets_known: BTreeSet<String>,
    /// Values of the non-secret variables a template passes through by name only (`- NAME`).
    pub env_values: BTreeMap<String, String>,
    /// The keychain service the region's password is kept under.
    pub keychain_service: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExistingNetwork {
    pub name: String,
    pub subnets: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFacts {
    pub present: bool,
    /// The image's `VOLUME` paths.
    pub volumes: Vec<String>,
}

/// Which of the region's services a container runs (the `service` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum RegionRole {
    Db,
    Server,
}

impl RegionRole {
    pub fn label(self) -> &'static str {
        match self {
            RegionRole::Db => "db",
            RegionRole::Server => "server",
        }
    }

    pub fn from_label(text: &str) -> Option<RegionRole> {
        match text {
            "db" => Some(RegionRole::Db),
            "server" => Some(RegionRole::Server),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum NetworkAction {
    /// Created for the region (and removed with it).
    Create,
    /// Exists already (the stack's network); the region's containers join it.
    Join,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum VolumeAction {
    Create,
    /// Kept from an earlier region of the same name (removed without its volumes): its data is reused.
    Reuse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SecretAction {
    /// Generated and stored in the keychain when the region is applied.
    Generate,
    /// Already in the keychain (the database in a reused volume was created with it).
    Reuse,
}

/// Everything one region creates or joins. Holds no secret: secrets are masked in `shown` and referenced
/// by name in `template`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegionPlan {
    pub region: String,
    /// The Compose project the region belongs to.
    pub project: String,
    pub request: RegionRequest,
    /// The template profile it was rendered from.
    pub template_profile: String,
    pub db_user: String,
    /// Database first, then the server (the order they are created and started in).
    pub containers: Vec<PlannedContainer>,
    pub networks: Vec<PlannedNetwork>,
    pub volumes: Vec<PlannedVolume>,
    pub ports: Vec<PlannedPort>,
    pub password: PlannedSecret,
    /// Where the server answers once applied, e.g. `http://127.0.0.1:8217`.
    pub server_url: String,
    /// The host name the server reaches its database under (from its `DATABASE_URL`).
    pub db_host: String,
    pub db_port: u16,
    /// Things to know before applying (an image that is not on the engine…).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedContainer {
    pub name: String,
    pub role: RegionRole,
    /// The template service it is rendered from.
    pub template: String,
    pub image: String,
    /// The image is on the engine now.
    pub image_present: bool,
    pub command: Option<Vec<Rendered>>,
    pub entrypoint: Option<Vec<Rendered>>,
    pub env: Vec<PlannedEnv>,
    pub labels: BTreeMap<String, String>,
    pub networks: Vec<ContainerNetwork>,
    pub mounts: Vec<PlannedMount>,
    pub ports: Vec<PlannedPort>,
    pub limits: Limits,
    pub healthcheck: Option<PlannedHealthcheck>,
    pub restart: Option<String>,
    pub init: bool,
    pub stop_grace_seconds: Option<u32>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedEnv {
    pub name: String,
    pub value: Rendered,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContainerNetwork {
    /// The network's engine name.
    pub network: String,
    /// Extra DNS names of the container on that network.
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedMount {
    /// `volume` (a named volume), `bind` (a host path), `anonymous` or `tmpfs`.
    pub kind: String,
    /// The volume's engine name or the absolute host path.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedPort {
    pub container: String,
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: String,
}

/// Resource limits of one container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Limits {
    pub cpus: f64,
    pub memory_mb: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedHealthcheck {
    pub test: Vec<Rendered>,
    pub interval_ms: Option<u32>,
    pub timeout_ms: Option<u32>,
    pub retries: Option<u32>,
    pub start_period_ms: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedNetwork {
    pub name: String,
    pub action: NetworkAction,
    /// The subnet of a network the region creates.
    pub subnet: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// The region's containers on it.
    pub containers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedVolume {
    pub name: String,
    pub action: VolumeAction,
    pub labels: BTreeMap<String, String>,
    pub mounted_by: Vec<String>,
}

/// The region's database password: never shown, only where it lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedSecret {
    /// `REGION_DB_PASSWORD`.
    pub variable: String,
    /// The keychain service (`secret-tool lookup service <this> username REGION_DB_PASSWORD`).
    pub keychain_service: String,
    pub action: SecretAction,
    /// Always the mask.
    pub shown: String,
}
