//! The live state store: containers of one Compose project grouped per service, and the project's region
//! containers grouped per region, changed by resync snapshots, engine events and re-inspections. Pure: no I/O,
//! no clock.

use std::collections::{BTreeMap, BTreeSet};

use super::event::{Action, ContainerEvent};
use super::view::{
    ConnectionStatus, ConnectionView, ContainerStatus, EngineSnapshot, Health, PublishedPort, RegionStatus,
    RunState, ServiceStatus,
};

/// The services the Compose files define (in file order) and those the current profile selection starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceSelection {
    pub defined: Vec<String>,
    pub desired: BTreeSet<String>,
}

/// Which view a container counts in: a region container in its region, any other in its Compose service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Service(String),
    Region(String),
}

impl Group {
    pub fn of(c: &ContainerStatus) -> Group {
        match &c.region {
            Some(r) => Group::Region(r.clone()),
            None => Group::Service(c.service.clone()),
        }
    }
}

/// The new view of a service or region that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    Service(ServiceStatus),
    /// A region with no containers left (state `notCreated`) is gone.
    Region(RegionStatus),
}

/// What applying an event did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EventOutcome {
    /// Views that changed.
    pub changed: Vec<Changed>,
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
            regions: self.region_names().iter().map(|n| self.region(n)).collect(),
        }
    }

    /// Defined services in file order, then services only containers name, sorted.
    pub fn service_names(&self) -> Vec<String> {
        let mut names = self.selection.defined.clone();
        let extra: BTreeSet<&String> = self
            .containers
            .values()
            .filter(|c| c.region.is_none())
            .map(|c| &c.service)
            .filter(|s| !names.contains(s))
            .collect();
        names.extend(extra.into_iter().cloned());
        names
    }

    /// Regions with at least one container, sorted.
    pub fn region_names(&self) -> Vec<String> {
        let names: BTreeSet<&String> = self.containers.values().filter_map(|c| c.region.as_ref()).collect();
        names.into_iter().cloned().collect()
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

    /// Changes the profile selection; returns the views that changed.
    pub fn set_selection(&mut self, selection: ServiceSelection) -> Vec<Changed> {
        let before = self.all_views();
        self.selection = selection;
        self.changed_since(&before)
    }

    /// Replaces every container with a fresh list (the truth). `as_of_nano` is the engine time the list was
    /// started at. Returns the views that changed.
    pub fn apply_snapshot(&mut self, containers: Vec<ContainerStatus>, as_of_nano: i64) -> Vec<Changed> {
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
            return EventOutcome { changed: self.remove(&ev.id), reinspect: false };
        }
        if ev.time_nano < self.as_of_nano {
            // Older than the snapshot (replayed by `since`): the snapshot may already be newer.
            return EventOutcome { changed: Vec::new(), reinspect: true };
        }
        let group = match self.containers.get(&ev.id) {
            Some(c) => Group::of(c),
            None => match (&ev.region, &ev.service) {
                (Some(r), Some(_)) => Group::Region(r.clone()),
                (None, Some(s)) => Group::Service(s.clone()),
                _ => return EventOutcome { changed: Vec::new(), reinspect: true },
            },
        };
        let before = self.view(&group);
        let c = self.containers.entry(ev.id.clone()).or_insert_with(|| stub(ev));
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
        let after = self.view(&group);
        EventOutcome { changed: if after != before { vec![after] } else { Vec::new() }, reinspect: true }
    }

    /// Applies a fresh inspection of one container; returns the views that changed.
    pub fn apply_inspect(&mut self, container: ContainerStatus) -> Vec<Changed> {
        let new = Group::of(&container);
        // A container's labels never change, but a stub from an event may have guessed its group wrong.
        let old = self.containers.get(&container.id).map(Group::of).filter(|g| g != &new);
        let groups: Vec<Group> = old.into_iter().chain([new]).collect();
        let before: Vec<Changed> = groups.iter().map(|g| self.view(g)).collect();
        self.containers.insert(container.id.clone(), container);
        groups
            .iter()
            .zip(before)
            .filter_map(|(g, before)| {
                let after = self.view(g);
                (after != before).then_some(after)
            })
            .collect()
    }

    /// Forgets a container (destroyed, or gone when inspected); returns the views that changed.
    pub fn remove(&mut self, id: &str) -> Vec<Changed> {
        let Some(group) = self.containers.get(id).map(Group::of) else { return Vec::new() };
        let before = self.view(&group);
        self.containers.remove(id);
        let after = self.view(&group);
        if after != before {
            vec![after]
        } else {
            Vec::new()
        }
    }

    /// The view of one service (also for a service with no container).
    pub fn service(&self, name: &str) -> ServiceStatus {
        let containers = self.members(|c| c.region.is_none() && c.service == name);
        let s = Summary::of(&containers);
        ServiceStatus {
            name: name.to_string(),
            desired: self.selection.desired.contains(name),
            defined: self.selection.defined.iter().any(|d| d == name),
            state: s.state,
            health: s.health,
            restart_count: s.restart_count,
            exit_code: s.exit_code,
            ports: s.ports,
            containers,
        }
    }

    /// The view of one region (`notCreated` with no containers: the region is gone).
    pub fn region(&self, name: &str) -> RegionStatus {
        let containers = self.members(|c| c.region.as_deref() == Some(name));
        let s = Summary::of(&containers);
        RegionStatus {
            name: name.to_string(),
            state: s.state,
            health: s.health,
            restart_count: s.restart_count,
            exit_code: s.exit_code,
            ports: s.ports,
            containers,
        }
    }

    fn view(&self, group: &Group) -> Changed {
        match group {
            Group::Service(n) => Changed::Service(self.service(n)),
            Group::Region(n) => Changed::Region(self.region(n)),
        }
    }

    fn members(&self, pred: impl Fn(&ContainerStatus) -> bool) -> Vec<ContainerStatus> {
        let mut containers: Vec<ContainerStatus> =
            self.containers.values().filter(|c| pred(c)).cloned().collect();
        containers.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        containers
    }

    fn groups(&self) -> Vec<Group> {
        let services = self.service_names().into_iter().map(Group::Service);
        services.chain(self.region_names().into_iter().map(Group::Region)).collect()
    }

    fn all_views(&self) -> BTreeMap<Group, Changed> {
        self.groups().into_iter().map(|g| (g.clone(), self.view(&g))).collect()
    }

    fn changed_since(&self, before: &BTreeMap<Group, Changed>) -> Vec<Changed> {
        let mut groups = self.groups();
        for old in before.keys() {
            if !groups.contains(old) {
                groups.push(old.clone());
            }
        }
        groups
            .into_iter()
            .filter_map(|g| {
                let after = self.view(&g);
                (before.get(&g) != Some(&after)).then_some(after)
            })
            .collect()
    }
}

/// What a service or region shows of its (non one-off) containers: the worst state and health.
struct Summary {
    state: RunState,
    health: Health,
    restart_count: u32,
    exit_code: Option<i32>,
    ports: Vec<PublishedPort>,
}

impl Summary {
    fn of(containers: &[ContainerStatus]) -> Summary {
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
        Summary {
            state: worst.map_or(RunState::NotCreated, |c| c.state),
            health,
            restart_count: main.iter().map(|c| c.restart_count).sum(),
            exit_code: worst
                .filter(|c| matches!(c.state, RunState::Exited | RunState::Dead))
                .and_then(|c| c.exit_code),
            ports,
        }
    }
}

/// A container first seen in an event, until its inspection arrives.
fn stub(ev: &ContainerEvent) -> ContainerStatus {
    ContainerStatus {
        id: ev.id.clone(),
        name: ev.name.clone().unwrap_or_default().trim_start_matches('/').to_string(),
        service: ev.service.clone().unwrap_or_default(),
        region: ev.region.clone(),
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
        networks: Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::engine::view::ProbeResult;

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
        let mut c = stub(&event(id, "create", 0));
        c.service = service.to_string();
        c.name = format!("p-{service}-{id}");
        c.state = state;
        c.health = health;
        c
    }

    /// A container event of a Compose service's container (`database`).
    fn event(id: &str, action: &str, t: i64) -> ContainerEvent {
        let attributes = serde_json::json!({"com.docker.compose.service": "database", "name": "p-database", "exitCode": "137"});
        event_with(id, action, t, attributes)
    }

    fn event_with(id: &str, action: &str, t: i64, attributes: serde_json::Value) -> ContainerEvent {
        let msg: bollard::models::EventMessage = serde_json::from_value(serde_json::json!({
            "Type": "container", "Action": action, "timeNano": t, "Actor": {"ID": id, "Attributes": attributes}
        }))
        .unwrap();
        ContainerEvent::from_message(&msg).unwrap()
    }

    fn svc(c: &Changed) -> &ServiceStatus {
        match c {
            Changed::Service(s) => s,
            Changed::Region(r) => panic!("a region changed: {r:?}"),
        }
    }

    fn services(changed: &[Changed]) -> Vec<&ServiceStatus> {
        changed.iter().map(svc).collect()
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
        assert_eq!(
            services(&changed).iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["database", "orphan"]
        );
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
        assert_eq!(svc(&out.changed[0]).health, Health::Unhealthy);

        let mut inspected = container("a", "database", RunState::Running, Health::Unhealthy);
        inspected.failing_streak = 3;
        inspected.health_log =
            vec![ProbeResult { start: "s".into(), end: "e".into(), exit_code: 1, output: "404".into() }];
        let changed = s.apply_inspect(inspected.clone());
        assert_eq!(svc(&changed[0]).containers[0].health_log[0].output, "404");
        assert_eq!(s.apply_inspect(inspected), Vec::new(), "no change, no update");
    }

    #[test]
    fn die_sets_exit_code_and_start_resets_health() {
        let mut s = store();
        s.apply_snapshot(vec![container("a", "database", RunState::Running, Health::Healthy)], 100);
        let out = s.apply_event(&event("a", "die", 150));
        let v = svc(&out.changed[0]);
        assert_eq!((v.state, v.exit_code), (RunState::Exited, Some(137)));
        assert_eq!(v.health, Health::None, "health only counts for running containers");
        let out = s.apply_event(&event("a", "start", 160));
        let v = svc(&out.changed[0]);
        assert_eq!((v.state, v.health), (RunState::Running, Health::Starting));
        assert_eq!(v.exit_code, None);
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
        assert_eq!(svc(&out.changed[0]).state, RunState::Created);
        assert_eq!(svc(&out.changed[0]).containers[0].name, "p-database");
        let out = s.apply_event(&event("new", "destroy", 160));
        assert!(!out.reinspect);
        assert_eq!(svc(&out.changed[0]).state, RunState::NotCreated);
        assert!(s.remove("new").is_empty());
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
            services(&changed).iter().map(|c| (c.name.as_str(), c.desired)).collect::<Vec<_>>(),
            [("grafana", true)]
        );
    }

    fn region_container(id: &str, region: &str, service: &str, state: RunState) -> ContainerStatus {
        let mut c = container(id, service, state, Health::None);
        c.name = format!("{region}-{service}");
        c.region = Some(region.to_string());
        c
    }

    /// A container event of region `east`'s `db` container.
    fn region_event(id: &str, action: &str, t: i64) -> ContainerEvent {
        let attributes =
            serde_json::json!({"dev.dockmaster.region": "east", "service": "db", "name": "east-db"});
        event_with(id, action, t, attributes)
    }

    #[test]
    fn region_containers_group_per_region_not_per_service() {
        let mut s = store();
        let mut server = region_container("r1", "west", "server", RunState::Running);
        server.health = Health::Unhealthy;
        let changed = s.apply_snapshot(
            vec![
                container("a", "database", RunState::Running, Health::Healthy),
                server,
                region_container("r2", "west", "db", RunState::Exited),
            ],
            100,
        );
        let snap = s.snapshot();
        // The region's `db` service is not mistaken for a Compose service of the project.
        assert_eq!(
            snap.services.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
            ["database", "gameserver", "grafana"]
        );
        assert_eq!(snap.regions.len(), 1);
        let west = &snap.regions[0];
        assert_eq!(
            (west.name.as_str(), west.state, west.health),
            ("west", RunState::Exited, Health::Unhealthy)
        );
        assert_eq!(west.containers.iter().map(|c| c.service.as_str()).collect::<Vec<_>>(), ["db", "server"]);
        assert!(changed.contains(&Changed::Region(west.clone())));
    }

    #[test]
    fn region_appears_with_its_first_container_and_disappears_with_its_last() {
        let mut s = store();
        s.apply_snapshot(Vec::new(), 100);
        let out = s.apply_event(&region_event("r9", "create", 150));
        let Changed::Region(r) = &out.changed[0] else { panic!("{out:?}") };
        assert_eq!(
            (r.name.as_str(), r.state, r.containers[0].service.as_str()),
            ("east", RunState::Created, "db")
        );
        let out = s.apply_event(&region_event("r9", "start", 160));
        let Changed::Region(r) = &out.changed[0] else { panic!("{out:?}") };
        assert_eq!(r.state, RunState::Running);
        assert_eq!(s.snapshot().regions.len(), 1);
        let out = s.apply_event(&region_event("r9", "destroy", 170));
        let Changed::Region(r) = &out.changed[0] else { panic!("{out:?}") };
        assert_eq!((r.state, r.containers.len()), (RunState::NotCreated, 0));
        assert!(s.snapshot().regions.is_empty());
    }
}
