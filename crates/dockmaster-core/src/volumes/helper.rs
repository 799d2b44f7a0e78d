//! The helper containers that read and write a volume: an image already on the engine that has `tar` (the
//! service's own when it does, else the local demo image Dockmaster builds — never a pull), no network, labelled
//! `dockmaster.helper`, removed when its work ends, failed or not. A backup streams `tar -c` out of the volume
//! (mounted read-only). A restore is atomic up to a short swap: the checked archive is unpacked into a staging
//! folder inside the volume (same file system), and only once `tar -x` fully succeeded does a second helper swap
//! it in by renames (the old top-level entries moved aside, the staged ones in, the old ones deleted last); a
//! failed or cancelled unpacking removes the staging folder and leaves the volume's files as they were.

use std::path::Path;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

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

/// What a cancelled helper run says (the caller, which holds the token, words the outcome).
const CANCELLED: &str = "cancelled";

/// Runs `spec` to its end, or until `cancel`: `input` (pieces of bytes) goes to its stdin, then end of input;
/// each piece of its stdout goes to `on_stdout`. The container is removed afterwards whatever happened (a
/// cancelled one while it still runs, which stops it).
async fn run(
    engine: &DockerEngine,
    spec: &HelperSpec,
    input: Option<Box<dyn Iterator<Item = Result<Vec<u8>, String>> + Send>>,
    mut on_input: impl FnMut(u64) + Send,
    mut on_stdout: impl FnMut(&[u8]) -> Result<(), String> + Send,
    cancel: &CancellationToken,
) -> Result<Ran, String> {
    if cancel.is_cancelled() {
        return Err(CANCELLED.into());
    }
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
    let result = tokio::select! {
        done = work => done,
        _ = cancel.cancelled() => Err(CANCELLED.into()),
    };
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
    cancel: &CancellationToken,
) -> Result<String, String> {
    let mut tried: Vec<String> = Vec::new();
    let fallback = fallback_image();
    for image in candidates.iter().chain(std::iter::once(&fallback)) {
        if image.is_empty() || tried.contains(image) {
            continue;
        }
        tried.push(image.clone());
        let check =
            spec(image, "command -v tar && command -v rm && command -v mv", Vec::new(), labels, false);
        if let Ok(ran) = run(engine, &check, None, |_| {}, |_| Ok(()), cancel).await {
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
    cancel: &CancellationToken,
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
    let ran =
        run(engine, &spec(image, &script, binds, labels, false), None, |_| {}, on_stdout, cancel).await?;
    if ran.code != 0 {
        return Err(format!("`tar` in the helper container exited with {}: {}", ran.code, ran.stderr));
    }
    Ok(())
}

/// The folders a restore works in, inside the volume: the staged archive, and the old top-level entries while
/// they are swapped out. Named by the restore (`<8 hex digits>`), so they can be named in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staging {
    id: String,
}

impl Staging {
    pub fn new() -> Staging {
        Staging { id: format!("{:08x}", fastrand::u32(..)) }
    }

    /// The unpacked archive (`.dockmaster-restore-<id>` at the volume's top).
    pub fn staged(&self) -> String {
        format!(".dockmaster-restore-{}", self.id)
    }

    /// The volume's previous top-level entries during the swap (`.dockmaster-replaced-<id>`).
    pub fn replaced(&self) -> String {
        format!(".dockmaster-replaced-{}", self.id)
    }
}

impl Default for Staging {
    fn default() -> Self {
        Staging::new()
    }
}

/// Why a restore did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreError {
    /// Unpacking failed or was cancelled before anything was swapped: the volume's files are as they were.
    /// `left`: why the staging folder could not be removed, if it could not.
    Unpack { why: String, left: Option<String> },
    /// The swap itself failed part-way: the volume may hold a mix (see [`swap_state`]).
    Swap(String),
}

/// What the volume holds when a swap stopped part-way (it failed, or the helper was killed): the sentence the
/// error and ARCHITECTURE.md give.
pub fn swap_state(staging: &Staging) -> String {
    format!(
        "the volume may hold a mix: some of its previous top-level entries moved into `{}`, some restored ones \
         still in `{}`, the rest already in place — restore again, which replaces everything (those two folders \
         included)",
        staging.replaced(),
        staging.staged()
    )
}

/// The script that unpacks tar from stdin into the staging folder.
fn unpack_script(staging: &Staging) -> String {
    format!("mkdir {MOUNT}/{s} && tar -xf - -C {MOUNT}/{s}", s = staging.staged())
}

/// The script that swaps the staged entries in: every top-level entry but the two folders moved into the
/// replaced folder, every staged entry moved up, the staging folder's mode and owner (the archive's `./`) given
/// to the volume's top when `stat` is there, the staging folder removed, the replaced one deleted last.
fn swap_script(mount: &str, staging: &Staging) -> String {
    format!(
        r#"set -e
cd {mount}
S={s}
O={o}
M=$(stat -c %a "$S" 2>/dev/null) || M=
U=$(stat -c %u:%g "$S" 2>/dev/null) || U=
mkdir "$O"
for f in * .[!.]* ..?*; do
  if [ "$f" = "$S" ] || [ "$f" = "$O" ]; then continue; fi
  if [ -e "$f" ] || [ -L "$f" ]; then mv -- "$f" "$O/"; fi
done
for f in "$S"/* "$S"/.[!.]* "$S"/..?*; do
  if [ -e "$f" ] || [ -L "$f" ]; then mv -- "$f" ./; fi
done
rmdir "$S"
rm -rf "$O"
if [ -n "$M" ]; then chmod "$M" . || true; fi
if [ -n "$U" ]; then chown "$U" . || true; fi
"#,
        s = staging.staged(),
        o = staging.replaced()
    )
}

/// Removes the staging folder after a failed or cancelled unpacking (a helper of its own, never cancelled).
async fn remove_staged(
    engine: &DockerEngine,
    image: &str,
    volume: &str,
    labels: &Labels,
    staging: &Staging,
) -> Result<(), String> {
    let script = format!("rm -rf {MOUNT}/{s} && ! [ -e {MOUNT}/{s} ]", s = staging.staged());
    let binds = vec![format!("{volume}:{MOUNT}")];
    let spec = spec(image, &script, binds, labels, false);
    let ran = run(engine, &spec, None, |_| {}, |_| Ok(()), &CancellationToken::new()).await?;
    if ran.code != 0 {
        return Err(format!("`rm` exited with {}: {}", ran.code, ran.stderr));
    }
    Ok(())
}

/// Unpacks the (already checked) `archive` into the staging folder, `progress` told the bytes sent; only once
/// that fully succeeded (every byte sent, `tar` exited 0) swaps it in. A failed or cancelled unpacking removes
/// the staging folder. The swap is not cancelled by `cancel` (it is short, and stopping it part-way would leave
/// the mix [`swap_state`] describes).
#[allow(clippy::too_many_arguments)]
pub async fn restore(
    engine: &DockerEngine,
    image: &str,
    volume: &str,
    labels: &Labels,
    archive_path: &Path,
    total: u64,
    progress: &(dyn Fn(VolumeProgress) + Send + Sync),
    staging: &Staging,
    cancel: &CancellationToken,
) -> Result<(), RestoreError> {
    let binds = vec![format!("{volume}:{MOUNT}")];
    let unpacked = async {
        let pieces = archive::tar_pieces(archive_path, CHUNK)?;
        let mut sent = 0u64;
        let on_input = |n: u64| {
            sent += n;
            progress(VolumeProgress { bytes: sent, total: Some(total) });
        };
        let spec = spec(image, &unpack_script(staging), binds.clone(), labels, true);
        let ran = run(engine, &spec, Some(Box::new(pieces)), on_input, |_| Ok(()), cancel).await?;
        if ran.code != 0 {
            return Err(format!("`tar` in the helper container exited with {}: {}", ran.code, ran.stderr));
        }
        Ok(())
    }
    .await;
    if let Err(why) = unpacked {
        let left = remove_staged(engine, image, volume, labels, staging).await.err();
        return Err(RestoreError::Unpack { why, left });
    }
    let spec = spec(image, &swap_script(MOUNT, staging), binds, labels, false);
    let ran = run(engine, &spec, None, |_| {}, |_| Ok(()), &CancellationToken::new())
        .await
        .map_err(RestoreError::Swap)?;
    if ran.code != 0 {
        return Err(RestoreError::Swap(format!(
            "the swap in the helper container exited with {}: {}",
            ran.code, ran.stderr
        )));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::process::Command;

    fn listing(dir: &Path) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let path = e.path();
                let what = if path.is_symlink() {
                    format!("-> {}", std::fs::read_link(&path).unwrap().display())
                } else if path.is_dir() {
                    format!("dir {:?}", listing(&path))
                } else {
                    std::fs::read_to_string(&path).unwrap()
                };
                (e.file_name().to_string_lossy().into_owned(), what)
            })
            .collect();
        out.sort();
        out
    }

    fn write(dir: &Path, names: &[&str], tag: &str) {
        for name in names {
            std::fs::write(dir.join(name), format!("{tag} {name}")).unwrap();
        }
    }

    #[test]
    fn the_swap_replaces_every_top_level_entry_with_the_staged_ones_and_leaves_no_folder_of_its_own() {
        let tmp = tempfile::tempdir().unwrap();
        let volume = tmp.path();
        let staging = Staging::new();
        // The old entries: hidden, dash-led, spaced, `..x`, a folder, a link, a glob character, and a leftover
        // staging folder of an earlier interrupted restore.
        write(volume, &["old.txt", ".hidden", "-dash", "with space", "..dots", "*"], "old");
        std::fs::create_dir(volume.join("olddir")).unwrap();
        write(&volume.join("olddir"), &["inner"], "old");
        std::os::unix::fs::symlink("old.txt", volume.join("oldlink")).unwrap();
        std::fs::create_dir(volume.join(".dockmaster-restore-deadbeef")).unwrap();
        // The staged archive: the same kinds of names.
        let staged = volume.join(staging.staged());
        std::fs::create_dir(&staged).unwrap();
        write(&staged, &["new.txt", ".hidden", "-dash", "..dots"], "new");
        std::fs::create_dir(staged.join("sub")).unwrap();
        write(&staged.join("sub"), &["deep"], "new");
        std::os::unix::fs::symlink("new.txt", staged.join("newlink")).unwrap();
        let expected = listing(&staged);

        let out = Command::new("sh")
            .args(["-c", &swap_script(volume.to_str().unwrap(), &staging)])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(listing(volume), expected);
    }

    #[test]
    fn the_swap_of_an_empty_archive_into_an_empty_volume_leaves_it_empty() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = Staging::new();
        std::fs::create_dir(tmp.path().join(staging.staged())).unwrap();
        let out = Command::new("sh")
            .args(["-c", &swap_script(tmp.path().to_str().unwrap(), &staging)])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(listing(tmp.path()), Vec::new());
    }

    #[test]
    fn a_swap_stopped_part_way_names_both_folders_and_the_fix() {
        let staging = Staging { id: "0000abcd".into() };
        let state = swap_state(&staging);
        assert!(state.contains("`.dockmaster-replaced-0000abcd`"), "{state}");
        assert!(state.contains("`.dockmaster-restore-0000abcd`"), "{state}");
        assert!(state.contains("restore again"), "{state}");
        assert_eq!(
            unpack_script(&staging),
            "mkdir /volume/.dockmaster-restore-0000abcd && tar -xf - -C /volume/.dockmaster-restore-0000abcd"
        );
    }
}
