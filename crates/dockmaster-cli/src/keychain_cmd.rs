//! `dockmaster keychain create|unlock`: asks the Secret Service to create a default keychain or to unlock it;
//! the desktop's own prompter asks for the password (Dockmaster never sees it). No project needed: the same
//! core calls as the window's "Create keychain" and "Unlock keychain".

use std::process::ExitCode;

use clap::Subcommand;
use dockmaster_core::secrets::collection::{self, KeychainChange};
use dockmaster_core::{ErrorCode, ErrorReport};
use serde::Serialize;

use crate::print_json;

#[derive(Subcommand)]
pub enum KeychainCommand {
    /// Create a default keychain (Secret Service collection) when there is none; the desktop asks for its
    /// password.
    Create,
    /// Unlock the default keychain; the desktop asks for its password.
    Unlock,
}

#[derive(Serialize)]
struct Answer {
    change: KeychainChange,
}

pub async fn run(command: KeychainCommand, json: bool) -> ExitCode {
    let done = tokio::task::spawn_blocking(move || match command {
        KeychainCommand::Create => collection::create_default().map_err(ErrorReport::from),
        KeychainCommand::Unlock => collection::unlock_default().map_err(ErrorReport::from),
    })
    .await
    .unwrap_or_else(|e| {
        Err(ErrorReport::new(ErrorCode::Internal, format!("the keychain request stopped: {e}")))
    });
    let change = match done {
        Ok(change) => change,
        Err(e) => return crate::fail(json, e),
    };
    if json {
        print_json(&Answer { change });
    } else {
        println!(
            "{}",
            match change {
                KeychainChange::Created => "Created the default keychain; it is unlocked.",
                KeychainChange::Unlocked => "Unlocked the default keychain.",
                KeychainChange::AlreadyReady =>
                    "The default keychain is there and unlocked already: nothing to do.",
            }
        );
    }
    ExitCode::SUCCESS
}
