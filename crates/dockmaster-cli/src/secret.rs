//! `dockmaster secret set|generate|rm|import`: the project's secrets in the OS keychain. Values come from
//! stdin or a hidden prompt, never from the command line, and are never printed.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::Subcommand;
use dockmaster_core::secrets::{self, Keychain, SecretsError, Sensitive};
use dockmaster_core::Project;
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

pub fn failed(json: bool, e: &SecretsError) -> ExitCode {
    crate::fail(json, e)
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

pub fn run(project: &Project, command: SecretCommand, json: bool) -> ExitCode {
    let keychain = match Keychain::open(project.root()) {
        Ok(k) => k,
        Err(e) => return failed(json, &e),
    };
    let service = keychain.service().to_string();
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
            let value = match read_value(&name) {
                Ok(v) => v,
                Err(e) => return crate::fail(json, ErrorReport::new(ErrorCode::InputUnreadable, format!("cannot read the value of {name}: {e}"))),
            };
            match secrets::store(project, &keychain, &name, &value) {
                Ok(()) => done(
                    Done { action: "set", name: Some(&name), service: &service, length: None, existed: None },
                    format!("stored {name} in the OS keychain (service `{service}`)"),
                ),
                Err(e) => failed(json, &e),
            }
        }
        SecretCommand::Generate { name } => match secrets::generate_and_store(project, &keychain, &name) {
            Ok(length) => done(
                Done { action: "generate", name: Some(&name), service: &service, length: Some(length), existed: None },
                format!("generated {name} ({length} characters) and stored it in the OS keychain (service `{service}`)"),
            ),
            Err(e) => failed(json, &e),
        },
        SecretCommand::Rm { name } => match keychain.delete(&name) {
            Ok(existed) => done(
                Done { action: "rm", name: Some(&name), service: &service, length: None, existed: Some(existed) },
                if existed { format!("removed {name} from the OS keychain") } else { format!("{name} was not in the OS keychain") },
            ),
            Err(e) => failed(json, &e),
        },
        SecretCommand::Import => match secrets::import(project, &keychain) {
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
            Err(e) => failed(json, &e),
        },
    }
}
