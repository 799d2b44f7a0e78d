//! Preflight before `up`: the engine answers, Compose is there, every published host port is free (or the
//! holder and the variable that moves it are named), required variables are set and valid (the keychain
//! counts), the selection has no static error, and the host has the memory and disk the selection needs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::ports::{self, bind_ip};
use super::types::{
    ComposeInfo, HolderKind, PortHolder, PreflightCode, PreflightIssue, PreflightReport, ResourceCheck,
};
use crate::compose::merge::merge_all;
use crate::compose::node::Node;
use crate::engine::error::START_HINT;
use crate::engine::ops::{EngineOps, LabelFilter};
use crate::engine::{DockerEngine, Endpoint, Transport};
use crate::project::{Project, Resolved};
use crate::report::{PortBinding, Severity, WarningCode};
use crate::secrets::catalog::{Catalog, VariableSource};
use crate::secrets::rules::{Level, RuleKind};

/// Memory assumed for a service that declares no limit or reservation.
pub const MEMORY_FLOOR_MIB: u32 = 64;
/// Free disk below which the preflight warns / blocks.
pub const DISK_WARN_MIB: u32 = 1024;
pub const DISK_BLOCK_MIB: u32 = 100;

const ENGINE_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything the preflight looks at, gathered by the caller.
pub struct Input<'a> {
    pub project: &'a Project,
    pub profiles: &'a [String],
    pub resolved: &'a Resolved,
    /// The services started (the ones asked for and their dependencies), in model order.
    pub involved: &'a [String],
    /// Services were named explicitly (else the whole selection is started).
    pub explicit: bool,
    pub compose: Result<ComposeInfo, String>,
    /// The engine's client, or why it cannot be reached.
    pub engine: Result<DockerEngine, String>,
    pub endpoint: &'a Endpoint,
    /// The variable catalog (with the keychain's view), if it could be built.
    pub catalog: Option<&'a Catalog>,
}

fn issue(code: PreflightCode, message: String, fix: String) -> PreflightIssue {
    PreflightIssue { code, message, fix, service: None, variable: None, rule: None, port: None, holder: None }
}

pub async fn check(input: Input<'_>) -> PreflightReport {
    let mut problems: Vec<PreflightIssue> = Vec::new();
    let mut warnings: Vec<PreflightIssue> = Vec::new();

    if let Err(why) = &input.engine {
        problems.push(issue(
            PreflightCode::EngineUnavailable,
            format!("The Docker engine is unavailable: {why}"),
            START_HINT.to_string(),
        ));
    }
    if let Err(why) = &input.compose {
        problems.push(issue(
            PreflightCode::ComposeMissing,
            why.clone(),
            super::error::INSTALL_HINT.to_string(),
        ));
    }
    selection(&input, &mut problems);
    let ports_checked = check_ports(&input, &mut problems).await;
    variables(&input, &mut problems, &mut warnings);
    let memory = memory(&input, &mut problems, &mut warnings);
    let disk = disk(&input, &mut problems, &mut warnings).await;

    PreflightReport {
        project: input.project.name().to_string(),
        profiles: input.profiles.to_vec(),
        services: input.involved.to_vec(),
        compose: input.compose.ok(),
        ok: problems.is_empty(),
        problems,
        warnings,
        ports_checked,
        memory,
        disk,
    }
}

/// The selection's error-level static warnings (dangling `depends_on`, `${VAR:?}` unset, two services on
/// one host port…): Compose would refuse them.
fn selection(input: &Input<'_>, problems: &mut Vec<PreflightIssue>) {
    // Variables the keychain holds reach Compose's child: the report must not call them unset.
    let held: Vec<String> = input
        .catalog
        .map(|c| {
            c.groups
                .iter()
                .flat_map(|g| &g.variables)
                .filter(|v| v.source == VariableSource::Keychain)
                .map(|v| v.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let Ok(report) = input.project.report_with_keychain(input.profiles, &held) else { return };
    for w in report.warnings.iter().filter(|w| w.severity == Severity::Error) {
        if !w.services.is_empty() && !w.services.iter().any(|s| input.involved.contains(s)) {
            continue;
        }
        // The variable checks below say the same with the rule and the fix.
        if w.code == WarningCode::RequiredVariableUnset
            && w.variables.iter().all(|v| {
                input
                    .catalog
                    .and_then(|c| c.variable(v))
                    .is_some_and(|v| v.findings.iter().any(|f| f.level == Level::Error))
            })
        {
            continue;
        }
        let mut i = issue(
            PreflightCode::SelectionInvalid,
            w.message.clone(),
            w.hint.clone().unwrap_or_else(|| "Fix the Compose file or the selection.".into()),
        );
        i.service = w.services.first().cloned();
        i.variable = w.variables.first().cloned();
        problems.push(i);
    }
}

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

async fn check_ports(input: &Input<'_>, problems: &mut Vec<PreflightIssue>) -> Vec<String> {
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
                problems.push(port_issue(name, binding, port, h));
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

fn free_port_suggestion() -> Option<u16> {
    std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok().map(|a| a.port())
}

fn port_issue(service: &str, b: &PortBinding, port: u16, holder: PortHolder) -> PreflightIssue {
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
            let example = free_port_suggestion().map(|p| format!(", e.g. {var}={p}")).unwrap_or_default();
            format!("{stop}, or move {service} to another host port: set {var} in .env or the environment{example}.")
        }
        None => format!("{stop}, or change the `ports:` entry of {service} in the Compose file."),
    };
    PreflightIssue {
        code: PreflightCode::PortTaken,
        message,
        fix,
        service: Some(service.to_string()),
        variable: b.variable.clone(),
        rule: None,
        port: Some(port),
        holder: Some(holder),
    }
}

fn variables(input: &Input<'_>, problems: &mut Vec<PreflightIssue>, warnings: &mut Vec<PreflightIssue>) {
    let Some(catalog) = input.catalog else { return };
    let keychain_down = !catalog.keychain.available;
    let mut unknown: Vec<String> = Vec::new();
    for v in catalog.groups.iter().flat_map(|g| &g.variables) {
        let needed = if input.explicit {
            v.used_by.iter().any(|s| input.involved.contains(s))
        } else {
            v.used_by_selection
        };
        if !needed {
            continue;
        }
        if v.source == VariableSource::Unknown {
            if v.required {
                unknown.push(v.name.clone());
            }
            continue;
        }
        for f in &v.findings {
            let fix = variable_fix(&v.name, v.secret, f.rule, v.generator.is_some());
            let mut i = issue(PreflightCode::VariableInvalid, f.message.clone(), fix);
            i.variable = Some(v.name.clone());
            i.rule = Some(f.rule);
            i.service = v.used_by.iter().find(|s| input.involved.contains(s)).cloned();
            match f.level {
                Level::Error => problems.push(i),
                Level::Warning => warnings.push(i),
            }
        }
    }
    if keychain_down {
        let why = catalog.keychain.message.clone().unwrap_or_else(|| "the keychain cannot be read".into());
        if unknown.is_empty() {
            warnings.push(issue(
                PreflightCode::KeychainUnavailable,
                format!("The keychain cannot be read ({why}); no required variable depends on it."),
                "Unlock or start the keychain to use the secrets stored there.".into(),
            ));
        } else {
            let mut i = issue(
                PreflightCode::KeychainUnavailable,
                format!(
                    "Required variables {} may be in the keychain, which cannot be read: {why}",
                    unknown.join(", ")
                ),
                "Unlock or start the keychain (see the message), then retry.".into(),
            );
            i.variable = unknown.first().cloned();
            problems.push(i);
        }
    }
}

fn variable_fix(name: &str, secret: bool, rule: RuleKind, can_generate: bool) -> String {
    let set = if secret {
        format!(
            "store it in the keychain: `dockmaster secret set {name}` (value from stdin or a hidden prompt)"
        )
    } else {
        format!("set {name} in .env or the environment")
    };
    let generate = if can_generate {
        format!(", or generate one: `dockmaster secret generate {name}`")
    } else {
        String::new()
    };
    match rule {
        RuleKind::Required | RuleKind::MinLength | RuleKind::Format => {
            let mut s = set;
            if let Some(first) = s.get(..1) {
                s = first.to_uppercase() + &s[1..];
            }
            format!("{s}{generate}.")
        }
        RuleKind::PairedWith => format!("Set both variables of the pair, or neither ({name})."),
        RuleKind::InsecureDefault => {
            format!("Set a real value for {name} (the development default is public).")
        }
        RuleKind::DebugInProduction => "Set DEBUG=false for production.".into(),
    }
}

/// `512m`, `1g`, `1.5GB`, `268435456` → MiB.
pub fn parse_mib(text: &str) -> Option<u32> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.trim_end_matches('b');
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    let bytes = match unit.trim() {
        "" => value,
        "k" => value * 1024.0,
        "m" => value * 1024.0 * 1024.0,
        "g" => value * 1024.0 * 1024.0 * 1024.0,
        "t" => value * 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let mib = (bytes / (1024.0 * 1024.0)).ceil();
    (mib.is_finite() && mib >= 0.0).then(|| mib.min(f64::from(u32::MAX)) as u32)
}

/// A service's declared memory (reservation first, then limit), from the merged Compose tree.
fn declared_memory(service: &Node) -> Option<u32> {
    let text = |n: Option<&Node>| n.and_then(Node::scalar_text).and_then(|t| parse_mib(&t));
    let resources = service.get("deploy").and_then(|d| d.get("resources"));
    text(resources.and_then(|r| r.get("reservations")).and_then(|r| r.get("memory")))
        .or_else(|| text(service.get("mem_reservation")))
        .or_else(|| text(resources.and_then(|r| r.get("limits")).and_then(|r| r.get("memory"))))
        .or_else(|| text(service.get("mem_limit")))
}

fn memory(
    input: &Input<'_>,
    problems: &mut Vec<PreflightIssue>,
    warnings: &mut Vec<PreflightIssue>,
) -> Option<ResourceCheck> {
    let merged = merge_all(input.resolved.loaded.iter().map(|f| f.root.clone()));
    let services = merged.get("services");
    let (mut needed, mut declared, mut floored) = (0u32, 0u32, 0u32);
    for name in input.involved {
        match services.and_then(|s| s.get(name)).and_then(declared_memory) {
            Some(mib) => {
                needed = needed.saturating_add(mib);
                declared += 1;
            }
            None => {
                needed = needed.saturating_add(MEMORY_FLOOR_MIB);
                floored += 1;
            }
        }
    }
    let mut sys = sysinfo::System::new();
    sys.refresh_memory();
    let available = u32::try_from(sys.available_memory() / (1024 * 1024)).unwrap_or(u32::MAX);
    if available == 0 {
        return None; // the platform does not say
    }
    let basis = format!(
        "{declared} service(s) with a declared memory reservation or limit, {floored} at a {MEMORY_FLOOR_MIB} MiB floor"
    );
    let check = ResourceCheck { needed_mib: needed, available_mib: available, basis };
    if available < needed / 2 {
        problems.push(issue(
            PreflightCode::MemoryLow,
            format!(
                "The host has {available} MiB of memory available; the selection needs about {needed} MiB."
            ),
            "Stop other containers or programs, or start fewer profiles.".into(),
        ));
    } else if available < needed {
        warnings.push(issue(
            PreflightCode::MemoryLow,
            format!("The host has {available} MiB of memory available; the selection may need about {needed} MiB."),
            "Close other programs or start fewer profiles if services get killed (OOM).".into(),
        ));
    }
    Some(check)
}

async fn disk(
    input: &Input<'_>,
    problems: &mut Vec<PreflightIssue>,
    warnings: &mut Vec<PreflightIssue>,
) -> Option<ResourceCheck> {
    // Images and volumes live in the engine's data root: measure it when the engine is on this machine.
    let mut path: PathBuf = input.project.root().to_path_buf();
    let mut what = "the project folder".to_string();
    if let (Ok(engine), Transport::Unix(_)) = (&input.engine, &input.endpoint.transport) {
        if let Ok(info) = engine.with_timeout(ENGINE_TIMEOUT).info().await {
            if let Some(root) = info.data_root.filter(|r| Path::new(r).exists()) {
                what = format!("Docker's data root {root}");
                path = PathBuf::from(root);
            }
        }
    }
    let disks = sysinfo::Disks::new_with_refreshed_list();
    let disk = disks
        .list()
        .iter()
        .filter(|d| path.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())?;
    let available = u32::try_from(disk.available_space() / (1024 * 1024)).unwrap_or(u32::MAX);
    let basis =
        format!("free space for {what} (on {}); {DISK_WARN_MIB} MiB floor", disk.mount_point().display());
    if available < DISK_BLOCK_MIB {
        problems.push(issue(
            PreflightCode::DiskLow,
            format!("Only {available} MiB are free for {what}."),
            "Free disk space (e.g. `docker system prune` removes unused images and containers).".into(),
        ));
    } else if available < DISK_WARN_MIB {
        warnings.push(issue(
            PreflightCode::DiskLow,
            format!("Only {available} MiB are free for {what}."),
            "Free disk space before pulling or building images (`docker system prune`).".into(),
        ));
    }
    Some(ResourceCheck { needed_mib: DISK_WARN_MIB, available_mib: available, basis })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        for (text, want) in [
            ("512m", Some(512)),
            ("512M", Some(512)),
            ("1g", Some(1024)),
            ("1.5GB", Some(1536)),
            ("268435456", Some(256)),
            ("64mb", Some(64)),
            ("100k", Some(1)),
            ("lots", None),
        ] {
            assert_eq!(parse_mib(text), want, "{text}");
        }
    }

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

    #[test]
    fn fixes_name_the_command() {
        let f = variable_fix("JWT_SECRET", true, RuleKind::MinLength, true);
        assert!(f.starts_with("Store it in the keychain: `dockmaster secret set JWT_SECRET`"), "{f}");
        assert!(f.contains("dockmaster secret generate JWT_SECRET"), "{f}");
        assert_eq!(
            variable_fix("ADMIN_USERNAME", false, RuleKind::Required, false),
            "Set ADMIN_USERNAME in .env or the environment."
        );
    }
}
