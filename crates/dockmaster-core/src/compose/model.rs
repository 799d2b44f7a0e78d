//! The typed Compose model the panel reasons about, read from the merged [`Node`] tree.
//!
//! Only the fields the panel shows or checks are typed; an entry it cannot read becomes an
//! [`EntryProblem`] (shown as a warning) instead of failing the whole project.

use indexmap::IndexMap;

use super::merge::to_mapping;
use super::node::{Node, Scalar};
use super::{mounts, ports};
use crate::report::{MountKind, MountView, PortBinding};

#[derive(Debug, Clone, Default)]
pub struct ComposeModel {
    /// Top-level `name:`.
    pub name: Option<String>,
    pub services: IndexMap<String, Service>,
    pub networks: IndexMap<String, NetworkDecl>,
    pub volumes: IndexMap<String, VolumeDecl>,
    pub problems: Vec<EntryProblem>,
}

/// An entry that could not be read, e.g. a malformed port.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryProblem {
    pub service: Option<String>,
    pub at: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Service {
    pub name: String,
    pub image: Option<String>,
    pub build: Option<Build>,
    pub container_name: Option<String>,
    pub profiles: Vec<String>,
    pub ports: Vec<PortBinding>,
    /// Networks by key; empty means the project's `default` network.
    pub networks: Vec<String>,
    pub mounts: Vec<MountView>,
    pub healthcheck: Option<Healthcheck>,
    pub depends_on: Vec<Dependency>,
    pub environment: Vec<EnvVar>,
    pub privileged: bool,
    pub network_mode: Option<String>,
    pub pid: Option<String>,
    pub cap_add: Vec<String>,
    pub restart: Option<String>,
    /// `command:` and `entrypoint:` as interpolated words (a string form is one word): what ends up in the
    /// container's argv, visible in `ps` and `docker inspect`.
    pub command: Vec<Scalar>,
    pub entrypoint: Vec<Scalar>,
}

#[derive(Debug, Clone, Default)]
pub struct Build {
    pub context: String,
    pub dockerfile: Option<String>,
    pub target: Option<String>,
    pub args: Vec<EnvVar>,
}

/// `NAME=value`, or `NAME` alone (value taken from the environment when Compose runs).
#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    pub value: Option<Scalar>,
}

#[derive(Debug, Clone, Default)]
pub struct Healthcheck {
    pub test: Vec<Scalar>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    pub start_period: Option<String>,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct Dependency {
    pub service: String,
    pub condition: String,
    pub required: bool,
}

#[derive(Debug, Clone, Default)]
pub struct NetworkDecl {
    pub name: Option<String>,
    pub driver: Option<String>,
    pub subnets: Vec<String>,
    pub external: bool,
}

#[derive(Debug, Clone, Default)]
pub struct VolumeDecl {
    pub name: Option<String>,
    pub driver: Option<String>,
    pub external: bool,
}

impl Service {
    /// Active for a selection: no `profiles` at all, or any of them selected.
    pub fn is_active(&self, selected: &[String]) -> bool {
        self.profiles.is_empty() || self.profiles.iter().any(|p| selected.contains(p))
    }

    /// Networks actually joined (the implicit `default` when none are listed and the mode allows it).
    pub fn effective_networks(&self) -> Vec<String> {
        if !self.networks.is_empty() {
            self.networks.clone()
        } else if self.network_mode.is_some() {
            Vec::new()
        } else {
            vec!["default".to_string()]
        }
    }

    /// Reasons this service reaches beyond its container.
    pub fn privilege_reasons(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        for m in &self.mounts {
            if m.kind == MountKind::Bind
                && m.source
                    .as_deref()
                    .is_some_and(|s| s.ends_with("docker.sock") || s.ends_with("podman.sock"))
            {
                reasons.push(format!(
                    "mounts the container engine socket {} (it can start and control any container on the host)",
                    m.source.as_deref().unwrap_or_default()
                ));
            }
        }
        if self.privileged {
            reasons.push("runs privileged (full access to the host's devices)".into());
        }
        if self.network_mode.as_deref() == Some("host") {
            reasons.push("uses the host's network stack".into());
        }
        if self.pid.as_deref() == Some("host") {
            reasons.push("shares the host's process namespace".into());
        }
        for cap in &self.cap_add {
            if matches!(cap.as_str(), "ALL" | "SYS_ADMIN" | "CAP_SYS_ADMIN" | "NET_ADMIN" | "CAP_NET_ADMIN") {
                reasons.push(format!("adds the {cap} capability"));
            }
        }
        reasons
    }
}

impl ComposeModel {
    pub fn from_node(root: &Node) -> Self {
        let mut model = ComposeModel { name: text(root.get("name")), ..Default::default() };
        if let Some(services) = root.get("services").and_then(Node::as_map) {
            for (name, node) in services {
                let service = read_service(name, node, &mut model.problems);
                model.services.insert(name.clone(), service);
            }
        }
        if let Some(networks) = root.get("networks").and_then(Node::as_map) {
            for (key, node) in networks {
                model.networks.insert(key.clone(), read_network(node));
            }
        }
        if let Some(volumes) = root.get("volumes").and_then(Node::as_map) {
            for (key, node) in volumes {
                model.volumes.insert(
                    key.clone(),
                    VolumeDecl {
                        name: text(node.get("name")),
                        driver: text(node.get("driver")),
                        external: is_external(node),
                    },
                );
            }
        }
        model
    }

    /// Names of every profile used by any service, in first-seen order.
    pub fn profile_names(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut names: Vec<String> = Vec::new();
        for s in self.services.values() {
            for p in &s.profiles {
                if seen.insert(p.as_str()) {
                    names.push(p.clone());
                }
            }
        }
        names
    }
}

fn text(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::scalar_text)
}

fn is_external(node: &Node) -> bool {
    match node.get("external") {
        Some(Node::Map(_)) => true,
        Some(n) => n.as_bool().unwrap_or(false),
        None => false,
    }
}

fn strings(node: Option<&Node>) -> Vec<String> {
    match node {
        Some(Node::Seq(items)) => items.iter().filter_map(Node::scalar_text).collect(),
        Some(n) => n.scalar_text().into_iter().collect(),
        None => Vec::new(),
    }
}

fn env_vars(node: Option<&Node>) -> Vec<EnvVar> {
    let Some(node) = node else { return Vec::new() };
    to_mapping(node.clone())
        .into_iter()
        .map(|(name, value)| EnvVar { name, value: value.as_scalar() })
        .collect()
}

/// A `command:`/`entrypoint:` value: the list's items, or the string as one item.
fn words(node: Option<&Node>) -> Vec<Scalar> {
    match node {
        Some(Node::Seq(items)) => items.iter().filter_map(Node::as_scalar).collect(),
        Some(n) => n.as_scalar().into_iter().collect(),
        None => Vec::new(),
    }
}

fn read_service(name: &str, node: &Node, problems: &mut Vec<EntryProblem>) -> Service {
    let mut problem = |at: String, message: String| {
        problems.push(EntryProblem { service: Some(name.to_string()), at, message });
    };
    let mut service = Service {
        name: name.to_string(),
        image: text(node.get("image")),
        container_name: text(node.get("container_name")),
        profiles: strings(node.get("profiles")),
        environment: env_vars(node.get("environment")),
        privileged: node.get("privileged").and_then(Node::as_bool).unwrap_or(false),
        network_mode: text(node.get("network_mode")),
        pid: text(node.get("pid")),
        cap_add: strings(node.get("cap_add")),
        restart: text(node.get("restart")),
        command: words(node.get("command")),
        entrypoint: words(node.get("entrypoint")),
        ..Default::default()
    };
    service.build = node.get("build").map(|b| match b {
        Node::Map(_) => Build {
            context: text(b.get("context")).unwrap_or_else(|| ".".into()),
            dockerfile: text(b.get("dockerfile")),
            target: text(b.get("target")),
            args: env_vars(b.get("args")),
        },
        other => Build { context: other.scalar_text().unwrap_or_else(|| ".".into()), ..Default::default() },
    });
    for (i, entry) in node.get("ports").and_then(Node::as_seq).unwrap_or_default().iter().enumerate() {
        match ports::parse_entry(entry) {
            Ok(bindings) => service.ports.extend(bindings),
            Err(e) => problem(format!("services.{name}.ports[{i}]"), e),
        }
    }
    for (i, entry) in node.get("volumes").and_then(Node::as_seq).unwrap_or_default().iter().enumerate() {
        match mounts::parse_entry(entry) {
            Ok(m) => service.mounts.push(m),
            Err(e) => problem(format!("services.{name}.volumes[{i}]"), e),
        }
    }
    if let Some(networks) = node.get("networks") {
        service.networks = to_mapping(networks.clone()).into_keys().collect();
    }
    if let Some(deps) = node.get("depends_on") {
        service.depends_on = to_mapping(deps.clone())
            .into_iter()
            .map(|(dep, spec)| Dependency {
                service: dep,
                condition: text(spec.get("condition")).unwrap_or_else(|| "service_started".into()),
                required: spec.get("required").and_then(Node::as_bool).unwrap_or(true),
            })
            .collect();
    }
    service.healthcheck = node.get("healthcheck").map(|hc| {
        let test: Vec<Scalar> = match hc.get("test") {
            Some(Node::Seq(items)) => items.iter().filter_map(Node::as_scalar).collect(),
            Some(n) => n.as_scalar().map(|s| vec![Scalar::plain("CMD-SHELL"), s]).unwrap_or_default(),
            None => Vec::new(),
        };
        let disabled = hc.get("disable").and_then(Node::as_bool).unwrap_or(false)
            || test.first().is_some_and(|t| t.value == "NONE");
        Healthcheck {
            test,
            interval: text(hc.get("interval")),
            timeout: text(hc.get("timeout")),
            retries: text(hc.get("retries")).and_then(|r| r.parse().ok()),
            start_period: text(hc.get("start_period")),
            disabled,
        }
    });
    service
}

fn read_network(node: &Node) -> NetworkDecl {
    let subnets = node
        .get("ipam")
        .and_then(|i| i.get("config"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| text(c.get("subnet")))
        .filter(|s| !s.is_empty())
        .collect();
    NetworkDecl {
        name: text(node.get("name")),
        driver: text(node.get("driver")),
        subnets,
        external: is_external(node),
    }
}
