//! `dockmaster env`: every variable, grouped, with its source and validation (secret values never shown).

use std::process::ExitCode;

use clap::Args;
use dockmaster_core::secrets::catalog::{Catalog, VariableView};
use dockmaster_core::session::Session;

#[derive(Args)]
pub struct EnvArgs {
    /// Profile to validate for; repeatable. Default: COMPOSE_PROFILES, else the stack's default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
}

pub async fn run(session: &Session, args: EnvArgs, json: bool) -> ExitCode {
    let catalog = or_fail!(json, session.environment(&args.profiles).await).catalog;
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
