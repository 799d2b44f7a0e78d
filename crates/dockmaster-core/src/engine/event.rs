//! Engine container events, reduced to what the store needs, and the server-side filters that select them.

use std::collections::HashMap;

use bollard::models::EventMessage;

use super::view::Health;
use crate::labels;

/// The container actions the store reacts to (never `exec_*`: healthchecks emit three of those per probe).
pub const WATCHED_ACTIONS: &[&str] = &[
    "create",
    "start",
    "die",
    "stop",
    "kill",
    "pause",
    "unpause",
    "restart",
    "destroy",
    "health_status",
    "oom",
    "rename",
];

pub const PROJECT_LABEL: &str = labels::COMPOSE_PROJECT;
pub const SERVICE_LABEL: &str = labels::COMPOSE_SERVICE;
pub const ONEOFF_LABEL: &str = labels::COMPOSE_ONEOFF;

/// The label filters of the containers the store follows, one entry per subscription (and per list at
/// resync): the project's Compose containers, and its region containers (created outside Compose, tied to
/// the project by Dockmaster's labels). The engine ANDs the label filters of one request, so "in Compose
/// project P, or a region of P" takes two.
pub fn label_scopes(project: &str) -> [Vec<String>; 2] {
    [
        vec![labels::filter(labels::COMPOSE_PROJECT, project)],
        vec![labels::filter(labels::PROJECT, project), labels::REGION.to_string()],
    ]
}

/// Server-side filters for one scope's container events (see [`label_scopes`]): only the watched actions.
pub fn scope_event_filters(label_filters: Vec<String>) -> HashMap<String, Vec<String>> {
    HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        ("label".to_string(), label_filters),
        ("event".to_string(), WATCHED_ACTIONS.iter().map(|a| a.to_string()).collect()),
    ])
}

/// Server-side filters for one project's Compose container events.
pub fn event_filters(project: &str) -> HashMap<String, Vec<String>> {
    let [compose, _] = label_scopes(project);
    scope_event_filters(compose)
}

/// Server-side filters for one project's region container events.
pub fn region_event_filters(project: &str) -> HashMap<String, Vec<String>> {
    let [_, regions] = label_scopes(project);
    scope_event_filters(regions)
}

/// The region a container belongs to (Dockmaster's region label), if any.
pub fn region_of(labels: &HashMap<String, String>) -> Option<String> {
    labels.get(labels::REGION).filter(|r| !r.is_empty()).cloned()
}

/// The service a container runs: for a region container the region-manager's `service` label, else
/// Compose's service label.
pub fn service_of(labels: &HashMap<String, String>) -> Option<String> {
    let manager =
        region_of(labels).and_then(|_| labels.get(labels::MANAGER_SERVICE).filter(|s| !s.is_empty()));
    manager.or_else(|| labels.get(labels::COMPOSE_SERVICE)).cloned()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    Start,
    Restart,
    Die,
    Stop,
    Kill,
    Pause,
    Unpause,
    Destroy,
    Oom,
    Rename,
    Health(Health),
    Other,
}

/// One container event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEvent {
    pub id: String,
    /// The action as the engine wrote it (`health_status: healthy`).
    pub raw_action: String,
    pub action: Action,
    pub time_nano: i64,
    pub name: Option<String>,
    /// The service (see [`service_of`]); a region container without a service label is named by itself.
    pub service: Option<String>,
    /// The region of a region container ([`region_of`]).
    pub region: Option<String>,
    pub one_off: bool,
    pub image: Option<String>,
    pub exit_code: Option<i32>,
}

impl ContainerEvent {
    /// `None` for events without a container ID (never sent with the filters above).
    pub fn from_message(msg: &EventMessage) -> Option<ContainerEvent> {
        let actor = msg.actor.as_ref()?;
        let id = actor.id.clone().filter(|i| !i.is_empty())?;
        let attrs = actor.attributes.clone().unwrap_or_default();
        let raw_action = msg.action.clone().unwrap_or_default();
        let time_nano = msg.time_nano.or(msg.time.map(|t| t * 1_000_000_000)).unwrap_or_default();
        let name = attrs.get("name").cloned();
        let region = region_of(&attrs);
        let service = service_of(&attrs).or_else(|| region.as_ref().and(name.clone()));
        Some(ContainerEvent {
            id,
            action: parse_action(&raw_action),
            raw_action,
            time_nano,
            name,
            service,
            region,
            one_off: attrs.get(ONEOFF_LABEL).is_some_and(|v| v.eq_ignore_ascii_case("true")),
            image: attrs.get("image").cloned(),
            exit_code: attrs.get("exitCode").and_then(|c| c.parse().ok()),
        })
    }
}

fn parse_action(action: &str) -> Action {
    if let Some(status) = action.strip_prefix("health_status") {
        let status = status.trim_start_matches(':').trim();
        return Action::Health(match status {
            "healthy" => Health::Healthy,
            "unhealthy" => Health::Unhealthy,
            "starting" => Health::Starting,
            _ => Health::None,
        });
    }
    match action {
        "create" => Action::Create,
        "start" => Action::Start,
        "restart" => Action::Restart,
        "die" => Action::Die,
        "stop" => Action::Stop,
        "kill" => Action::Kill,
        "pause" => Action::Pause,
        "unpause" => Action::Unpause,
        "destroy" => Action::Destroy,
        "oom" => Action::Oom,
        "rename" => Action::Rename,
        _ => Action::Other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn msg(action: &str, attrs: serde_json::Value) -> EventMessage {
        serde_json::from_value(serde_json::json!({
            "Type": "container", "Action": action, "time": 1700000000, "timeNano": 1700000000123456789i64,
            "Actor": {"ID": "abc123", "Attributes": attrs}
        }))
        .unwrap()
    }

    #[test]
    fn health_and_die_events() {
        let e = ContainerEvent::from_message(&msg(
            "health_status: unhealthy",
            serde_json::json!({"name": "p-db"}),
        ))
        .unwrap();
        assert_eq!(e.action, Action::Health(Health::Unhealthy));
        assert_eq!(e.time_nano, 1_700_000_000_123_456_789);
        assert_eq!(e.name.as_deref(), Some("p-db"));

        let e = ContainerEvent::from_message(&msg(
            "die",
            serde_json::json!({"exitCode": "137", SERVICE_LABEL: "db", ONEOFF_LABEL: "False"}),
        ))
        .unwrap();
        assert_eq!(
            (e.action, e.exit_code, e.service.as_deref(), e.one_off),
            (Action::Die, Some(137), Some("db"), false)
        );
    }

    #[test]
    fn filters_exclude_exec_events() {
        let f = event_filters("demo");
        assert_eq!(f["label"], vec!["com.docker.compose.project=demo"]);
        assert!(f["event"].iter().all(|a| !a.starts_with("exec")));
        assert!(f["event"].contains(&"health_status".to_string()));
    }

    #[test]
    fn region_filters_need_both_dockmaster_labels() {
        let f = region_event_filters("demo");
        assert_eq!(f["label"], vec!["dev.dockmaster.project=demo", "dev.dockmaster.region"]);
        assert_eq!(f["type"], vec!["container"]);
        assert_eq!(f["event"], event_filters("demo")["event"]);
    }

    #[test]
    fn region_events_carry_region_and_manager_service() {
        let e = ContainerEvent::from_message(&msg(
            "start",
            serde_json::json!({"name": "r1-server", labels::REGION: "r1", labels::MANAGER_SERVICE: "server",
                SERVICE_LABEL: "regional-server-template"}),
        ))
        .unwrap();
        assert_eq!((e.region.as_deref(), e.service.as_deref()), (Some("r1"), Some("server")));
        // No service label at all: the container is its own service.
        let e = ContainerEvent::from_message(&msg(
            "start",
            serde_json::json!({"name": "r1-db", labels::REGION: "r1"}),
        ))
        .unwrap();
        assert_eq!((e.region.as_deref(), e.service.as_deref()), (Some("r1"), Some("r1-db")));
        // Outside a region the `service` label means nothing to Dockmaster.
        let e = ContainerEvent::from_message(&msg(
            "start",
            serde_json::json!({labels::MANAGER_SERVICE: "x", SERVICE_LABEL: "db"}),
        ))
        .unwrap();
        assert_eq!((e.region, e.service.as_deref()), (None, Some("db")));
    }
}
