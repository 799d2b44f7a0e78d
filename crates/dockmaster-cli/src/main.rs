//! `dockmaster`: the command-line face of Dockmaster's core (human tables, or `--json` for scripts).

mod demo_cmd;
mod engine_status;
mod env_cmd;
mod exec;
mod lifecycle_cmd;
mod logs_cmd;
mod region_cmd;
mod secret;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use dockmaster_core::secrets::{self, Keychain};
use dockmaster_core::{CoreError, OpenOptions, Project, SelectionReport, Severity};
use serde::Serialize;

#[derive(Parser)]
#[command(name = "dockmaster", version, about = "Control panel for a Docker Compose stack", after_help = EXIT_STATUSES)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// The project folder (holding docker-compose.yml).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    project: PathBuf,
    /// Compose files to use instead of discovery (like `docker compose -f`); repeatable.
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Project name (like `docker compose -p`).
    #[arg(short = 'p', long = "project-name", global = true, value_name = "NAME")]
    project_name: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Args)]
struct Selection {
    /// Profile to select; repeatable. Default: COMPOSE_PROFILES, else the stack's default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
    /// Exit with status 1 when the selection has error-level warnings.
    #[arg(long)]
    strict: bool,
}

#[derive(Subcommand)]
enum Command {
    /// List the profiles, with what each starts.
    Profiles,
    /// Show what a selection starts: services, ports, networks, volumes and warnings.
    Config(Selection),
    /// Show the host ports a selection publishes, and the variables that set them.
    Ports(Selection),
    /// List every variable by group: where its value comes from, and whether it is valid.
    Env(env_cmd::EnvArgs),
    /// Manage the project's secrets in the OS keychain.
    Secret {
        #[command(subcommand)]
        action: secret::SecretCommand,
    },
    /// Run a command with the project's secrets in its environment: `dockmaster exec -- docker compose up`.
    Exec(exec::ExecArgs),
    /// Show the live state of the project's services on the Docker engine (`--watch`: one line per change).
    Status(engine_status::StatusArgs),
    #[command(flatten)]
    Lifecycle(lifecycle_cmd::LifecycleCommand),
    /// Show the services' container logs, secrets masked (`--follow` keeps going across restarts).
    Logs(logs_cmd::LogsArgs),
    /// Regions cloned from the stack's regional template: plan, create (with rollback), ls, show, start, stop, rm.
    Region {
        #[command(subcommand)]
        action: region_cmd::RegionCommand,
    },
    /// The demo project: `init [DIR]` copies it, `image` builds its image locally (no project needed).
    Demo {
        #[command(subcommand)]
        action: demo_cmd::DemoCommand,
    },
}

/// Exit statuses scripts can rely on.
mod status {
    pub const STRICT_FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const PROJECT: u8 = 3;
    pub const ENGINE: u8 = 4;
    pub const OPERATION_FAILED: u8 = 5;
    pub const BUSY: u8 = 6;
    pub const PREFLIGHT_BLOCKED: u8 = 7;
    pub const CANCELLED: u8 = 130;
}

const EXIT_STATUSES: &str = "Exit status: 0 ok; 1 --strict and the selection has errors; 2 usage (unknown profile or \
service, `down --volumes` without --yes); 3 the project cannot be read; 4 the engine, the keychain or Compose is \
unavailable; 5 the operation failed (Compose failed, a service is unhealthy, or --wait timed out); 6 another \
operation is running on the project; 7 the preflight blocked the start; 130 cancelled (Ctrl-C).";

#[derive(Serialize)]
struct ErrorJson<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: String,
}

fn fail(json: bool, code: &str, message: String, status: u8) -> ExitCode {
    if json {
        print_json(&ErrorJson { error: ErrorBody { code, message: message.clone() } });
    }
    eprintln!("dockmaster: {message}");
    ExitCode::from(status)
}

fn print_json(value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("dockmaster: cannot encode JSON: {e}"),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json;
    let command = match cli.command {
        Command::Demo { action } => return demo_cmd::run(action, json),
        other => other,
    };
    let project = match Project::open(OpenOptions {
        dir: cli.global.project.clone(),
        files: cli.global.files.clone(),
        project_name: cli.global.project_name.clone(),
        process_env: None,
    }) {
        Ok(p) => p,
        Err(e) => return core_error(json, &e),
    };
    match command {
        Command::Demo { action } => demo_cmd::run(action, json),
        Command::Profiles => {
            let overview = project.overview();
            if json {
                print_json(&overview);
            } else {
                table::profiles(&overview);
            }
            ExitCode::SUCCESS
        }
        Command::Config(sel) => with_report(&project, sel, json, |report| {
            if json {
                print_json(report);
            } else {
                table::config(report);
            }
        }),
        Command::Env(args) => env_cmd::run(&project, args, json),
        Command::Secret { action } => secret::run(&project, action, json),
        Command::Exec(args) => exec::run(&project, args, json),
        Command::Ports(sel) => with_report(&project, sel, json, |report| {
            let rows = table::port_rows(report);
            if json {
                print_json(&rows);
            } else {
                table::ports(&rows, report);
            }
        }),
        Command::Status(args) => engine_status::run(&project, args, json),
        Command::Lifecycle(cmd) => lifecycle_cmd::run(&project, cmd, json),
        Command::Logs(args) => logs_cmd::run(&project, args, json),
        Command::Region { action } => region_cmd::run(&project, action, json),
    }
}

/// The profiles a command works on: the ones asked for (each must exist), else the project's default
/// selection (`COMPOSE_PROFILES`, then the stack's defaults).
fn selected_profiles(project: &Project, requested: Vec<String>, json: bool) -> Result<Vec<String>, ExitCode> {
    let known = project.profile_names();
    if let Some(unknown) = requested.iter().find(|p| !known.contains(p)) {
        return Err(fail(
            json,
            "UNKNOWN_PROFILE",
            format!("unknown profile `{unknown}`; this project's profiles are: {}", known.join(", ")),
            status::USAGE,
        ));
    }
    Ok(if requested.is_empty() { project.default_selection() } else { requested })
}

fn core_error(json: bool, e: &CoreError) -> ExitCode {
    let code = serde_json::to_value(e.code()).ok().and_then(|v| v.as_str().map(String::from));
    fail(json, code.as_deref().unwrap_or("ERROR"), e.to_string(), status::PROJECT)
}

/// Builds the report for the selection (explicit profiles, else the project's default; variables held in the
/// project's keychain count as set) and prints it.
fn with_report(
    project: &Project,
    sel: Selection,
    json: bool,
    print: impl FnOnce(&SelectionReport),
) -> ExitCode {
    let profiles = match selected_profiles(project, sel.profiles, json) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // A variable held in the project's keychain is set when the stack starts: not reported as unset.
    let held = secrets::held_names(Keychain::open(project.root()));
    let report = match project.report_with_keychain(&profiles, &held) {
        Ok(r) => r,
        Err(e) => return core_error(json, &e),
    };
    print(&report);
    if sel.strict && report.warnings.iter().any(|w| w.severity == Severity::Error) {
        return ExitCode::from(status::STRICT_FAILED);
    }
    ExitCode::SUCCESS
}
