//! Between bollard's models and Dockmaster's engine types: errors (404/304/409 mapped here, once), inspect
//! and list answers into [`ContainerInfo`] and friends, a [`ContainerSpec`] into the create request.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, ContainerSummaryStateEnum, EndpointSettings, HealthConfig,
    HostConfig, Mount, MountType, NetworkingConfig, PortBinding, RestartPolicy as BollardRestart,
    RestartPolicyNameEnum,
};

use super::{
    ContainerInfo, ContainerSpec, ContainerSummary, Healthcheck, ListedPort, MountInfo, NetworkAttachment,
    OpError, OpErrorKind, PortBind, ResourceLimits, RestartPolicy, SpecMount, TextMask, Words,
};
use crate::engine::inspect::{container_status, own_env_masker};
use crate::secrets::Sensitive;

/// A bollard error as an [`OpError`]: the engine's own message with its HTTP status, or the transport
/// failure with its causes.
pub(super) fn op_error(e: &bollard::errors::Error) -> OpError {
    if let bollard::errors::Error::DockerResponseServerError { status_code, message } = e {
        let kind = match status_code {
            404 => OpErrorKind::NotFound,
            304 => OpErrorKind::NotModified,
            409 => OpErrorKind::Conflict,
            _ => OpErrorKind::Failed,
        };
        return OpError::new(kind, format!("{} (HTTP {status_code})", message.trim()));
    }
    OpError::new(OpErrorKind::Failed, crate::engine::client::full_text(e))
}

fn nanos(d: Option<i64>) -> Option<Duration> {
    d.map(|n| Duration::from_nanos(u64::try_from(n).unwrap_or(0)))
}

fn to_nanos(d: Option<Duration>) -> Option<i64> {
    d.map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn words(w: Option<Vec<String>>) -> Option<Words> {
    w.map(Sensitive::new)
}

/// An inspect answer in Dockmaster's types; `None` when it has no ID (never for a real engine).
pub(super) fn container_info(c: &ContainerInspectResponse, mask: TextMask<'_>) -> Option<ContainerInfo> {
    let status = match mask {
        TextMask::OwnEnvironment => container_status(c, &own_env_masker(c))?,
        TextMask::With(masker) => container_status(c, masker)?,
    };
    let cfg = c.config.clone().unwrap_or_default();
    let host = c.host_config.clone().unwrap_or_default();
    let env = cfg
        .env
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.split_once('=').map(|(k, v)| (k.to_string(), Sensitive::new(v.to_string()))))
        .collect();
    let mut ports = Vec::new();
    for (key, bindings) in host.port_bindings.clone().unwrap_or_default() {
        let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
        for b in bindings.unwrap_or_default() {
            ports.push(PortBind {
                container_port: port.parse().unwrap_or(0),
                protocol: proto.to_string(),
                host_ip: b.host_ip.unwrap_or_default(),
                host_port: b.host_port.and_then(|p| p.parse().ok()).unwrap_or(0),
            });
        }
    }
    ports.sort();
    let mut networks: Vec<NetworkAttachment> = c
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|(network, e)| NetworkAttachment { network, aliases: e.aliases.unwrap_or_default() })
        .collect();
    networks.sort_by(|a, b| a.network.cmp(&b.network));
    Some(ContainerInfo {
        id: status.id.clone(),
        name: status.name.clone(),
        image: cfg.image.unwrap_or_default(),
        labels: cfg.labels.unwrap_or_default().into_iter().collect(),
        env,
        cmd: words(cfg.cmd),
        entrypoint: words(cfg.entrypoint),
        mounts: c
            .mounts
            .iter()
            .flatten()
            .map(|m| MountInfo {
                kind: m.typ.clone().unwrap_or_default(),
                name: m.name.clone(),
                source: m.source.clone(),
                destination: m.destination.clone().unwrap_or_default(),
                read_only: m.rw == Some(false),
            })
            .collect(),
        binds: host.binds.clone().unwrap_or_default(),
        spec_mounts: host
            .mounts
            .iter()
            .flatten()
            .map(|m| SpecMount {
                kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
                source: m.source.clone(),
                target: m.target.clone(),
            })
            .collect(),
        ports,
        networks,
        restart: host
            .restart_policy
            .as_ref()
            .and_then(|r| Some((r.name?.to_string(), r.maximum_retry_count)))
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, max_retries)| RestartPolicy { name, max_retries }),
        limits: ResourceLimits {
            nano_cpus: host.nano_cpus.unwrap_or(0),
            memory_bytes: host.memory.unwrap_or(0),
        },
        healthcheck: cfg.healthcheck.and_then(|h| {
            Some(Healthcheck {
                test: Sensitive::new(h.test?),
                interval: nanos(h.interval),
                timeout: nanos(h.timeout),
                retries: h.retries,
                start_period: nanos(h.start_period),
            })
        }),
        user: cfg.user.filter(|u| !u.is_empty()),
        working_dir: cfg.working_dir.filter(|w| !w.is_empty()),
        init: host.init.unwrap_or(false),
        stop_timeout_s: cfg.stop_timeout,
        status,
    })
}

/// A list entry in Dockmaster's types.
pub(super) fn container_summary(c: bollard::models::ContainerSummary) -> ContainerSummary {
    ContainerSummary {
        id: c.id.unwrap_or_default(),
        name: c
            .names
            .unwrap_or_default()
            .first()
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_default(),
        labels: c.labels.unwrap_or_default().into_iter().collect(),
        running: c.state == Some(ContainerSummaryStateEnum::RUNNING),
        ports: c
            .ports
            .unwrap_or_default()
            .into_iter()
            .map(|p| ListedPort {
                ip: p.ip,
                public_port: p.public_port,
                protocol: p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into()),
            })
            .collect(),
    }
}

fn restart_name(name: &str) -> RestartPolicyNameEnum {
    match name {
        "always" => RestartPolicyNameEnum::ALWAYS,
        "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
        "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
        _ => RestartPolicyNameEnum::NO,
    }
}

/// A container's endpoint on a network: its extra DNS names there.
pub(super) fn endpoint(aliases: &[String]) -> EndpointSettings {
    EndpointSettings { aliases: Some(aliases.to_vec()).filter(|a| !a.is_empty()), ..Default::default() }
}

/// The engine's create request for `spec`, with the real values (secrets included).
pub(super) fn create_body(spec: &ContainerSpec) -> ContainerCreateBody {
    let mut port_bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    let mut exposed = Vec::new();
    for p in &spec.ports {
        let key = format!("{}/{}", p.container_port, p.protocol);
        exposed.push(key.clone());
        port_bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding { host_ip: Some(p.host_ip.clone()), host_port: Some(p.host_port.to_string()) });
    }
    exposed.dedup();
    let tmpfs: HashMap<String, String> = spec.tmpfs.iter().map(|t| (t.clone(), String::new())).collect();
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: spec.cmd.as_ref().map(|w| w.expose().clone()),
        entrypoint: spec.entrypoint.as_ref().map(|w| w.expose().clone()),
        env: Some(spec.env.iter().map(|(name, value)| format!("{name}={}", value.expose())).collect()),
        labels: Some(spec.labels.clone().into_iter().collect()),
        user: spec.user.clone(),
        working_dir: spec.working_dir.clone(),
        stop_timeout: spec.stop_timeout_s,
        exposed_ports: Some(exposed).filter(|e| !e.is_empty()),
        volumes: Some(spec.anonymous_volumes.clone()).filter(|a| !a.is_empty()),
        healthcheck: spec.healthcheck.as_ref().map(|h| HealthConfig {
            test: Some(h.test.expose().clone()),
            interval: to_nanos(h.interval),
            timeout: to_nanos(h.timeout),
            retries: h.retries,
            start_period: to_nanos(h.start_period),
            ..Default::default()
        }),
        host_config: Some(HostConfig {
            binds: Some(spec.binds.clone()).filter(|b| !b.is_empty()),
            mounts: Some(
                spec.host_mounts
                    .iter()
                    .map(|m| Mount {
                        typ: Some(MountType::BIND),
                        source: Some(m.source.clone()),
                        target: Some(m.target.clone()),
                        read_only: Some(m.read_only),
                        ..Default::default()
                    })
                    .collect::<Vec<_>>(),
            )
            .filter(|m| !m.is_empty()),
            tmpfs: Some(tmpfs).filter(|t| !t.is_empty()),
            port_bindings: Some(port_bindings).filter(|p| !p.is_empty()),
            memory: Some(spec.limits.memory_bytes),
            nano_cpus: Some(spec.limits.nano_cpus),
            init: Some(spec.init).filter(|i| *i),
            restart_policy: spec.restart.as_ref().map(|r| BollardRestart {
                name: Some(restart_name(&r.name)),
                maximum_retry_count: r.max_retries,
            }),
            ..Default::default()
        }),
        networking_config: spec.network.as_ref().map(|n| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(n.network.clone(), endpoint(&n.aliases))])),
        }),
        ..Default::default()
    }
}
