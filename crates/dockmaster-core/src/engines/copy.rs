//! Copying an image from one engine to another (`dockmaster image copy IMAGE --to ENGINE`): the source's
//! `docker save` archive is streamed into the target's `docker load` over the two connections, chunk by chunk
//! (never the whole image in memory or on disk), with the bytes sent as progress. Nothing is ever pulled.
//!
//! A copy that breaks half-way aborts the upload: the target's engine then tags nothing, and the copy checks
//! that the image is still absent there before it reports the failure (or names what is left).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;

use crate::engine::endpoint::EndpointEnv;
use crate::engine::ops::{DockerEngine, EngineOps, OpError};
use crate::engine::{Endpoint, EngineError};
use crate::error::{ErrorCode, ErrorReport};

/// The longest wait for the next chunk of the archive before the copy gives up.
const IDLE: Duration = Duration::from_secs(120);
/// How often progress is reported while bytes flow.
const TICK: Duration = Duration::from_millis(250);

/// A step of a copy, for progress lines and the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ImageCopyEvent {
    /// Looking the image up on both engines.
    Checking { image: String, from: String, to: String },
    /// KiB sent so far (one word: the event's fields are as serialised).
    Copying { image: String, kib: u32 },
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImageCopied {
    pub image: String,
    /// The image's ID (`sha256:…`), the same on both engines.
    pub id: String,
    pub from: String,
    pub to: String,
    /// The target had that image already: nothing was sent.
    pub already_there: bool,
    pub sent_kib: u32,
    pub elapsed_ms: u32,
}

/// Why a copy did not happen, or failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CopyError {
    #[error(
        "the engine `{from}` has no image {image}: build or load it there first (`docker --context {from} images` \
         lists what it has)"
    )]
    NotOnSource { image: String, from: String },

    #[error("`{name}` cannot be copied: give one image name (`repo:tag`, or an image ID)")]
    NameInvalid { name: String },

    #[error("the engines `{from}` and `{to}` are the same engine: nothing to copy")]
    SameEngine { from: String, to: String },

    #[error("cannot read {image} from the engine `{from}`: {reason}")]
    Source { image: String, from: String, reason: String },

    #[error("copying {image} to the engine `{to}` failed after {sent_kib} KiB: {reason}. {left}")]
    Failed { image: String, to: String, sent_kib: u32, reason: String, left: String },
}

impl CopyError {
    pub fn code(&self) -> ErrorCode {
        match self {
            CopyError::NotOnSource { .. } => ErrorCode::ImageNotFound,
            CopyError::NameInvalid { .. } | CopyError::SameEngine { .. } => ErrorCode::Usage,
            CopyError::Source { .. } | CopyError::Failed { .. } => ErrorCode::ImageCopyFailed,
        }
    }
}

fn kib(bytes: u64) -> u32 {
    u32::try_from(bytes / 1024).unwrap_or(u32::MAX)
}

/// Copies `image` from `source` (called `from`) to `target` (called `to`), reporting progress. An image the
/// target has with the same ID is not sent again.
pub async fn copy_image<S: EngineOps, T: EngineOps>(
    source: &S,
    target: &T,
    image: &str,
    (from, to): (&str, &str),
    progress: &(dyn Fn(ImageCopyEvent) + Send + Sync),
) -> Result<ImageCopied, CopyError> {
    let started = Instant::now();
    if image.trim().is_empty() || image.chars().any(char::is_whitespace) {
        return Err(CopyError::NameInvalid { name: image.to_string() });
    }
    progress(ImageCopyEvent::Checking { image: image.into(), from: from.into(), to: to.into() });
    let source_error =
        |e: OpError| CopyError::Source { image: image.into(), from: from.into(), reason: e.message };
    let id = match source.inspect_image(image).await {
        Ok(info) => info.id,
        Err(e) if e.is_not_found() => {
            return Err(CopyError::NotOnSource { image: image.into(), from: from.into() })
        }
        Err(e) => return Err(source_error(e)),
    };
    let done = |already_there: bool, sent: u64| ImageCopied {
        image: image.into(),
        id: id.clone(),
        from: from.into(),
        to: to.into(),
        already_there,
        sent_kib: kib(sent),
        elapsed_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
    };
    if target.inspect_image(image).await.is_ok_and(|there| there.id == id) {
        return Ok(done(true, 0));
    }

    let sent = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&sent);
    let archive = source
        .save_image(image)
        .map(move |chunk| match chunk {
            Ok(bytes) => {
                counter.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                Ok(bytes)
            }
            Err(e) => Err(std::io::Error::other(e.message)),
        })
        .boxed();
    let archive = idle_bounded(archive);
    let load = target.load_image(archive);
    tokio::pin!(load);
    let mut tick = tokio::time::interval(TICK);
    let loaded = loop {
        tokio::select! {
            result = &mut load => break result,
            _ = tick.tick() => progress(ImageCopyEvent::Copying {
                image: image.into(),
                kib: kib(sent.load(Ordering::Relaxed)),
            }),
        }
    };
    let total = sent.load(Ordering::Relaxed);
    progress(ImageCopyEvent::Copying { image: image.into(), kib: kib(total) });
    let after = target.inspect_image(image).await;
    match (loaded, after) {
        (Ok(()), Ok(there)) if there.id == id => Ok(done(false, total)),
        (Ok(()), Ok(there)) => {
            Err(failed(image, to, total, format!("the engine loaded {} instead", there.id), ""))
        }
        (Ok(()), Err(e)) => {
            Err(failed(image, to, total, format!("the image is not there afterwards ({e})"), ""))
        }
        (Err(e), Err(_)) => Err(failed(
            image,
            to,
            total,
            e.message,
            "The target engine has no new image or tag (layers it had already unpacked may stay until \
             `docker image prune`). Run the copy again.",
        )),
        (Err(e), Ok(_)) => Err(failed(
            image,
            to,
            total,
            e.message,
            "The target engine has an image under that name now: check it with `docker image inspect` there \
             before you use it, or remove it.",
        )),
    }
}

fn failed(image: &str, to: &str, sent: u64, reason: String, left: &str) -> CopyError {
    CopyError::Failed { image: image.into(), to: to.into(), sent_kib: kib(sent), reason, left: left.into() }
}

/// Ends the archive with an error when no chunk comes for [`IDLE`] (the upload is then aborted).
fn idle_bounded(
    archive: futures_util::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>,
) -> futures_util::stream::BoxStream<'static, std::io::Result<bytes::Bytes>> {
    futures_util::stream::unfold(Some(archive), |state| async move {
        let mut archive = state?;
        match tokio::time::timeout(IDLE, archive.next()).await {
            Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some(archive))),
            Ok(Some(Err(e))) => Some((Err(e), None)),
            Ok(None) => None,
            Err(_) => Some((
                Err(std::io::Error::other(format!(
                    "the source engine sent nothing for {} s",
                    IDLE.as_secs()
                ))),
                None,
            )),
        }
    })
    .boxed()
}

/// Connects to an engine by name for a copy (the longer SSH handshake allowed).
async fn connect(env: &EndpointEnv, name: &str) -> Result<(Endpoint, DockerEngine), ErrorReport> {
    let endpoint = Endpoint::named(env, name)?;
    let engine = DockerEngine::connect(&endpoint, super::probe_timeout(&endpoint))
        .await
        .map_err(|reason| EngineError::Unavailable { endpoint: endpoint.url(), reason })?;
    Ok((endpoint, engine))
}

/// [`copy_image`] between the engines called `from` and `to` (`default`: the local engine).
pub async fn copy_between(
    env: &EndpointEnv,
    image: &str,
    from: &str,
    to: &str,
    progress: &(dyn Fn(ImageCopyEvent) + Send + Sync),
) -> Result<ImageCopied, ErrorReport> {
    let (source_endpoint, source) = connect(env, from).await?;
    let (target_endpoint, target) = connect(env, to).await?;
    if source_endpoint.transport == target_endpoint.transport {
        return Err(CopyError::SameEngine { from: from.into(), to: to.into() }.into());
    }
    Ok(copy_image(&source, &target, image, (from, to), progress).await?)
}

#[cfg(test)]
#[path = "copy_tests.rs"]
mod tests;
