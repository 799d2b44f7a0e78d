//! The tray: one tint and one menu for the open project, from its engine snapshot, the profiles on screen and
//! the operation running (if any).
//!
//! The tint, first rule that applies:
//! 1. **idle** — no project open, or the first contact with the engine is still under way;
//! 2. **unavailable** — the engine cannot be reached (unavailable, or reconnecting after a loss);
//! 3. **problem** — any of the project's services (in the selection or not) is unhealthy, exited with a code a
//!    deliberate stop does not leave, dead, restarting (see [`problem_of`]), or runs again after a crash less
//!    than a minute ago (a crash loop between two crashes);
//! 4. **starting** — an `up`/`start`/`restart` is running, or a service of the selection runs while its
//!    healthcheck is still starting;
//! 5. **healthy** — every service of the selection runs, healthy or without a healthcheck (at least one);
//! 6. **stopped** — anything else: nothing is wrong and nothing is starting, but not all of the selection runs
//!    (none, some stopped on purpose or never created, or the selection is empty). A deliberate stop is never
//!    an alarm.

use serde::Serialize;

use super::problem::{is_healthy, is_up, problem_of, Problem};
use crate::engine::{ConnectionStatus, EngineSnapshot, Health, RunState};

/// The tray icon's tint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Tint {
    Idle,
    Healthy,
    Starting,
    Problem,
    Stopped,
    Unavailable,
}

impl Tint {
    pub const ALL: [Tint; 6] =
        [Tint::Idle, Tint::Healthy, Tint::Starting, Tint::Problem, Tint::Stopped, Tint::Unavailable];
}

/// What a menu entry does when clicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuAction {
    /// Show (and focus) the window.
    ShowWindow,
    /// Start the selection (`up --wait`, with the preflight).
    Start,
    /// Stop the selection.
    Stop,
    /// Show the window on this service.
    ShowService(String),
    /// Quit Dockmaster.
    Quit,
}

const SERVICE_PREFIX: &str = "service:";

impl MenuAction {
    /// The menu item's id.
    pub fn id(&self) -> String {
        match self {
            MenuAction::ShowWindow => "show".into(),
            MenuAction::Start => "start".into(),
            MenuAction::Stop => "stop".into(),
            MenuAction::ShowService(name) => format!("{SERVICE_PREFIX}{name}"),
            MenuAction::Quit => "quit".into(),
        }
    }

    /// The action of a menu item's id (`None`: not one of the tray's).
    pub fn parse(id: &str) -> Option<MenuAction> {
        match id {
            "show" => Some(MenuAction::ShowWindow),
            "start" => Some(MenuAction::Start),
            "stop" => Some(MenuAction::Stop),
            "quit" => Some(MenuAction::Quit),
            _ => id
                .strip_prefix(SERVICE_PREFIX)
                .filter(|name| !name.is_empty())
                .map(|name| MenuAction::ShowService(name.to_string())),
        }
    }
}

/// One line of the tray menu, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuEntry {
    /// What the tint means, in words (not clickable; on Linux the tray shows no tooltip).
    Status(String),
    Action {
        action: MenuAction,
        label: String,
        enabled: bool,
    },
    Separator,
}

/// The tray as it should look now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayView {
    pub tint: Tint,
    /// The status line (also the tooltip where the desktop shows one).
    pub status: String,
    pub menu: Vec<MenuEntry>,
}

/// What the tray is made from.
#[derive(Debug, Clone, Copy)]
pub struct TrayInput<'a> {
    pub snapshot: &'a EngineSnapshot,
    /// The profiles on screen (whose services are the snapshot's desired ones).
    pub profiles: &'a [String],
    /// The operation running on the project from this process (`up`, `region create eu`…).
    pub running: Option<&'a str>,
    /// Services that crashed a moment ago ([`super::Notifier::recently_crashed`]): in trouble even while
    /// they run again (a crash loop between two crashes).
    pub recently_crashed: &'a [String],
}

fn action(action: MenuAction, label: impl Into<String>, enabled: bool) -> MenuEntry {
    MenuEntry::Action { action, label: label.into(), enabled }
}

/// "Start development, monitoring"; "Start the default services" without profiles.
fn selection_label(verb: &str, profiles: &[String]) -> String {
    if profiles.is_empty() {
        format!("{verb} the default services")
    } else {
        format!("{verb} {}", profiles.join(", "))
    }
}

/// "starting…" for `up`, "creating region eu…" for a region apply.
fn running_words(running: &str) -> String {
    let word = match running {
        "up" | "start" => "starting",
        "stop" => "stopping",
        "restart" => "restarting",
        "down" => "removing",
        "pull" => "pulling images",
        "build" => "building images",
        other => match other.strip_prefix("region create ") {
            Some(region) => return format!("creating region {region}…"),
            None => return format!("`{other}` running…"),
        },
    };
    format!("{word}…")
}

fn starts_services(running: &str) -> bool {
    matches!(running, "up" | "start" | "restart")
}

impl TrayView {
    /// No project is open: the plain icon, Show and Quit.
    pub fn no_project() -> TrayView {
        let status = "No project open".to_string();
        TrayView {
            tint: Tint::Idle,
            menu: vec![
                MenuEntry::Status(status.clone()),
                MenuEntry::Separator,
                action(MenuAction::ShowWindow, "Show Dockmaster", true),
                MenuEntry::Separator,
                action(MenuAction::Quit, "Quit Dockmaster", true),
            ],
            status,
        }
    }

    /// The tray for the open project.
    pub fn of(input: &TrayInput) -> TrayView {
        let snap = input.snapshot;
        let project = &snap.project;
        let connected = snap.connection.status == ConnectionStatus::Connected;
        let desired: Vec<_> = snap.services.iter().filter(|s| s.desired).collect();
        let up = desired.iter().filter(|s| is_up(s)).count();
        let running = desired.iter().filter(|s| s.state == RunState::Running).count();
        let healthy = desired.iter().filter(|s| is_healthy(s)).count();
        let crashed = |name: &str| input.recently_crashed.iter().any(|c| c == name);
        let mut problems: Vec<_> = snap
            .services
            .iter()
            .filter_map(|s| {
                let recent = (is_up(s) && crashed(&s.name)).then_some(Problem::Restarted);
                problem_of(s).or(recent).map(|p| (s.name.clone(), p))
            })
            .collect();
        problems.sort_by(|a, b| a.0.cmp(&b.0));
        let health_starting =
            desired.iter().any(|s| s.state == RunState::Running && s.health == Health::Starting);
        let start_running = input.running.is_some_and(starts_services);

        let (tint, status) = match snap.connection.status {
            ConnectionStatus::Connecting => (Tint::Idle, format!("{project}: connecting to Docker…")),
            ConnectionStatus::Unavailable | ConnectionStatus::Reconnecting => {
                (Tint::Unavailable, format!("{project}: the Docker engine is not available"))
            }
            ConnectionStatus::Connected if !snap.synced => {
                (Tint::Idle, format!("{project}: reading the engine's state…"))
            }
            ConnectionStatus::Connected => {
                let tint = if !problems.is_empty() {
                    Tint::Problem
                } else if start_running || health_starting {
                    Tint::Starting
                } else if !desired.is_empty() && healthy == desired.len() {
                    Tint::Healthy
                } else {
                    Tint::Stopped
                };
                let words = match (tint, input.running, problems.as_slice()) {
                    (Tint::Problem, _, [(name, problem)]) => format!("{name} {}", problem.label()),
                    (Tint::Problem, _, many) => format!("{} services need attention", many.len()),
                    (_, Some(running), _) => running_words(running),
                    (Tint::Starting, None, _) => format!("starting ({healthy} of {} ready)", desired.len()),
                    (Tint::Healthy, None, _) if desired.len() == 1 => "its service is running".to_string(),
                    (Tint::Healthy, None, _) => format!("all {} services running", desired.len()),
                    _ if desired.is_empty() => "no service selected".to_string(),
                    _ if up == 0 => "stopped".to_string(),
                    _ if running == 0 => "paused".to_string(),
                    _ => format!("{running} of {} running", desired.len()),
                };
                (tint, format!("{project}: {words}"))
            }
        };

        let ready = connected && snap.synced && input.running.is_none();
        let mut menu = vec![
            MenuEntry::Status(status.clone()),
            MenuEntry::Separator,
            action(MenuAction::ShowWindow, "Show Dockmaster", true),
            action(MenuAction::Start, selection_label("Start", input.profiles), ready && up < desired.len()),
            action(MenuAction::Stop, selection_label("Stop", input.profiles), ready && up > 0),
        ];
        if connected && !problems.is_empty() {
            menu.push(MenuEntry::Separator);
            for (name, problem) in &problems {
                menu.push(action(
                    MenuAction::ShowService(name.clone()),
                    format!("{name}: {}", problem.label()),
                    true,
                ));
            }
        }
        menu.push(MenuEntry::Separator);
        menu.push(action(MenuAction::Quit, "Quit Dockmaster", true));
        TrayView { tint, status, menu }
    }
}

#[cfg(test)]
#[path = "tray_tests.rs"]
mod tests;
