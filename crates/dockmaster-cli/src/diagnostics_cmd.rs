//! `dockmaster diagnostics --output FILE`: the zip to send a teammate (versions, doctor, configuration, engine
//! events, last log lines), every secret masked; prints what it holds.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use dockmaster_core::session::Session;

#[derive(Args)]
pub struct DiagnosticsArgs {
    /// The zip file to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: PathBuf,
    /// Profile the configuration and checks are for; repeatable. Default: COMPOSE_PROFILES, else the stack's
    /// default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
    /// Log lines kept per container.
    #[arg(long, value_name = "N", default_value_t = 200)]
    lines: usize,
}

pub async fn run(session: &Session, args: DiagnosticsArgs, json: bool) -> ExitCode {
    let profiles = session.requested_or_default(&args.profiles);
    let bundle = or_fail!(json, session.diagnostics(&profiles, args.lines).await);
    let saved = or_fail!(json, bundle.save(&args.output));
    if json {
        crate::print_json(&saved);
        return ExitCode::SUCCESS;
    }
    println!("Wrote {} (secret values masked: {}):", saved.path, saved.contents.masked_values);
    for entry in &saved.contents.entries {
        println!("  {:<40} {:>9} bytes  {}", entry.name, entry.bytes, entry.about);
    }
    for note in &saved.contents.notes {
        println!("  left out: {note}");
    }
    ExitCode::SUCCESS
}
