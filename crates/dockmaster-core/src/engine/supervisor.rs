//! The one task that owns the bollard client: connects, subscribes to events first, resyncs from a full
//! list + inspect, applies events as they come, pings for liveness, and reconnects with backoff when the
//! engine goes away. Every change goes to the store and out as a [`StoreUpdate`].
//!
//! Here: the connection state machine (connect, session, backoff) and the handle's commands; one connected
//! session in `supervisor/session.rs`, the resync's lists in `supervisor/resync.rs`, publishing changes in
//! `supervisor/emit.rs`.

use bollard::Docker;
use tokio::sync::{broadcast, mpsc, watch};

use super::client;
use super::store::{ServiceSelection, Store};
use super::view::{ConnectionView, EngineSnapshot, StoreUpdate, UpdateKind};
use super::EngineConfig;

mod emit;
mod resync;
mod session;

/// Requests from the handle to the supervisor.
pub(super) enum Command {
    SetSelection(ServiceSelection),
    /// A clone of the connected client (`None` while not connected), for streams the store does not keep:
    /// logs and stats. The connection stays the supervisor's: it reconnects it, the borrower just retries.
    Client(tokio::sync::oneshot::Sender<Option<Docker>>),
    /// The project's secrets changed: mask probe output and container errors with this from now on.
    SetMasker(std::sync::Arc<crate::secrets::Masker>),
}

/// How a connected session ended.
enum SessionEnd {
    /// The engine went away (or misbehaved): reconnect.
    Lost(String),
    /// The handle was dropped: stop.
    Stop,
}

pub(super) struct Supervisor {
    cfg: EngineConfig,
    endpoint: String,
    store: Store,
    snapshot: watch::Sender<EngineSnapshot>,
    updates: broadcast::Sender<StoreUpdate>,
    seq: u32,
    last_event_nano: Option<i64>,
    /// The client of the current session (`None` between sessions).
    docker: Option<Docker>,
}

impl Supervisor {
    pub(super) fn new(
        cfg: EngineConfig,
        snapshot: watch::Sender<EngineSnapshot>,
        updates: broadcast::Sender<StoreUpdate>,
    ) -> Self {
        let endpoint = cfg.endpoint.to_string();
        let store = Store::new(&cfg.project, cfg.selection.clone(), ConnectionView::connecting(&endpoint));
        snapshot.send_replace(store.snapshot());
        Self { cfg, endpoint, store, snapshot, updates, seq: 0, last_event_nano: None, docker: None }
    }

    pub(super) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut attempt: u32 = 0;
        loop {
            let lost = match client::connect(&self.cfg.endpoint, self.cfg.probe_timeout).await {
                Ok(c) => {
                    attempt = 0;
                    tracing::info!(
                        endpoint = %self.cfg.masker.mask_str(&self.endpoint),
                        engine = %c.engine_version,
                        api = %c.api_version,
                        "engine connected"
                    );
                    let view = ConnectionView::connected(&self.endpoint, c.api_version, c.engine_version);
                    self.set_connection(view, "connected");
                    self.docker = Some(c.docker.clone());
                    let end = self.session(c.docker, &mut commands).await;
                    self.docker = None;
                    match end {
                        SessionEnd::Stop => {
                            tracing::debug!(endpoint = %self.cfg.masker.mask_str(&self.endpoint), "engine watch stopped");
                            return;
                        }
                        SessionEnd::Lost(reason) => reason,
                    }
                }
                Err(reason) => reason,
            };
            if attempt == 0 {
                tracing::warn!(
                    endpoint = %self.cfg.masker.mask_str(&self.endpoint),
                    reason = %self.cfg.masker.mask_str(&lost),
                    "engine unavailable"
                );
                self.set_connection(ConnectionView::unavailable(&self.endpoint, lost.clone()), "unavailable");
            }
            attempt = attempt.saturating_add(1);
            let delay = self.cfg.backoff.delay(attempt);
            let next_in_ms = u32::try_from(delay.as_millis()).unwrap_or(u32::MAX);
            let view = ConnectionView::reconnecting(&self.endpoint, attempt, next_in_ms, lost);
            self.set_connection(view, "reconnecting");
            let sleep = tokio::time::sleep(delay);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    _ = &mut sleep => break,
                    cmd = commands.recv() => match cmd {
                        Some(cmd) => self.command(cmd),
                        None => return,
                    },
                }
            }
        }
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::SetSelection(selection) => {
                for changed in self.store.set_selection(selection) {
                    self.emit_change(changed, "selection", None, None);
                }
            }
            Command::Client(reply) => {
                let _ = reply.send(self.docker.clone());
            }
            Command::SetMasker(masker) => self.cfg.masker = masker,
        }
    }

    fn set_connection(&mut self, view: ConnectionView, cause: &str) {
        if !self.store.set_connection(view.clone()) {
            return;
        }
        let synced = self.store.synced();
        self.snapshot.send_modify(|s| {
            s.connection = view.clone();
            s.synced = synced;
        });
        self.emit(UpdateKind::Connection, cause.to_string(), None, None, |u| u.connection = Some(view));
    }
}
