//! `dockmaster env`: every variable, grouped, with its source and validation (secret values never shown);
//! `env set` writes a non-secret one into `.env` losslessly.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use dockmaster_core::secrets::catalog::{Catalog, VariableView};
use dockmaster_core::session::Session;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct EnvArgs {
    #[command(subcommand)]
    action: Option<EnvAction>,
    /// Profile to validate for; repeatable. Default: COMPOSE_PROFILES, else the stack's default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
}

#[derive(Subcommand)]
enum EnvAction {
    /// Write a non-secret NAME=VALUE into `.env`, keeping every other byte (secrets: `dockmaster secret set`).
    Set {
        name: String,
        value: String,
        /// Refuse (ENV_FILE_CONFLICT) unless `.env` is still at this revision (`env set` prints the new one).
        #[arg(long, value_name = "REVISION")]
        revision: Option<String>,
    },
}

pub async fn run(session: &Session, args: EnvArgs, json: bool) -> ExitCode {
    match args.action {
        None => list(session, &session.requested_or_default(&args.profiles), json).await,
        Some(EnvAction::Set { name, value, revision }) => {
            let expected = revision.unwrap_or_else(|| session.env_revision());
            let revision = or_fail!(json, session.set_variable(name.clone(), value, expected).await);
            if json {
                crate::print_json(&serde_json::json!({ "name": name, "revision": revision }));
            } else {
                println!("{name} written to .env (revision {revision})");
            }
            ExitCode::SUCCESS
        }
    }
}

async fn list(session: &Session, profiles: &[String], json: bool) -> ExitCode {
    let catalog = or_fail!(json, session.environment(profiles).await).catalog;
    if json {
        crate::print_json(&catalog);
    } else {
        print(&catalog);
    }
    ExitCode::SUCCESS
}

fn shown(v: &VariableView) -> String {
    match (&v.value, v.secret, v.has_value) {
        (_, true, true) => "(secret, set)".into(),
        (_, true, false) => "-".into(),
        (Some(value), false, _) => value.clone(),
        (None, false, _) => "-".into(),
    }
}

fn print(c: &Catalog) {
    if !c.keychain.available {
        println!("keychain: NOT AVAILABLE — {}\n", c.keychain.message.as_deref().unwrap_or("unknown error"));
    }
    for g in &c.groups {
        println!("{}", g.name);
        let rows: Vec<[String; 5]> = g
            .variables
            .iter()
            .map(|v| {
                [
                    v.name.clone(),
                    format!("{:?}", v.source).to_lowercase(),
                    format!("{:?}", v.status).to_lowercase(),
                    shown(v),
                    v.used_by.join(","),
                ]
            })
            .collect();
        let header = ["NAME", "SOURCE", "STATUS", "VALUE", "USED BY"];
        let mut widths = header.map(str::len);
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: [&str; 5]| {
            let text: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
            println!("  {}", text.join("  ").trim_end());
        };
        line(header);
        for r in &rows {
            line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
        }
        println!();
    }
    let findings: Vec<_> = c.groups.iter().flat_map(|g| &g.variables).flat_map(|v| &v.findings).collect();
    for f in &findings {
        println!("{:?}: {}", f.level, f.message);
    }
    println!(
        "{} error(s), {} warning(s); secrets are stored under keychain service `{}`",
        c.errors, c.warnings, c.keychain.service
    );
}
