//! Host ports: every port the started services publish must be free, or the preflight names who holds it
//! (a container of this project or another, a local process, or someone it cannot see) and the variable that
//! moves it.

use super::{Input, ENGINE_TIMEOUT};
use crate::engine::ops::{EngineOps, LabelFilter};
use crate::engine::DockerEngine;
use crate::lifecycle::ports::{self, bind_ip};
use crate::lifecycle::types::{HolderKind, PortHolder, PreflightCode, PreflightIssue};
use crate::report::PortBinding;

/// A published container port as the engine lists it.
struct Published {
    container: String,
    project: Option<String>,
    service: Option<String>,
    ip: std::net::IpAddr,
    port: u16,
    protocol: String,
}

async fn published(engine: &DockerEngine) -> Vec<Published> {
    let Ok(list) = engine.with_timeout(ENGINE_TIMEOUT).list_containers(&LabelFilter::all(), false).await
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in list {
        for p in c.ports {
            let Some(port) = p.public_port else { continue };
            out.push(Published {
                container: c.name.clone(),
                project: c.labels.get(crate::labels::COMPOSE_PROJECT).cloned(),
                service: c.labels.get(crate::labels::COMPOSE_SERVICE).cloned(),
                ip: bind_ip(p.ip.as_deref()),
                port,
                protocol: p.protocol,
            });
        }
    }
    out
}

pub(super) async fn check_ports(input: &Input<'_>, problems: &mut Vec<PreflightIssue>) -> Vec<String> {
    let engine_ports = match &input.engine {
        Ok(engine) => published(engine).await,
        Err(_) => Vec::new(),
    };
    let project = input.project.name();
    let mut checked = Vec::new();
    for name in input.involved {
        let Some(service) = input.resolved.model.services.get(name) else { continue };
        for binding in &service.ports {
            let Some(first) = binding.host_port else { continue };
            let last = binding.host_port_end.unwrap_or(first).max(first);
            let ip = bind_ip(binding.host_ip.as_deref());
            let proto = binding.protocol.to_ascii_lowercase();
            checked.push(if first == last {
                format!("{ip}:{first}/{proto}")
            } else {
                format!("{ip}:{first}-{last}/{proto}")
            });
            // A range is fine while one of its ports is free.
            let mut holder: Option<(u16, PortHolder)> = None;
            for port in first..=last {
                match port_holder(&engine_ports, project, name, ip, port, &proto, input.endpoint.is_local()) {
                    Some(h) => holder = holder.or(Some((port, h))),
                    None => {
                        holder = None;
                        break;
                    }
                }
            }
            if let Some((port, h)) = holder {
                let local = input.endpoint.is_local();
                let free = |p| port_holder(&engine_ports, project, name, ip, p, &proto, local).is_none();
                let instead = ports::free_port_near(port, &ports::ephemeral_range(), free);
                problems.push(port_issue(name, binding, port, h, instead));
            }
        }
    }
    checked
}

/// `None` when `ip:port` is free for `service` (or already published by this service's own container). On a
/// remote engine (`local` false) only that engine's containers count: this machine's sockets say nothing there.
fn port_holder(
    engine: &[Published],
    project: &str,
    service: &str,
    ip: std::net::IpAddr,
    port: u16,
    proto: &str,
    local: bool,
) -> Option<PortHolder> {
    let mut own = false;
    for p in engine.iter().filter(|p| p.port == port && p.protocol == proto && ports::overlaps(p.ip, ip)) {
        if p.project.as_deref() == Some(project) && p.service.as_deref() == Some(service) {
            own = true;
            continue;
        }
        let description = match (&p.project, &p.service) {
            (Some(pr), Some(s)) if pr == project => {
                format!("container {} (service {s} of this project)", p.container)
            }
            (Some(pr), Some(s)) => format!("container {} (project {pr}, service {s})", p.container),
            _ => format!("container {}", p.container),
        };
        return Some(PortHolder {
            kind: HolderKind::Container,
            description,
            container: Some(p.container.clone()),
            project: p.project.clone(),
            service: p.service.clone(),
            pid: None,
            process: None,
        });
    }
    if own || !local || ports::can_bind(ip, port, proto) {
        return None;
    }
    let owners = ports::owners(port, proto);
    match owners.first() {
        Some(o) => {
            let also =
                if owners.len() > 1 { format!(" and {} more", owners.len() - 1) } else { String::new() };
            let description = if o.name == "docker-proxy" {
                format!(
                    "docker-proxy (PID {}){also}, for a container of another engine or one being removed",
                    o.pid
                )
            } else {
                format!("process {} (PID {}){also}", o.name, o.pid)
            };
            Some(PortHolder {
                kind: HolderKind::Process,
                description,
                container: None,
                project: None,
                service: None,
                pid: Some(o.pid),
                process: Some(o.name.clone()),
            })
        }
        None => Some(PortHolder {
            kind: HolderKind::Unknown,
            description:
                "something this user cannot see (another user's process, or another network namespace)".into(),
            container: None,
            project: None,
            service: None,
            pid: None,
            process: None,
        }),
    }
}

/// `instead`: a free port to suggest in the fix, when the port comes from a variable.
fn port_issue(
    service: &str,
    b: &PortBinding,
    port: u16,
    holder: PortHolder,
    instead: Option<u16>,
) -> PreflightIssue {
    let ip = b.host_ip.clone().unwrap_or_else(|| "0.0.0.0".into());
    let message = format!(
        "Host port {ip}:{port}/{} that {service} publishes (container port {}) is taken by {}.",
        b.protocol, b.container_port, holder.description
    );
    let stop = match holder.kind {
        HolderKind::Container => format!("Stop {}", holder.container.as_deref().unwrap_or("that container")),
        HolderKind::Process => format!("Stop {}", holder.description),
        HolderKind::Unknown => "Free the port".to_string(),
    };
    let fix = match &b.variable {
        Some(var) => {
            let example = instead.map(|p| format!(", e.g. {var}={p}")).unwrap_or_default();
            format!("{stop}, or move {service} to another host port: set {var} in .env or the environment{example}.")
        }
        None => format!("{stop}, or change the `ports:` entry of {service} in the Compose file."),
    };
    PreflightIssue {
        code: PreflightCode::PortTaken,
        message,
        window_fix: fix.clone(),
        fix,
        remedy: None,
        service: Some(service.to_string()),
        variable: b.variable.clone(),
        rule: None,
        port: Some(port),
        holder: Some(holder),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_engine_ignores_this_machines_sockets() {
        #[allow(clippy::unwrap_used)]
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        #[allow(clippy::unwrap_used)]
        let port = held.local_addr().unwrap().port();
        let ip = bind_ip(Some("127.0.0.1"));
        assert!(port_holder(&[], "p", "web", ip, port, "tcp", true).is_some(), "held here, local engine");
        assert!(
            port_holder(&[], "p", "web", ip, port, "tcp", false).is_none(),
            "remote engine: not this host's"
        );
        let theirs = Published {
            container: "other-web".into(),
            project: Some("other".into()),
            service: Some("web".into()),
            ip,
            port,
            protocol: "tcp".into(),
        };
        let holder = port_holder(&[theirs], "p", "web", ip, port, "tcp", false);
        assert!(
            holder.is_some_and(|h| h.description.contains("other-web")),
            "the remote engine's containers count"
        );
    }
}
