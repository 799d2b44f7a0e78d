//! The tint and menu tables: connection states, mixed service states, a deliberate stop, running operations.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::attention::problem::tests::{exited, service};
use crate::engine::{ConnectionView, EngineSnapshot, Health, RunState, ServiceStatus};

fn snapshot(connection: ConnectionView, synced: bool, services: Vec<ServiceStatus>) -> EngineSnapshot {
    EngineSnapshot { project: "demo".into(), connection, synced, services, regions: Vec::new() }
}

fn connected(services: Vec<ServiceStatus>) -> EngineSnapshot {
    snapshot(
        ConnectionView::connected("unix:///var/run/docker.sock", "1.45".into(), "26".into()),
        true,
        services,
    )
}

fn running(name: &str, health: Health) -> ServiceStatus {
    service(name, RunState::Running, health)
}

fn not_desired(mut s: ServiceStatus) -> ServiceStatus {
    s.desired = false;
    s
}

fn view(snap: &EngineSnapshot, op: Option<&str>) -> TrayView {
    let profiles = vec!["development".to_string()];
    TrayView::of(&TrayInput { snapshot: snap, profiles: &profiles, running: op, recently_crashed: &[] })
}

#[test]
fn tint_and_status_table() {
    use Health::{Healthy, None as NoCheck, Starting, Unhealthy};
    let sock = "unix:///var/run/docker.sock";
    let cases: Vec<(&str, EngineSnapshot, Option<&str>, Tint, &str)> = vec![
        (
            "first contact",
            snapshot(ConnectionView::connecting(sock), false, vec![]),
            None,
            Tint::Idle,
            "demo: connecting to Docker…",
        ),
        (
            "connected, not synced yet",
            snapshot(ConnectionView::connected(sock, "1".into(), "1".into()), false, vec![]),
            None,
            Tint::Idle,
            "demo: reading the engine's state…",
        ),
        (
            "engine down",
            snapshot(
                ConnectionView::unavailable(sock, "refused".into()),
                false,
                vec![running("db", Healthy)],
            ),
            None,
            Tint::Unavailable,
            "demo: the Docker engine is not available",
        ),
        (
            "reconnecting: last known state is not shown as current",
            snapshot(
                ConnectionView::reconnecting(sock, 2, 800, "lost".into()),
                false,
                vec![running("db", Unhealthy)],
            ),
            None,
            Tint::Unavailable,
            "demo: the Docker engine is not available",
        ),
        (
            "all healthy",
            connected(vec![running("db", Healthy), running("web", NoCheck)]),
            None,
            Tint::Healthy,
            "demo: all 2 services running",
        ),
        (
            "one service, healthy",
            connected(vec![running("db", Healthy)]),
            None,
            Tint::Healthy,
            "demo: its service is running",
        ),
        (
            "healthcheck still starting",
            connected(vec![running("db", Healthy), running("web", Starting)]),
            None,
            Tint::Starting,
            "demo: starting (1 of 2 ready)",
        ),
        (
            "an up is running",
            connected(vec![service("db", RunState::NotCreated, NoCheck)]),
            Some("up"),
            Tint::Starting,
            "demo: starting…",
        ),
        (
            "unhealthy beats starting",
            connected(vec![running("db", Unhealthy), running("web", Starting)]),
            None,
            Tint::Problem,
            "demo: db unhealthy",
        ),
        (
            "unhealthy during an up",
            connected(vec![running("db", Unhealthy)]),
            Some("up"),
            Tint::Problem,
            "demo: db unhealthy",
        ),
        (
            "exited unexpectedly",
            connected(vec![running("db", Healthy), exited("web", 1)]),
            None,
            Tint::Problem,
            "demo: web exited (code 1)",
        ),
        (
            "two problems",
            connected(vec![service("db", RunState::Restarting, NoCheck), exited("web", 2)]),
            None,
            Tint::Problem,
            "demo: 2 services need attention",
        ),
        (
            "a problem outside the selection counts",
            connected(vec![running("db", Healthy), not_desired(running("grafana", Unhealthy))]),
            None,
            Tint::Problem,
            "demo: grafana unhealthy",
        ),
        (
            "a healthy service outside the selection does not make it healthy",
            connected(vec![
                service("db", RunState::NotCreated, NoCheck),
                not_desired(running("grafana", Healthy)),
            ]),
            None,
            Tint::Stopped,
            "demo: stopped",
        ),
        (
            "deliberate stop: SIGTERM",
            connected(vec![exited("db", 143), exited("web", 0)]),
            None,
            Tint::Stopped,
            "demo: stopped",
        ),
        (
            "deliberate stop: SIGKILL after the timeout",
            connected(vec![exited("db", 137)]),
            None,
            Tint::Stopped,
            "demo: stopped",
        ),
        (
            "never started",
            connected(vec![service("db", RunState::NotCreated, NoCheck)]),
            None,
            Tint::Stopped,
            "demo: stopped",
        ),
        (
            "partly running, the rest stopped on purpose",
            connected(vec![running("db", Healthy), exited("web", 143)]),
            None,
            Tint::Stopped,
            "demo: 1 of 2 running",
        ),
        (
            "paused is up but not healthy",
            connected(vec![service("db", RunState::Paused, NoCheck)]),
            None,
            Tint::Stopped,
            "demo: paused",
        ),
        ("empty selection", connected(vec![]), None, Tint::Stopped, "demo: no service selected"),
        (
            "a stop is running",
            connected(vec![running("db", Healthy)]),
            Some("stop"),
            Tint::Healthy,
            "demo: stopping…",
        ),
        (
            "a region apply",
            connected(vec![running("db", Healthy)]),
            Some("region create eu"),
            Tint::Healthy,
            "demo: creating region eu…",
        ),
    ];
    for (what, snap, op, tint, status) in cases {
        let v = view(&snap, op);
        assert_eq!((v.tint, v.status.as_str()), (tint, status), "{what}");
        assert_eq!(v.menu.first(), Some(&MenuEntry::Status(status.to_string())), "{what}: status line first");
    }
}

/// (label, enabled) of the Start and Stop entries.
fn start_stop(v: &TrayView) -> [(String, bool); 2] {
    let find = |want: MenuAction| {
        v.menu
            .iter()
            .find_map(|e| match e {
                MenuEntry::Action { action, label, enabled } if *action == want => {
                    Some((label.clone(), *enabled))
                }
                _ => None,
            })
            .unwrap()
    };
    [find(MenuAction::Start), find(MenuAction::Stop)]
}

#[test]
fn start_and_stop_enabled_by_state() {
    use Health::{Healthy, Unhealthy};
    let none = service("db", RunState::NotCreated, Health::None);
    let cases: Vec<(&str, EngineSnapshot, Option<&str>, bool, bool)> = vec![
        ("nothing runs", connected(vec![none.clone()]), None, true, false),
        ("all up", connected(vec![running("db", Healthy)]), None, false, true),
        ("some up", connected(vec![running("db", Healthy), exited("web", 143)]), None, true, true),
        (
            "up but unhealthy: start would not fix it",
            connected(vec![running("db", Unhealthy)]),
            None,
            false,
            true,
        ),
        (
            "restarting counts as up",
            connected(vec![service("db", RunState::Restarting, Health::None)]),
            None,
            false,
            true,
        ),
        ("crashed: start it again", connected(vec![exited("db", 1)]), None, true, false),
        (
            "an operation runs",
            connected(vec![running("db", Healthy), none.clone()]),
            Some("up"),
            false,
            false,
        ),
        ("empty selection", connected(vec![]), None, false, false),
        (
            "engine down",
            snapshot(ConnectionView::unavailable("x", "refused".into()), false, vec![running("db", Healthy)]),
            None,
            false,
            false,
        ),
        (
            "not synced yet",
            snapshot(ConnectionView::connected("x", "1".into(), "1".into()), false, vec![none]),
            None,
            false,
            false,
        ),
    ];
    for (what, snap, op, start, stop) in cases {
        let v = view(&snap, op);
        assert_eq!(
            start_stop(&v),
            [("Start development".to_string(), start), ("Stop development".to_string(), stop)],
            "{what}"
        );
    }
}

#[test]
fn the_menu_lists_the_services_in_trouble_each_opening_the_window_on_it() {
    let snap = connected(vec![
        running("web", Health::Unhealthy),
        running("db", Health::Healthy),
        exited("api", 1),
        exited("cache", 143),
    ]);
    let v = view(&snap, None);
    let act = |a: MenuAction, l: &str, e: bool| MenuEntry::Action { action: a, label: l.into(), enabled: e };
    assert_eq!(
        v.menu,
        vec![
            MenuEntry::Status("demo: 2 services need attention".into()),
            MenuEntry::Separator,
            act(MenuAction::ShowWindow, "Show Dockmaster", true),
            act(MenuAction::Start, "Start development", true),
            act(MenuAction::Stop, "Stop development", true),
            MenuEntry::Separator,
            act(MenuAction::ShowService("api".into()), "api: exited (code 1)", true),
            act(MenuAction::ShowService("web".into()), "web: unhealthy", true),
            MenuEntry::Separator,
            act(MenuAction::Quit, "Quit Dockmaster", true),
        ]
    );
}

#[test]
fn a_service_that_crashed_a_moment_ago_is_in_trouble_while_it_runs_again() {
    let snap = connected(vec![running("looper", Health::None), running("db", Health::Healthy)]);
    let profiles = vec!["development".to_string()];
    let crashed = vec!["looper".to_string(), "gone".to_string()];
    let v = TrayView::of(&TrayInput {
        snapshot: &snap,
        profiles: &profiles,
        running: None,
        recently_crashed: &crashed,
    });
    assert_eq!((v.tint, v.status.as_str()), (Tint::Problem, "demo: looper restarted after a crash"));
    assert!(v.menu.contains(&MenuEntry::Action {
        action: MenuAction::ShowService("looper".into()),
        label: "looper: restarted after a crash".into(),
        enabled: true,
    }));
    // Stopped on purpose since: no longer in trouble.
    let snap = connected(vec![exited("looper", 143), running("db", Health::Healthy)]);
    let v = TrayView::of(&TrayInput {
        snapshot: &snap,
        profiles: &profiles,
        running: None,
        recently_crashed: &crashed,
    });
    assert_eq!(v.tint, Tint::Stopped);
}

#[test]
fn no_project_offers_show_and_quit() {
    let v = TrayView::no_project();
    assert_eq!(v.tint, Tint::Idle);
    let actions: Vec<_> = v
        .menu
        .iter()
        .filter_map(|e| match e {
            MenuEntry::Action { action, .. } => Some(action.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(actions, vec![MenuAction::ShowWindow, MenuAction::Quit]);
}

#[test]
fn the_selection_names_its_profiles() {
    let snap = connected(vec![service("db", RunState::NotCreated, Health::None)]);
    let two = vec!["development".to_string(), "monitoring".to_string()];
    let v =
        TrayView::of(&TrayInput { snapshot: &snap, profiles: &two, running: None, recently_crashed: &[] });
    assert_eq!(start_stop(&v)[0].0, "Start development, monitoring");
    let v = TrayView::of(&TrayInput { snapshot: &snap, profiles: &[], running: None, recently_crashed: &[] });
    assert_eq!(start_stop(&v)[1].0, "Stop the default services");
}

#[test]
fn menu_ids_round_trip() {
    for a in [
        MenuAction::ShowWindow,
        MenuAction::Start,
        MenuAction::Stop,
        MenuAction::Quit,
        MenuAction::ShowService("game-server_1".into()),
    ] {
        assert_eq!(MenuAction::parse(&a.id()), Some(a.clone()), "{a:?}");
    }
    assert_eq!(MenuAction::parse("service:"), None);
    assert_eq!(MenuAction::parse("something else"), None);
}
