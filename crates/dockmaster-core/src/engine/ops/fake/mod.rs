//! An in-memory engine for unit tests: it keeps containers, networks, volumes and images, behaves like the
//! engine where Dockmaster relies on it (name conflicts, volumes in use, anonymous volumes removed with their
//! container, `304` on a repeated start or stop), and can be told to fail the Nth call of an operation —
//! refusing it, or doing it and then reporting a timeout (a request that timed out but created the object).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

mod engine;
mod images;
mod inspect;

use super::{
    ContainerInfo, ContainerSpec, EngineInfo, ImageInfo, Labels, NetworkAttachment, NetworkInfo, OpError,
    OpErrorKind, OpResult, TextMask, VolumeInfo,
};
use crate::engine::{Health, RunState};
use crate::labels;

/// The operations, for counting calls and injecting faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    ListContainers,
    InspectContainer,
    CreateContainer,
    ConnectNetwork,
    StartContainer,
    StopContainer,
    RemoveContainer,
    ContainerLogs,
    ListNetworks,
    InspectNetwork,
    CreateNetwork,
    RemoveNetwork,
    ListVolumes,
    InspectVolume,
    CreateVolume,
    RemoveVolume,
    VolumeSizes,
    InspectImage,
    ListImages,
    /// A fault here breaks the archive after its first chunk.
    SaveImage,
    LoadImage,
    Info,
}

/// How an injected fault fails a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The engine refuses: nothing is done.
    Refuse,
    /// The engine does it, but the answer never comes (a timeout).
    TimeOutAfterDoing,
}

/// What a container does once started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterStart {
    /// Runs, healthy at once (or without health, when it has no healthcheck).
    Healthy,
    /// Runs, its healthcheck failing.
    Unhealthy,
    /// Runs, its healthcheck never passing nor failing.
    Starting,
    /// Exits at once with this code.
    Exits(i32),
}

struct Container {
    id: String,
    spec: ContainerSpec,
    networks: Vec<NetworkAttachment>,
    /// Names of the anonymous volumes made for it.
    anonymous: Vec<String>,
    state: RunState,
    health: Health,
    exit_code: Option<i32>,
}

impl Container {
    fn uses_volume(&self, name: &str) -> bool {
        self.anonymous.iter().any(|a| a == name)
            || self.spec.binds.iter().any(|b| b.split(':').next() == Some(name))
    }
}

#[derive(Default)]
struct State {
    containers: Vec<Container>,
    networks: Vec<NetworkInfo>,
    volumes: Vec<VolumeInfo>,
    images: BTreeMap<String, ImageInfo>,
    /// Host paths that exist on the engine's host (for `host_mounts`).
    host_paths: std::collections::BTreeSet<String>,
    calls: BTreeMap<Op, usize>,
    faults: Vec<(Op, usize, Fault)>,
    after_start: BTreeMap<String, AfterStart>,
    logs: BTreeMap<String, String>,
    /// Bytes on disk per volume name, as `volume_sizes` reports them (unset: not measured).
    sizes: BTreeMap<String, u64>,
    /// What `info` answers.
    info: EngineInfo,
    next_id: u64,
}

impl State {
    fn id(&mut self, prefix: char) -> String {
        self.next_id += 1;
        format!("{prefix}{:063x}", self.next_id)
    }

    fn container(&self, key: &str) -> OpResult<usize> {
        self.containers
            .iter()
            .position(|c| c.id == key || c.spec.name == key)
            .ok_or_else(|| not_found(format!("No such container: {key}")))
    }

    fn network(&self, key: &str) -> OpResult<usize> {
        self.networks
            .iter()
            .position(|n| n.id == key || n.name == key)
            .ok_or_else(|| not_found(format!("network {key} not found")))
    }

    fn volume(&self, name: &str) -> Option<usize> {
        self.volumes.iter().position(|v| v.name == name)
    }

    fn ensure_volume(&mut self, name: &str) {
        if self.volume(name).is_none() {
            self.volumes.push(VolumeInfo {
                name: name.into(),
                driver: "local".into(),
                labels: Labels::new(),
            });
        }
    }
}

fn not_found(message: String) -> OpError {
    OpError::new(OpErrorKind::NotFound, format!("{message} (HTTP 404)"))
}

fn conflict(message: String) -> OpError {
    OpError::new(OpErrorKind::Conflict, format!("{message} (HTTP 409)"))
}

/// Everything the fake holds, by name with labels, to compare before and after.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Objects {
    pub containers: BTreeMap<String, Labels>,
    pub networks: BTreeMap<String, Labels>,
    pub volumes: BTreeMap<String, Labels>,
}

/// The in-memory engine. Clones share the same state.
#[derive(Clone, Default)]
pub struct FakeEngine {
    state: Arc<Mutex<State>>,
}

impl FakeEngine {
    pub fn new() -> Self {
        FakeEngine::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts the call, applies an injected fault, else does `f`.
    fn run<T>(&self, op: Op, f: impl FnOnce(&mut State) -> OpResult<T>) -> OpResult<T> {
        let mut s = self.lock();
        let n = {
            let count = s.calls.entry(op).or_default();
            *count += 1;
            *count
        };
        match s.faults.iter().find(|(o, k, _)| *o == op && *k == n).map(|f| f.2) {
            Some(Fault::Refuse) => Err(OpError::new(
                OpErrorKind::Failed,
                format!("injected failure of {op:?} call {n} (HTTP 500)"),
            )),
            Some(Fault::TimeOutAfterDoing) => {
                let _ = f(&mut s);
                Err(OpError::timed_out(Duration::from_secs(60)))
            }
            None => f(&mut s),
        }
    }

    /// The `nth` call (from 1) of `op` from now on fails as `fault` says.
    pub fn fail(&self, op: Op, nth: usize, fault: Fault) {
        let mut s = self.lock();
        let done = s.calls.get(&op).copied().unwrap_or(0);
        s.faults.push((op, done + nth, fault));
    }

    /// How many times `op` was called.
    pub fn calls(&self, op: Op) -> usize {
        self.lock().calls.get(&op).copied().unwrap_or(0)
    }

    /// What the container named `name` does once started.
    pub fn after_start(&self, name: &str, behaviour: AfterStart) {
        self.lock().after_start.insert(name.into(), behaviour);
    }

    /// What the engine says about itself from now on (`info`).
    pub fn set_info(&self, info: EngineInfo) {
        self.lock().info = info;
    }

    pub fn add_image(&self, name: &str, info: ImageInfo) {
        self.lock().images.insert(name.into(), info);
    }

    /// The images the engine has, by name.
    pub fn image_names(&self) -> Vec<String> {
        self.lock().images.keys().cloned().collect()
    }

    /// A host path that exists on the engine's host.
    pub fn add_host_path(&self, path: &str) {
        self.lock().host_paths.insert(path.into());
    }

    /// A network made by someone else; its ID.
    pub fn add_network(&self, name: &str, subnet: Option<&str>, labels: Labels) -> String {
        let mut s = self.lock();
        let id = s.id('n');
        let subnets = subnet.map(String::from).into_iter().collect();
        s.networks.push(NetworkInfo {
            id: id.clone(),
            name: name.into(),
            driver: "bridge".into(),
            subnets,
            labels,
        });
        id
    }

    /// The network `name` gone from under its containers (removed by someone else meanwhile).
    pub fn drop_network(&self, name: &str) {
        self.lock().networks.retain(|n| n.name != name);
    }

    /// A volume made by someone else.
    pub fn add_volume(&self, name: &str, labels: Labels) {
        self.lock().volumes.push(VolumeInfo { name: name.into(), driver: "local".into(), labels });
    }

    /// The size on disk `volume_sizes` reports for the volume `name` (one not set is "not measured").
    pub fn set_volume_size(&self, name: &str, bytes: u64) {
        self.lock().sizes.insert(name.into(), bytes);
    }

    /// A running container made by someone else; its ID.
    pub fn add_container(&self, name: &str, labels: Labels) -> String {
        let mut s = self.lock();
        let id = s.id('c');
        let spec = ContainerSpec { name: name.into(), image: "seed".into(), labels, ..Default::default() };
        s.containers.push(Container {
            id: id.clone(),
            spec,
            networks: Vec::new(),
            anonymous: Vec::new(),
            state: RunState::Running,
            health: Health::None,
            exit_code: None,
        });
        id
    }

    /// What the container `key` (ID or name) prints.
    pub fn set_logs(&self, key: &str, text: &str) {
        self.lock().logs.insert(key.into(), text.into());
    }

    /// The spec a container was created from.
    pub fn spec(&self, name: &str) -> Option<ContainerSpec> {
        self.lock().containers.iter().find(|c| c.spec.name == name).map(|c| c.spec.clone())
    }

    /// The networks a container is on.
    pub fn networks_of(&self, name: &str) -> Vec<NetworkAttachment> {
        self.lock()
            .containers
            .iter()
            .find(|c| c.spec.name == name)
            .map(|c| c.networks.clone())
            .unwrap_or_default()
    }

    pub fn objects(&self) -> Objects {
        let s = self.lock();
        Objects {
            containers: s.containers.iter().map(|c| (c.spec.name.clone(), c.spec.labels.clone())).collect(),
            networks: s.networks.iter().map(|n| (n.name.clone(), n.labels.clone())).collect(),
            volumes: s.volumes.iter().map(|v| (v.name.clone(), v.labels.clone())).collect(),
        }
    }
}

/// A bare inspected container, running, with these labels (tests fill in the rest).
pub fn container_info(name: &str, labels: &[(&str, &str)]) -> ContainerInfo {
    let c = Container {
        id: format!("c-{name}"),
        spec: ContainerSpec { name: name.into(), labels: labels_of(labels), ..Default::default() },
        networks: Vec::new(),
        anonymous: Vec::new(),
        state: RunState::Running,
        health: Health::None,
        exit_code: None,
    };
    inspect::info(&c, TextMask::OwnEnvironment)
}

/// Labels from `(key, value)` pairs.
pub fn labels_of(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The labels of region `region` of `project` (as Dockmaster sets them).
pub fn region_labels(project: &str, region: &str) -> Labels {
    labels_of(&[(labels::PROJECT, project), (labels::REGION, region)])
}
