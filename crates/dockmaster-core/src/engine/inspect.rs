//! Turns `docker inspect` output into a [`ContainerStatus`]: state, health with probe log, ports, exit code.

use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum, HealthStatusEnum};

use super::event::{region_of, service_of, ONEOFF_LABEL};
use super::view::{ContainerStatus, Health, ProbeResult, PublishedPort, RunState};
use crate::secrets::Masker;

/// Longest probe output kept (the engine already caps it at 4 KiB).
const MAX_OUTPUT: usize = 4096;

/// `None` when the response has no ID (never for a real engine). Probe output and the container's error text
/// come from the container: they are masked with `masker` (withheld when it is incomplete) before they are kept.
pub fn container_status(c: &ContainerInspectResponse, masker: &Masker) -> Option<ContainerStatus> {
    let id = c.id.clone()?;
    let labels = c.config.as_ref().and_then(|cfg| cfg.labels.clone()).unwrap_or_default();
    let state = c.state.clone().unwrap_or_default();
    let health = state.health.clone().unwrap_or_default();
    let has_check = c
        .config
        .as_ref()
        .and_then(|cfg| cfg.healthcheck.as_ref())
        .and_then(|h| h.test.as_ref())
        .is_some_and(|t| t.first().is_some_and(|f| f != "NONE"));
    let health_status = match health.status {
        Some(HealthStatusEnum::HEALTHY) => Health::Healthy,
        Some(HealthStatusEnum::UNHEALTHY) => Health::Unhealthy,
        Some(HealthStatusEnum::STARTING) => Health::Starting,
        _ if has_check && state.health.is_none() => Health::Starting,
        _ => Health::None,
    };
    let run_state = match state.status {
        Some(ContainerStateStatusEnum::RUNNING) => RunState::Running,
        Some(ContainerStateStatusEnum::PAUSED) => RunState::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => RunState::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => RunState::Removing,
        Some(ContainerStateStatusEnum::EXITED) | Some(ContainerStateStatusEnum::STOPPING) => RunState::Exited,
        Some(ContainerStateStatusEnum::DEAD) => RunState::Dead,
        _ => RunState::Created,
    };
    let never_started = state.started_at.as_deref().is_none_or(|s| s.starts_with("0001-"));
    let time = |t: Option<String>| t.filter(|s| !s.is_empty() && !s.starts_with("0001-"));
    let mut ports: Vec<PublishedPort> = Vec::new();
    for (key, bindings) in c.network_settings.as_ref().and_then(|n| n.ports.as_ref()).into_iter().flatten() {
        let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
        let Ok(container_port) = port.parse::<u16>() else { continue };
        for b in bindings.iter().flatten() {
            let Some(host_port) = b.host_port.as_deref().and_then(|p| p.parse::<u16>().ok()) else {
                continue;
            };
            ports.push(PublishedPort {
                container_port,
                protocol: proto.to_string(),
                host_ip: b.host_ip.clone().unwrap_or_default(),
                host_port,
            });
        }
    }
    ports.sort();
    ports.dedup();
    let mut networks: Vec<String> = c
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|n| n.keys().cloned().collect())
        .unwrap_or_default();
    networks.sort();
    let name = c.name.clone().unwrap_or_default().trim_start_matches('/').to_string();
    let region = region_of(&labels);
    let service = service_of(&labels).or_else(|| region.as_ref().map(|_| name.clone())).unwrap_or_default();
    Some(ContainerStatus {
        name,
        service,
        region,
        one_off: labels.get(ONEOFF_LABEL).is_some_and(|v| v.eq_ignore_ascii_case("true")),
        image: c.config.as_ref().and_then(|cfg| cfg.image.clone()).unwrap_or_default(),
        state: run_state,
        health: health_status,
        failing_streak: clamp_u32(health.failing_streak.unwrap_or_default()),
        health_log: health
            .log
            .unwrap_or_default()
            .into_iter()
            .map(|r| ProbeResult {
                start: r.start.unwrap_or_default(),
                end: r.end.unwrap_or_default(),
                exit_code: clamp_i32(r.exit_code.unwrap_or_default()),
                output: truncate(masker.mask_container(&r.output.unwrap_or_default()).into_owned()),
            })
            .collect(),
        restart_count: clamp_u32(c.restart_count.unwrap_or_default()),
        exit_code: if never_started { None } else { state.exit_code.map(clamp_i32) },
        oom_killed: state.oom_killed.unwrap_or_default(),
        error: state.error.filter(|e| !e.is_empty()).map(|e| masker.mask_container(&e).into_owned()),
        started_at: time(state.started_at),
        finished_at: time(state.finished_at),
        ports,
        networks,
        id,
    })
}

/// A masker of the secrets in the container's own environment (see
/// [`crate::secrets::gather::from_env_entries`]), for containers that belong to no gathered project set.
pub fn own_env_masker(c: &ContainerInspectResponse) -> Masker {
    let env = c.config.as_ref().and_then(|cfg| cfg.env.as_deref()).unwrap_or_default();
    Masker::from_set(&crate::secrets::gather::from_env_entries(env.iter().map(String::as_str)))
}

fn clamp_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

fn clamp_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_OUTPUT {
        let mut end = MAX_OUTPUT;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn inspect(v: serde_json::Value) -> ContainerInspectResponse {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn unhealthy_running_container_with_ports_and_probe_log() {
        let c = inspect(serde_json::json!({
            "Id": "abc", "Name": "/p-db", "RestartCount": 2,
            "State": {"Status": "running", "ExitCode": 0, "OOMKilled": false, "Error": "",
                "StartedAt": "2024-01-01T00:00:00.1Z", "FinishedAt": "0001-01-01T00:00:00Z",
                "Health": {"Status": "unhealthy", "FailingStreak": 3, "Log": [
                    {"Start": "s", "End": "e", "ExitCode": 1, "Output": "wget: server returned error: HTTP/1.0 404 Not Found\n"}]}},
            "Config": {"Image": "img", "Labels": {"com.docker.compose.service": "database", "com.docker.compose.oneoff": "False"},
                "Healthcheck": {"Test": ["CMD-SHELL", "true"]}},
            "NetworkSettings": {"Ports": {
                "5432/tcp": [{"HostIp": "127.0.0.1", "HostPort": "20001"}],
                "9000/tcp": null,
                "53/udp": [{"HostIp": "0.0.0.0", "HostPort": "20053"}, {"HostIp": "::", "HostPort": "20053"}]}}
        }));
        let s = container_status(&c, &Masker::none()).unwrap();
        assert_eq!((s.name.as_str(), s.service.as_str(), s.one_off), ("p-db", "database", false));
        assert_eq!(
            (s.state, s.health, s.failing_streak, s.restart_count),
            (RunState::Running, Health::Unhealthy, 3, 2)
        );
        assert_eq!(s.health_log[0].exit_code, 1);
        assert!(s.health_log[0].output.contains("404"));
        assert_eq!(s.exit_code, Some(0));
        assert_eq!(s.finished_at, None);
        assert_eq!(
            s.ports
                .iter()
                .map(|p| (p.container_port, p.protocol.as_str(), p.host_ip.as_str(), p.host_port))
                .collect::<Vec<_>>(),
            vec![(53, "udp", "0.0.0.0", 20053), (53, "udp", "::", 20053), (5432, "tcp", "127.0.0.1", 20001)]
        );
    }

    #[test]
    fn created_container_has_no_exit_code_and_starting_health() {
        let c = inspect(serde_json::json!({
            "Id": "abc", "Name": "/x",
            "State": {"Status": "created", "ExitCode": 0, "StartedAt": "0001-01-01T00:00:00Z"},
            "Config": {"Labels": {}, "Healthcheck": {"Test": ["CMD", "true"]}}
        }));
        let s = container_status(&c, &Masker::none()).unwrap();
        assert_eq!(
            (s.state, s.health, s.exit_code, s.started_at),
            (RunState::Created, Health::Starting, None, None)
        );
    }

    #[test]
    fn region_container_groups_by_region_and_manager_service() {
        let c = inspect(serde_json::json!({
            "Id": "abc", "Name": "/r1-server",
            "State": {"Status": "running", "StartedAt": "2024-01-01T00:00:00Z"},
            "Config": {"Labels": {"dev.dockmaster.region": "r1", "dev.dockmaster.project": "p",
                "region": "r1", "service": "server", "owner": "u"}}
        }));
        let s = container_status(&c, &Masker::none()).unwrap();
        assert_eq!((s.region.as_deref(), s.service.as_str()), (Some("r1"), "server"));
        assert!(s.networks.is_empty());
        let c = inspect(serde_json::json!({
            "Id": "abc", "Name": "/r1-server", "Config": {"Labels": {"dev.dockmaster.region": "r1"}},
            "NetworkSettings": {"Networks": {"sw_regional-network": {}, "region-r1-net": {}}}
        }));
        let s = container_status(&c, &Masker::none()).unwrap();
        assert_eq!(s.networks, ["region-r1-net", "sw_regional-network"], "the networks it is on, sorted");
        let c = inspect(serde_json::json!({
            "Id": "abc", "Name": "/r1-db", "Config": {"Labels": {"dev.dockmaster.region": "r1"}}
        }));
        let s = container_status(&c, &Masker::none()).unwrap();
        assert_eq!((s.region.as_deref(), s.service.as_str()), (Some("r1"), "r1-db"));
    }

    /// Issue 14, finding 1: a healthcheck that echoed `$JWT_SECRET` printed the keychain's value.
    #[test]
    fn probe_output_and_error_text_are_masked_before_they_are_kept() {
        let value = crate::secrets::Sensitive::new("jwt-marker-0123456789".to_string());
        let masker = Masker::new([("JWT_SECRET", &value)]);
        let c = inspect(serde_json::json!({
            "Id": "abc", "Name": "/x",
            "State": {"Status": "running", "Error": "exec failed: token jwt-marker-0123456789",
                "Health": {"Status": "unhealthy", "Log": [
                    {"Start": "s", "End": "e", "ExitCode": 1, "Output": "JWT=jwt-marker-0123456789\n"}]}},
            "Config": {"Healthcheck": {"Test": ["CMD-SHELL", "echo $JWT_SECRET"]}}
        }));
        let s = container_status(&c, &masker).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("jwt-marker"), "{json}");
        assert!(s.health_log[0].output.contains("[JWT_SECRET hidden]"));
        assert!(s.error.unwrap().contains("[JWT_SECRET hidden]"));
        let unknown = container_status(&c, &Masker::withholding("secrets not read yet")).unwrap();
        assert_eq!(unknown.health_log[0].output, "[output hidden: secrets not read yet]");
    }

    #[test]
    fn killed_container_keeps_exit_code() {
        let c = inspect(serde_json::json!({
            "Id": "abc", "Name": "/x",
            "State": {"Status": "exited", "ExitCode": 137, "StartedAt": "2024-01-01T00:00:00Z", "FinishedAt": "2024-01-01T00:01:00Z"},
            "Config": {"Healthcheck": {"Test": ["NONE"]}}
        }));
        let s = container_status(&c, &Masker::none()).unwrap();
        assert_eq!((s.state, s.health, s.exit_code), (RunState::Exited, Health::None, Some(137)));
    }
}
