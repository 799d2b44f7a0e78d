//! `dockmaster status`: the project's services on the engine now (`--json`), or one line per change (`--watch`).

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use dockmaster_core::engine::{self, EngineSnapshot, StoreUpdate};
use dockmaster_core::session::Session;

use crate::print_json;

#[derive(Args)]
pub struct StatusArgs {
    /// Profile whose services are desired; repeatable. Default: COMPOSE_PROFILES, else the stack's default.
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
    /// Keep running and print one line per change (with --json: one JSON object per line).
    #[arg(long)]
    watch: bool,
}

pub async fn run(session: &Session, args: StatusArgs, json: bool) -> ExitCode {
    if !args.watch {
        let snapshot = or_fail!(json, session.status(&session.requested_or_default(&args.profiles)).await);
        if json {
            print_json(&snapshot);
        } else {
            table(&snapshot);
        }
        return ExitCode::SUCCESS;
    }
    // Fails fast (exit 4) when no engine answers now; once watching, a lost engine is a line like any other.
    or_fail!(json, session.set_engine_selection(&session.requested_or_default(&args.profiles)).await);
    or_fail!(json, session.engine_ready().await);
    let (tx, mut updates) = tokio::sync::mpsc::unbounded_channel();
    or_fail!(
        json,
        session
            .follow_engine(&session.requested_or_default(&args.profiles), move |u| tx.send(u).is_ok())
            .await
    );
    // The snapshot first (a `synced` line, also after falling behind), then one flushed line per change; ends
    // only when stdout closes.
    let mut out = std::io::stdout();
    while let Some(update) = updates.recv().await {
        let line = if json { serde_json::to_string(&update).unwrap_or_default() } else { human(&update) };
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            break; // the reader went away
        }
    }
    ExitCode::SUCCESS
}

fn human(u: &StoreUpdate) -> String {
    let container = u.container.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
    if let Some(c) = &u.connection {
        return format!(
            "engine {}: {}{}",
            serde_plain(&c.status),
            c.endpoint,
            c.reason.as_deref().map(|r| format!(" — {r}")).unwrap_or_default()
        );
    }
    if let Some(s) = &u.service {
        return format!(
            "{}: {} / {} ({}){container}",
            s.name,
            serde_plain(&s.state),
            serde_plain(&s.health),
            u.cause
        );
    }
    if let Some(r) = &u.region {
        return format!(
            "region {}: {} / {} ({}){container}",
            r.name,
            serde_plain(&r.state),
            serde_plain(&r.health),
            u.cause
        );
    }
    format!("synced ({})", u.cause)
}

fn serde_plain(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

fn table(s: &EngineSnapshot) {
    let c = &s.connection;
    println!(
        "Engine: {} at {} (API {}, engine {})",
        serde_plain(&c.status),
        c.endpoint,
        c.api_version.as_deref().unwrap_or("?"),
        c.engine_version.as_deref().unwrap_or("?")
    );
    println!("Project: {}", s.project);
    println!();
    let header = ["SERVICE", "DESIRED", "STATE", "HEALTH", "RESTARTS", "EXIT", "PORTS"];
    let rows: Vec<Vec<String>> = s
        .services
        .iter()
        .map(|v| {
            let ports: Vec<String> = v
                .ports
                .iter()
                .map(|p| format!("{}:{}->{}/{}", p.host_ip, p.host_port, p.container_port, p.protocol))
                .collect();
            vec![
                v.name.clone(),
                if v.desired { "yes" } else { "no" }.to_string(),
                serde_plain(&v.state),
                serde_plain(&v.health),
                v.restart_count.to_string(),
                v.exit_code.map(|c| c.to_string()).unwrap_or_default(),
                ports.join(", "),
            ]
        })
        .collect();
    crate::table::print_table(&header, &rows);
    if !s.regions.is_empty() {
        println!();
        let header = ["REGION", "CONTAINER", "SERVICE", "STATE", "HEALTH", "PORTS"];
        let rows: Vec<Vec<String>> = s
            .regions
            .iter()
            .flat_map(|r| r.containers.iter().map(move |c| (r, c)))
            .map(|(r, c)| {
                let ports: Vec<String> = c
                    .ports
                    .iter()
                    .map(|p| format!("{}:{}->{}/{}", p.host_ip, p.host_port, p.container_port, p.protocol))
                    .collect();
                vec![
                    r.name.clone(),
                    c.name.clone(),
                    c.service.clone(),
                    serde_plain(&c.state),
                    serde_plain(&c.health),
                    ports.join(", "),
                ]
            })
            .collect();
        crate::table::print_table(&header, &rows);
    }
    for v in s.services.iter().filter(|v| v.health == engine::Health::Unhealthy) {
        for c in v.containers.iter().filter(|c| c.health == engine::Health::Unhealthy) {
            if let Some(last) = c.health_log.last() {
                println!(
                    "\n{} is unhealthy: last probe exited {}: {}",
                    c.name,
                    last.exit_code,
                    last.output.trim()
                );
            }
        }
    }
}
