//! Helper containers: a short-lived container from an image already on the engine (never pulled), with a
//! volume mounted, no network, attached before it starts so no output is lost; its input and output are
//! streamed (a `tar` archive in or out), then its exit code is read and the container removed by the caller.

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptions, WaitContainerOptions,
};
use futures_util::StreamExt;

use super::exec::{output_stream, ExecInput, OutputStream};
use super::{DockerEngine, EngineOps, Labels, OpError, OpErrorKind, OpResult};

/// What a helper container runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelperSpec {
    pub name: String,
    /// An image the engine has (it is never pulled: a missing one fails the create).
    pub image: String,
    /// Replaces the image's entrypoint (so a service image's own start script does not run).
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// `source:target[:ro]`.
    pub binds: Vec<String>,
    pub labels: Labels,
    pub user: Option<String>,
    /// Whether it reads what [`HelperRun::input`] sends (end of input: shut the writer down).
    pub stdin: bool,
}

/// A started helper container.
pub struct HelperRun {
    pub id: String,
    /// Its stdout and stderr until it exits.
    pub output: OutputStream,
    pub input: ExecInput,
}

impl std::fmt::Debug for HelperRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HelperRun").field("id", &self.id).finish_non_exhaustive()
    }
}

impl DockerEngine {
    /// Creates the helper, attaches to it and starts it. It is removed again when a step after its creation
    /// fails; once this returns, removing it is the caller's job (also on cancel: see
    /// [`EngineOps::remove_container`]).
    pub async fn start_helper(&self, spec: &HelperSpec) -> OpResult<HelperRun> {
        let docker = self.clone().into_docker();
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            entrypoint: Some(spec.entrypoint.clone()),
            cmd: Some(spec.cmd.clone()),
            labels: Some(spec.labels.clone().into_iter().collect()),
            user: spec.user.clone(),
            attach_stdin: Some(spec.stdin),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            open_stdin: Some(spec.stdin),
            stdin_once: Some(spec.stdin),
            tty: Some(false),
            network_disabled: Some(true),
            host_config: Some(HostConfig {
                binds: Some(spec.binds.clone()),
                network_mode: Some("none".to_string()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let options = CreateContainerOptions { name: Some(spec.name.clone()), ..Default::default() };
        let id = self.timed_call(docker.create_container(Some(options), body)).await?.id;
        let started = async {
            let attach = AttachContainerOptionsBuilder::default()
                .stream(true)
                .stdin(spec.stdin)
                .stdout(true)
                .stderr(true)
                .logs(true)
                .build();
            let attached = self.timed_call(docker.attach_container(&id, Some(attach))).await?;
            self.timed_call(docker.start_container(&id, None)).await?;
            Ok::<_, OpError>(attached)
        }
        .await;
        match started {
            Ok(attached) => {
                Ok(HelperRun { id, output: output_stream(attached.output), input: attached.input })
            }
            Err(e) => {
                let _ = self.remove_container(&id, true).await;
                Err(e)
            }
        }
    }

    /// Waits until the helper has exited (no timeout: its output has ended, or the caller bounds it); its exit
    /// code.
    pub async fn wait_helper(&self, id: &str) -> OpResult<i64> {
        let docker = self.clone().into_docker();
        let options = WaitContainerOptions { condition: "not-running".to_string() };
        let mut waits = docker.wait_container(id, Some(options));
        match waits.next().await {
            Some(Ok(done)) => Ok(done.status_code),
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(super::convert::op_error(&e)),
            None => {
                Err(OpError::new(OpErrorKind::Failed, format!("the engine said nothing about {id} exiting")))
            }
        }
    }
}
