//! The follow task: watches the live snapshot for the wanted services' containers, reads each one's log
//! stream (its own task: demultiplex, split, mask), stores the lines, and sends batches. A container whose
//! stream ended is read again once it runs again (restart, or a new container after a recreate), from the
//! last timestamp seen, dropping what was already read. Readers: `follow/reader.rs`; storing their lines
//! and sending batches: `follow/batch.rs`.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::query_parameters::LogsOptions;
use bollard::Docker;
use tokio::sync::mpsc;

use super::buffer::LogBuffer;
use super::{AbortOnDrop, EngineLink, LogBatch, LogConfig, LogLine, LogNotice, LogNoticeKind};
use crate::engine::view::{EngineSnapshot, RunState};
use crate::secrets::Masker;

mod batch;
mod reader;

use reader::{Reader, StreamMsg};

/// Chunks of lines in flight from the stream readers to the hub (back-pressure beyond).
const STREAM_CHANNEL: usize = 64;
/// How often ended streams of running containers are retried.
const TICK: Duration = Duration::from_millis(500);

enum Phase {
    /// Its reader runs (dropping the guard stops it).
    Reading(#[allow(dead_code)] AbortOnDrop),
    Ended {
        at: Instant,
    },
}

/// A container the follow knows.
struct Tracked {
    service: String,
    name: Arc<str>,
    phase: Phase,
    /// Newest timestamp read from it.
    last_ts: Option<i64>,
    /// `startedAt` when it was last attached.
    started_at: Option<String>,
    /// Lines read since the last attach.
    read_since_attach: u64,
    /// Attaches in a row that read nothing or failed (the retry backs off).
    failures: u32,
    /// It was running when last attached (so its stream ending means it stopped).
    running_at_attach: bool,
}

pub(super) struct Hub {
    link: EngineLink,
    wanted: Option<BTreeSet<String>>,
    masker: Arc<Masker>,
    config: LogConfig,
    buffer: Arc<Mutex<LogBuffer>>,
    out: mpsc::Sender<LogBatch>,
    tracked: HashMap<String, Tracked>,
    seq: u64,
    lines: Vec<LogLine>,
    notices: Vec<LogNotice>,
    dirty: bool,
    /// The first reconcile is done: containers seen later are new, read from their first line.
    started: bool,
}

impl Hub {
    pub(super) fn new(
        link: EngineLink,
        services: Vec<String>,
        masker: Arc<Masker>,
        config: LogConfig,
        buffer: Arc<Mutex<LogBuffer>>,
        out: mpsc::Sender<LogBatch>,
    ) -> Hub {
        let wanted = (!services.is_empty()).then(|| services.into_iter().collect::<BTreeSet<_>>());
        if let Some(w) = &wanted {
            let mut b = buffer.lock().unwrap_or_else(|e| e.into_inner());
            for s in w {
                b.ensure(s);
            }
        }
        Hub {
            link,
            wanted,
            masker,
            config,
            buffer,
            out,
            tracked: HashMap::new(),
            seq: 0,
            lines: Vec::new(),
            notices: Vec::new(),
            dirty: true,
            started: false,
        }
    }

    pub(super) async fn run(mut self) {
        let mut snapshots = self.link.snapshot();
        if !snapshots.borrow().synced {
            self.notice(LogNoticeKind::Waiting, None, None, waiting_message(&snapshots.borrow()));
            if !self.flush().await {
                return;
            }
            if snapshots.wait_for(|s| s.synced).await.is_err() {
                return;
            }
        }
        let (tx, mut rx) = mpsc::channel::<StreamMsg>(STREAM_CHANNEL);
        let first = snapshots.borrow_and_update().clone();
        self.reconcile(&first, &tx).await;
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut flush = tokio::time::interval(self.config.batch_interval.max(Duration::from_millis(1)));
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                changed = snapshots.changed() => {
                    if changed.is_err() {
                        // The supervisor stopped (its handle was dropped): nothing more will come.
                        let _ = self.flush().await;
                        return;
                    }
                    let snap = snapshots.borrow_and_update().clone();
                    self.reconcile(&snap, &tx).await;
                }
                Some(msg) = rx.recv() => self.on_message(msg),
                _ = tick.tick(), if self.config.follow => {
                    let snap = snapshots.borrow().clone();
                    self.reconcile(&snap, &tx).await;
                }
                _ = flush.tick() => {
                    if !self.flush().await {
                        return;
                    }
                }
            }
            if self.lines.len() >= self.config.batch_lines.max(1) && !self.flush().await {
                return;
            }
            if !self.config.follow && self.tracked.values().all(|t| matches!(t.phase, Phase::Ended { .. })) {
                // Everything there was has been read; drain what the readers sent last.
                while let Ok(msg) = rx.try_recv() {
                    self.on_message(msg);
                }
                let _ = self.flush().await;
                return;
            }
        }
    }

    fn wants(&self, service: &str) -> bool {
        self.wanted.as_ref().is_none_or(|w| w.contains(service))
    }

    /// Attaches to the wanted containers that are not being read and should be.
    async fn reconcile(&mut self, snap: &EngineSnapshot, tx: &mpsc::Sender<StreamMsg>) {
        let mut todo = Vec::new();
        let present: BTreeSet<&str> =
            snap.services.iter().flat_map(|s| &s.containers).map(|c| c.id.as_str()).collect();
        // Forget removed containers (their ids never come back).
        self.tracked.retain(|id, t| present.contains(id.as_str()) || matches!(t.phase, Phase::Reading(_)));
        for service in snap.services.iter().filter(|s| self.wants(&s.name)) {
            {
                let mut b = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
                if !service.containers.is_empty() {
                    b.ensure(&service.name);
                }
            }
            for c in service.containers.iter().filter(|c| !c.one_off) {
                let running = matches!(c.state, RunState::Running | RunState::Paused);
                let attach = match self.tracked.get(&c.id) {
                    None => self.config.follow || c.state != RunState::Created,
                    Some(t) => match &t.phase {
                        Phase::Reading(_) => false,
                        Phase::Ended { at } => {
                            self.config.follow
                                && running
                                && (t.started_at != c.started_at || at.elapsed() >= retry_delay(t.failures))
                        }
                    },
                };
                if attach {
                    todo.push(Target {
                        service: service.name.clone(),
                        id: c.id.clone(),
                        name: c.name.clone(),
                        started_at: c.started_at.clone(),
                        running,
                    });
                }
            }
        }
        let first = !self.started;
        if todo.is_empty() {
            self.started = true;
            return;
        }
        // Not connected right now: the next change or tick tries again.
        let Some(docker) = self.link.client().await.map(crate::engine::DockerEngine::into_docker) else {
            return;
        };
        for target in todo {
            self.attach(&docker, target, first, tx);
        }
        self.started = true;
    }

    fn attach(&mut self, docker: &Docker, target: Target, first: bool, tx: &mpsc::Sender<StreamMsg>) {
        let Target { service, id, name, started_at, running } = target;
        let known = self.tracked.get(&id);
        let last_ts = known.and_then(|t| t.last_ts);
        let again = known.is_some();
        // Again: everything after the last line read (the engine's `since` is whole seconds; the rest is
        // dropped by timestamp). First time: the configured tail and `since` for what existed when the follow
        // started; every line of a container that appeared later.
        let since = self.config.since_nano;
        let (since_nano, tail, keep_after) = match last_ts {
            Some(ts) => (Some(ts), None, Some(ts)),
            None if again || !first => (since, None, since.map(|s| s - 1)),
            None => (since, self.config.tail, since.map(|s| s - 1)),
        };
        let options = LogsOptions {
            follow: self.config.follow,
            stdout: true,
            stderr: true,
            since: since_nano.map_or(0, |n| i32::try_from(n.div_euclid(1_000_000_000)).unwrap_or(i32::MAX)),
            until: 0,
            timestamps: true,
            tail: tail.map_or_else(|| "all".to_string(), |t| t.to_string()),
        };
        let reader = Reader {
            docker: docker.clone(),
            id: id.clone(),
            options,
            keep_after,
            masker: self.masker.clone(),
            max_line: self.config.max_line_bytes,
            tx: tx.clone(),
        };
        let task = AbortOnDrop(tokio::spawn(reader.run()));
        if again && self.config.follow {
            self.notice(
                LogNoticeKind::Reattached,
                Some(service.clone()),
                Some(name.clone()),
                format!("{name} is running again: following its log from where it stopped"),
            );
        }
        let entry = self.tracked.entry(id).or_insert_with(|| Tracked {
            service: service.clone(),
            name: Arc::from(name.as_str()),
            phase: Phase::Ended { at: Instant::now() },
            last_ts: None,
            started_at: None,
            read_since_attach: 0,
            failures: 0,
            running_at_attach: running,
        });
        entry.name = Arc::from(name.as_str());
        entry.phase = Phase::Reading(task);
        entry.started_at = started_at;
        entry.read_since_attach = 0;
        entry.running_at_attach = running;
        self.dirty = true;
    }
}

fn waiting_message(snap: &EngineSnapshot) -> String {
    match &snap.connection.reason {
        Some(r) => format!("waiting for the Docker engine at {}: {r}", snap.connection.endpoint),
        None => format!("waiting for the Docker engine at {}", snap.connection.endpoint),
    }
}

/// A container to attach to.
struct Target {
    service: String,
    id: String,
    name: String,
    started_at: Option<String>,
    running: bool,
}

/// How long an ended stream of a (supposedly) running container waits before the next try.
fn retry_delay(failures: u32) -> Duration {
    Duration::from_millis(1000u64.saturating_mul(1u64 << failures.min(5))).min(Duration::from_secs(30))
}
