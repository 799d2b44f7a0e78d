//! Commands in a service's container as both faces ask for them: the request (a shell, the service's database or
//! cache client, or a given command; with a TTY or plain pipes), what was opened (never a credential's value),
//! the window's terminal events, and [`ServiceExec`], a started command with its masked output, its input and
//! its controls (resize, exit code).

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::engine::ops::{ExecInput, ExecSpec};
use crate::engine::DockerEngine;
use crate::error::{ErrorCode, ErrorReport};
use crate::tools::output::MaskedOutput;

/// What to open in a service's container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExecRequest {
    pub service: String,
    /// The command to run; empty: the service's client (`client`) or its shell (bash, else sh).
    #[serde(default)]
    pub command: Vec<String>,
    /// Open the database or cache client the stack descriptor names for the service, its credentials in the
    /// command's environment.
    #[serde(default)]
    pub client: bool,
    /// A terminal (the window, an interactive CLI) instead of plain pipes.
    #[serde(default)]
    pub tty: bool,
    /// The terminal's size (TTY only; 0: left to the engine).
    #[serde(default)]
    pub cols: u16,
    #[serde(default)]
    pub rows: u16,
}

/// What was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExecInfo {
    pub service: String,
    /// The container's name.
    pub container: String,
    /// The program that runs (`/bin/bash`, `psql`, …).
    pub program: String,
    /// The client's name, when the service's client was opened.
    pub client: Option<String>,
    /// The variables given to it in its environment (names only, never a value).
    pub credentials: Vec<String>,
    /// What to know (a credential that could not be found, values too short to mask).
    pub warnings: Vec<String>,
}

/// A terminal the window opened: its ID for input, resize and close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TerminalInfo {
    pub id: u32,
    pub info: ExecInfo,
}

/// What a terminal sends to the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum TerminalEvent {
    /// Output, masked, as text (a character cut between two reads is sent whole with the next).
    Output { data: String },
    /// The terminal ended: the command exited, the container stopped, or the engine went away.
    Closed {
        reason: String,
        #[serde(rename = "exitCode")]
        exit_code: Option<i32>,
    },
}

/// Resizes a started command's terminal and reads its exit code.
#[derive(Debug, Clone)]
pub struct ExecControl {
    pub(crate) engine: DockerEngine,
    pub(crate) id: String,
}

impl ExecControl {
    /// Tells the command's terminal its new size (TTY only).
    pub async fn resize(&self, cols: u16, rows: u16) -> Result<(), ErrorReport> {
        if cols == 0 || rows == 0 {
            return Ok(());
        }
        self.engine.resize_exec(&self.id, cols, rows).await.map_err(|e| {
            ErrorReport::new(ErrorCode::ExecFailed, format!("the terminal could not be resized: {e}"))
        })
    }

    /// The exit code once the command has ended (its output ended: the engine records it a moment later, so
    /// this waits up to `patience` for it). `None` when it is still running.
    pub async fn exit_code(&self, patience: Duration) -> Result<Option<i64>, ErrorReport> {
        let deadline = Instant::now() + patience;
        loop {
            let code = self.engine.exec_exit_code(&self.id).await.map_err(|e| {
                ErrorReport::new(
                    ErrorCode::ExecFailed,
                    format!("the command's exit code cannot be read: {e}"),
                )
            })?;
            if code.is_some() || Instant::now() >= deadline {
                return Ok(code);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// A command started in a service's container.
pub struct ServiceExec {
    pub info: ExecInfo,
    /// The container's ID.
    pub container_id: String,
    /// Its output, masked with the project's secrets, the container's own and the credentials given.
    pub output: MaskedOutput,
    /// Its input (shut it down for end of input).
    pub input: ExecInput,
    pub control: ExecControl,
}

impl std::fmt::Debug for ServiceExec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceExec").field("info", &self.info).finish_non_exhaustive()
    }
}

/// The shell of a container: bash when it has one, else sh (what `command -v` finds). `NO_SHELL` when it has
/// neither, with what to do instead.
pub async fn find_shell(
    engine: &DockerEngine,
    container: &str,
    service: &str,
) -> Result<String, ErrorReport> {
    let spec = ExecSpec {
        cmd: ["sh", "-c", "command -v bash || command -v sh"].map(String::from).to_vec(),
        ..Default::default()
    };
    let no_shell = |why: String| {
        ErrorReport::new(
            ErrorCode::NoShell,
            format!(
                "`{service}`'s container has no shell to open ({why}); run one of its programs instead: \
                 `dockmaster shell {service} -- PROGRAM`"
            ),
        )
    };
    let exec = engine.exec(container, &spec).await.map_err(|e| no_shell(e.message))?;
    let mut output = exec.output;
    let mut text = Vec::new();
    let read = async {
        use futures_util::StreamExt;
        while let Some(piece) = output.next().await {
            if let Ok(crate::engine::ops::ExecOutput::Stdout(b)) = piece {
                text.extend_from_slice(&b);
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(10), read).await.is_err() {
        return Err(no_shell("looking for bash and sh took longer than 10 s".into()));
    }
    let control = ExecControl { engine: engine.clone(), id: exec.id };
    let code = control.exit_code(Duration::from_secs(2)).await?;
    let found = String::from_utf8_lossy(&text).lines().next().unwrap_or_default().trim().to_string();
    match code {
        Some(0) if !found.is_empty() => Ok(found),
        _ => Err(no_shell("neither bash nor sh was found".into())),
    }
}

/// A command's exit code as a process exit status (the low byte, as a shell reports it).
pub fn exit_status(code: i64) -> i32 {
    i32::try_from(code.rem_euclid(256)).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_default_to_a_shell_without_a_terminal_and_events_are_tagged() {
        let r: ExecRequest = serde_json::from_str(r#"{"service":"gameserver"}"#).expect("json");
        assert_eq!(r, ExecRequest { service: "gameserver".into(), ..Default::default() });
        let closed = TerminalEvent::Closed { reason: "the container stopped".into(), exit_code: Some(137) };
        assert_eq!(
            serde_json::to_value(&closed).expect("json"),
            serde_json::json!({"kind": "closed", "reason": "the container stopped", "exitCode": 137})
        );
        assert_eq!(exit_status(0), 0);
        assert_eq!(exit_status(130), 130);
        assert_eq!(exit_status(256 + 3), 3);
        assert_eq!(exit_status(-1), 255);
    }
}
