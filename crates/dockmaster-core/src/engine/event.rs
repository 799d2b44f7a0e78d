//! Engine container events, reduced to what the store needs, and the server-side filter that selects them.

use std::collections::HashMap;

use bollard::models::EventMessage;

use super::view::Health;

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

pub const PROJECT_LABEL: &str = "com.docker.compose.project";
pub const SERVICE_LABEL: &str = "com.docker.compose.service";
pub const ONEOFF_LABEL: &str = "com.docker.compose.oneoff";

/// Server-side filters for one project's container events.
// TODO(issue 3): a second subscription for region containers created outside Compose (by their own label).
pub fn event_filters(project: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        ("label".to_string(), vec![format!("{PROJECT_LABEL}={project}")]),
        ("event".to_string(), WATCHED_ACTIONS.iter().map(|a| a.to_string()).collect()),
    ])
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
    pub service: Option<String>,
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
        Some(ContainerEvent {
            id,
            action: parse_action(&raw_action),
            raw_action,
            time_nano,
            name: attrs.get("name").cloned(),
            service: attrs.get(SERVICE_LABEL).cloned(),
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
}
