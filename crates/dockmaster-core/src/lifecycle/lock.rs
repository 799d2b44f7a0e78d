//! One operation per project at a time, across processes (the CLI and the app alike): an OS file lock
//! (`flock`) on `$XDG_RUNTIME_DIR/dockmaster/op-<hash>.lock`, keyed by the project's root and Compose name.
//! The file records the running operation and its PID, so a refused request can say what runs.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::{LifecycleError, Result};

/// What the lock file says about the operation holding it (no secret: kind, PID, project).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    pub operation: String,
    pub pid: u32,
    pub project: String,
    pub root: String,
}

/// The folder for lock files: `$XDG_RUNTIME_DIR/dockmaster`, else `<temp>/dockmaster-<uid>`.
pub fn default_dir(xdg_runtime_dir: Option<&str>) -> PathBuf {
    match xdg_runtime_dir.filter(|d| !d.is_empty() && Path::new(d).is_dir()) {
        Some(dir) => PathBuf::from(dir).join("dockmaster"),
        None => {
            #[cfg(unix)]
            let user = rustix::process::getuid().as_raw().to_string();
            #[cfg(not(unix))]
            let user = std::env::var("USERNAME").unwrap_or_default();
            std::env::temp_dir().join(format!("dockmaster-{user}"))
        }
    }
}

/// The lock file of a project (root + Compose project name: two names in one folder are two projects).
pub fn path_for(dir: &Path, root: &Path, project: &str) -> PathBuf {
    let mut hash = Sha256::new();
    hash.update(root.to_string_lossy().as_bytes());
    hash.update([0]);
    hash.update(project.as_bytes());
    let digest = hash.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    dir.join(format!("op-{hex}.lock"))
}

/// A held operation lock; released (and the file emptied) on drop.
#[derive(Debug)]
pub struct OperationLock {
    file: File,
    path: PathBuf,
}

impl OperationLock {
    /// Takes the project's lock without waiting, or says who holds it.
    pub fn acquire(dir: &Path, root: &Path, project: &str, operation: &str) -> Result<OperationLock> {
        let lock_error = |path: &Path, e: std::io::Error| LifecycleError::Lock {
            path: path.to_path_buf(),
            detail: e.to_string(),
        };
        create_private_dir(dir).map_err(|e| lock_error(dir, e))?;
        let path = path_for(dir, root, project);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| lock_error(&path, e))?;
        match try_lock(&file) {
            Ok(true) => {}
            Ok(false) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder: Option<Holder> = serde_json::from_str(&text).ok();
                return Err(LifecycleError::Busy {
                    project: project.to_string(),
                    operation: holder.as_ref().map_or_else(|| "unknown".to_string(), |h| h.operation.clone()),
                    pid: holder.map(|h| h.pid),
                });
            }
            Err(e) => return Err(lock_error(&path, e)),
        }
        let holder = Holder {
            operation: operation.to_string(),
            pid: std::process::id(),
            project: project.to_string(),
            root: root.display().to_string(),
        };
        let text = serde_json::to_string(&holder).unwrap_or_default();
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(text.as_bytes()))
            .and_then(|_| file.flush())
            .map_err(|e| lock_error(&path, e))?;
        Ok(OperationLock { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for OperationLock {
    fn drop(&mut self) {
        // Empty it while still holding the lock; closing the file releases the lock.
        let _ = self.file.set_len(0);
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// `Ok(false)` when another open file description holds the lock.
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK || e == rustix::io::Errno::INTR => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Elsewhere (Windows): the standard library's file lock (`LockFileEx`).
#[cfg(not(unix))]
#[allow(clippy::incompatible_msrv)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn second_acquire_is_refused_with_the_holder_then_free_again() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new("/some/project");
        let first = OperationLock::acquire(dir.path(), root, "demo", "up").unwrap();
        match OperationLock::acquire(dir.path(), root, "demo", "down") {
            Err(LifecycleError::Busy { operation, pid, .. }) => {
                assert_eq!(operation, "up");
                assert_eq!(pid, Some(std::process::id()));
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        // Another Compose name in the same folder is another project.
        let other = OperationLock::acquire(dir.path(), root, "demo2", "up").unwrap();
        drop(other);
        drop(first);
        let again = OperationLock::acquire(dir.path(), root, "demo", "down").unwrap();
        assert!(std::fs::read_to_string(again.path()).unwrap().contains("\"operation\":\"down\""));
    }

    #[test]
    fn lock_dir_prefers_xdg_runtime_dir() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        assert_eq!(default_dir(Some(d)), dir.path().join("dockmaster"));
        assert!(default_dir(Some("/nonexistent/xdg")).starts_with(std::env::temp_dir()));
        assert_ne!(path_for(dir.path(), Path::new("/a"), "x"), path_for(dir.path(), Path::new("/b"), "x"));
    }
}
