//! `dockmaster exec -- <command…>`: runs a command with the project's secrets added to its environment
//! only (never its arguments, never a file); the command's exit status is passed through.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

use clap::Args;
use dockmaster_core::session::Session;
use dockmaster_core::{ErrorCode, ErrorReport};

#[derive(Args)]
pub struct ExecArgs {
    /// The command and its arguments, after `--` (e.g. `dockmaster exec -- docker compose up`).
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

pub async fn run(session: &Session, args: ExecArgs, json: bool) -> ExitCode {
    let (env, warning) = or_fail!(json, session.child_secrets().await);
    if let Some(w) = warning {
        eprintln!("dockmaster: warning: {w}");
    }
    let Some((program, rest)) = args.command.split_first() else {
        return crate::fail(
            json,
            ErrorReport::new(ErrorCode::Usage, "no command given: dockmaster exec -- <command…>"),
        );
    };
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for (name, value) in &env {
        cmd.env(name, value.expose());
    }
    let status = match cmd.status() {
        Ok(s) => s,
        Err(e) => {
            return crate::fail(
                json,
                ErrorReport::new(
                    ErrorCode::ExecFailed,
                    format!("cannot run {}: {e}", program.to_string_lossy()),
                ),
            )
        }
    };
    drop(env);
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return ExitCode::from(u8::try_from((128 + signal) & 0xff).unwrap_or(1));
        }
    }
    ExitCode::from(1)
}
