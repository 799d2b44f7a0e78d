//! `dockmaster engine ls|add|rm|test|use`: the engines (Docker contexts plus the local default), with `--json`.
//! Each subcommand maps its flags to one core call and prints the result; `use` needs the project.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use dockmaster_core::engine::EndpointEnv;
use dockmaster_core::engines::{self, EngineAddRequest, EngineSpec, EngineStatus};
use dockmaster_core::session::Session;
use dockmaster_core::{ErrorCode, ErrorDetail, ErrorReport};

use crate::print_json;

#[derive(Subcommand)]
pub enum EngineCommand {
    /// List the engines with their reachability and version (the current one marked `*`).
    Ls,
    /// Add an engine: the connection is tested first, then it is saved as a Docker context (`docker --context NAME`).
    Add(AddArgs),
    /// Remove an engine Dockmaster added (`--yes` to remove a context it did not create).
    Rm {
        name: String,
        /// Confirm removing a Docker context Dockmaster did not create.
        #[arg(long)]
        yes: bool,
    },
    /// Connect to one engine: its version, or why not (an unknown SSH host key shows its fingerprint).
    Test {
        name: String,
        /// Record the SSH host key with this fingerprint (after checking it with the host's administrator).
        #[arg(long, value_name = "SHA256:…")]
        accept_host_key: Option<String>,
    },
    /// Remember the engine this project runs on (`default`: the local engine; `--clear`: the current context).
    Use {
        #[arg(required_unless_present = "clear")]
        name: Option<String>,
        #[arg(long)]
        clear: bool,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// The engine's name (the Docker context's).
    name: String,
    /// An engine over SSH: `user@host` or `user@host:port` (the remote user's `docker` must reach its engine).
    #[arg(long, value_name = "USER@HOST[:PORT]", conflicts_with = "tls")]
    ssh: Option<String>,
    /// The private key for SSH (default: the SSH agent and ssh's own defaults). Never a password.
    #[arg(long, value_name = "FILE", requires = "ssh")]
    ssh_key: Option<String>,
    /// An engine over TCP with TLS: `host:port` (dockerd --tlsverify), with --ca, --cert and --key.
    #[arg(long, value_name = "HOST:PORT", requires_all = ["ca", "cert", "key"])]
    tls: Option<String>,
    #[arg(long, value_name = "FILE")]
    ca: Option<String>,
    #[arg(long, value_name = "FILE")]
    cert: Option<String>,
    #[arg(long, value_name = "FILE")]
    key: Option<String>,
    /// A description shown by `engine ls` and `docker context ls`.
    #[arg(long, default_value = "")]
    description: String,
    /// Accept the SSH host key with this fingerprint (as `engine add` showed it). Without it, an unknown key is
    /// shown and, in a terminal, you are asked.
    #[arg(long, value_name = "SHA256:…")]
    accept_host_key: Option<String>,
}

/// Subcommands that need no project.
pub async fn run(command: EngineCommand, json: bool) -> ExitCode {
    let env = EndpointEnv::from_process();
    match command {
        EngineCommand::Ls => {
            let list = engines::status(&env).await;
            if json {
                print_json(&list);
            } else {
                print_list(&list);
            }
            ExitCode::SUCCESS
        }
        EngineCommand::Add(args) => add(&env, args, json).await,
        EngineCommand::Rm { name, yes } => match engines::remove(&env, &name, yes) {
            Ok(()) => {
                if json {
                    print_json(&serde_json::json!({ "removed": name }));
                } else {
                    println!("Removed the engine `{name}` (its Docker context).");
                }
                ExitCode::SUCCESS
            }
            Err(e) => crate::fail(json, e),
        },
        EngineCommand::Test { name, accept_host_key } => {
            match engines::test(&env, &name, accept_host_key.as_deref()).await {
                Ok(status) => {
                    if json {
                        print_json(&status);
                    } else {
                        print_list(std::slice::from_ref(&status));
                    }
                    if status.reachable {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(crate::errors::exit_status(ErrorCode::EngineUnavailable))
                    }
                }
                Err(e) => crate::fail(json, e),
            }
        }
        EngineCommand::Use { .. } => unreachable_use(json),
    }
}

fn unreachable_use(json: bool) -> ExitCode {
    crate::fail(json, ErrorReport::new(ErrorCode::Internal, "`engine use` needs the project: this is a bug"))
}

/// `engine use`: the one subcommand that needs the project.
pub fn run_use(session: &Session, name: Option<String>, json: bool) -> ExitCode {
    match session.remember_engine(name.as_deref()) {
        Ok(()) => {
            let shown = name.unwrap_or_else(|| "the current Docker context".into());
            if json {
                print_json(&serde_json::json!({ "project": session.project().root(), "engine": shown }));
            } else {
                println!("{} now runs on {shown}.", session.project().root().display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => crate::fail(json, e),
    }
}

fn spec(args: &AddArgs) -> Result<EngineSpec, ErrorReport> {
    match (&args.ssh, &args.tls) {
        (Some(destination), None) => Ok(EngineSpec::Ssh { destination: destination.clone(), key_file: args.ssh_key.clone() }),
        (None, Some(address)) => Ok(EngineSpec::Tls {
            address: address.clone(),
            ca: args.ca.clone().unwrap_or_default(),
            cert: args.cert.clone().unwrap_or_default(),
            key: args.key.clone().unwrap_or_default(),
        }),
        _ => Err(ErrorReport::new(
            ErrorCode::Usage,
            "say how to reach the engine: --ssh USER@HOST[:PORT] [--ssh-key FILE], or --tls HOST:PORT --ca FILE --cert FILE --key FILE",
        )),
    }
}

async fn add(env: &EndpointEnv, args: AddArgs, json: bool) -> ExitCode {
    let spec = match spec(&args) {
        Ok(s) => s,
        Err(e) => return crate::fail(json, e),
    };
    let mut request = EngineAddRequest {
        name: args.name.clone(),
        description: args.description.clone(),
        spec,
        accept_host_key: args.accept_host_key.clone(),
    };
    let mut result = engines::add(env, request.clone()).await;
    // An unknown host key in a terminal: show it and ask (the answer must be an explicit yes).
    if let Err(ErrorReport { code: ErrorCode::HostKeyUnknown, detail: Some(detail), .. }) = &result {
        if let (ErrorDetail::HostKey { host, key_type, fingerprint }, false, true) =
            (detail.as_ref(), json, std::io::stdin().is_terminal())
        {
            eprintln!("The SSH host key of {host} is not known yet:\n  {key_type} {fingerprint}");
            eprint!("Check it with the host's administrator. Accept and record it? Type `yes` to accept: ");
            let _ = std::io::stderr().flush();
            let mut answer = String::new();
            let _ = std::io::stdin().lock().read_line(&mut answer);
            if answer.trim() == "yes" {
                request.accept_host_key = Some(fingerprint.clone());
                result = engines::add(env, request).await;
            }
        }
    }
    match result {
        Ok(added) => {
            if json {
                print_json(&added);
            } else {
                if let Some(fp) = &added.recorded_host_key {
                    println!("Recorded the host key {fp} in known_hosts.");
                }
                println!(
                    "Added the engine `{}` ({}), Docker {}: `docker --context {}` reaches it too.",
                    added.engine.name, added.engine.host, added.version, added.engine.name
                );
                if let Some(note) = &added.note {
                    println!("Note: {note}.");
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => crate::fail(json, e),
    }
}

fn print_list(list: &[EngineStatus]) {
    let rows: Vec<[String; 5]> = list
        .iter()
        .map(|s| {
            let e = &s.engine;
            let name = if e.current { format!("{} *", e.name) } else { e.name.clone() };
            let state = match (&s.version, &s.error) {
                (Some(v), _) => format!("reachable, Docker {v}"),
                (None, Some(err)) => format!("unreachable: {}", err.message),
                (None, None) => "unreachable".into(),
            };
            let kind = format!("{:?}", e.kind).to_lowercase();
            let by = if e.created_by_dockmaster { "dockmaster" } else { "" }.to_string();
            [name, kind, e.host.clone(), by, state]
        })
        .collect();
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .max()
                .unwrap_or(0)
                .max(["NAME", "KIND", "HOST", "ADDED BY"][i].len())
        })
        .collect();
    println!(
        "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  STATE",
        "NAME",
        "KIND",
        "HOST",
        "ADDED BY",
        w0 = widths[0],
        w1 = widths[1],
        w2 = widths[2],
        w3 = widths[3]
    );
    for r in rows {
        println!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        );
    }
}
