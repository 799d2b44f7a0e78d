//! The helper containers that read and write a volume: an image already on the engine that has `tar` (the
//! service's own when it does, else the local demo image Dockmaster builds — never a pull), no network, labelled
//! `dockmaster.helper`, removed when its work ends, failed or not. A backup streams `tar -c` out of the volume
//! (mounted read-only); a restore empties the volume and streams the checked archive into `tar -x`.

use std::path::Path;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::archive::{self, ArchiveWriter};
use super::VolumeProgress;
use crate::engine::ops::{EngineOps, ExecOutput, HelperSpec, Labels};
use crate::engine::DockerEngine;
use crate::labels;

/// Where the volume is mounted in the helper.
const MOUNT: &str = "/volume";
/// The helper's own error output kept for a failure's message.
const STDERR_KEPT: usize = 4096;
/// Pieces of tar sent to a restore's helper.
const CHUNK: usize = 256 * 1024;
/// When set, helpers also carry `dockmaster.test=<value>`, so a test run finds (and removes) what it made.
pub const TEST_LABEL_ENV: &str = "DOCKMASTER_TEST_LABEL";

/// The labels of `project`'s helpers.
pub fn helper_labels(project: &str) -> Labels {
    let mut labels = Labels::from([(labels::HELPER.to_string(), project.to_string())]);
    if let Some(test) = std::env::var(TEST_LABEL_ENV).ok().filter(|v| !v.is_empty()) {
        labels.insert(labels::TEST.to_string(), test);
    }
    labels
}

/// The local image Dockmaster builds (`dockmaster demo image`): the helper image of last resort.
pub fn fallback_image() -> String {
    format!("{}:{}", crate::demo::IMAGE_REPO, crate::demo::IMAGE_TAG)
}

/// Every helper's name starts with its process's (`dockmaster-helper-<pid>-`), so the helpers one process made
/// can be told apart from another's running at the same time.
fn own_prefix() -> String {
    format!("dockmaster-helper-{}-", std::process::id())
}

fn helper_name() -> String {
    format!("{}{:08x}", own_prefix(), fastrand::u32(..))
}

/// Removes the helpers this process made for `project` that are still there: a command interrupted mid-way
/// (Ctrl-C) drops its work before the helper's own removal runs. Another process's helpers are left alone.
/// The names of those removed.
pub async fn remove_own(engine: &DockerEngine, project: &str) -> Result<Vec<String>, String> {
    let filter = crate::engine::ops::LabelFilter::all().is(labels::HELPER, project);
    let listed = engine
        .list_containers(&filter, true)
        .await
        .map_err(|e| format!("the helper containers could not be listed: {e}"))?;
    let prefix = own_prefix();
    let mut removed = Vec::new();
    for helper in listed.into_iter().filter(|c| c.name.starts_with(&prefix)) {
        engine
            .remove_container(&helper.id, true)
            .await
            .map_err(|e| format!("the helper container {} could not be removed: {e}", helper.name))?;
        removed.push(helper.name);
    }
    Ok(removed)
}

/// What one helper run gave: its exit code and the end of its error output.
struct Ran {
    code: i64,
    stderr: String,
}

/// Runs `spec` to its end: `input` (pieces of bytes) goes to its stdin, then end of input; each piece of its
/// stdout goes to `on_stdout`. The container is removed afterwards whatever happened.
async fn run(
    engine: &DockerEngine,
    spec: &HelperSpec,
    input: Option<Box<dyn Iterator<Item = Result<Vec<u8>, String>> + Send>>,
    mut on_input: impl FnMut(u64) + Send,
    mut on_stdout: impl FnMut(&[u8]) -> Result<(), String> + Send,
) -> Result<Ran, String> {
    let started =
        engine.start_helper(spec).await.map_err(|e| format!("the helper container did not start: {e}"))?;
    let id = started.id.clone();
    let work = async {
        let mut helper_input = started.input;
        let feed = async {
            if let Some(pieces) = input {
                for piece in pieces {
                    let piece = piece?;
                    helper_input
                        .write_all(&piece)
                        .await
                        .map_err(|e| format!("sending the archive to the helper failed: {e}"))?;
                    on_input(piece.len() as u64);
                }
            }
            helper_input.shutdown().await.map_err(|e| format!("ending the helper's input failed: {e}"))
        };
        let mut output = started.output;
        let mut stderr = Vec::new();
        let read = async {
            while let Some(item) = output.next().await {
                match item.map_err(|e| format!("reading the helper's output failed: {e}"))? {
                    ExecOutput::Stdout(bytes) => on_stdout(&bytes)?,
                    ExecOutput::Stderr(bytes) => {
                        let room = STDERR_KEPT.saturating_sub(stderr.len());
                        stderr.extend_from_slice(&bytes[..bytes.len().min(room)]);
                    }
                }
            }
            Ok::<_, String>(())
        };
        let (fed, read) = tokio::join!(feed, read);
        read?;
        let code =
            engine.wait_helper(&id).await.map_err(|e| format!("the helper's end was not seen: {e}"))?;
        // A helper that failed stops reading: its own words say why better than the broken pipe.
        if code == 0 {
            fed?;
        }
        Ok(Ran { code, stderr: String::from_utf8_lossy(&stderr).trim().to_string() })
    };
    let result = work.await;
    let _ = engine.remove_container(&id, true).await;
    result
}

fn spec(image: &str, script: &str, binds: Vec<String>, labels: &Labels, stdin: bool) -> HelperSpec {
    HelperSpec {
        name: helper_name(),
        image: image.to_string(),
        entrypoint: vec!["sh".into(), "-c".into()],
        cmd: vec![script.to_string()],
        binds,
        labels: labels.clone(),
        // Root, so every file of the volume can be read and written back with its owner.
        user: Some("0:0".into()),
        stdin,
    }
}

/// The first of `candidates` (then the local fallback image) that is on the engine and has `sh`, `tar` and
/// `rm`, checked by running it. Nothing is pulled.
pub async fn pick_image(
    engine: &DockerEngine,
    candidates: &[String],
    labels: &Labels,
) -> Result<String, String> {
    let mut tried: Vec<String> = Vec::new();
    let fallback = fallback_image();
    for image in candidates.iter().chain(std::iter::once(&fallback)) {
        if image.is_empty() || tried.contains(image) {
            continue;
        }
        tried.push(image.clone());
        let check = spec(image, "command -v tar && command -v rm", Vec::new(), labels, false);
        if let Ok(ran) = run(engine, &check, None, |_| {}, |_| Ok(())).await {
            if ran.code == 0 {
                return Ok(image.clone());
            }
        }
    }
    Err(format!(
        "no image on the engine has `tar` to read the volume with (tried {}): build the local one with \
         `dockmaster demo image` (nothing is pulled), then retry",
        tried.join(", ")
    ))
}

/// Streams the volume's files as tar into `writer`, `progress` told the bytes so far.
pub async fn backup(
    engine: &DockerEngine,
    image: &str,
    volume: &str,
    labels: &Labels,
    writer: &mut ArchiveWriter,
    progress: &(dyn Fn(VolumeProgress) + Send + Sync),
) -> Result<(), String> {
    let binds = vec![format!("{volume}:{MOUNT}:ro")];
    let script = format!("tar -cf - -C {MOUNT} .");
    let mut bytes = 0u64;
    let on_stdout = |piece: &[u8]| {
        writer.write(piece)?;
        bytes += piece.len() as u64;
        progress(VolumeProgress { bytes, total: None });
        Ok(())
    };
    let ran = run(engine, &spec(image, &script, binds, labels, false), None, |_| {}, on_stdout).await?;
    if ran.code != 0 {
        return Err(format!("`tar` in the helper container exited with {}: {}", ran.code, ran.stderr));
    }
    Ok(())
}

/// Empties the volume and unpacks the (already checked) `archive` into it, `progress` told the bytes sent.
pub async fn restore(
    engine: &DockerEngine,
    image: &str,
    volume: &str,
    labels: &Labels,
    archive_path: &Path,
    total: u64,
    progress: &(dyn Fn(VolumeProgress) + Send + Sync),
) -> Result<(), String> {
    let pieces = archive::tar_pieces(archive_path, CHUNK)?;
    let binds = vec![format!("{volume}:{MOUNT}")];
    let script = format!("rm -rf {MOUNT}/..?* {MOUNT}/.[!.]* {MOUNT}/* && tar -xf - -C {MOUNT}");
    let mut sent = 0u64;
    let on_input = |n: u64| {
        sent += n;
        progress(VolumeProgress { bytes: sent, total: Some(total) });
    };
    let spec = spec(image, &script, binds, labels, true);
    let ran = run(engine, &spec, Some(Box::new(pieces)), on_input, |_| Ok(())).await?;
    if ran.code != 0 {
        return Err(format!("`tar` in the helper container exited with {}: {}", ran.code, ran.stderr));
    }
    Ok(())
}
