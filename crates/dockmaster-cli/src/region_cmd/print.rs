//! Output shared by the region subcommands: a plan, the region table, a removal, one JSON line.

use std::io::Write;

use dockmaster_core::region::{
    self, Reach, RegionInfo, RegionPlace, RegionPlan, RegionsEverywhere, RemoveReport,
};
use serde::Serialize;

pub(super) fn json_line(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    let text = serde_json::to_string(value).unwrap_or_default();
    let _ = writeln!(out, "{text}").and_then(|_| out.flush());
}

pub(super) fn plain(v: &impl Serialize) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

pub(super) fn print_plan_as(plan: &RegionPlan, json: bool) {
    if json {
        crate::print_json(plan);
    } else {
        print_plan(plan);
    }
}

pub(super) fn print_removed(region: &str, report: &RemoveReport, json: bool) {
    if json {
        crate::print_json(report);
        return;
    }
    println!("removed region {region}:");
    for c in &report.containers {
        println!("  container {c}");
    }
    for n in &report.networks {
        println!("  network {n}");
    }
    for v in &report.volumes {
        println!("  volume {v}");
    }
    if report.password_removed {
        println!("  its database password (keychain)");
    }
    if !report.kept_volumes.is_empty() {
        println!(
            "kept its volumes (data and the database password stay; `region create {region}` reuses them): {}",
            report.kept_volumes.join(", ")
        );
        println!("delete them with `dockmaster region rm {region} --volumes --yes`");
    }
}

pub(super) fn print_plan(p: &RegionPlan) {
    let r = &p.request;
    println!("Region {} of project {}", p.region, p.project);
    println!(
        "Owner {}; {} CPU cores, {} GB; max {} players, {}, {}, {} credits, a {}",
        r.owner_id,
        r.cpu_cores,
        r.memory_gb,
        r.max_players,
        r.governance,
        r.economy,
        r.starting_credits,
        r.starting_ship
    );
    println!();
    let rows: Vec<Vec<String>> = p
        .containers
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.role.label().to_string(),
                format!("{}{}", c.image, if c.image_present { "" } else { " (missing)" }),
                format!("{}", c.limits.cpus),
                format!("{} MB", c.limits.memory_mb),
                c.template.clone(),
            ]
        })
        .collect();
    crate::table::print_table(&["CONTAINER", "ROLE", "IMAGE", "CPUS", "MEMORY", "FROM TEMPLATE"], &rows);
    println!();
    let rows: Vec<Vec<String>> = p
        .networks
        .iter()
        .map(|n| {
            vec![
                n.name.clone(),
                plain(&n.action),
                n.subnet.clone().unwrap_or_default(),
                n.containers.join(", "),
            ]
        })
        .collect();
    crate::table::print_table(&["NETWORK", "ACTION", "SUBNET", "CONTAINERS"], &rows);
    if !p.volumes.is_empty() {
        println!();
        let rows: Vec<Vec<String>> = p
            .volumes
            .iter()
            .map(|v| vec![v.name.clone(), plain(&v.action), v.mounted_by.join(", ")])
            .collect();
        crate::table::print_table(&["VOLUME", "ACTION", "MOUNTED BY"], &rows);
    }
    println!();
    for port in &p.ports {
        println!(
            "Port: {}:{} -> {}:{}/{}",
            port.host_ip, port.host_port, port.container, port.container_port, port.protocol
        );
    }
    println!("Database: the server reaches it as {}:{} (user {})", p.db_host, p.db_port, p.db_user);
    println!(
        "Password: {} {} — {} (keychain service `{}`)",
        p.password.variable,
        p.password.shown,
        match p.password.action {
            region::plan::SecretAction::Generate => "generated and stored when created",
            region::plan::SecretAction::Reuse => "already in the keychain, reused",
        },
        p.password.keychain_service
    );
    for c in &p.containers {
        println!();
        println!("Environment of {}:", c.name);
        for e in &c.env {
            println!("  {}={}", e.name, e.value.shown);
        }
    }
    println!();
    println!("Server URL: {}", p.server_url);
    for w in &p.warnings {
        println!("warning: {w}");
    }
}

pub(super) fn print_info(info: &RegionInfo, json: bool) {
    if json {
        crate::print_json(info);
    } else {
        print_regions(std::slice::from_ref(info));
    }
}

/// Every engine's regions, then why an engine could not be listed.
pub(super) fn print_everywhere(listed: &RegionsEverywhere) {
    print_regions(&listed.regions);
    for e in listed.engines.iter().filter(|e| e.reach == Reach::Unknown) {
        println!(
            "engine {} ({}): regions unknown — {}",
            e.engine,
            e.host,
            e.reason.as_deref().unwrap_or_default()
        );
    }
}

/// Where a new region can go: one row per engine (`*`: the project's own), then what applies on each.
pub(super) fn print_places(places: &[RegionPlace]) {
    let rows: Vec<Vec<String>> = places
        .iter()
        .map(|p| {
            let live = p.reach == Reach::Live;
            let networks = match (live, p.missing_networks.is_empty()) {
                (false, _) => "unknown".to_string(),
                (true, true) => "there".to_string(),
                (true, false) => format!("missing {}", p.missing_networks.join(", ")),
            };
            vec![
                format!("{}{}", p.engine, if p.current { " *" } else { "" }),
                p.host.clone(),
                if live { "yes" } else { "no" }.to_string(),
                networks,
                if p.ready { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    crate::table::print_table(&["ENGINE", "HOST", "REACHABLE", "STACK NETWORKS", "READY"], &rows);
    println!();
    for p in places {
        println!("{}: {}", p.engine, p.note);
    }
    println!("(* the project's engine; create a region on a ready one with `dockmaster region create NAME --owner UUID --engine ENGINE`)");
}

pub(super) fn print_regions(regions: &[RegionInfo]) {
    if regions.is_empty() {
        println!("no regions (create one with `dockmaster region create NAME --owner UUID`)");
        return;
    }
    let rows: Vec<Vec<String>> = regions
        .iter()
        .map(|r| {
            let state = if r.reach == Reach::Unknown {
                "unknown".to_string()
            } else if r.interrupted.is_some() {
                "interrupted".to_string()
            } else if r.containers.is_empty() {
                "removed (volumes kept)".to_string()
            } else {
                plain(&r.state)
            };
            let health = if r.reach == Reach::Unknown { "unknown".to_string() } else { plain(&r.health) };
            vec![
                r.name.clone(),
                r.engine.clone(),
                state,
                health,
                r.server_url.clone().unwrap_or_default(),
                r.owner.clone().unwrap_or_default(),
                r.containers.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(", "),
            ]
        })
        .collect();
    crate::table::print_table(
        &["REGION", "ENGINE", "STATE", "HEALTH", "SERVER", "OWNER", "CONTAINERS"],
        &rows,
    );
    for r in regions {
        if let Some(i) = &r.interrupted {
            println!("{}: {}", r.name, i.fix);
        }
    }
}
