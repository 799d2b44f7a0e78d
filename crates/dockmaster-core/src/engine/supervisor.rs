//! The one task that owns the bollard client: connects, subscribes to events first, resyncs from a full
//! list + inspect, applies events as they come, pings for liveness, and reconnects with backoff when the
//! engine goes away. Every change goes to the store and out as a [`StoreUpdate`].

use std::collections::HashMap;
use std::pin::Pin;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{EventsOptions, ListContainersOptions};
use bollard::Docker;
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::Future;
use tokio::sync::{broadcast, mpsc, watch};

use super::client::{self, reason};
use super::event::{label_scopes, scope_event_filters, ContainerEvent};
use super::inspect::container_status;
use super::store::{Changed, ServiceSelection, Store};
use super::view::{ConnectionView, ContainerStatus, EngineSnapshot, StoreUpdate, UpdateKind};
use super::{now_nano, EngineConfig};

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

/// Work in flight inside the supervisor task.
enum Job {
    Inspect(String, Result<Result<Box<ContainerInspectResponse>, BollardError>, tokio::time::error::Elapsed>),
    Ping(Result<Result<String, BollardError>, tokio::time::error::Elapsed>),
}

type JobFuture = Pin<Box<dyn Future<Output = Job> + Send>>;

/// Why a container is being re-inspected (so its update carries the engine event's time).
struct Pending {
    again: bool,
    cause: String,
    time_nano: i64,
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
                    let view = ConnectionView::connected(&self.endpoint, c.api_version, c.engine_version);
                    self.set_connection(view, "connected");
                    self.docker = Some(c.docker.clone());
                    let end = self.session(c.docker, &mut commands).await;
                    self.docker = None;
                    match end {
                        SessionEnd::Stop => return,
                        SessionEnd::Lost(reason) => reason,
                    }
                }
                Err(reason) => reason,
            };
            if attempt == 0 {
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

    /// One connected session: subscribe (with `since`) to the project's Compose containers and to its region
    /// containers, resync, then follow events until the engine is lost.
    async fn session(
        &mut self,
        docker: Docker,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> SessionEnd {
        let now = now_nano();
        // Replay what happened since the last event seen (bounded), or just before this list: the subscription
        // then covers every change after the list started, whenever the request reaches the engine.
        let floor = now - i64::try_from(self.cfg.replay_window.as_nanos()).unwrap_or(i64::MAX);
        let since = self.last_event_nano.map_or(now - 1_000_000_000, |t| (t + 1).max(floor));
        let since = format!("{}.{:09}", since.div_euclid(1_000_000_000), since.rem_euclid(1_000_000_000));
        // Two subscriptions (the engine ANDs label filters), merged; either one ending ends the session.
        let subscriptions = label_scopes(&self.cfg.project).map(|labels| {
            let options = EventsOptions {
                since: Some(since.clone()),
                until: None,
                filters: Some(scope_event_filters(labels)),
            };
            docker.events(Some(options)).map(Some).chain(futures_util::stream::once(async { None })).boxed()
        });
        let mut events = futures_util::stream::select_all(subscriptions);
        let as_of = now_nano();
        let resync = resync(
            docker.clone(),
            self.cfg.project.clone(),
            self.cfg.probe_timeout,
            self.cfg.inspect_concurrency,
            self.cfg.masker.clone(),
        );
        tokio::pin!(resync);
        let mut syncing = true;
        let mut buffered: Vec<ContainerEvent> = Vec::new();
        let mut jobs: FuturesUnordered<JobFuture> = FuturesUnordered::new();
        let mut pending: HashMap<String, Pending> = HashMap::new();
        let mut ping = tokio::time::interval_at(
            tokio::time::Instant::now() + self.cfg.ping_interval,
            self.cfg.ping_interval,
        );
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        loop {
            tokio::select! {
                item = events.next() => match item.flatten() {
                    Some(Ok(msg)) => {
                        let Some(ev) = ContainerEvent::from_message(&msg) else { continue };
                        self.last_event_nano = Some(self.last_event_nano.unwrap_or(0).max(ev.time_nano));
                        if syncing {
                            buffered.push(ev);
                        } else {
                            self.on_event(ev, &docker, &mut jobs, &mut pending);
                        }
                    }
                    Some(Err(e)) => return SessionEnd::Lost(format!("the event stream failed: {}", reason(&e))),
                    None => return SessionEnd::Lost("the engine closed the event stream".to_string()),
                },
                result = &mut resync, if syncing => match result {
                    Ok(list) => {
                        syncing = false;
                        for changed in self.store.apply_snapshot(list, as_of) {
                            self.emit_change(changed, "resync", None, None);
                        }
                        for ev in buffered.drain(..) {
                            self.on_event(ev, &docker, &mut jobs, &mut pending);
                        }
                        let snapshot = self.store.snapshot();
                        self.snapshot.send_replace(snapshot.clone());
                        self.emit(UpdateKind::Synced, "resync".into(), None, None, |u| u.snapshot = Some(snapshot));
                    }
                    Err(reason) => return SessionEnd::Lost(reason),
                },
                Some(job) = jobs.next(), if !jobs.is_empty() => match job {
                    Job::Ping(Ok(Ok(_))) => {}
                    Job::Ping(Ok(Err(e))) => return SessionEnd::Lost(format!("ping failed: {}", reason(&e))),
                    Job::Ping(Err(_)) => return SessionEnd::Lost(self.no_answer("ping")),
                    Job::Inspect(id, result) => {
                        if let Err(reason) = self.on_inspect(id, result, &docker, &mut jobs, &mut pending) {
                            return SessionEnd::Lost(reason);
                        }
                    }
                },
                _ = ping.tick() => {
                    let (d, t) = (docker.clone(), self.cfg.probe_timeout);
                    jobs.push(Box::pin(async move { Job::Ping(tokio::time::timeout(t, d.ping()).await) }));
                }
                cmd = commands.recv() => match cmd {
                    Some(cmd) => self.command(cmd),
                    None => return SessionEnd::Stop,
                },
            }
        }
    }

    fn no_answer(&self, what: &str) -> String {
        format!("{what}: no answer within {} ms", self.cfg.probe_timeout.as_millis())
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

    fn on_event(
        &mut self,
        ev: ContainerEvent,
        docker: &Docker,
        jobs: &mut FuturesUnordered<JobFuture>,
        pending: &mut HashMap<String, Pending>,
    ) {
        let outcome = self.store.apply_event(&ev);
        let name = ev.name.clone().or_else(|| self.container_name(&ev.id));
        for changed in outcome.changed {
            self.emit_change(changed, &ev.raw_action, name.clone(), Some(ev.time_nano));
        }
        if outcome.reinspect {
            let cause = format!("inspect after {}", ev.raw_action);
            match pending.get_mut(&ev.id) {
                Some(p) => {
                    // The inspection in flight may predate this event: discard it and ask again.
                    p.again = true;
                    p.cause = cause;
                    p.time_nano = ev.time_nano;
                }
                None => {
                    pending.insert(ev.id.clone(), Pending { again: false, cause, time_nano: ev.time_nano });
                    jobs.push(self.inspect_job(docker, ev.id));
                }
            }
        }
    }

    fn inspect_job(&self, docker: &Docker, id: String) -> JobFuture {
        let (d, t) = (docker.clone(), self.cfg.probe_timeout);
        Box::pin(async move {
            let result =
                tokio::time::timeout(t, d.inspect_container(&id, None)).await.map(|r| r.map(Box::new));
            Job::Inspect(id, result)
        })
    }

    fn on_inspect(
        &mut self,
        id: String,
        result: Result<Result<Box<ContainerInspectResponse>, BollardError>, tokio::time::error::Elapsed>,
        docker: &Docker,
        jobs: &mut FuturesUnordered<JobFuture>,
        pending: &mut HashMap<String, Pending>,
    ) -> Result<(), String> {
        let Some(p) = pending.remove(&id) else { return Ok(()) };
        if p.again {
            pending.insert(id.clone(), Pending { again: false, ..p });
            jobs.push(self.inspect_job(docker, id));
            return Ok(());
        }
        let changed = match result {
            Err(_) => return Err(self.no_answer("inspect")),
            Ok(Err(BollardError::DockerResponseServerError { status_code: 404, .. })) => {
                self.store.remove(&id)
            }
            Ok(Err(e)) => return Err(format!("inspect failed: {}", reason(&e))),
            Ok(Ok(resp)) => match container_status(&resp, &self.cfg.masker) {
                Some(c) => self.store.apply_inspect(c),
                None => Vec::new(),
            },
        };
        for changed in changed {
            let name = self.container_name(&id).or_else(|| Some(id.chars().take(12).collect()));
            self.emit_change(changed, &p.cause, name, Some(p.time_nano));
        }
        Ok(())
    }

    fn container_name(&self, id: &str) -> Option<String> {
        let snapshot = self.snapshot.borrow();
        let services = snapshot.services.iter().flat_map(|s| &s.containers);
        let mut all = services.chain(snapshot.regions.iter().flat_map(|r| &r.containers));
        all.find(|c| c.id == id).map(|c| c.name.clone())
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

    /// Puts a changed service or region into the snapshot and sends its update.
    fn emit_change(&mut self, changed: Changed, cause: &str, container: Option<String>, time: Option<i64>) {
        match changed {
            Changed::Service(service) => {
                self.snapshot.send_modify(|s| s.put_service(&service));
                self.emit(UpdateKind::Service, cause.to_string(), container, time, |u| {
                    u.service = Some(service)
                });
            }
            Changed::Region(region) => {
                self.snapshot.send_modify(|s| s.put_region(&region));
                self.emit(UpdateKind::Region, cause.to_string(), container, time, |u| {
                    u.region = Some(region)
                });
            }
        }
    }

    fn emit(
        &mut self,
        kind: UpdateKind,
        cause: String,
        container: Option<String>,
        engine_time_nano: Option<i64>,
        fill: impl FnOnce(&mut StoreUpdate),
    ) {
        self.seq = self.seq.wrapping_add(1);
        let mut update = StoreUpdate {
            seq: self.seq,
            kind,
            cause,
            container,
            engine_time_nano: engine_time_nano.map(|t| t.to_string()),
            emitted_at_nano: now_nano().to_string(),
            connection: None,
            service: None,
            region: None,
            snapshot: None,
        };
        fill(&mut update);
        // No receiver is fine (the snapshot watch still has the state).
        let _ = self.updates.send(update);
    }
}

/// The full lists (all states; the project's Compose containers and its region containers) and an inspection
/// of each container, `concurrency` at a time.
async fn resync(
    docker: Docker,
    project: String,
    timeout: Duration,
    concurrency: usize,
    masker: std::sync::Arc<crate::secrets::Masker>,
) -> Result<Vec<ContainerStatus>, String> {
    let lists = label_scopes(&project).map(|labels| {
        let options = ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([("label".to_string(), labels)])),
            ..Default::default()
        };
        let d = docker.clone();
        async move { tokio::time::timeout(timeout, d.list_containers(Some(options))).await }
    });
    let mut ids: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for result in futures_util::future::join_all(lists).await {
        let list = match result {
            Err(_) => return Err(format!("listing containers: no answer within {} ms", timeout.as_millis())),
            Ok(Err(e)) => return Err(format!("listing containers failed: {}", reason(&e))),
            Ok(Ok(list)) => list,
        };
        // A region container may carry the project's Compose label too: inspect it once.
        ids.extend(list.into_iter().filter_map(|c| c.id).filter(|id| seen.insert(id.clone())));
    }
    let results: Vec<_> = futures_util::stream::iter(ids)
        .map(|id| {
            let d = docker.clone();
            async move { tokio::time::timeout(timeout, d.inspect_container(&id, None)).await }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut containers = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Err(_) => {
                return Err(format!("inspecting containers: no answer within {} ms", timeout.as_millis()))
            }
            // Removed between the list and its inspection: the destroy event follows.
            Ok(Err(BollardError::DockerResponseServerError { status_code: 404, .. })) => {}
            Ok(Err(e)) => return Err(format!("inspecting containers failed: {}", reason(&e))),
            Ok(Ok(resp)) => containers.extend(container_status(&resp, &masker)),
        }
    }
    Ok(containers)
}
