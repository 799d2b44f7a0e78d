//! Commands run inside a running container (`docker exec`) through the engine API: with a TTY (a terminal) or
//! plain pipes, attached both ways, resizable, the exit code read back once the output has ended. The command's
//! environment ([`ExecSpec::env`]) is where credentials go: it reaches the engine in the request body only,
//! never a command line.

use std::pin::Pin;

use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::ResizeExecOptionsBuilder;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use tokio::io::AsyncWrite;

use super::convert::op_error;
use super::{DockerEngine, OpError, OpErrorKind, OpResult};
use crate::secrets::Sensitive;

/// What to run in the container, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecSpec {
    /// The command and its arguments (never a secret: credentials go in `env`).
    pub cmd: Vec<String>,
    /// Added to the container's environment for this command only.
    pub env: Vec<(String, Sensitive<String>)>,
    /// A pseudo-terminal (raw output, resizable) instead of separate stdout and stderr.
    pub tty: bool,
    /// Whether the command reads what [`Exec::input`] sends.
    pub stdin: bool,
    pub user: Option<String>,
    pub working_dir: Option<String>,
}

/// A piece of a command's output. With a TTY everything is `Stdout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecOutput {
    Stdout(Bytes),
    Stderr(Bytes),
}

impl ExecOutput {
    pub fn bytes(&self) -> &Bytes {
        match self {
            ExecOutput::Stdout(b) | ExecOutput::Stderr(b) => b,
        }
    }
}

/// Where a command's (or a helper container's) input goes; shutting it down is end of input.
pub type ExecInput = Pin<Box<dyn AsyncWrite + Send>>;

/// Output as the engine sends it, until the command ends.
pub type OutputStream = BoxStream<'static, OpResult<ExecOutput>>;

/// A started command.
pub struct Exec {
    /// The exec instance (for [`DockerEngine::resize_exec`] and [`DockerEngine::exec_exit_code`]).
    pub id: String,
    pub output: OutputStream,
    pub input: ExecInput,
}

impl std::fmt::Debug for Exec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exec").field("id", &self.id).finish_non_exhaustive()
    }
}

/// The engine's multiplexed (or raw, with a TTY) frames as [`ExecOutput`]; what it echoes of stdin is dropped.
pub(super) fn output_stream(
    stream: impl futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send + 'static,
) -> OutputStream {
    stream
        .filter_map(|item| async move {
            match item {
                Ok(LogOutput::StdOut { message } | LogOutput::Console { message }) => {
                    Some(Ok(ExecOutput::Stdout(message)))
                }
                Ok(LogOutput::StdErr { message }) => Some(Ok(ExecOutput::Stderr(message))),
                Ok(LogOutput::StdIn { .. }) => None,
                Err(e) => Some(Err(op_error(&e))),
            }
        })
        .boxed()
}

impl DockerEngine {
    /// Starts `spec` in the running container `container` (ID or name), attached: its output arrives on
    /// [`Exec::output`] until it ends, its input goes to [`Exec::input`].
    pub async fn exec(&self, container: &str, spec: &ExecSpec) -> OpResult<Exec> {
        let docker = self.clone().into_docker();
        let env: Vec<String> =
            spec.env.iter().map(|(name, value)| format!("{name}={}", value.expose())).collect();
        let options = CreateExecOptions::<String> {
            attach_stdin: Some(spec.stdin),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(spec.tty),
            env: Some(env).filter(|e| !e.is_empty()),
            cmd: Some(spec.cmd.clone()),
            user: spec.user.clone(),
            working_dir: spec.working_dir.clone(),
            ..Default::default()
        };
        let created = self.timed_call(docker.create_exec(container, options)).await?;
        let start = StartExecOptions { detach: false, tty: spec.tty, output_capacity: None };
        match self.timed_call(docker.start_exec(&created.id, Some(start))).await? {
            StartExecResults::Attached { output, input } => {
                Ok(Exec { id: created.id, output: output_stream(output), input })
            }
            StartExecResults::Detached => Err(OpError::new(
                OpErrorKind::Failed,
                "the engine started the command detached: its output cannot be read",
            )),
        }
    }

    /// Tells the command's terminal its size (TTY only).
    pub async fn resize_exec(&self, id: &str, cols: u16, rows: u16) -> OpResult<()> {
        let docker = self.clone().into_docker();
        let options = ResizeExecOptionsBuilder::default().w(i32::from(cols)).h(i32::from(rows)).build();
        self.timed_call(docker.resize_exec(id, options)).await
    }

    /// The command's exit code once it has ended; `None` while it runs.
    pub async fn exec_exit_code(&self, id: &str) -> OpResult<Option<i64>> {
        let docker = self.clone().into_docker();
        let inspected = self.timed_call(docker.inspect_exec(id)).await?;
        Ok(if inspected.running == Some(true) { None } else { inspected.exit_code })
    }

    /// `f` within the handle's timeout, its error an [`OpError`].
    pub(super) async fn timed_call<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
    ) -> OpResult<T> {
        match tokio::time::timeout(self.timeout(), f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(op_error(&e)),
            Err(_) => Err(OpError::timed_out(self.timeout())),
        }
    }
}
