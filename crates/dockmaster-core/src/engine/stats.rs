//! Resource usage for the dashboard: CPU and memory of the running containers of the services on screen (the
//! engine's stats streams, through the supervisor's lent client) and the host's CPU, memory and disk (sysinfo).
//!
//! A [`StatsWatcher`] opens one stats stream per running container of the services it is told are visible and
//! closes it as soon as the service leaves the view or the container stops; which containers run comes from the
//! supervisor's snapshot, never from a list request of its own. Host usage is sampled every
//! [`StatsConfig::host_interval`] while the watcher lives. Dropping the watcher stops every stream.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use bollard::Docker;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;

use super::supervisor::Command;
use super::view::{ConnectionStatus, EngineSnapshot, RunState};
use super::EngineHandle;

/// CPU and memory of one running container, from one sample of the engine's stats stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContainerUsage {
    /// Full container ID.
    pub id: String,
    /// Container name without the leading `/`.
    pub name: String,
    /// The Compose service it belongs to.
    pub service: String,
    /// Percent of one CPU (100 = one core busy, as `docker stats` shows it); `None` until the engine has two
    /// samples to compare.
    pub cpu_percent: Option<f64>,
    /// Memory in use without the page cache, in bytes (as `docker stats` computes it).
    pub memory_bytes: f64,
    /// The container's memory limit in bytes (the host's memory when it has none).
    pub memory_limit_bytes: f64,
}

/// The host's CPU, memory, and the disk that holds Docker's data (or `/`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HostUsage {
    /// Average over all cores, 0–100.
    pub cpu_percent: f64,
    pub cpu_count: u32,
    pub memory_used_bytes: f64,
    pub memory_total_bytes: f64,
    /// The mount point of the disk measured.
    pub disk_mount: String,
    /// The folder the disk was chosen for (Docker's data root when the engine is local, else `/`).
    pub disk_for: String,
    pub disk_used_bytes: f64,
    pub disk_total_bytes: f64,
}

/// One message of a stats stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum StatsUpdate {
    /// A new sample of one container.
    Container(ContainerUsage),
    /// The container's stream closed (it stopped, or its service left the view): forget its numbers.
    Stopped { id: String, service: String },
    /// A new sample of the host.
    Host(HostUsage),
}

/// How often the host is sampled.
#[derive(Debug, Clone)]
pub struct StatsConfig {
    pub host_interval: Duration,
    /// Timeout of the one `info` request that finds Docker's data root.
    pub probe_timeout: Duration,
}

impl Default for StatsConfig {
    fn default() -> Self {
        Self { host_interval: Duration::from_secs(2), probe_timeout: Duration::from_secs(2) }
    }
}

/// Streams usage of the visible services' running containers and of the host to a sink until dropped.
pub struct StatsWatcher {
    services: watch::Sender<BTreeSet<String>>,
    task: tokio::task::JoinHandle<()>,
    /// How many container streams are open now (the worker keeps it current).
    open: Arc<AtomicUsize>,
}

impl StatsWatcher {
    /// Starts watching on the current Tokio runtime. `sink` gets every update and returns `false` once its
    /// receiver is gone, which stops the watcher.
    pub fn spawn(
        engine: &EngineHandle,
        services: impl IntoIterator<Item = String>,
        config: StatsConfig,
        sink: impl FnMut(StatsUpdate) -> bool + Send + 'static,
    ) -> StatsWatcher {
        let (tx, services_rx) = watch::channel(services.into_iter().collect());
        let open = Arc::new(AtomicUsize::new(0));
        let worker = Worker {
            snapshot: engine.snapshot.clone(),
            commands: engine.commands.clone(),
            services: services_rx,
            config,
            streams: HashMap::new(),
            tasks: JoinSet::new(),
            open: Arc::clone(&open),
        };
        let task = tokio::spawn(worker.run(Box::new(sink)));
        StatsWatcher { services: tx, task, open }
    }

    /// Changes which services are on screen: streams of services that left stop, new ones start.
    pub fn set_services(&self, services: impl IntoIterator<Item = String>) {
        self.services.send_replace(services.into_iter().collect());
    }

    /// False once the watcher stopped by itself: its sink refused an update, or the supervisor stopped.
    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }

    /// How many container stats streams are open now (none once the watcher stopped).
    pub fn open_streams(&self) -> usize {
        if self.is_running() {
            self.open.load(Ordering::Relaxed)
        } else {
            0
        }
    }
}

impl Drop for StatsWatcher {
    fn drop(&mut self) {
        // The worker owns the stream tasks in a JoinSet, which aborts them when the worker is dropped.
        self.task.abort();
    }
}

type Sink = Box<dyn FnMut(StatsUpdate) -> bool + Send>;

/// One open stats stream.
struct Stream {
    service: String,
    abort: tokio::task::AbortHandle,
}

struct Worker {
    snapshot: watch::Receiver<EngineSnapshot>,
    commands: mpsc::UnboundedSender<Command>,
    services: watch::Receiver<BTreeSet<String>>,
    config: StatsConfig,
    /// Open streams by container ID.
    streams: HashMap<String, Stream>,
    /// The stream tasks; each returns its container ID when its stream ends.
    tasks: JoinSet<String>,
    /// `streams.len()`, for [`StatsWatcher::open_streams`].
    open: Arc<AtomicUsize>,
}

impl Worker {
    async fn run(mut self, mut sink: Sink) {
        let (usage_tx, mut usage_rx) = mpsc::channel::<ContainerUsage>(256);
        let sampler = Arc::new(Mutex::new(HostSampler::new(self.disk_path().await)));
        // The first host sample needs two CPU readings some time apart (sysinfo's minimum is 200 ms).
        let mut host = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_millis(250),
            self.config.host_interval,
        );
        host.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.reconcile(&usage_tx, &mut sink).await;
        loop {
            self.open.store(self.streams.len(), Ordering::Relaxed);
            let alive = tokio::select! {
                changed = self.snapshot.changed() => {
                    if changed.is_err() {
                        return; // the supervisor stopped
                    }
                    self.reconcile(&usage_tx, &mut sink).await
                }
                changed = self.services.changed() => {
                    if changed.is_err() {
                        return; // the watcher was dropped
                    }
                    self.reconcile(&usage_tx, &mut sink).await
                }
                Some(usage) = usage_rx.recv() => {
                    // A sample that raced with closing its stream is dropped, or the UI would show it again.
                    if self.streams.contains_key(&usage.id) { sink(StatsUpdate::Container(usage)) } else { true }
                }
                Some(ended) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                    // A stream ended by itself (the container stopped, or the engine went away): forget it. The
                    // next snapshot change or host tick opens it again if the container still runs.
                    match ended {
                        Ok(id) => match self.streams.remove(&id) {
                            Some(s) => sink(StatsUpdate::Stopped { id, service: s.service }),
                            None => true,
                        },
                        Err(_) => true, // aborted by `close`, which already told the sink
                    }
                }
                _ = host.tick() => {
                    let s = Arc::clone(&sampler);
                    let sample = tokio::task::spawn_blocking(move || {
                        s.lock().map(|mut s| s.sample()).ok()
                    }).await.ok().flatten();
                    let alive = match sample {
                        Some(h) => sink(StatsUpdate::Host(h)),
                        None => true,
                    };
                    alive && self.reconcile(&usage_tx, &mut sink).await
                }
            };
            if !alive {
                return;
            }
        }
    }

    /// Opens streams for visible running containers that have none and closes those no longer wanted.
    /// `false` when the sink is gone.
    async fn reconcile(&mut self, usage_tx: &mpsc::Sender<ContainerUsage>, sink: &mut Sink) -> bool {
        let wanted = wanted(&self.snapshot.borrow(), &self.services.borrow());
        let gone: Vec<String> = self.streams.keys().filter(|id| !wanted.contains_key(*id)).cloned().collect();
        for id in gone {
            if let Some(s) = self.streams.remove(&id) {
                s.abort.abort();
                if !sink(StatsUpdate::Stopped { id, service: s.service }) {
                    return false;
                }
            }
        }
        let missing: Vec<(String, Target)> =
            wanted.into_iter().filter(|(id, _)| !self.streams.contains_key(id)).collect();
        if missing.is_empty() {
            return true;
        }
        let Some(docker) = self.client().await else { return true };
        for (id, target) in missing {
            let abort =
                self.tasks.spawn(stream(docker.clone(), id.clone(), target.clone(), usage_tx.clone()));
            self.streams.insert(id, Stream { service: target.service, abort });
        }
        true
    }

    /// The supervisor's connected client, or `None` while the engine is unavailable.
    async fn client(&self) -> Option<Docker> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(Command::Client(tx)).ok()?;
        rx.await.ok().flatten()
    }

    /// Docker's data root when the engine runs on this machine (the path exists here), else `/`.
    async fn disk_path(&self) -> PathBuf {
        let root = PathBuf::from("/");
        let Some(docker) = self.client().await else { return root };
        match tokio::time::timeout(self.config.probe_timeout, docker.info()).await {
            Ok(Ok(info)) => info.docker_root_dir.map(PathBuf::from).filter(|p| p.exists()).unwrap_or(root),
            _ => root,
        }
    }
}

/// What a stream reports about its container.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    name: String,
    service: String,
}

/// The running (non one-off) containers of the visible services, by ID; none while not connected.
fn wanted(snapshot: &EngineSnapshot, services: &BTreeSet<String>) -> HashMap<String, Target> {
    if snapshot.connection.status != ConnectionStatus::Connected {
        return HashMap::new();
    }
    snapshot
        .services
        .iter()
        .filter(|s| services.contains(&s.name))
        .flat_map(|s| &s.containers)
        .filter(|c| c.state == RunState::Running && !c.one_off)
        .map(|c| (c.id.clone(), Target { name: c.name.clone(), service: c.service.clone() }))
        .collect()
}

/// Follows one container's stats stream (about one sample a second, paced by the engine) until it ends.
async fn stream(docker: Docker, id: String, target: Target, out: mpsc::Sender<ContainerUsage>) -> String {
    let options = StatsOptions { stream: true, one_shot: false };
    let mut samples = docker.stats(&id, Some(options));
    while let Some(Ok(sample)) = samples.next().await {
        let usage = usage(&sample, &id, &target);
        if out.send(usage).await.is_err() {
            break;
        }
    }
    id
}

fn usage(sample: &ContainerStatsResponse, id: &str, target: &Target) -> ContainerUsage {
    let (memory_bytes, memory_limit_bytes) = memory(sample);
    ContainerUsage {
        id: id.to_string(),
        name: target.name.clone(),
        service: target.service.clone(),
        cpu_percent: cpu_percent(sample),
        memory_bytes,
        memory_limit_bytes,
    }
}

/// `docker stats`'s CPU %: the container's share of the host's CPU time since the previous sample, times the
/// number of CPUs. `None` on the first sample (no previous one) or when the engine sent no CPU figures.
pub fn cpu_percent(sample: &ContainerStatsResponse) -> Option<f64> {
    let now = sample.cpu_stats.as_ref()?;
    let pre = sample.precpu_stats.as_ref()?;
    let total = now.cpu_usage.as_ref()?.total_usage? as f64;
    let pre_total = pre.cpu_usage.as_ref().and_then(|u| u.total_usage).unwrap_or(0) as f64;
    let system = now.system_cpu_usage? as f64;
    let pre_system = pre.system_cpu_usage.filter(|s| *s > 0)? as f64;
    let cpus = now
        .online_cpus
        .filter(|n| *n > 0)
        .map(f64::from)
        .or_else(|| now.cpu_usage.as_ref()?.percpu_usage.as_ref().map(|v| v.len() as f64))
        .filter(|n| *n > 0.0)
        .unwrap_or(1.0);
    let (cpu_delta, system_delta) = (total - pre_total, system - pre_system);
    if system_delta <= 0.0 || cpu_delta < 0.0 {
        return Some(0.0);
    }
    Some(cpu_delta / system_delta * cpus * 100.0)
}

/// `docker stats`'s memory: usage minus the inactive page cache (cgroup v2 `inactive_file`, v1
/// `total_inactive_file`), and the limit.
pub fn memory(sample: &ContainerStatsResponse) -> (f64, f64) {
    let Some(m) = sample.memory_stats.as_ref() else { return (0.0, 0.0) };
    let usage = m.usage.unwrap_or(0);
    let cache = m
        .stats
        .as_ref()
        .and_then(|s| s.get("total_inactive_file").or_else(|| s.get("inactive_file")).copied())
        .filter(|c| *c < usage)
        .unwrap_or(0);
    ((usage - cache) as f64, m.limit.unwrap_or(0) as f64)
}

/// The host's counters, kept between samples (CPU usage is a difference of two readings).
struct HostSampler {
    system: sysinfo::System,
    disks: sysinfo::Disks,
    disk_for: PathBuf,
}

impl HostSampler {
    fn new(disk_for: PathBuf) -> Self {
        let mut system = sysinfo::System::new();
        system.refresh_cpu_usage();
        Self { system, disks: sysinfo::Disks::new_with_refreshed_list(), disk_for }
    }

    fn sample(&mut self) -> HostUsage {
        self.system.refresh_cpu_usage();
        self.system.refresh_memory();
        self.disks.refresh(true);
        let disk = self
            .disks
            .list()
            .iter()
            .filter(|d| self.disk_for.starts_with(d.mount_point()))
            .max_by_key(|d| d.mount_point().as_os_str().len());
        let (disk_mount, disk_total, disk_free) = match disk {
            Some(d) => (d.mount_point().display().to_string(), d.total_space(), d.available_space()),
            None => (String::new(), 0, 0),
        };
        HostUsage {
            cpu_percent: f64::from(self.system.global_cpu_usage()),
            cpu_count: u32::try_from(self.system.cpus().len()).unwrap_or(u32::MAX),
            memory_used_bytes: self.system.used_memory() as f64,
            memory_total_bytes: self.system.total_memory() as f64,
            disk_mount,
            disk_for: path_text(&self.disk_for),
            disk_used_bytes: disk_total.saturating_sub(disk_free) as f64,
            disk_total_bytes: disk_total as f64,
        }
    }
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bollard::models::{
        ContainerCpuStats, ContainerCpuUsage, ContainerMemoryStats, ContainerStatsResponse,
    };

    use super::*;

    fn cpu(total: u64, system: u64, cpus: u32) -> ContainerCpuStats {
        ContainerCpuStats {
            cpu_usage: Some(ContainerCpuUsage { total_usage: Some(total), ..Default::default() }),
            system_cpu_usage: Some(system),
            online_cpus: Some(cpus),
            ..Default::default()
        }
    }

    #[test]
    fn cpu_percent_is_the_share_of_host_time_times_cpus() {
        let sample = ContainerStatsResponse {
            cpu_stats: Some(cpu(1_500, 20_000, 2)),
            precpu_stats: Some(cpu(1_000, 10_000, 2)),
            ..Default::default()
        };
        // 500 of 10 000 host ticks on 2 CPUs: 10 % of one CPU.
        assert_eq!(cpu_percent(&sample), Some(10.0));
    }

    #[test]
    fn first_sample_has_no_cpu_percent() {
        let sample = ContainerStatsResponse {
            cpu_stats: Some(cpu(1_500, 20_000, 2)),
            precpu_stats: Some(ContainerCpuStats::default()),
            ..Default::default()
        };
        assert_eq!(cpu_percent(&sample), None);
    }

    #[test]
    fn memory_leaves_out_the_inactive_page_cache() {
        let v1 = ContainerStatsResponse {
            memory_stats: Some(ContainerMemoryStats {
                usage: Some(10_000),
                limit: Some(1_000_000),
                stats: Some(HashMap::from([("total_inactive_file".to_string(), 4_000)])),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(memory(&v1), (6_000.0, 1_000_000.0));
        let v2 = ContainerStatsResponse {
            memory_stats: Some(ContainerMemoryStats {
                usage: Some(10_000),
                limit: Some(1_000_000),
                stats: Some(HashMap::from([("inactive_file".to_string(), 1_000)])),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(memory(&v2), (9_000.0, 1_000_000.0));
    }

    #[test]
    fn host_sample_measures_this_machine() {
        let mut sampler = HostSampler::new(PathBuf::from("/"));
        std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
        let h = sampler.sample();
        assert!(h.cpu_count >= 1, "{h:?}");
        assert!((0.0..=100.0).contains(&h.cpu_percent), "{h:?}");
        assert!(h.memory_total_bytes > 0.0 && h.memory_used_bytes <= h.memory_total_bytes, "{h:?}");
        assert!(h.disk_total_bytes > 0.0 && h.disk_used_bytes <= h.disk_total_bytes, "{h:?}");
        assert_eq!(h.disk_mount, "/");
    }
}
