//! A planned container as the engine's [`ContainerSpec`], with the real values (secrets included): mounts
//! as binds, tmpfs and anonymous volumes, the published port, limits, healthcheck, restart policy, the first
//! network with its aliases.

use std::time::Duration;

use crate::engine::ops::{
    ContainerSpec, Healthcheck, Labels, NetworkAttachment, PortBind, ResourceLimits, RestartPolicy,
};
use crate::region::plan::{PlannedContainer, Values};
use crate::secrets::Sensitive;

fn ms(ms: Option<u32>) -> Option<Duration> {
    ms.map(|m| Duration::from_millis(u64::from(m)))
}

/// A Compose `restart:` value (`on-failure:3`) as the engine's policy; anything unknown is `no`.
fn restart(text: &str) -> RestartPolicy {
    let (name, count) = text.split_once(':').unwrap_or((text, ""));
    let name = match name {
        "always" | "unless-stopped" | "on-failure" => name,
        _ => "no",
    };
    RestartPolicy { name: name.to_string(), max_retries: count.parse().ok() }
}

/// The create request for `c` with its rendered values `v` and `labels`.
pub(super) fn container_spec(c: &PlannedContainer, v: &Values, labels: Labels) -> ContainerSpec {
    let mut spec = ContainerSpec {
        name: c.name.clone(),
        image: c.image.clone(),
        cmd: v.command_real.clone().map(Sensitive::new),
        entrypoint: v.entrypoint_real.clone().map(Sensitive::new),
        env: v.env_real.iter().map(|(name, value)| (name.clone(), Sensitive::new(value.clone()))).collect(),
        labels,
        user: c.user.clone(),
        working_dir: c.working_dir.clone(),
        stop_timeout_s: c.stop_grace_seconds.map(i64::from),
        ports: c
            .ports
            .iter()
            .map(|p| PortBind {
                container_port: p.container_port,
                protocol: p.protocol.clone(),
                host_ip: p.host_ip.clone(),
                host_port: p.host_port,
            })
            .collect(),
        healthcheck: c.healthcheck.as_ref().map(|h| Healthcheck {
            test: Sensitive::new(v.health_real.clone().unwrap_or_default()),
            interval: ms(h.interval_ms),
            timeout: ms(h.timeout_ms),
            retries: h.retries.map(i64::from),
            start_period: ms(h.start_period_ms),
        }),
        limits: ResourceLimits {
            nano_cpus: (c.limits.cpus * 1e9).round() as i64,
            memory_bytes: i64::from(c.limits.memory_mb) * 1024 * 1024,
        },
        init: c.init,
        restart: c.restart.as_deref().map(restart),
        network: c
            .networks
            .first()
            .map(|n| NetworkAttachment { network: n.network.clone(), aliases: n.aliases.clone() }),
        ..Default::default()
    };
    for m in &c.mounts {
        match (m.kind.as_str(), &m.source) {
            ("bind" | "volume", Some(source)) => {
                spec.binds.push(format!("{source}:{}{}", m.target, if m.read_only { ":ro" } else { "" }))
            }
            ("tmpfs", _) => spec.tmpfs.push(m.target.clone()),
            _ => spec.anonymous_volumes.push(m.target.clone()),
        }
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_restart_values_become_engine_policies() {
        assert_eq!(
            restart("on-failure:3"),
            RestartPolicy { name: "on-failure".into(), max_retries: Some(3) }
        );
        assert_eq!(
            restart("unless-stopped"),
            RestartPolicy { name: "unless-stopped".into(), max_retries: None }
        );
        assert_eq!(restart("whatever").name, "no");
    }
}
