//! `dockmaster`: the command-line face of Dockmaster's core (human tables, or `--json` for scripts).

#[macro_use]
mod errors;
mod demo_cmd;
mod diagnostics_cmd;
mod doctor_cmd;
mod engine_cmd;
mod engine_status;
mod env_cmd;
mod exec;
mod image_cmd;
mod keychain_cmd;
mod lifecycle_cmd;
mod logs_cmd;
mod region_cmd;
mod secret;
mod shell_cmd;
mod signals;
mod table;
mod volume_cmd;

use errors::{fail, status};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use dockmaster_core::session::Session;
use dockmaster_core::{OpenOptions, SelectionReport, Severity};
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
    /// The engine to use (a Docker context, or `default`). Default: the project's engine (`engine use`), else the
    /// Docker CLI's current context.
    #[arg(long, global = true, value_name = "NAME")]
    engine: Option<String>,
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
    /// Make the OS keychain usable: `create` a default one, or `unlock` it (the desktop asks for the password;
    /// no project needed).
    Keychain {
        #[command(subcommand)]
        action: keychain_cmd::KeychainCommand,
    },
    /// Manage the project's secrets in the OS keychain.
    Secret {
        #[command(subcommand)]
        action: secret::SecretCommand,
    },
    /// Run a command with the project's secrets in its environment: `dockmaster exec -- docker compose up`.
    Exec(exec::ExecArgs),
    /// A shell (or COMMAND after `--`, or with --client the service's database or cache client) in a running
    /// service's container; interactive when stdin is a terminal. Exits with the command's status.
    Shell(shell_cmd::ShellArgs),
    /// Check this machine for the project: engine, Compose, keychain, memory, disk, clock, ports, variables.
    Doctor(doctor_cmd::DoctorArgs),
    /// Write a zip to send a teammate: versions, doctor, configuration, engine events, last log lines — every
    /// secret value masked, secret-named values removed.
    Diagnostics(diagnostics_cmd::DiagnosticsArgs),
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
    /// The project's named volumes: ls, backup (a checksummed archive on this machine), restore (typed
    /// confirmation; the services mounting it are stopped, then started again).
    Volume {
        #[command(subcommand)]
        action: volume_cmd::VolumeCommand,
    },
    /// Engines (Docker contexts): ls, add (SSH or TLS, tested first), rm, test, use (this project's engine).
    Engine {
        #[command(subcommand)]
        action: engine_cmd::EngineCommand,
    },
    /// Images across engines: `copy IMAGE --to ENGINE` brings a local image to a remote engine (no project needed).
    Image {
        #[command(subcommand)]
        action: image_cmd::ImageCommand,
    },
    /// The demo project: `init [DIR]` copies it, `image` builds its image locally (no project needed).
    Demo {
        #[command(subcommand)]
        action: demo_cmd::DemoCommand,
    },
}

const EXIT_STATUSES: &str = "Exit status: 0 ok; 1 --strict and the selection has errors, or a doctor check fails; 2 usage (unknown profile or \
service, `down --volumes` without --yes); 3 the project cannot be read; 4 the engine, the keychain or Compose is \
unavailable; 5 the operation failed (Compose failed, a service is unhealthy, or --wait timed out); 6 another \
operation is running on the project; 7 the preflight blocked the start; 130 cancelled (Ctrl-C, SIGTERM or SIGHUP).";

fn print_json(value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("dockmaster: cannot encode JSON: {e}"),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json;
    // Dockmaster's own log, shared with the window (`DOCKMASTER_LOG=off` turns it off for a run).
    dockmaster_core::ownlog::init("cli", dockmaster_core::ownlog::LogLevel::Info);
    let runtime = or_fail!(
        json,
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| errors::internal(format!("cannot start the async runtime: {e}")))
    );
    // `demo` works without a project (it makes one), and so does `keychain`.
    let command = match cli.command {
        Command::Demo { action } => return runtime.block_on(demo_cmd::run(action, json)),
        Command::Keychain { action } => return runtime.block_on(keychain_cmd::run(action, json)),
        Command::Image { action } => return runtime.block_on(image_cmd::run(action, json)),
        Command::Engine { action } if !matches!(action, engine_cmd::EngineCommand::Use { .. }) => {
            return runtime.block_on(engine_cmd::run(action, json))
        }
        other => other,
    };
    let options = OpenOptions {
        dir: cli.global.project.clone(),
        files: cli.global.files.clone(),
        project_name: cli.global.project_name.clone(),
        process_env: None,
    };
    let session = or_fail!(json, Session::open_on(options, cli.global.engine.clone()));
    runtime.block_on(run(&session, command, json))
}

async fn run(session: &Session, command: Command, json: bool) -> ExitCode {
    match command {
        Command::Demo { action } => demo_cmd::run(action, json).await,
        Command::Keychain { action } => keychain_cmd::run(action, json).await,
        Command::Image { action } => image_cmd::run(action, json).await,
        Command::Engine { action: engine_cmd::EngineCommand::Use { name, clear } } => {
            engine_cmd::run_use(session, if clear { None } else { name }, json)
        }
        Command::Engine { action } => engine_cmd::run(action, json).await,
        Command::Profiles => {
            let overview = session.overview();
            if json {
                print_json(&overview);
            } else {
                table::profiles(&overview);
            }
            ExitCode::SUCCESS
        }
        Command::Config(sel) => {
            with_report(session, sel, json, |report| {
                if json {
                    print_json(report);
                } else {
                    table::config(report);
                }
            })
            .await
        }
        Command::Ports(sel) => {
            with_report(session, sel, json, |report| {
                let rows = table::port_rows(report);
                if json {
                    print_json(&rows);
                } else {
                    table::ports(&rows, report);
                }
            })
            .await
        }
        Command::Env(args) => env_cmd::run(session, args, json).await,
        Command::Secret { action } => secret::run(session, action, json).await,
        Command::Exec(args) => exec::run(session, args, json).await,
        Command::Shell(args) => shell_cmd::run(session, args, json).await,
        Command::Doctor(args) => doctor_cmd::run(session, args, json).await,
        Command::Diagnostics(args) => diagnostics_cmd::run(session, args, json).await,
        Command::Status(args) => engine_status::run(session, args, json).await,
        Command::Lifecycle(cmd) => lifecycle_cmd::run(session, cmd, json).await,
        Command::Logs(args) => logs_cmd::run(session, args, json).await,
        Command::Region { action } => region_cmd::run(session, action, json).await,
        Command::Volume { action } => volume_cmd::run(session, action, json).await,
    }
}

/// Builds the report for the selection (explicit profiles, else the project's default; variables held in the
/// project's keychain count as set) and prints it; with `--strict`, exit 1 when it has error-level warnings.
async fn with_report(
    session: &Session,
    sel: Selection,
    json: bool,
    print: impl FnOnce(&SelectionReport),
) -> ExitCode {
    let report = or_fail!(json, session.report(&session.requested_or_default(&sel.profiles)).await);
    print(&report);
    if sel.strict && report.warnings.iter().any(|w| w.severity == Severity::Error) {
        return ExitCode::from(errors::status::STRICT_FAILED);
    }
    ExitCode::SUCCESS
}
