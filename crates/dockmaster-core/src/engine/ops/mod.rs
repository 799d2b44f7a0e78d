//! Engine operations in Dockmaster's own types: the [`EngineOps`] trait that `lifecycle/` and `region/` call
//! (create/start/stop/remove, list and inspect by label, networks, volumes, images, a container's last log
//! lines, its events), its bollard implementation [`DockerEngine`] and, for unit tests, an in-memory fake.
//! `DockerEngine` alone also runs commands in containers (`exec.rs`: terminals, database and cache shells) and
//! helper containers with streamed input and output (`helper.rs`: volume backup and restore).
//!
//! Every operation has a timeout (the handle's, see [`EngineOps::with_timeout`]) and fails with one small
//! [`OpError`]: the engine's message plus a [`OpErrorKind`] (`NotFound`, `NotModified`, `Conflict`,
//! `TimedOut`, `Failed`). No bollard type leaves `engine/`.

mod convert;
mod disk_usage;
mod docker;
mod exec;
#[cfg(test)]
pub mod fake;
mod helper;
mod types;

use std::future::Future;
use std::time::Duration;

use futures_util::stream::BoxStream;

pub use docker::DockerEngine;
pub use exec::{Exec, ExecInput, ExecOutput, ExecSpec, OutputStream};
pub use helper::{HelperRun, HelperSpec};
pub use types::*;

use crate::secrets::Masker;

/// Why an engine operation failed: the kind callers branch on, and the engine's own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OpError {
    pub kind: OpErrorKind,
    /// The engine's message (`No such image: x (HTTP 404)`), or the transport failure with its causes.
    pub message: String,
}

/// The kinds of [`OpError`] callers tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpErrorKind {
    /// The object does not exist (HTTP 404).
    NotFound,
    /// Nothing to do: the container was already started or stopped (HTTP 304).
    NotModified,
    /// The name is taken, or the object is in use (HTTP 409).
    Conflict,
    /// No answer within the timeout (the engine may still have done it).
    TimedOut,
    /// Anything else.
    Failed,
}

impl OpError {
    pub fn new(kind: OpErrorKind, message: impl Into<String>) -> Self {
        OpError { kind, message: message.into() }
    }

    /// No answer within `after`.
    pub fn timed_out(after: Duration) -> Self {
        OpError::new(OpErrorKind::TimedOut, format!("the engine did not answer within {} s", after.as_secs()))
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == OpErrorKind::NotFound
    }
}

/// The result of an engine operation.
pub type OpResult<T> = Result<T, OpError>;

/// How container text read by an inspect (probe output, the engine's error) is masked before it is kept.
#[derive(Clone, Copy)]
pub enum TextMask<'a> {
    /// With the secrets of the container's own environment (region containers, which no project masker
    /// covers).
    OwnEnvironment,
    /// With this masker (the project's secrets); an incomplete one withholds the text.
    With(&'a Masker),
}

/// The operations Dockmaster performs on an engine. Futures are `Send`: the app runs them on a
/// multi-threaded runtime. Implemented by [`DockerEngine`] (the supervisor's lent client) and, in unit tests,
/// by `fake::FakeEngine`.
pub trait EngineOps: Send + Sync {
    /// The same engine, with requests that time out after `timeout`.
    fn with_timeout(&self, timeout: Duration) -> Self
    where
        Self: Sized;

    /// Containers whose labels match `filter` (running ones only, unless `include_stopped`).
    fn list_containers(
        &self,
        filter: &LabelFilter,
        include_stopped: bool,
    ) -> impl Future<Output = OpResult<Vec<ContainerSummary>>> + Send;

    /// One container (by ID or name), its container text masked as `mask` says.
    fn inspect_container(
        &self,
        id: &str,
        mask: TextMask<'_>,
    ) -> impl Future<Output = OpResult<ContainerInfo>> + Send;

    /// Creates a container; its ID.
    fn create_container(&self, spec: &ContainerSpec) -> impl Future<Output = OpResult<String>> + Send;

    /// Connects a container to one more network, with these DNS aliases.
    fn connect_network(
        &self,
        network: &str,
        container: &str,
        aliases: &[String],
    ) -> impl Future<Output = OpResult<()>> + Send;

    fn start_container(&self, id: &str) -> impl Future<Output = OpResult<()>> + Send;

    /// Stops a container, killing it after `grace` (the request's timeout is the handle's plus `grace`).
    fn stop_container(&self, id: &str, grace: Duration) -> impl Future<Output = OpResult<()>> + Send;

    /// Removes a container even when it runs; `with_volumes` removes its anonymous volumes too.
    fn remove_container(&self, id: &str, with_volumes: bool) -> impl Future<Output = OpResult<()>> + Send;

    /// The container's last `tail` log lines (stdout and stderr), as one text. Unmasked: mask it before it
    /// is kept or shown.
    fn container_logs(&self, id: &str, tail: usize) -> impl Future<Output = OpResult<String>> + Send;

    /// One item per engine event of the container from now on (the stream ends when the engine's does).
    fn container_events(&self, id: &str) -> BoxStream<'static, ()>;

    /// Networks whose labels match `filter`.
    fn list_networks(&self, filter: &LabelFilter) -> impl Future<Output = OpResult<Vec<NetworkInfo>>> + Send;

    /// One network (by name or ID): its driver and the subnets the engine gave it (`NotFound` when it is not
    /// there).
    fn inspect_network(&self, name: &str) -> impl Future<Output = OpResult<NetworkInfo>> + Send;

    /// Creates a network; its ID.
    fn create_network(&self, spec: &NetworkSpec) -> impl Future<Output = OpResult<String>> + Send;

    fn remove_network(&self, id: &str) -> impl Future<Output = OpResult<()>> + Send;

    /// Volumes whose labels match `filter`.
    fn list_volumes(&self, filter: &LabelFilter) -> impl Future<Output = OpResult<Vec<VolumeInfo>>> + Send;

    /// Every container (stopped ones too) that mounts the volume `name`.
    fn volume_users(&self, name: &str) -> impl Future<Output = OpResult<Vec<ContainerSummary>>> + Send;

    fn inspect_volume(&self, name: &str) -> impl Future<Output = OpResult<VolumeInfo>> + Send;

    fn create_volume(&self, spec: &VolumeSpec) -> impl Future<Output = OpResult<()>> + Send;

    /// Every volume's size on disk as the engine measures it (`system df`, any API version); may take a
    /// while on an engine with much data (it walks every volume).
    fn volume_sizes(&self) -> impl Future<Output = OpResult<Vec<VolumeUsage>>> + Send;

    /// Removes a volume (never forced: one in use is refused).
    fn remove_volume(&self, name: &str) -> impl Future<Output = OpResult<()>> + Send;

    /// An image on the engine (`NotFound` when it is not there).
    fn inspect_image(&self, name: &str) -> impl Future<Output = OpResult<ImageInfo>> + Send;

    /// Every image the engine has (tagged or not).
    fn list_images(&self) -> impl Future<Output = OpResult<Vec<ImageSummary>>> + Send;

    /// The image `name` as a `docker save` archive, streamed as the engine sends it (no timeout: the caller
    /// bounds the time between chunks). An unknown image fails the first item with `NotFound`.
    fn save_image(&self, name: &str) -> BoxStream<'static, OpResult<bytes::Bytes>>;

    /// Loads a `docker save` archive (`docker load`), streamed to the engine as `archive` yields it; an error
    /// item aborts the upload, and the engine then tags nothing. Finishes when the engine has loaded it.
    fn load_image(
        &self,
        archive: BoxStream<'static, Result<bytes::Bytes, std::io::Error>>,
    ) -> impl Future<Output = OpResult<()>> + Send;

    /// What the engine says about itself.
    fn info(&self) -> impl Future<Output = OpResult<EngineInfo>> + Send;

    /// The engine's events of objects whose labels match `filter`, from `since_secs` (Unix seconds) until now,
    /// oldest first. Attributes are unmasked: mask them before they are kept or shown.
    fn recent_events(
        &self,
        filter: &LabelFilter,
        since_secs: i64,
    ) -> impl Future<Output = OpResult<Vec<EventRecord>>> + Send;
}

#[cfg(test)]
mod tests;
