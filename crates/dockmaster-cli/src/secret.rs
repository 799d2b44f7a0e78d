//! `dockmaster secret set|generate|rm|import`: the project's secrets in the OS keychain. Values come from
//! stdin or a hidden prompt, never from the command line, and are never printed.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::Subcommand;
use dockmaster_core::secrets::{self, Sensitive};
use dockmaster_core::session::Session;
use dockmaster_core::{ErrorCode, ErrorReport};
use serde::Serialize;

#[derive(Subcommand)]
pub enum SecretCommand {
    /// Store NAME's value (read from stdin, or a hidden prompt on a terminal) in the OS keychain.
    Set { name: String },
    /// Generate a strong value for NAME by its rule (e.g. 48 characters, a Fernet key) and store it.
    Generate { name: String },
    /// Remove NAME from the OS keychain.
    Rm { name: String },
    /// Move the secret values of `.env` into the OS keychain and blank them in `.env`.
    Import,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Done<'a> {
    action: &'a str,
    name: Option<&'a str>,
    service: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    existed: Option<bool>,
}

fn read_value(name: &str) -> std::io::Result<Sensitive<String>> {
    let mut value = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{name} (input hidden): "))?
    } else {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    };
    // One trailing line ending is the terminator of `echo` / a here-string, not part of the value.
    if value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    Ok(Sensitive::new(value))
}

pub async fn run(session: &Session, command: SecretCommand, json: bool) -> ExitCode {
    let service = or_fail!(json, session.keychain_service().await);
    let done = |d: Done<'_>, text: String| {
        if json {
            crate::print_json(&d);
        } else {
            println!("{text}");
        }
        ExitCode::SUCCESS
    };
    match command {
        SecretCommand::Set { name } => {
            let unreadable = |e: std::io::Error| {
                ErrorReport::new(ErrorCode::InputUnreadable, format!("cannot read the value of {name}: {e}"))
            };
            let value = or_fail!(json, read_value(&name).map_err(unreadable));
            or_fail!(json, session.set_secret(name.clone(), value).await);
            done(
                Done { action: "set", name: Some(&name), service: &service, length: None, existed: None },
                format!("stored {name} in the OS keychain (service `{service}`)"),
            )
        }
        SecretCommand::Generate { name } => match session.generate_secret(name.clone()).await {
            Ok(length) => done(
                Done { action: "generate", name: Some(&name), service: &service, length: Some(length), existed: None },
                format!("generated {name} ({length} characters) and stored it in the OS keychain (service `{service}`)"),
            ),
            Err(e) => crate::fail(json, e),
        },
        SecretCommand::Rm { name } => match session.delete_secret(name.clone()).await {
            Ok(existed) => done(
                Done { action: "rm", name: Some(&name), service: &service, length: None, existed: Some(existed) },
                if existed { format!("removed {name} from the OS keychain") } else { format!("{name} was not in the OS keychain") },
            ),
            Err(e) => crate::fail(json, e),
        },
        SecretCommand::Import => match session.import_secrets().await {
            Ok(report) => {
                if json {
                    crate::print_json(&report);
                } else {
                    match &report.env_file {
                        None => println!("no .env file: nothing to import"),
                        Some(path) => {
                            println!("moved {} secret(s) from {path} into the OS keychain (service `{service}`): {}", report.moved.len(), report.moved.join(", "));
                            for name in &report.conflicts {
                                println!("left {name} in {path}: the keychain already holds a different value (remove one of them)");
                            }
                            for name in &report.reserved {
                                println!("left {name} in {path}: Dockmaster reserves that name for Compose and the Docker CLI, so it never goes into the keychain");
                            }
                            for name in &report.too_short {
                                println!("left {name} in {path}: its value is shorter than {} characters and could not be masked in output (give it a longer one)", secrets::MIN_SECRET_LEN);
                            }
                        }
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => crate::fail(json, e),
        },
    }
}
