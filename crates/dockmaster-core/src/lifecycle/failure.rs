//! Why an operation failed, concretely: Compose's error text, the failing service, its last probe output
//! and its last log lines (read through the engine operations the supervisor lends), all masked.

use std::time::Duration;

use super::tracker::Tracker;
use super::types::{Failure, Outcome, Phase};
use crate::engine::ops::{EngineOps, TextMask};
use crate::engine::{ContainerStatus, EngineSnapshot, Health, RunState, ServiceStatus};
use crate::secrets::Masker;

/// How many log lines a failure carries.
pub const LOG_TAIL: usize = 20;
/// How long each engine read of the diagnosis may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// What is known when an operation has failed.
pub struct Evidence<'a> {
    pub outcome: Outcome,
    pub compose_text: &'a [String],
    pub exit_code: Option<i32>,
    pub timeout_s: u32,
    pub involved: &'a [String],
    pub snapshot: &'a EngineSnapshot,
    pub tracker: &'a Tracker,
}

/// The worst container of a service (unhealthy, exited, … first).
fn worst(s: &ServiceStatus) -> Option<&ContainerStatus> {
    s.containers
        .iter()
        .filter(|c| !c.one_off)
        .max_by_key(|c| (badness(c.state, c.health, c.exit_code), c.name.clone()))
}

fn badness(state: RunState, health: Health, exit_code: Option<i32>) -> u8 {
    match (state, health) {
        (RunState::Running, Health::Unhealthy) => 9,
        (RunState::Exited | RunState::Dead, _) if exit_code.unwrap_or(0) != 0 => 8,
        (RunState::Dead, _) => 8,
        (RunState::Restarting, _) => 7,
        (RunState::Running, Health::Starting) => 6,
        (RunState::Created, _) => 5,
        (RunState::NotCreated, _) => 4,
        (RunState::Exited, _) | (RunState::Paused, _) | (RunState::Removing, _) => 3,
        (RunState::Running, Health::None | Health::Healthy) => 0,
    }
}

/// Container names or ID prefixes the error text mentions (`container demo-db-1 is unhealthy`,
/// `Container "14350583937a" is unhealthy`, `endpoint demo-db (…)`).
fn mentioned_service(text: &[String], snapshot: &EngineSnapshot, tracker: &Tracker) -> Option<String> {
    for line in text.iter().rev() {
        let words: Vec<&str> = line.split_whitespace().collect();
        for pair in words.windows(2) {
            let key = pair[0].to_ascii_lowercase();
            if key != "container" && key != "endpoint" {
                continue;
            }
            let name =
                pair[1].trim_matches(|c: char| c == '"' || c == '\'' || c == ':' || c == ',' || c == '.');
            if name.is_empty() {
                continue;
            }
            if let Some(s) = tracker.service_of(name) {
                return Some(s);
            }
            // v1 names the container by a short ID.
            if name.len() >= 6 && name.chars().all(|c| c.is_ascii_hexdigit()) {
                for s in &snapshot.services {
                    if s.containers.iter().any(|c| c.id.starts_with(name)) {
                        return Some(s.name.clone());
                    }
                }
            }
        }
    }
    None
}

/// Picks the failing service and gathers its evidence.
pub async fn diagnose<E: EngineOps>(ev: Evidence<'_>, client: Option<&E>, masker: &Masker) -> Failure {
    let client = client.map(|e| e.with_timeout(READ_TIMEOUT));
    let client = client.as_ref();
    let services: Vec<&ServiceStatus> =
        ev.snapshot.services.iter().filter(|s| ev.involved.contains(&s.name)).collect();
    let by_phase = ev
        .involved
        .iter()
        .find(|s| matches!(ev.tracker.phase(s), Some(Phase::Failed | Phase::Unhealthy)))
        .cloned();
    let by_state = services
        .iter()
        .filter_map(|s| worst(s).map(|c| (badness(c.state, c.health, c.exit_code), s.name.clone())))
        .filter(|(b, _)| *b > 0)
        .max()
        .map(|(_, n)| n);
    let by_v1_subject = ev.compose_text.iter().rev().find_map(|l| super::progress::v1_error_subject(l));
    let service = mentioned_service(ev.compose_text, ev.snapshot, ev.tracker)
        .or(by_phase)
        .or(by_state)
        .or(by_v1_subject.and_then(|s| ev.tracker.service_of(&s)));
    let status = service.as_ref().and_then(|n| ev.snapshot.services.iter().find(|s| &s.name == n));
    let mut container = status.and_then(worst).cloned();
    // The store re-inspects on state changes only; probes that keep failing while `starting` change
    // nothing, so read the probe log fresh.
    if let (Some(engine), Some(c)) = (client, container.as_ref()) {
        if let Ok(now) = engine.inspect_container(&c.id, TextMask::With(masker)).await {
            container = Some(now.status);
        }
    }
    let container = container.as_ref();

    let mut probe = container.and_then(|c| c.health_log.last().cloned());
    if let Some(p) = probe.as_mut() {
        p.output = masker.mask_container(p.output.trim_end()).into_owned();
    }
    let logs = match (client, container) {
        (Some(engine), Some(c)) => last_logs(engine, &c.id, masker).await,
        _ => Vec::new(),
    };

    let text: Vec<&String> =
        ev.compose_text.iter().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
    let mut message = text.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n");
    let state_words = container.map(|c| {
        let state = serde_plain(&c.state);
        match c.health {
            Health::None => state,
            h => format!("{state}, health {}", serde_plain(&h)),
        }
    });
    if message.is_empty() {
        message = match (ev.outcome, &service) {
            (Outcome::TimedOut, Some(s)) => format!(
                "{s} was not healthy after {} s ({})",
                ev.timeout_s,
                state_words.clone().unwrap_or_else(|| "no container".into())
            ),
            (Outcome::TimedOut, None) => format!("the services were not healthy after {} s", ev.timeout_s),
            (_, Some(s)) => {
                format!("{s} failed ({})", state_words.clone().unwrap_or_else(|| "no container".into()))
            }
            (_, None) => match ev.exit_code {
                Some(code) => format!("Compose exited with status {code} and printed no error"),
                None => "Compose was stopped".to_string(),
            },
        };
    } else if let (Outcome::TimedOut, Some(s)) = (ev.outcome, &service) {
        message.push_str(&format!(
            "\n{s} was not healthy after {} s ({})",
            ev.timeout_s,
            state_words.clone().unwrap_or_else(|| "no container".into())
        ));
    }
    let hint = hint(ev.outcome, &message, container, probe.is_some());
    Failure {
        message,
        service,
        container: container.map(|c| c.name.clone()),
        state: container.map(|c| c.state),
        health: container.map(|c| c.health),
        probe,
        logs,
        hint,
    }
}

fn hint(outcome: Outcome, message: &str, container: Option<&ContainerStatus>, has_probe: bool) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("port is already allocated") || lower.contains("address already in use") {
        return "A host port is taken: run `dockmaster preflight` to see which one, who holds it and the variable \
                that moves it."
            .into();
    }
    if lower.contains("pool overlaps") {
        return "A network's subnet overlaps another Docker network: set the subnet variable (e.g. NEXUS_SUBNET) \
                to a free range."
            .into();
    }
    match (outcome, container.map(|c| (c.state, c.health))) {
        (Outcome::TimedOut, Some((RunState::Running, Health::Starting))) if has_probe => {
            "Its healthcheck has not passed yet: read the probe output and log lines above. If it only needs \
             longer, raise the timeout (--timeout)."
                .into()
        }
        (Outcome::TimedOut, _) => {
            "Raise the timeout (--timeout) if the services only need longer to start.".into()
        }
        (_, Some((RunState::Running, Health::Unhealthy))) => {
            "Its healthcheck fails: read the probe output and the log lines above, fix the service (or its \
             healthcheck), then start again."
                .into()
        }
        (_, Some((RunState::Exited | RunState::Dead | RunState::Restarting, _))) => {
            "It stopped or keeps restarting: its last log lines above say why.".into()
        }
        _ => "Fix what Compose reports above, then start again.".into(),
    }
}

fn serde_plain(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// The container's last [`LOG_TAIL`] log lines (stdout and stderr), masked; empty if they cannot be read.
pub async fn last_logs<E: EngineOps>(engine: &E, id: &str, masker: &Masker) -> Vec<String> {
    let text = engine.container_logs(id, LOG_TAIL).await.unwrap_or_default();
    if !masker.is_complete() {
        return vec![masker.mask_container(&text).into_owned()];
    }
    let lines: Vec<String> =
        text.lines().map(|l| masker.mask_str(l.trim_end_matches('\r')).into_owned()).collect();
    let skip = lines.len().saturating_sub(LOG_TAIL);
    lines.into_iter().skip(skip).collect()
}
