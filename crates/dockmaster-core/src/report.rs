//! Boundary types: what the CLI prints as JSON and what the desktop app receives over IPC.
//!
//! Secret-looking values are already masked here; nothing in these types holds a secret in clear.

use serde::Serialize;

/// What the panel knows about a project before anything runs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProjectOverview {
    /// Absolute path of the project folder.
    pub root: String,
    /// The Compose project name (`-p`), derived as Compose derives it.
    pub name: String,
    /// The base Compose files (before per-profile extras), relative to `root`.
    pub compose_files: Vec<String>,
    /// The `.env` file used for interpolation, if any.
    pub env_file: Option<String>,
    /// The stack descriptor in use (built in, or the project's own `.dockmaster.toml`).
    pub stack: Option<StackInfo>,
    pub profiles: Vec<ProfileInfo>,
    /// The selection to start with: `COMPOSE_PROFILES`, else the descriptor's default.
    pub default_selection: Vec<String>,
    /// Services that belong to no profile and so always start.
    pub always_on: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StackInfo {
    pub id: String,
    pub name: String,
    /// Where the descriptor came from: `built-in` or a file path.
    pub origin: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProfileInfo {
    pub name: String,
    pub description: Option<String>,
    pub use_case: Option<String>,
    /// A template the stack clones (e.g. `regional-template`); never started directly.
    pub template: bool,
    /// Other profile names that select the same services (e.g. `default` for `development`).
    pub aliases: Vec<String>,
    /// Services that carry this profile (or one of its aliases).
    pub services: Vec<String>,
    /// Extra Compose files merged over the base when this profile is selected.
    pub extra_files: Vec<String>,
}

/// Everything the panel shows for one profile selection.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SelectionReport {
    pub project: String,
    pub profiles: Vec<String>,
    /// The Compose files in merge order, relative to the project root (`-f` arguments).
    pub compose_files: Vec<String>,
    pub services: Vec<ServiceView>,
    pub networks: Vec<NetworkView>,
    pub volumes: Vec<VolumeView>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceView {
    pub name: String,
    pub image: Option<String>,
    pub build: Option<BuildView>,
    pub container_name: Option<String>,
    pub profiles: Vec<String>,
    pub ports: Vec<PortBinding>,
    pub networks: Vec<String>,
    pub mounts: Vec<MountView>,
    pub healthcheck: Option<HealthcheckView>,
    pub depends_on: Vec<DependencyView>,
    pub environment: Vec<EnvVarView>,
    /// Why this service reaches beyond its container (Docker socket, privileged mode, host network…).
    pub privileged: Vec<String>,
    pub restart: Option<String>,
    /// The database or cache client the stack descriptor names for this service (`psql`, `redis-cli`), by its
    /// name or its image: the window offers it beside the service's shell.
    pub client: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BuildView {
    pub context: String,
    pub dockerfile: Option<String>,
    pub target: Option<String>,
    pub args: Vec<EnvVarView>,
}

/// One published (or exposed-only) container port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PortBinding {
    /// `None` means all interfaces.
    pub host_ip: Option<String>,
    /// `None` means an ephemeral port chosen by the engine.
    pub host_port: Option<u16>,
    /// End of a host port range when Compose picks one port of it (`8000-8005:80`).
    pub host_port_end: Option<u16>,
    pub container_port: u16,
    pub protocol: String,
    /// The variable that sets the host port (e.g. `GAMESERVER_PORT`), to tell the user what moves it.
    pub variable: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum MountKind {
    Volume,
    Bind,
    Anonymous,
    Tmpfs,
    Npipe,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MountView {
    pub kind: MountKind,
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HealthcheckView {
    /// The probe as Compose runs it, e.g. `["CMD-SHELL", "pg_isready -U postgres"]`; secrets masked.
    pub test: Vec<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    pub start_period: Option<String>,
    pub disabled: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DependencyView {
    pub service: String,
    /// `service_started`, `service_healthy` or `service_completed_successfully`.
    pub condition: String,
    /// When false, Compose starts without the dependency if it is not part of the selection.
    pub required: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EnvVarView {
    pub name: String,
    /// The value after substitution, with secret parts replaced by `••••••`. `None`: taken from the
    /// environment at run time and not set now.
    pub value: Option<String>,
    /// Some or all of the value is hidden because it is (or contains) a secret.
    pub masked: bool,
    /// The project variables its value is made of (`GRAFANA_PASSWORD` for
    /// `GF_SECURITY_ADMIN_PASSWORD=${GRAFANA_PASSWORD:-…}`), in order, each once: what the window reveals or
    /// edits for it.
    pub variables: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NetworkView {
    /// The key in the Compose file.
    pub name: String,
    /// The engine's name for it (`<project>_<name>` unless `name:` or `external` says otherwise).
    pub engine_name: String,
    pub driver: String,
    pub subnets: Vec<String>,
    pub external: bool,
    /// Active services attached to it.
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VolumeView {
    pub name: String,
    pub engine_name: String,
    pub driver: String,
    pub external: bool,
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Severity {
    /// Compose will refuse the selection, or it cannot work as written.
    Error,
    /// It will start, but probably not as intended.
    Warning,
    /// Worth knowing (e.g. a privileged mount).
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum WarningCode {
    DanglingDependsOn,
    UndefinedService,
    PortConflict,
    RequiredVariableUnset,
    UnsetVariable,
    SubnetOverlap,
    UnknownProfile,
    TemplateProfileSelected,
    UndefinedNetwork,
    UndefinedVolume,
    InvalidEntry,
    MissingExtraFile,
    PrivilegedMount,
    EmptySelection,
    /// A secret variable is interpolated into `command:`, `entrypoint:` or a healthcheck `test:`: its value
    /// is in the container's argv (`ps`, `docker inspect`).
    SecretInCommand,
}

/// A problem found statically, before anything runs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Warning {
    pub code: WarningCode,
    pub severity: Severity,
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    pub services: Vec<String>,
    pub variables: Vec<String>,
}
