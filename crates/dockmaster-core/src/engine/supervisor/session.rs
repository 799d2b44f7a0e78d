//! One connected session: subscribe to the project's events (with `since`), resync from the full lists,
//! then apply events as they come, re-inspect what they touch, and ping for liveness until the engine is lost.

use std::collections::HashMap;
use std::pin::Pin;

use bollard::errors::Error as BollardError;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::EventsOptions;
use bollard::Docker;
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::Future;
use tokio::sync::mpsc;

use super::resync::resync;
use super::{Command, SessionEnd, Supervisor};
use crate::engine::client::reason;
use crate::engine::event::{label_scopes, scope_event_filters, ContainerEvent};
use crate::engine::inspect::container_status;
use crate::engine::now_nano;
use crate::engine::view::UpdateKind;

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

impl Supervisor {
    /// One connected session: subscribe (with `since`) to the project's Compose containers and to its region
    /// containers, resync, then follow events until the engine is lost.
    pub(super) async fn session(
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
        let sync_started = std::time::Instant::now();
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
                        tracing::debug!(
                            containers = snapshot.services.iter().map(|s| s.containers.len()).sum::<usize>(),
                            ms = sync_started.elapsed().as_millis(),
                            "engine state synced"
                        );
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
}
