//! Turns what Compose prints and what the engine reports into one stream of typed per-service events:
//! phases (deduplicated, never going backwards on the way up), `depends_on` gates, and masked output lines.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use tokio::sync::mpsc;

use super::progress::{self, Object};
use super::types::{EventKind, EventSource, Flavor, LifecycleEvent, OpKind, Phase};
use crate::compose::model::ComposeModel;
use crate::engine::{EngineSnapshot, Health, RunState, ServiceStatus};
use crate::secrets::Masker;

/// Sends events with a sequence number and the time since the operation started.
pub struct Emitter {
    tx: mpsc::UnboundedSender<LifecycleEvent>,
    op: OpKind,
    started: Instant,
    seq: u32,
}

impl Emitter {
    pub fn new(tx: mpsc::UnboundedSender<LifecycleEvent>, op: OpKind, started: Instant) -> Self {
        Emitter { tx, op, started, seq: 0 }
    }

    pub fn elapsed_ms(&self) -> u32 {
        u32::try_from(self.started.elapsed().as_millis()).unwrap_or(u32::MAX)
    }

    pub fn event(
        &mut self,
        kind: EventKind,
        source: EventSource,
        message: impl Into<String>,
    ) -> EventBuilder<'_> {
        EventBuilder {
            emitter: self,
            kind,
            source,
            message: message.into(),
            service: None,
            container: None,
            phase: None,
            waiting_for: None,
        }
    }
}

/// One event being filled in; sent by [`EventBuilder::send`].
pub struct EventBuilder<'a> {
    emitter: &'a mut Emitter,
    kind: EventKind,
    source: EventSource,
    message: String,
    service: Option<String>,
    container: Option<String>,
    phase: Option<Phase>,
    waiting_for: Option<String>,
}

impl EventBuilder<'_> {
    pub fn service(mut self, s: Option<&str>) -> Self {
        self.service = s.map(String::from);
        self
    }
    pub fn container(mut self, c: Option<&str>) -> Self {
        self.container = c.map(String::from);
        self
    }
    pub fn phase(mut self, p: Option<Phase>) -> Self {
        self.phase = p;
        self
    }
    pub fn waiting_for(mut self, w: Option<&str>) -> Self {
        self.waiting_for = w.map(String::from);
        self
    }
    pub fn send(self) {
        let e = self.emitter;
        e.seq = e.seq.wrapping_add(1);
        let event = LifecycleEvent {
            seq: e.seq,
            elapsed_ms: e.elapsed_ms(),
            operation: e.op,
            kind: self.kind,
            source: self.source,
            service: self.service,
            container: self.container,
            phase: self.phase,
            waiting_for: self.waiting_for,
            message: self.message,
        };
        // Nobody listening is fine: the result still comes back.
        let _ = e.tx.send(event);
    }
}

/// A `depends_on` edge of the operation.
#[derive(Debug, Clone)]
struct Gate {
    service: String,
    dependency: String,
    condition: String,
}

/// Per-service state of one operation.
pub struct Tracker {
    op: OpKind,
    flavor: Flavor,
    project: String,
    /// The services the operation is about (dependencies included), in model order.
    involved: Vec<String>,
    defined: BTreeSet<String>,
    /// `container_name:` → service.
    container_names: BTreeMap<String, String>,
    /// Container name → service, learnt from the engine.
    engine_names: BTreeMap<String, String>,
    phases: BTreeMap<String, Phase>,
    gates: Vec<Gate>,
    announced: BTreeSet<(String, String)>,
    opened: BTreeSet<(String, String)>,
    /// Output lines that are not progress (masked): Compose's error text on failure.
    pub other_lines: Vec<String>,
}

impl Tracker {
    pub fn new(op: OpKind, flavor: Flavor, project: &str, model: &ComposeModel, involved: &[String]) -> Self {
        let container_names = model
            .services
            .values()
            .filter_map(|s| s.container_name.clone().map(|c| (c, s.name.clone())))
            .collect();
        let mut gates = Vec::new();
        for name in involved {
            for dep in model.services.get(name).map(|s| s.depends_on.as_slice()).unwrap_or_default() {
                if involved.contains(&dep.service) {
                    gates.push(Gate {
                        service: name.clone(),
                        dependency: dep.service.clone(),
                        condition: dep.condition.clone(),
                    });
                }
            }
        }
        Tracker {
            op,
            flavor,
            project: project.to_string(),
            involved: involved.to_vec(),
            defined: model.services.keys().cloned().collect(),
            container_names,
            engine_names: BTreeMap::new(),
            phases: BTreeMap::new(),
            gates,
            announced: BTreeSet::new(),
            opened: BTreeSet::new(),
            other_lines: Vec::new(),
        }
    }

    pub fn phase(&self, service: &str) -> Option<Phase> {
        self.phases.get(service).copied()
    }

    /// The service a container (or service) name in Compose's output stands for.
    pub fn service_of(&self, name: &str) -> Option<String> {
        if let Some(s) = self.container_names.get(name).or_else(|| self.engine_names.get(name)) {
            return Some(s.clone());
        }
        for sep in ['-', '_'] {
            let Some(rest) = name.strip_prefix(&format!("{}{sep}", self.project)) else { continue };
            let Some((service, number)) = rest.rsplit_once(sep) else { continue };
            if number.chars().all(|c| c.is_ascii_digit()) && self.defined.contains(service) {
                return Some(service.to_string());
            }
        }
        self.defined.contains(name).then(|| name.to_string())
    }

    /// Starts from the engine's state before the operation: container names (for names Compose prints that
    /// the model cannot predict) and each service's phase, silently (only changes are events).
    pub fn seed(&mut self, snapshot: &EngineSnapshot) {
        for s in &snapshot.services {
            for c in &s.containers {
                self.engine_names.insert(c.name.clone(), s.name.clone());
            }
            if let Some(phase) = engine_phase(s, false) {
                self.phases.insert(s.name.clone(), phase);
            }
        }
    }

    /// One line of Compose's output: a phase event when it is a progress line, else an output event.
    pub fn on_line(&mut self, em: &mut Emitter, masker: &Masker, raw: &str) {
        let text = masker.mask_str(&progress::clean(raw)).into_owned();
        if text.is_empty() {
            return;
        }
        let parsed = match self.flavor {
            Flavor::V2 => progress::parse_v2(&text),
            Flavor::V1 => progress::parse_v1(&text),
        };
        if let Some(p) = parsed {
            match p.object {
                Object::Container | Object::Service => {
                    if let Some(service) = self.service_of(&p.name) {
                        let container = (p.object == Object::Container).then_some(p.name.as_str());
                        self.set_phase(em, &service, container, p.phase, EventSource::Compose, &text);
                        return;
                    }
                }
                Object::Network | Object::Volume | Object::Image => {
                    em.event(EventKind::Output, EventSource::Compose, text).phase(Some(p.phase)).send();
                    return;
                }
            }
        }
        if !is_noise(&text) {
            self.other_lines.push(text.clone());
        }
        em.event(EventKind::Output, EventSource::Compose, text).send();
    }

    /// A service's state on the engine changed.
    pub fn on_engine(&mut self, em: &mut Emitter, status: &ServiceStatus) {
        for c in &status.containers {
            self.engine_names.insert(c.name.clone(), status.name.clone());
        }
        let involved = self.involved.contains(&status.name) || self.op == OpKind::Down;
        let Some(phase) = engine_phase(status, self.phases.contains_key(&status.name)) else { return };
        if !involved {
            return;
        }
        let container = status.containers.iter().find(|c| !c.one_off).map(|c| c.name.clone());
        let mut message = format!("{}: {}", status.name, describe(status));
        if let Some(code) = status.exit_code.filter(|c| *c != 0) {
            message.push_str(&format!(", exit code {code}"));
        }
        self.set_phase(em, &status.name, container.as_deref(), phase, EventSource::Engine, &message);
    }

    fn set_phase(
        &mut self,
        em: &mut Emitter,
        service: &str,
        container: Option<&str>,
        phase: Phase,
        source: EventSource,
        message: &str,
    ) {
        if let Some(current) = self.phases.get(service).copied() {
            if current == phase {
                return;
            }
            let forward_op = matches!(self.op, OpKind::Up | OpKind::Start | OpKind::Restart);
            if let (true, Some(now), Some(new)) = (forward_op, current.up_rank(), phase.up_rank()) {
                if new < now {
                    return; // e.g. v2 prints `Waiting` again for a service already healthy
                }
            }
            let going_down =
                matches!(current, Phase::Stopping | Phase::Stopped | Phase::Removing | Phase::Removed);
            if matches!(self.op, OpKind::Stop | OpKind::Down) && going_down && phase.up_rank().is_some() {
                return; // a health event that was on its way when the stop began
            }
        }
        self.phases.insert(service.to_string(), phase);
        em.event(EventKind::Phase, source, message.to_string())
            .service(Some(service))
            .container(container)
            .phase(Some(phase))
            .send();
        self.gates(em);
    }

    /// Announces `depends_on` gates as they close and open.
    fn gates(&mut self, em: &mut Emitter) {
        if !matches!(self.op, OpKind::Up | OpKind::Start | OpKind::Restart) {
            return;
        }
        for g in self.gates.clone() {
            let key = (g.service.clone(), g.dependency.clone());
            let dep_phase = self.phases.get(&g.dependency).copied();
            let satisfied = match g.condition.as_str() {
                "service_healthy" => dep_phase == Some(Phase::Healthy),
                "service_completed_successfully" => dep_phase == Some(Phase::Stopped),
                _ => matches!(dep_phase, Some(Phase::Running | Phase::Waiting | Phase::Healthy)),
            };
            let what = match g.condition.as_str() {
                "service_healthy" => "to be healthy",
                "service_completed_successfully" => "to complete",
                _ => "to start",
            };
            let not_started = matches!(
                self.phases.get(&g.service),
                None | Some(Phase::Creating | Phase::Created | Phase::Pulled | Phase::Built)
            );
            if !satisfied && not_started && dep_phase.is_some() && !self.announced.contains(&key) {
                self.announced.insert(key);
                em.event(
                    EventKind::Gate,
                    EventSource::Dockmaster,
                    format!("{} waits for {} {what}", g.service, g.dependency),
                )
                .service(Some(&g.service))
                .waiting_for(Some(&g.dependency))
                .phase(Some(Phase::Waiting))
                .send();
            } else if satisfied && self.announced.contains(&key) && !self.opened.contains(&key) {
                self.opened.insert(key);
                let done = match g.condition.as_str() {
                    "service_healthy" => "is healthy",
                    "service_completed_successfully" => "completed",
                    _ => "started",
                };
                em.event(
                    EventKind::Gate,
                    EventSource::Dockmaster,
                    format!("{} {done}: {} may start", g.dependency, g.service),
                )
                .service(Some(&g.service))
                .waiting_for(Some(&g.dependency))
                .phase(dep_phase)
                .send();
            }
        }
    }
}

/// Warnings Compose prints on every run that are not the error (unset variables, obsolete `version:`).
fn is_noise(line: &str) -> bool {
    line.contains("variable is not set")
        || line.contains("attribute `version` is obsolete")
        || line.starts_with("Found orphan containers")
}

fn describe(s: &ServiceStatus) -> String {
    let state =
        serde_json::to_value(s.state).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    match s.health {
        Health::None => state,
        h => {
            let health =
                serde_json::to_value(h).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            format!("{state}, health {health}")
        }
    }
}

/// The phase the engine's state of a service means; `seen`: the operation saw the service before (a
/// service without containers is only "removed" if it had some).
pub fn engine_phase(s: &ServiceStatus, seen: bool) -> Option<Phase> {
    Some(match (s.state, s.health) {
        (RunState::NotCreated, _) => {
            if seen {
                Phase::Removed
            } else {
                return None;
            }
        }
        (RunState::Created, _) => Phase::Created,
        (RunState::Running, Health::Starting) => Phase::Waiting,
        (RunState::Running, Health::Healthy) => Phase::Healthy,
        (RunState::Running, Health::Unhealthy) => Phase::Unhealthy,
        (RunState::Running, Health::None) => Phase::Running,
        (RunState::Restarting, _) => Phase::Restarting,
        (RunState::Exited | RunState::Dead, _) => Phase::Stopped,
        (RunState::Removing, _) => Phase::Removing,
        (RunState::Paused, _) => return None,
    })
}
