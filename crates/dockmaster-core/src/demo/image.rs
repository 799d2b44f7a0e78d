//! Makes sure the demo's image exists on the engine: asks the engine for it, and when it is missing or was built
//! from another recipe (another busybox, an older layout) or retagged by Compose, builds it locally — a root file
//! system from the static busybox, imported through the engine API (`POST /images/create?fromSrc=-`) with
//! progress, tagged, then checked. Nothing is ever pulled.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;

use super::busybox::{find_busybox, BUSYBOX_CANDIDATES};
use super::error::DemoError;
use super::rootfs::{recipe_hash, root_fs_tar};
use super::{IMAGE_REPO, IMAGE_TAG};
use crate::engine::ops::OpErrorKind;
use crate::engine::{DockerEngine, Endpoint, EndpointEnv, EngineOps};
use crate::labels;

/// How long the first contact with the engine may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the import (a few MB from memory) may take.
const IMPORT_TIMEOUT: Duration = Duration::from_secs(180);
/// Progress is reported per chunk of the archive handed to the engine.
const CHUNK: usize = 128 * 1024;

/// Which image to make, and the labels it carries besides [`labels::DEMO_HASH`].
#[derive(Debug, Clone)]
pub struct ImageTarget {
    pub repo: String,
    pub tag: String,
    pub labels: BTreeMap<String, String>,
}

impl ImageTarget {
    /// `dockmaster/demo-busybox:latest`, labelled `dockmaster.test=1` as scripts/demo-image.sh always did.
    pub fn demo() -> Self {
        ImageTarget {
            repo: IMAGE_REPO.into(),
            tag: IMAGE_TAG.into(),
            labels: BTreeMap::from([(labels::TEST.to_string(), "1".to_string())]),
        }
    }

    pub fn reference(&self) -> String {
        format!("{}:{}", self.repo, self.tag)
    }
}

/// Progress of [`ensure_image`], in order; `Building` … `Tagged` only when the image is built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum DemoImageEvent {
    /// Asking the engine whether the image is there and current.
    Checking { image: String },
    /// The image is built now: why (`missing`, …) and from which busybox.
    Building { image: String, reason: String, busybox: String },
    /// The root file system archive is ready (bytes).
    Archived { bytes: u32 },
    /// `sent` of the archive's `total` bytes have been handed to the engine.
    Importing { sent: u32, total: u32 },
    /// Imported, tagged and checked.
    Tagged { image: String, id: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ImageOutcome {
    /// The image was there and current: nothing was done.
    Present,
    /// The image was built now.
    Built,
}

/// The image is ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DemoImageReport {
    pub image: String,
    pub id: String,
    pub outcome: ImageOutcome,
    pub elapsed_ms: u32,
}

/// [`ensure_image`] for the demo's own image on the engine the environment names (`DOCKER_HOST`, the Docker
/// context, the platform socket), with busybox looked for at [`BUSYBOX_CANDIDATES`].
pub async fn ensure_image_from_env(
    progress: &(dyn Fn(DemoImageEvent) + Send + Sync),
) -> Result<DemoImageReport, DemoError> {
    let endpoint = Endpoint::resolve(&EndpointEnv::from_process())?;
    let engine = DockerEngine::connect(&endpoint, CONNECT_TIMEOUT)
        .await
        .map_err(|reason| DemoError::EngineUnavailable { endpoint: endpoint.to_string(), reason })?;
    let candidates: Vec<&Path> = BUSYBOX_CANDIDATES.iter().map(Path::new).collect();
    ensure_image(&engine, &ImageTarget::demo(), &candidates, progress).await
}

/// What the engine has under the target's name.
struct Existing {
    id: String,
    hash: Option<String>,
    retagged_by_compose: bool,
}

/// Makes sure `target` exists and is current; builds it from the first static busybox among `busybox` when not.
/// An image that is there is kept when no busybox can be found to check it against (it still runs the demo).
pub async fn ensure_image(
    engine: &DockerEngine,
    target: &ImageTarget,
    busybox: &[&Path],
    progress: &(dyn Fn(DemoImageEvent) + Send + Sync),
) -> Result<DemoImageReport, DemoError> {
    let started = Instant::now();
    let image = target.reference();
    let report = |id: String, outcome| DemoImageReport {
        image: image.clone(),
        id,
        outcome,
        elapsed_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
    };
    progress(DemoImageEvent::Checking { image: image.clone() });
    let existing = inspect(engine, &image).await?;
    let found = find_busybox(busybox);
    let reason = match (&existing, &found) {
        (Some(old), Err(_)) if !old.retagged_by_compose => {
            return Ok(report(old.id.clone(), ImageOutcome::Present))
        }
        (_, Err(_)) => None,
        (None, Ok(_)) => Some("missing".to_string()),
        (Some(old), Ok(_)) if old.retagged_by_compose => {
            // `docker compose build` of the demo's build sections retags the image with Compose labels, which
            // every container would then inherit (and be mistaken for that project's).
            Some("it carries Compose's labels (retagged by `docker compose build`)".to_string())
        }
        (Some(old), Ok(bb)) => {
            let hash = recipe_hash(&bb.bytes);
            if old.hash.as_deref() == Some(hash.as_str()) {
                return Ok(report(old.id.clone(), ImageOutcome::Present));
            }
            Some("it was built from another busybox or an older recipe".to_string())
        }
    };
    let busybox = found?;
    let reason = reason.unwrap_or_default();
    progress(DemoImageEvent::Building {
        image: image.clone(),
        reason,
        busybox: busybox.path.display().to_string(),
    });
    let hash = recipe_hash(&busybox.bytes);
    let archive = root_fs_tar(&busybox.bytes).map_err(|e| DemoError::Import {
        image: image.clone(),
        reason: format!("cannot build the archive: {e}"),
    })?;
    let total = u32::try_from(archive.len()).unwrap_or(u32::MAX);
    progress(DemoImageEvent::Archived { bytes: total });

    import(engine, target, &hash, archive, total, progress).await?;

    let Some(made) = inspect(engine, &image).await? else {
        return Err(DemoError::Verify { image, problem: "the engine does not list it".into() });
    };
    if made.hash.as_deref() != Some(hash.as_str()) {
        return Err(DemoError::Verify {
            image,
            problem: format!("its {} label is {:?}, not {hash}", labels::DEMO_HASH, made.hash),
        });
    }
    progress(DemoImageEvent::Tagged { image: image.clone(), id: made.id.clone() });
    Ok(report(made.id, ImageOutcome::Built))
}

async fn inspect(engine: &DockerEngine, image: &str) -> Result<Option<Existing>, DemoError> {
    match engine.inspect_image(image).await {
        Ok(found) => Ok(Some(Existing {
            id: found.id,
            hash: found.labels.get(labels::DEMO_HASH).cloned(),
            retagged_by_compose: found.labels.contains_key(labels::COMPOSE_PROJECT),
        })),
        Err(e) if e.kind == OpErrorKind::NotFound => Ok(None),
        Err(e) => Err(DemoError::Inspect { image: image.to_string(), reason: e.message }),
    }
}

/// The Dockerfile instructions `docker import --change` would apply.
fn changes(target: &ImageTarget, hash: &str) -> Vec<String> {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""));
    let mut out: Vec<String> = target
        .labels
        .iter()
        .filter(|(k, _)| k.as_str() != labels::DEMO_HASH)
        .map(|(k, v)| format!("LABEL {}={}", quote(k), quote(v)))
        .collect();
    out.push(format!("LABEL {}={}", quote(labels::DEMO_HASH), quote(hash)));
    out.extend([
        "ENV PATH=/usr/local/bin:/bin".to_string(),
        "WORKDIR /".to_string(),
        r#"CMD ["sh"]"#.to_string(),
    ]);
    out
}

async fn import(
    engine: &DockerEngine,
    target: &ImageTarget,
    hash: &str,
    archive: Vec<u8>,
    total: u32,
    progress: &(dyn Fn(DemoImageEvent) + Send + Sync),
) -> Result<(), DemoError> {
    // The engine reports no progress for an archive in the request body: count what is handed to it instead.
    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
    let archive = bytes::Bytes::from(archive);
    let chunks: Vec<bytes::Bytes> = (0..archive.len())
        .step_by(CHUNK)
        .map(|at| archive.slice(at..(at + CHUNK).min(archive.len())))
        .collect();
    let mut sent = 0usize;
    let body = futures_util::stream::iter(chunks).map(move |chunk| {
        sent += chunk.len();
        let _ = sent_tx.send(u32::try_from(sent).unwrap_or(u32::MAX));
        Ok::<_, std::io::Error>(chunk)
    });
    let engine = engine.with_timeout(IMPORT_TIMEOUT);
    let imported = engine.import_image(&target.repo, &target.tag, changes(target, hash), body);
    tokio::pin!(imported);
    loop {
        tokio::select! {
            Some(sent) = sent_rx.recv() => progress(DemoImageEvent::Importing { sent: sent.min(total), total }),
            result = &mut imported => {
                while let Ok(sent) = sent_rx.try_recv() {
                    progress(DemoImageEvent::Importing { sent: sent.min(total), total });
                }
                return result.map_err(|e| DemoError::Import { image: target.reference(), reason: e.message });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changes_are_the_ones_the_shell_recipe_applied() {
        let changes = changes(&ImageTarget::demo(), "0123456789abcdef");
        assert_eq!(
            changes,
            [
                r#"LABEL "dockmaster.test"="1""#,
                r#"LABEL "dockmaster.demo.hash"="0123456789abcdef""#,
                "ENV PATH=/usr/local/bin:/bin",
                "WORKDIR /",
                r#"CMD ["sh"]"#,
            ]
        );
        assert_eq!(ImageTarget::demo().reference(), "dockmaster/demo-busybox:latest");
    }
}
