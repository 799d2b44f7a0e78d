//! Live engine state: the connection to the Docker engine and an event-driven store of the project's containers.
//!
//! [`EngineHandle::spawn`] starts the one supervisor task that owns the bollard client (`supervisor.rs`); it
//! resolves nothing itself: give it an [`Endpoint`] from [`Endpoint::resolve`]. Changes come out as
//! [`StoreUpdate`]s on a broadcast channel, the latest [`EngineSnapshot`] on a watch channel. Dropping the
//! handle stops the task.

mod backoff;
pub(crate) mod client;
pub mod endpoint;
pub mod error;
pub mod event;
pub mod inspect;
pub mod logs;
pub mod ops;
mod selection;
pub mod ssh;
pub mod stats;
pub mod store;
mod supervisor;
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};

pub use backoff::Backoff;
pub use endpoint::{Endpoint, EndpointEnv, EndpointSource, SshTarget, Transport};
pub use error::EngineError;
pub use ops::{DockerEngine, EngineOps};
pub use store::ServiceSelection;
pub use view::*;

use crate::secrets::Masker;

/// What the supervisor watches and how patiently.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The Compose project name (`com.docker.compose.project`).
    pub project: String,
    pub selection: ServiceSelection,
    pub endpoint: Endpoint,
    /// Timeout of every request that is not the event stream (connect, ping, list, inspect).
    pub probe_timeout: Duration,
    /// Liveness ping period while connected (not state polling: state comes from events).
    pub ping_interval: Duration,
    pub backoff: Backoff,
    /// Inspections in flight during a resync.
    pub inspect_concurrency: usize,
    /// How far back a re-subscription replays events at most.
    pub replay_window: Duration,
    /// Capacity of the update channel; a receiver that lags further gets `Lagged` and should re-read the
    /// snapshot.
    pub channel_capacity: usize,
    /// Masks probe output and container errors before they enter the store. Until one is given, that text
    /// is withheld (no container text is kept unmasked).
    pub masker: Arc<Masker>,
}

impl EngineConfig {
    pub fn new(project: impl Into<String>, selection: ServiceSelection, endpoint: Endpoint) -> Self {
        // An SSH connection is a handshake and a remote process: allow it more than a local socket.
        let probe_timeout =
            Duration::from_secs(if matches!(endpoint.transport, Transport::Ssh(_)) { 15 } else { 2 });
        Self {
            project: project.into(),
            selection,
            endpoint,
            probe_timeout,
            ping_interval: Duration::from_secs(3),
            backoff: Backoff::default(),
            inspect_concurrency: 16,
            replay_window: Duration::from_secs(300),
            channel_capacity: 4096,
            masker: Arc::new(Masker::withholding("the project's secrets have not been read yet")),
        }
    }

    /// The masker for probe output and container errors (see [`crate::secrets::Masker::for_project`],
    /// [`crate::secrets::gather`]).
    pub fn with_masker(mut self, masker: Arc<Masker>) -> Self {
        self.masker = masker;
        self
    }
}

/// The running supervisor. Dropping it stops the task.
pub struct EngineHandle {
    snapshot: watch::Receiver<EngineSnapshot>,
    updates: broadcast::Sender<StoreUpdate>,
    commands: mpsc::UnboundedSender<supervisor::Command>,
    task: tokio::task::JoinHandle<()>,
}

impl EngineHandle {
    /// Starts the supervisor on the current Tokio runtime. The receiver sees every update from the first
    /// (`connecting`) on.
    pub fn spawn(config: EngineConfig) -> (EngineHandle, broadcast::Receiver<StoreUpdate>) {
        let (updates, rx) = broadcast::channel(config.channel_capacity.max(16));
        let (snap_tx, snapshot) = watch::channel(EngineSnapshot {
            project: config.project.clone(),
            connection: ConnectionView::connecting(&config.endpoint.to_string()),
            synced: false,
            services: Vec::new(),
            regions: Vec::new(),
        });
        let (commands, command_rx) = mpsc::unbounded_channel();
        let sup = supervisor::Supervisor::new(config, snap_tx, updates.clone());
        let task = tokio::spawn(sup.run(command_rx));
        (EngineHandle { snapshot, updates, commands, task }, rx)
    }

    /// The latest state.
    pub fn snapshot(&self) -> EngineSnapshot {
        self.snapshot.borrow().clone()
    }

    /// The latest state as a watch channel.
    pub fn watch(&self) -> watch::Receiver<EngineSnapshot> {
        self.snapshot.clone()
    }

    /// Another receiver of updates (from now on).
    pub fn subscribe(&self) -> broadcast::Receiver<StoreUpdate> {
        self.updates.subscribe()
    }

    /// Changes which services are desired (the profile selection).
    pub fn set_selection(&self, selection: ServiceSelection) {
        let _ = self.commands.send(supervisor::Command::SetSelection(selection));
    }

    /// Replaces the masker of probe output and container errors (the project's secrets changed). Containers
    /// inspected from now on use it.
    pub fn set_masker(&self, masker: Arc<Masker>) {
        let _ = self.commands.send(supervisor::Command::SetMasker(masker));
    }

    /// The supervisor's client while connected, as engine operations ([`DockerEngine`]) for one-off reads
    /// and writes (lifecycle, regions). `None` while the engine is unavailable or the supervisor has stopped.
    pub async fn client(&self) -> Option<DockerEngine> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.commands.send(supervisor::Command::Client(tx)).ok()?;
        rx.await.ok().flatten().map(DockerEngine::new)
    }

    /// Waits for the first connection, then lends the client: the engine operations, or why the engine
    /// cannot be used now.
    pub async fn connected(&self) -> Result<DockerEngine, EngineError> {
        let snapshot = self.first_contact().await?;
        self.client().await.ok_or_else(|| EngineError::Unavailable {
            endpoint: snapshot.connection.endpoint.clone(),
            reason: snapshot.connection.reason.clone().unwrap_or_else(|| "the connection was lost".into()),
        })
    }

    /// Waits for the outcome of the first connection: the synced snapshot, or why the engine is unavailable.
    pub async fn first_contact(&self) -> Result<EngineSnapshot, EngineError> {
        let mut rx = self.snapshot.clone();
        let result = rx
            .wait_for(|s| {
                s.synced
                    || matches!(
                        s.connection.status,
                        ConnectionStatus::Unavailable | ConnectionStatus::Reconnecting
                    )
            })
            .await;
        let snap = match result {
            Ok(s) => s.clone(),
            Err(_) => self.snapshot(),
        };
        if snap.synced {
            Ok(snap)
        } else {
            Err(EngineError::Unavailable {
                endpoint: snap.connection.endpoint.clone(),
                reason: snap.connection.reason.clone().unwrap_or_else(|| "the supervisor stopped".into()),
            })
        }
    }
}

impl Drop for EngineHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One synced snapshot (connect, list, inspect), or why the engine is unavailable.
pub async fn snapshot_once(config: EngineConfig) -> Result<EngineSnapshot, EngineError> {
    let (handle, _updates) = EngineHandle::spawn(config);
    handle.first_contact().await
}

/// Nanoseconds since the Unix epoch, local clock.
pub(crate) fn now_nano() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}
