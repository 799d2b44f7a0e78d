//! Human-readable output: aligned tables and warning lists.

use dockmaster_core::{ProjectOverview, SelectionReport, Severity, Warning};
use serde::Serialize;

/// Prints rows as left-aligned columns under a header.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> =
            cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}", w = *w)).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row.clone());
    }
}

pub fn profiles(o: &ProjectOverview) {
    let stack = o.stack.as_ref().map(|s| format!(" ({})", s.name)).unwrap_or_default();
    println!("Project {}{stack} — {}", o.name, o.root);
    println!("Files: {}", o.compose_files.join(", "));
    println!();
    let rows: Vec<Vec<String>> = o
        .profiles
        .iter()
        .map(|p| {
            let mut name = p.name.clone();
            if !p.aliases.is_empty() {
                name.push_str(&format!(" (= {})", p.aliases.join(", ")));
            }
            if p.template {
                name.push_str(" [template]");
            }
            if o.default_selection.contains(&p.name) {
                name.push_str(" *");
            }
            vec![name, p.services.join(", "), p.description.clone().unwrap_or_default()]
        })
        .collect();
    print_table(&["PROFILE", "SERVICES", "DESCRIPTION"], &rows);
    if !o.always_on.is_empty() {
        println!("\nAlways started (no profile): {}", o.always_on.join(", "));
    }
    println!("\n* selected by default");
}

pub fn config(r: &SelectionReport) {
    println!("Project {} — profiles: {}", r.project, selection(r));
    println!("Files: {}", r.compose_files.join(" + "));
    println!();
    let rows: Vec<Vec<String>> = r
        .services
        .iter()
        .map(|s| {
            let source = match (&s.image, &s.build) {
                (_, Some(b)) => {
                    format!(
                        "build {}{}",
                        b.context,
                        b.target.as_ref().map(|t| format!(" @{t}")).unwrap_or_default()
                    )
                }
                (Some(i), None) => i.clone(),
                (None, None) => "-".into(),
            };
            let ports: Vec<String> = s.ports.iter().map(port_text).collect();
            let health = match &s.healthcheck {
                Some(h) if !h.disabled => "yes",
                _ => "-",
            };
            vec![s.name.clone(), source, ports.join(", "), s.networks.join(", "), health.into()]
        })
        .collect();
    print_table(&["SERVICE", "IMAGE / BUILD", "PORTS", "NETWORKS", "HEALTHCHECK"], &rows);
    if !r.networks.is_empty() {
        println!();
        let rows: Vec<Vec<String>> = r
            .networks
            .iter()
            .map(|n| vec![n.name.clone(), n.driver.clone(), n.subnets.join(", "), n.services.join(", ")])
            .collect();
        print_table(&["NETWORK", "DRIVER", "SUBNET", "SERVICES"], &rows);
    }
    if !r.volumes.is_empty() {
        println!();
        let rows: Vec<Vec<String>> =
            r.volumes.iter().map(|v| vec![v.name.clone(), v.driver.clone(), v.services.join(", ")]).collect();
        print_table(&["VOLUME", "DRIVER", "SERVICES"], &rows);
    }
    warnings(&r.warnings);
}

fn selection(r: &SelectionReport) -> String {
    if r.profiles.is_empty() {
        "(none)".into()
    } else {
        r.profiles.join(", ")
    }
}

fn port_text(p: &dockmaster_core::PortBinding) -> String {
    let host = match (p.host_port, p.host_port_end) {
        (Some(a), Some(b)) => format!("{a}-{b}"),
        (Some(a), None) => a.to_string(),
        (None, _) => "*".into(),
    };
    let ip = p.host_ip.as_ref().map(|ip| format!("{ip}:")).unwrap_or_default();
    let proto = if p.protocol == "tcp" { String::new() } else { format!("/{}", p.protocol) };
    format!("{ip}{host}->{}{proto}", p.container_port)
}

/// One published port, flattened for `dockmaster ports`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortRow {
    pub service: String,
    pub host_ip: Option<String>,
    pub host_port: Option<u16>,
    pub container_port: u16,
    pub protocol: String,
    pub variable: Option<String>,
}

pub fn port_rows(r: &SelectionReport) -> Vec<PortRow> {
    r.services
        .iter()
        .flat_map(|s| {
            s.ports.iter().map(|p| PortRow {
                service: s.name.clone(),
                host_ip: p.host_ip.clone(),
                host_port: p.host_port,
                container_port: p.container_port,
                protocol: p.protocol.clone(),
                variable: p.variable.clone(),
            })
        })
        .collect()
}

pub fn ports(rows: &[PortRow], r: &SelectionReport) {
    println!("Project {} — profiles: {}\n", r.project, selection(r));
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|p| {
            vec![
                p.service.clone(),
                p.host_ip.clone().unwrap_or_else(|| "0.0.0.0".into()),
                p.host_port.map(|h| h.to_string()).unwrap_or_else(|| "(ephemeral)".into()),
                format!("{}/{}", p.container_port, p.protocol),
                p.variable.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    print_table(&["SERVICE", "HOST IP", "HOST PORT", "CONTAINER", "SET BY"], &rows);
    let conflicts: Vec<Warning> =
        r.warnings.iter().filter(|w| w.code == dockmaster_core::WarningCode::PortConflict).cloned().collect();
    warnings(&conflicts);
}

fn warnings(list: &[Warning]) {
    if list.is_empty() {
        return;
    }
    println!();
    for w in list {
        let tag = match w.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        println!("{tag}: {}", w.message);
        if let Some(h) = &w.hint {
            println!("  fix: {h}");
        }
    }
}
