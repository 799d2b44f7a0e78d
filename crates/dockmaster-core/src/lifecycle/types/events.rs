//! Progress events: where a service is in an operation, and who saw it.

use serde::Serialize;

use super::OpKind;

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
