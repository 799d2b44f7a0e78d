//! The live state store: containers of one Compose project grouped per service, changed by resync snapshots,
//! engine events and re-inspections. Pure: no I/O, no clock.

use std::collections::{BTreeMap, BTreeSet};

use super::event::{Action, ContainerEvent};
use super::view::{
    ConnectionStatus, ConnectionView, ContainerStatus, EngineSnapshot, Health, RunState, ServiceStatus,
};

/// The services the Compose files define (in file order) and those the current profile selection starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceSelection {
    pub defined: Vec<String>,
    pub desired: BTreeSet<String>,
}

/// What applying an event did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EventOutcome {
    /// Services whose view changed.
    pub changed: Vec<ServiceStatus>,
    /// The container should be inspected again (probe output, ports, exit code, restart count…).
    pub reinspect: bool,
}

#[derive(Debug, Clone)]
pub struct Store {
    project: String,
    selection: ServiceSelection,
    containers: BTreeMap<String, ContainerStatus>,
    connection: ConnectionView,
    synced: bool,
    /// Engine time (ns) the last snapshot reflects: older events only trigger a re-inspection.
    as_of_nano: i64,
}

impl Store {
    pub fn new(project: &str, selection: ServiceSelection, connection: ConnectionView) -> Self {
        Self {
            project: project.to_string(),
            selection,
            containers: BTreeMap::new(),
            connection,
            synced: false,
            as_of_nano: 0,
        }
    }

    pub fn connection(&self) -> &ConnectionView {
        &self.connection
    }

    pub fn synced(&self) -> bool {
        self.synced
    }

    pub fn snapshot(&self) -> EngineSnapshot {
        EngineSnapshot {
            project: self.project.clone(),
            connection: self.connection.clone(),
            synced: self.synced,
            services: self.service_names().iter().map(|n| self.service(n)).collect(),
        }
    }

    /// Defined services in file order, then services only containers name, sorted.
    pub fn service_names(&self) -> Vec<String> {
        let mut names = self.selection.defined.clone();
        let extra: BTreeSet<&String> =
            self.containers.values().map(|c| &c.service).filter(|s| !names.contains(s)).collect();
        names.extend(extra.into_iter().cloned());
        names
    }

    /// Sets the connection; any state but connected marks the services as last known (not synced).
    /// Returns whether it changed.
    pub fn set_connection(&mut self, connection: ConnectionView) -> bool {
        if connection.status != ConnectionStatus::Connected {
            self.synced = false;
        }
        if self.connection == connection {
            return false;
        }
        self.connection = connection;
        true
    }

    /// Changes the profile selection; returns the services whose view changed.
    pub fn set_selection(&mut self, selection: ServiceSelection) -> Vec<ServiceStatus> {
        let before = self.all_views();
        self.selection = selection;
        self.changed_since(&before)
    }

    /// Replaces every container with a fresh list (the truth). `as_of_nano` is the engine time the list was
    /// started at. Returns the services whose view changed.
    pub fn apply_snapshot(
        &mut self,
        containers: Vec<ContainerStatus>,
        as_of_nano: i64,
    ) -> Vec<ServiceStatus> {
        let before = self.all_views();
        self.containers = containers.into_iter().map(|c| (c.id.clone(), c)).collect();
        self.as_of_nano = as_of_nano;
        self.synced = true;
        self.changed_since(&before)
    }

    /// Applies one engine event directly (so the change shows at once); most events also ask for a
    /// re-inspection, whose result [`Store::apply_inspect`] applies.
    pub fn apply_event(&mut self, ev: &ContainerEvent) -> EventOutcome {
        if ev.action == Action::Destroy {
            return EventOutcome { changed: self.remove(&ev.id).into_iter().collect(), reinspect: false };
        }
        if ev.time_nano < self.as_of_nano {
            // Older than the snapshot (replayed by `since`): the snapshot may already be newer.
            return EventOutcome { changed: Vec::new(), reinspect: true };
        }
        let service = match self.containers.get(&ev.id) {
            Some(c) => c.service.clone(),
            None => match &ev.service {
                Some(s) => s.clone(),
                None => return EventOutcome { changed: Vec::new(), reinspect: true },
            },
        };
        let before = self.service(&service);
        let c = self.containers.entry(ev.id.clone()).or_insert_with(|| stub(ev, &service));
        match &ev.action {
            Action::Create | Action::Stop | Action::Kill | Action::Other | Action::Destroy => {}
            Action::Start | Action::Restart => {
                c.state = RunState::Running;
                if c.health != Health::None {
                    c.health = Health::Starting;
                }
            }
            Action::Unpause => c.state = RunState::Running,
            Action::Pause => c.state = RunState::Paused,
            Action::Die => {
                c.state = RunState::Exited;
                c.exit_code = ev.exit_code.or(c.exit_code);
            }
            Action::Oom => c.oom_killed = true,
            Action::Rename => {
                if let Some(name) = &ev.name {
                    c.name = name.trim_start_matches('/').to_string();
                }
            }
            Action::Health(h) => c.health = *h,
        }
        let after = self.service(&service);
        EventOutcome { changed: if after != before { vec![after] } else { Vec::new() }, reinspect: true }
    }

    /// Applies a fresh inspection of one container; returns its service's view if it changed.
    pub fn apply_inspect(&mut self, container: ContainerStatus) -> Option<ServiceStatus> {
        let old_service = self.containers.get(&container.id).map(|c| c.service.clone());
        let service = container.service.clone();
        let before = self.service(&service);
        self.containers.insert(container.id.clone(), container);
        debug_assert!(old_service.is_none_or(|s| s == service), "a container's service label never changes");
        let after = self.service(&service);
        (after != before).then_some(after)
    }

    /// Forgets a container (destroyed, or gone when inspected); returns its service's view if it changed.
    pub fn remove(&mut self, id: &str) -> Option<ServiceStatus> {
        let service = self.containers.get(id)?.service.clone();
        let before = self.service(&service);
        self.containers.remove(id);
        let after = self.service(&service);
        (after != before).then_some(after)
    }

    /// The view of one service (also for a service with no container).
    pub fn service(&self, name: &str) -> ServiceStatus {
        let mut containers: Vec<ContainerStatus> =
            self.containers.values().filter(|c| c.service == name).cloned().collect();
        containers.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        let main: Vec<&ContainerStatus> = containers.iter().filter(|c| !c.one_off).collect();
        let worst = main.iter().max_by_key(|c| c.state).copied();
        let health = main
            .iter()
            .filter(|c| matches!(c.state, RunState::Running | RunState::Paused))
            .map(|c| c.health)
            .max()
            .unwrap_or(Health::None);
        let mut ports: Vec<_> = main.iter().flat_map(|c| c.ports.iter().cloned()).collect();
        ports.sort();
        ports.dedup();
        ServiceStatus {
            name: name.to_string(),
            desired: self.selection.desired.contains(name),
            defined: self.selection.defined.iter().any(|d| d == name),
            state: worst.map_or(RunState::NotCreated, |c| c.state),
            health,
            restart_count: main.iter().map(|c| c.restart_count).sum(),
            exit_code: worst
                .filter(|c| matches!(c.state, RunState::Exited | RunState::Dead))
                .and_then(|c| c.exit_code),
            ports,
            containers,
        }
    }

    fn all_views(&self) -> BTreeMap<String, ServiceStatus> {
        self.service_names().into_iter().map(|n| (n.clone(), self.service(&n))).collect()
    }

    fn changed_since(&self, before: &BTreeMap<String, ServiceStatus>) -> Vec<ServiceStatus> {
        let mut names = self.service_names();
        for old in before.keys() {
            if !names.contains(old) {
                names.push(old.clone());
            }
        }
        names
            .into_iter()
            .map(|n| self.service(&n))
            .filter(|after| before.get(&after.name) != Some(after))
            .collect()
    }
}

/// A container first seen in an event, until its inspection arrives.
fn stub(ev: &ContainerEvent, service: &str) -> ContainerStatus {
    ContainerStatus {
        id: ev.id.clone(),
        name: ev.name.clone().unwrap_or_default().trim_start_matches('/').to_string(),
        service: service.to_string(),
        one_off: ev.one_off,
        image: ev.image.clone().unwrap_or_default(),
        state: RunState::Created,
        health: Health::None,
        failing_streak: 0,
        health_log: Vec::new(),
        restart_count: 0,
        exit_code: None,
        oom_killed: false,
        error: None,
        started_at: None,
        finished_at: None,
        ports: Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::engine::view::{ProbeResult, PublishedPort};

    fn selection() -> ServiceSelection {
        ServiceSelection {
            defined: vec!["database".into(), "gameserver".into(), "grafana".into()],
            desired: ["database".to_string(), "gameserver".to_string()].into(),
        }
    }

    fn store() -> Store {
        Store::new("p", selection(), ConnectionView::connected("unix:///s", "1.41".into(), "20.10".into()))
    }

    fn container(id: &str, service: &str, state: RunState, health: Health) -> ContainerStatus {
        let mut c = stub(&event(id, "create", 0), service);
        c.name = format!("p-{service}-{id}");
        c.state = state;
        c.health = health;
        c
    }

    fn event(id: &str, action: &str, t: i64) -> ContainerEvent {
        let msg: bollard::models::EventMessage = serde_json::from_value(serde_json::json!({
            "Type": "container", "Action": action, "timeNano": t,
            "Actor": {"ID": id, "Attributes": {"com.docker.compose.service": "database", "name": "p-database", "exitCode": "137"}}
        }))
        .unwrap();
        ContainerEvent::from_message(&msg).unwrap()
    }

    #[test]
    fn snapshot_lists_defined_services_in_order_with_desired_flag() {
        let mut s = store();
        let changed = s.apply_snapshot(
            vec![
                container("a", "database", RunState::Running, Health::Healthy),
                container("b", "orphan", RunState::Exited, Health::None),
            ],
            100,
        );
        assert_eq!(changed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["database", "orphan"]);
        let snap = s.snapshot();
        assert!(snap.synced);
        let rows: Vec<_> = snap
            .services
            .iter()
            .map(|v| (v.name.as_str(), v.desired, v.defined, v.state, v.health))
            .collect();
        assert_eq!(
            rows,
            [
                ("database", true, true, RunState::Running, Health::Healthy),
                ("gameserver", true, true, RunState::NotCreated, Health::None),
                ("grafana", false, true, RunState::NotCreated, Health::None),
                ("orphan", false, false, RunState::Exited, Health::None),
            ]
        );
        // The same snapshot again changes nothing.
        let again = s.snapshot();
        let list: Vec<ContainerStatus> = again.services.iter().flat_map(|v| v.containers.clone()).collect();
        assert!(s.apply_snapshot(list, 200).is_empty());
    }

    #[test]
    fn health_event_applies_at_once_and_asks_for_probe_output() {
        let mut s = store();
        s.apply_snapshot(vec![container("a", "database", RunState::Running, Health::Healthy)], 100);
        let out = s.apply_event(&event("a", "health_status: unhealthy", 150));
        assert!(out.reinspect);
        assert_eq!(out.changed.len(), 1);
        assert_eq!(out.changed[0].health, Health::Unhealthy);

        let mut inspected = container("a", "database", RunState::Running, Health::Unhealthy);
        inspected.failing_streak = 3;
        inspected.health_log =
            vec![ProbeResult { start: "s".into(), end: "e".into(), exit_code: 1, output: "404".into() }];
        let view = s.apply_inspect(inspected.clone()).unwrap();
        assert_eq!(view.containers[0].health_log[0].output, "404");
        assert_eq!(s.apply_inspect(inspected), None, "no change, no update");
    }

    #[test]
    fn die_sets_exit_code_and_start_resets_health() {
        let mut s = store();
        s.apply_snapshot(vec![container("a", "database", RunState::Running, Health::Healthy)], 100);
        let out = s.apply_event(&event("a", "die", 150));
        assert_eq!((out.changed[0].state, out.changed[0].exit_code), (RunState::Exited, Some(137)));
        assert_eq!(out.changed[0].health, Health::None, "health only counts for running containers");
        let out = s.apply_event(&event("a", "start", 160));
        assert_eq!((out.changed[0].state, out.changed[0].health), (RunState::Running, Health::Starting));
        assert_eq!(out.changed[0].exit_code, None);
    }

    #[test]
    fn events_older_than_the_snapshot_only_reinspect() {
        let mut s = store();
        s.apply_snapshot(vec![container("a", "database", RunState::Running, Health::Healthy)], 100);
        let out = s.apply_event(&event("a", "die", 50));
        assert_eq!(out, EventOutcome { changed: Vec::new(), reinspect: true });
        assert_eq!(s.service("database").state, RunState::Running);
    }

    #[test]
    fn create_of_unknown_container_and_destroy() {
        let mut s = store();
        s.apply_snapshot(Vec::new(), 100);
        let out = s.apply_event(&event("new", "create", 150));
        assert_eq!(out.changed[0].state, RunState::Created);
        assert_eq!(out.changed[0].containers[0].name, "p-database");
        let out = s.apply_event(&event("new", "destroy", 160));
        assert!(!out.reinspect);
        assert_eq!(out.changed[0].state, RunState::NotCreated);
        assert!(s.remove("new").is_none());
    }

    #[test]
    fn worst_container_wins_and_one_offs_do_not_count() {
        let mut s = store();
        let mut a = container("a", "database", RunState::Running, Health::Healthy);
        a.ports = vec![PublishedPort {
            container_port: 5432,
            protocol: "tcp".into(),
            host_ip: "127.0.0.1".into(),
            host_port: 1,
        }];
        let mut b = container("b", "database", RunState::Exited, Health::None);
        b.exit_code = Some(2);
        b.restart_count = 4;
        let mut run = container("c", "database", RunState::Dead, Health::None);
        run.one_off = true;
        s.apply_snapshot(vec![a, b, run], 1);
        let v = s.service("database");
        assert_eq!(
            (v.state, v.exit_code, v.restart_count, v.health),
            (RunState::Exited, Some(2), 4, Health::Healthy)
        );
        assert_eq!(v.ports.len(), 1);
        assert_eq!(v.containers.len(), 3);
    }

    #[test]
    fn disconnect_marks_unsynced_and_selection_changes_desired() {
        let mut s = store();
        s.apply_snapshot(Vec::new(), 1);
        assert!(s.set_connection(ConnectionView::unavailable("unix:///s", "gone".into())));
        assert!(!s.snapshot().synced);
        let mut sel = selection();
        sel.desired.insert("grafana".into());
        let changed = s.set_selection(sel);
        assert_eq!(
            changed.iter().map(|c| (c.name.as_str(), c.desired)).collect::<Vec<_>>(),
            [("grafana", true)]
        );
    }
}
