//! Waiting until a container is healthy (running, without a healthcheck), woken by its engine events.

use std::time::Duration;

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::engine::ops::{EngineOps, TextMask};
use crate::engine::{Health, RunState};

/// How often to inspect again without an event (a safety net).
const REINSPECT: Duration = Duration::from_secs(2);

/// Waits until the container is healthy (running, without a healthcheck), following its events; fails
/// when it exits, turns unhealthy, `health_timeout` passes, or `cancel` fires (then the `bool` is true).
pub(crate) async fn wait_healthy<E: EngineOps>(
    engine: &E,
    id: &str,
    health_timeout: Duration,
    cancel: &CancellationToken,
) -> Result<String, (String, bool)> {
    let deadline = tokio::time::Instant::now() + health_timeout;
    // Subscribed before the first inspect, so no change between the two is missed.
    let mut events = engine.container_events(id);
    let mut events_open = true;
    loop {
        let s = engine
            .inspect_container(id, TextMask::OwnEnvironment)
            .await
            .map_err(|e| (e.message, false))?
            .status;
        let last_probe = || {
            s.health_log
                .last()
                .map(|p| format!(" (last probe exited {}: {})", p.exit_code, p.output.trim()))
                .unwrap_or_default()
        };
        match (s.state, s.health) {
            (RunState::Running, Health::Healthy) => return Ok("healthy".into()),
            (RunState::Running, Health::None) => return Ok("running (no healthcheck)".into()),
            (RunState::Running, Health::Unhealthy) => {
                return Err((format!("{} is unhealthy{}", s.name, last_probe()), false))
            }
            (RunState::Exited | RunState::Dead, _) => {
                return Err((
                    format!(
                        "{} exited{}{}",
                        s.name,
                        s.exit_code.map(|c| format!(" with code {c}")).unwrap_or_default(),
                        s.error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
                    ),
                    false,
                ))
            }
            _ => {}
        }
        tokio::select! {
            event = events.next(), if events_open => events_open = event.is_some(),
            _ = tokio::time::sleep(REINSPECT) => {}
            _ = tokio::time::sleep_until(deadline) => {
                let health = serde_json::to_value(s.health).ok().and_then(|v| v.as_str().map(String::from));
                return Err((
                    format!(
                        "{} did not become healthy within {} s (health: {}){}",
                        s.name,
                        health_timeout.as_secs(),
                        health.unwrap_or_default(),
                        last_probe()
                    ),
                    false,
                ));
            }
            _ = cancel.cancelled() => return Err(("cancelled".into(), true)),
        }
    }
}
