//! `dockmaster doctor`: every check of the machine for the project, with the fix in words (exit 1 when one
//! fails).

use std::process::ExitCode;

use clap::Args;
use dockmaster_core::doctor::{CheckId, CheckStatus, DoctorReport};
use dockmaster_core::face::Face;
use dockmaster_core::session::Session;

use crate::errors;

#[derive(Args)]
pub struct DoctorArgs {
    /// Profile to check for; repeatable. Default: COMPOSE_PROFILES, else the stack's default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
}

pub async fn run(session: &Session, args: DoctorArgs, json: bool) -> ExitCode {
    let report =
        or_fail!(json, session.doctor(&session.requested_or_default(&args.profiles), Face::Cli).await);
    if json {
        crate::print_json(&report);
    } else {
        print(&report);
    }
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(errors::status::STRICT_FAILED)
    }
}

fn name(id: CheckId) -> &'static str {
    match id {
        CheckId::Engine => "engine",
        CheckId::Compose => "compose",
        CheckId::Keychain => "keychain",
        CheckId::Memory => "memory",
        CheckId::Disk => "disk",
        CheckId::Clock => "clock",
        CheckId::Ports => "ports",
        CheckId::Remote => "engine images and files",
        CheckId::Selection => "compose files",
        CheckId::Variables => "variables",
    }
}

fn print(report: &DoctorReport) {
    println!("{} ({})", report.project, report.profiles.join(", "));
    for c in &report.checks {
        let mark = match c.status {
            CheckStatus::Ok => "ok  ",
            CheckStatus::Warning => "WARN",
            CheckStatus::Failing => "FAIL",
        };
        println!("{mark}  {:<13} {}", name(c.id), c.summary);
        for line in &c.details {
            println!("      {:<13} - {line}", "");
        }
        if let Some(fix) = &c.fix {
            println!("      {:<13} fix: {fix}", "");
        }
    }
    println!("{} failing, {} warning(s)", report.failing, report.warnings);
}
