//! Boundary types of the lifecycle: progress events, operation results, preflight, volume plans and drift.
//!
//! Serialised for the CLI's `--json` and typed for the UI. No 64-bit integers (they do not fit a TypeScript
//! `number`), and no secret in clear: every text that may come from Compose or a container is masked first.

use serde::{Deserialize, Serialize};

use crate::engine::{Health, ProbeResult, RunState};
use crate::secrets::rules::RuleKind;

/// Which Compose implementation runs the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Flavor {
    /// `docker-compose` 1.x (Python).
    V1,
    /// `docker compose` 2.x (the Docker CLI plugin), or a `docker-compose` binary that reports 2.x.
    V2,
}

impl Flavor {
    /// `v1` / `v2` (also `1`, `2`, `compose-v1`…), as given to `--compose` or `DOCKMASTER_COMPOSE`.
    pub fn parse(text: &str) -> Option<Flavor> {
        match text.trim().to_ascii_lowercase().trim_start_matches("compose-") {
            "v1" | "1" => Some(Flavor::V1),
            "v2" | "2" => Some(Flavor::V2),
            _ => None,
        }
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Flavor::V1 => "v1",
            Flavor::V2 => "v2",
        })
    }
}

/// The Compose found for an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ComposeInfo {
    pub flavor: Flavor,
    /// What `version --short` printed, e.g. `2.26.1` or `1.29.2`.
    pub version: String,
    /// The command that runs it: `["docker", "compose"]` or `["docker-compose"]`.
    pub command: Vec<String>,
    /// Why this one: `detected`, `--compose`, or `DOCKMASTER_COMPOSE`.
    pub chosen_by: String,
}

/// A lifecycle operation (also what the window asks to run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum OpKind {
    Up,
    Stop,
    Start,
    Restart,
    Down,
    Pull,
    Build,
}

impl OpKind {
    /// The Compose subcommand (and the name the lock file records).
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Up => "up",
            OpKind::Stop => "stop",
            OpKind::Start => "start",
            OpKind::Restart => "restart",
            OpKind::Down => "down",
            OpKind::Pull => "pull",
            OpKind::Build => "build",
        }
    }
}

/// Where a service is in an operation, from Compose's output or the engine's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Phase {
    Building,
    Built,
    Pulling,
    Pulled,
    Creating,
    Created,
    Starting,
    /// Started (no healthcheck, or health not known yet).
    Running,
    /// Running, its healthcheck has not passed yet (a dependant may be waiting for it).
    Waiting,
    Healthy,
    Unhealthy,
    Failed,
    Restarting,
    Stopping,
    Stopped,
    Removing,
    Removed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Building => "building",
            Phase::Built => "built",
            Phase::Pulling => "pulling",
            Phase::Pulled => "pulled",
            Phase::Creating => "creating",
            Phase::Created => "created",
            Phase::Starting => "starting",
            Phase::Running => "running",
            Phase::Waiting => "waiting",
            Phase::Healthy => "healthy",
            Phase::Unhealthy => "unhealthy",
            Phase::Failed => "failed",
            Phase::Restarting => "restarting",
            Phase::Stopping => "stopping",
            Phase::Stopped => "stopped",
            Phase::Removing => "removing",
            Phase::Removed => "removed",
        }
    }

    /// Position on the way up (creating → healthy); `None` for phases off that path.
    pub(crate) fn up_rank(self) -> Option<u8> {
        match self {
            Phase::Creating => Some(1),
            Phase::Created => Some(2),
            Phase::Starting => Some(3),
            Phase::Running => Some(4),
            Phase::Waiting => Some(5),
            Phase::Healthy => Some(6),
            _ => None,
        }
    }
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum EventKind {
    /// The operation started: which Compose runs it (message).
    Started,
    /// The preflight ran (message: its summary); blocking problems end the operation with an error.
    Preflight,
    /// A service changed phase (`service`, `phase`).
    Phase,
    /// A `depends_on` gate: `service` waits for `waitingFor` (phase `waiting`), or may go on (phase of the
    /// dependency once it is satisfied).
    Gate,
    /// A line of Compose's output that is not a progress line (masked).
    Output,
    /// Something worth knowing that does not stop the operation.
    Warning,
    /// The operation ended (message: the outcome); the result follows as the function's return value.
    Finished,
}

/// Who observed what an event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum EventSource {
    Compose,
    Engine,
    Dockmaster,
}

/// One progress event of an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LifecycleEvent {
    /// Increases by one per event of the operation (starts at 1).
    pub seq: u32,
    /// Milliseconds since the operation started.
    pub elapsed_ms: u32,
    pub operation: OpKind,
    pub kind: EventKind,
    pub source: EventSource,
    pub service: Option<String>,
    pub container: Option<String>,
    pub phase: Option<Phase>,
    /// For a gate: the dependency `service` waits for.
    pub waiting_for: Option<String>,
    /// Human-readable, masked.
    pub message: String,
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Outcome {
    Succeeded,
    /// Compose failed, or a service became unhealthy or exited.
    Failed,
    /// Services were not healthy within the timeout.
    TimedOut,
    /// Cancelled by the caller; Compose was stopped (SIGTERM, then SIGKILL after the grace period).
    Cancelled,
}

/// Why an operation failed, with everything needed to act on it (all masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Failure {
    /// Compose's own error text, or what Dockmaster saw (e.g. "not healthy after 60 s").
    pub message: String,
    /// The service that failed, when one can be named.
    pub service: Option<String>,
    pub container: Option<String>,
    pub state: Option<RunState>,
    pub health: Option<Health>,
    /// Its last healthcheck run (output masked).
    pub probe: Option<ProbeResult>,
    /// Its last log lines (about 20, masked).
    pub logs: Vec<String>,
    /// What to do next.
    pub hint: String,
}

/// Where a service ended up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceOutcome {
    pub name: String,
    /// The last phase seen during the operation.
    pub phase: Option<Phase>,
    pub state: RunState,
    pub health: Health,
}

/// The result of one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OperationResult {
    pub operation: OpKind,
    pub project: String,
    pub profiles: Vec<String>,
    /// The services the operation was about (the selection's, or the ones asked for).
    pub services: Vec<String>,
    pub compose: ComposeInfo,
    pub outcome: Outcome,
    /// Compose's exit status (`None` when it was killed or never ran).
    pub exit_code: Option<i32>,
    pub duration_ms: u32,
    pub states: Vec<ServiceOutcome>,
    pub failure: Option<Failure>,
    /// `down --volumes`: the volumes that are gone now.
    pub removed_volumes: Vec<String>,
    /// The preflight that ran before `up` (its warnings did not block).
    pub preflight: Option<PreflightReport>,
}

/// What a preflight problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum PreflightCode {
    EngineUnavailable,
    ComposeMissing,
    PortTaken,
    VariableInvalid,
    KeychainUnavailable,
    SelectionInvalid,
    MemoryLow,
    DiskLow,
}

/// What holds a host port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum HolderKind {
    /// A container (of this project or another) publishes it.
    Container,
    /// A local process listens on it.
    Process,
    /// Binding fails but the OS does not say who holds it (another user's process, another network
    /// namespace…).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PortHolder {
    pub kind: HolderKind,
    /// e.g. `container web-1 (project shop, service web)` or `process nginx (PID 812)`.
    pub description: String,
    pub container: Option<String>,
    pub project: Option<String>,
    pub service: Option<String>,
    pub pid: Option<u32>,
    pub process: Option<String>,
}

/// One thing the preflight found, with its fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PreflightIssue {
    pub code: PreflightCode,
    pub message: String,
    /// How to fix it, naming `dockmaster` commands (the CLI's wording).
    pub fix: String,
    /// How to fix it, naming the window's buttons (the same advice).
    pub window_fix: String,
    /// What can be done about it besides reading: "Fix and start" does the automatic ones.
    pub remedy: Option<crate::secrets::fix::Remedy>,
    pub service: Option<String>,
    pub variable: Option<String>,
    /// The validation rule a variable breaks.
    pub rule: Option<RuleKind>,
    pub port: Option<u16>,
    pub holder: Option<PortHolder>,
}

/// Memory or disk: what the selection needs against what the host has (MiB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ResourceCheck {
    pub needed_mib: u32,
    pub available_mib: u32,
    /// How `needed_mib` was reckoned (declared limits/reservations, or a floor per service).
    pub basis: String,
}

/// Everything checked before `up`: blocking problems stop the start; warnings do not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PreflightReport {
    pub project: String,
    pub profiles: Vec<String>,
    /// The services checked (the ones started, dependencies included).
    pub services: Vec<String>,
    pub compose: Option<ComposeInfo>,
    /// No blocking problem.
    pub ok: bool,
    pub problems: Vec<PreflightIssue>,
    pub warnings: Vec<PreflightIssue>,
    /// Host ports checked (`host_ip:port/protocol`).
    pub ports_checked: Vec<String>,
    pub memory: Option<ResourceCheck>,
    pub disk: Option<ResourceCheck>,
}

/// What `down --volumes` would delete, exactly as Compose acts on it (see `lifecycle/volumes.rs` for the
/// rules): the declared, non-external volumes of the project's files that exist on the engine now, by their
/// engine names, plus the anonymous volumes of the project's containers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VolumePlan {
    pub project: String,
    /// The Compose version whose rules made the list (v1 also deletes declared volumes no service uses).
    pub compose: Flavor,
    /// Engine names, sorted. Pass exactly this list back to confirm.
    pub volumes: Vec<String>,
    /// One entry per volume, in `volumes` order: why it is on the list, and whether it may hold data from
    /// elsewhere.
    pub details: Vec<VolumeToDelete>,
}

/// Why a volume is on the list `down --volumes` deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum VolumeKind {
    /// Declared in the project's files (top-level `volumes:`): Compose deletes it by name, whoever made it.
    Declared,
    /// Created by the engine for one of the project's containers (`- /data`, or the image's `VOLUME`):
    /// removing the container with `-v` deletes it.
    Anonymous,
}

/// One volume `down --volumes` would delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VolumeToDelete {
    /// The engine's name.
    pub name: String,
    pub kind: VolumeKind,
    /// For a declared volume: its key in the files (`keepme` for `vt2_keepme`).
    pub declared_as: Option<String>,
    /// For an anonymous volume: the project's containers that mount it.
    pub containers: Vec<String>,
    /// Created for this project by Compose: a declared volume whose `com.docker.compose.project` label names this
    /// project, or an anonymous volume the engine made for one of the project's containers. `false`: made by
    /// hand, restored from a backup, left by another tool or another project; it may hold data from elsewhere.
    pub created_by_compose: bool,
    /// The Compose project the volume's labels name, when it has that label.
    pub labelled_project: Option<String>,
    /// Why it is on the list, e.g. "declared as `keepme`" or "anonymous volume of container `web-1`".
    pub reason: String,
    /// Set when `created_by_compose` is false: what to beware of, loudly.
    pub warning: Option<String>,
}

/// Whether a service's containers run the current configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceDrift {
    pub name: String,
    /// A running container's `com.docker.compose.config-hash` differs from the current config's hash: the
    /// next `up` recreates it.
    pub drift: bool,
    /// Running containers compared.
    pub containers: Vec<String>,
    /// The hash of the current configuration (by the Compose version that created the containers).
    pub config_hash: Option<String>,
    /// The hashes the running containers carry.
    pub container_hashes: Vec<String>,
    /// Why the comparison could not be made, if it could not.
    pub note: Option<String>,
}

/// Needs-recreate per running service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DriftReport {
    pub project: String,
    pub profiles: Vec<String>,
    pub compose: ComposeInfo,
    pub services: Vec<ServiceDrift>,
}
