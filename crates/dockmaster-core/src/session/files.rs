//! Watches a project's files — its Compose files, `.env` and the stack descriptor — and calls back once per
//! burst of changes (an editor's save is several events), so an edit on disk reloads the project by itself.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::descriptor::PROJECT_DESCRIPTOR;

/// How long the files must stay quiet before the callback runs.
pub const QUIET: Duration = Duration::from_millis(200);

/// A running watch; dropping it stops watching.
pub struct FileWatcher {
    _watcher: RecommendedWatcher,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FileWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for FileWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileWatcher")
    }
}

/// Whether a file of `root` is one whose change changes the project: a Compose file by Compose's names
/// (`compose*.yml|yaml`, `docker-compose*.yml|yaml`), `.env`, the descriptor, or one of `files` (the files in
/// use, wherever `COMPOSE_FILE` or the descriptor put them).
pub fn is_project_file(path: &Path, root: &Path, files: &BTreeSet<PathBuf>) -> bool {
    if files.contains(path) {
        return true;
    }
    if path.parent() != Some(root) {
        return false;
    }
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    if name == ".env" || name == PROJECT_DESCRIPTOR {
        return true;
    }
    let compose_name = name.starts_with("compose") || name.starts_with("docker-compose");
    compose_name && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

impl FileWatcher {
    /// Watches the folders holding `root` and `files` (not their subfolders) and calls `on_change` on the
    /// current Tokio runtime after [`QUIET`] without further changes to a project file.
    pub fn start(
        root: &Path,
        files: BTreeSet<PathBuf>,
        on_change: impl Fn() + Send + 'static,
    ) -> Result<FileWatcher, String> {
        let (tx, mut rx) = mpsc::unbounded_channel::<()>();
        let root_owned = root.to_path_buf();
        let watched = files.clone();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            if event.kind.is_access() {
                return;
            }
            if event.paths.iter().any(|p| is_project_file(p, &root_owned, &watched)) {
                let _ = tx.send(());
            }
        })
        .map_err(|e| format!("cannot watch the project's files: {e}"))?;
        let mut folders: BTreeSet<PathBuf> =
            files.iter().filter_map(|f| f.parent().map(Path::to_path_buf)).collect();
        folders.insert(root.to_path_buf());
        for folder in &folders {
            watcher
                .watch(folder, RecursiveMode::NonRecursive)
                .map_err(|e| format!("cannot watch {}: {e}", folder.display()))?;
        }
        let task = tokio::spawn(async move {
            while rx.recv().await.is_some() {
                // Debounce: wait until the burst is over.
                loop {
                    match tokio::time::timeout(QUIET, rx.recv()).await {
                        Ok(Some(())) => continue,
                        Ok(None) => return,
                        Err(_) => break,
                    }
                }
                on_change();
            }
        });
        Ok(FileWatcher { _watcher: watcher, task })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    #[test]
    fn project_files_by_name_or_use() {
        let root = Path::new("/p");
        let files: BTreeSet<PathBuf> = [PathBuf::from("/elsewhere/stack.yml")].into();
        for yes in [
            "/p/docker-compose.yml",
            "/p/docker-compose.dev.yml",
            "/p/compose.yaml",
            "/p/.env",
            "/p/.dockmaster.toml",
            "/elsewhere/stack.yml",
        ] {
            assert!(is_project_file(Path::new(yes), root, &files), "{yes}");
        }
        for no in [
            "/p/.env.swp",
            "/p/docker-compose.yml~",
            "/p/README.md",
            "/p/sub/docker-compose.yml",
            "/elsewhere/other.yml",
        ] {
            assert!(!is_project_file(Path::new(no), root, &files), "{no}");
        }
    }

    /// A burst of writes (an editor saving through a temporary file) calls back once; other files never.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_changes_calls_back_once() {
        let dir = tempfile::tempdir().unwrap();
        let compose = dir.path().join("compose.yaml");
        std::fs::write(&compose, "services: {}\n").unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let files: BTreeSet<PathBuf> = [compose.clone()].into();
        let _w = FileWatcher::start(dir.path(), files, move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a project file").unwrap();
        tokio::time::sleep(QUIET * 3).await;
        assert_eq!(calls.load(Ordering::SeqCst), 0, "an unrelated file changes nothing");
        for i in 0..5 {
            let tmp = dir.path().join(".compose.yaml.tmp");
            std::fs::write(&tmp, format!("services: {{}}\n# {i}\n")).unwrap();
            std::fs::rename(&tmp, &compose).unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        std::fs::write(dir.path().join(".env"), "A=1\n").unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while calls.load(Ordering::SeqCst) == 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(QUIET * 2).await;
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one call for the burst");
    }
}
