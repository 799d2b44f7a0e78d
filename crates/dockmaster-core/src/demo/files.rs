//! The demo project's files, compiled into the binary from the repository's `demo/` folder (so an installed app
//! or CLI needs no source tree), and [`install`]: copies them into a folder, never over an existing copy.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::DemoError;

/// One file of the demo project.
pub struct DemoFile {
    /// Relative to the project folder, `/`-separated.
    pub path: &'static str,
    pub contents: &'static [u8],
}

macro_rules! demo_files {
    ($($path:literal),* $(,)?) => {
        &[$(DemoFile { path: $path, contents: include_bytes!(concat!("../../../../demo/", $path)) }),*]
    };
}

/// Every file of `demo/` except [`DEMO_SOURCE_EXCLUDED`] (a unit test keeps this list equal to the folder).
pub const DEMO_FILES: &[DemoFile] = demo_files![
    ".env.example",
    "docker-compose.dev.yml",
    "docker-compose.yml",
    "monitoring/grafana/dashboards/.gitkeep",
    "monitoring/grafana/datasources/.gitkeep",
    "monitoring/prometheus.yml",
    "services/admin-ui/Dockerfile",
    "services/admin-ui/build/.gitkeep",
    "services/clients/psql",
    "services/clients/redis-cli",
    "services/database/config/.gitkeep",
    "services/database/init/00-demo.sql",
    "services/gameserver/Dockerfile",
    "services/gameserver/data/.gitkeep",
    "services/gameserver/logs/.gitkeep",
    "services/gameserver/sql/init-central-nexus.sql",
    "services/gameserver/sql/init-region.sql",
    "services/nginx-gateway/Dockerfile",
    "services/nginx-gateway/ssl/.gitkeep",
    "services/player-client/Dockerfile",
    "services/player-client/build/.gitkeep",
    "services/region-manager/Dockerfile",
    "services/region-manager/logs/.gitkeep",
    "services/region-manager/src/.gitkeep",
    "services/region-manager/templates/.gitkeep",
];

/// Files of the demo that are programs (the database and cache client stand-ins): installed with mode 0755.
pub const DEMO_EXECUTABLES: &[&str] = &["services/clients/psql", "services/clients/redis-cli"];

/// Files of `demo/` that stay in the repository: they drive the repository's own scripts and tests.
pub const DEMO_SOURCE_EXCLUDED: &[&str] = &["README.md", "verify.sh"];

/// The file whose presence marks a folder as a copy of the demo (left as it is, edits and all).
const MARKER: &str = "docker-compose.yml";

/// Where the demo is, and whether this call copied it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DemoCopy {
    /// The project folder to open.
    pub dir: String,
    /// True when the files were copied now; false when a copy was already there (left untouched).
    pub created: bool,
}

/// [`install`] off the async runtime (it writes a few hundred files).
pub async fn install_in_background(dir: std::path::PathBuf) -> Result<DemoCopy, DemoError> {
    let target = dir.clone();
    tokio::task::spawn_blocking(move || install(&target))
        .await
        .unwrap_or_else(|e| Err(DemoError::Copy { dir, message: format!("the copy stopped: {e}") }))
}

/// Copies the demo into `dir`: a new folder, or an empty one. A folder that already holds a copy (its
/// `docker-compose.yml`) is left exactly as it is — the user may have edited it — and reported with
/// `created: false`; any other non-empty folder is refused. The files are written into a temporary sibling
/// folder first and renamed into place, so `dir` never holds half a copy; on failure that folder is removed.
pub fn install(dir: &Path) -> Result<DemoCopy, DemoError> {
    let copy_error = |message: String| DemoError::Copy { dir: dir.to_path_buf(), message };
    let done = |created| DemoCopy { dir: dir.display().to_string(), created };
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => {
            if dir.join(MARKER).is_file() {
                return Ok(done(false));
            }
            let mut entries = std::fs::read_dir(dir).map_err(|e| copy_error(e.to_string()))?;
            if entries.next().is_some() {
                return Err(DemoError::FolderTaken { dir: dir.to_path_buf() });
            }
        }
        Ok(_) => return Err(DemoError::FolderTaken { dir: dir.to_path_buf() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(copy_error(e.to_string())),
    }

    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| copy_error(format!("cannot create {}: {e}", parent.display())))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "demo".into());
    let staging = parent.join(format!(".{name}.partial-{}-{:08x}", std::process::id(), fastrand::u32(..)));
    let result = write_all(&staging).and_then(|()| move_into_place(&staging, dir));
    match result {
        Ok(()) => Ok(done(true)),
        Err(e) => {
            // Only the staging folder this call made; never `dir`.
            let _ = std::fs::remove_dir_all(&staging);
            // Someone else (another window, the CLI) put a copy there meanwhile: use it.
            if dir.join(MARKER).is_file() {
                return Ok(done(false));
            }
            Err(copy_error(e.to_string()))
        }
    }
}

fn write_all(root: &Path) -> std::io::Result<()> {
    std::fs::create_dir(root)?;
    for file in DEMO_FILES {
        let path = root.join(file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, file.contents)?;
        #[cfg(unix)]
        if DEMO_EXECUTABLES.contains(&file.path) {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}

fn move_into_place(staging: &Path, dir: &Path) -> std::io::Result<()> {
    // An empty folder is replaced (Windows cannot rename over a folder).
    if dir.is_dir() {
        std::fs::remove_dir(dir)?;
    }
    std::fs::rename(staging, dir)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn source_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo")
    }

    fn files_under(root: &Path) -> BTreeSet<String> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else {
                    let rel = path.strip_prefix(root).unwrap();
                    out.insert(
                        rel.components()
                            .map(|c| c.as_os_str().to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/"),
                    );
                }
            }
        }
        let mut out = BTreeSet::new();
        walk(root, root, &mut out);
        out
    }

    /// Adding a file to demo/ without listing it here (or in the exclusions) fails this test.
    #[test]
    fn the_compiled_in_files_are_exactly_the_demo_folder() {
        let on_disk = files_under(&source_dir());
        let listed: BTreeSet<String> = DEMO_FILES
            .iter()
            .map(|f| f.path.to_string())
            .chain(DEMO_SOURCE_EXCLUDED.iter().map(|s| s.to_string()))
            .collect();
        assert_eq!(on_disk, listed, "list every file of demo/ in DEMO_FILES or DEMO_SOURCE_EXCLUDED");
        for f in DEMO_FILES {
            assert_eq!(std::fs::read(source_dir().join(f.path)).unwrap(), f.contents, "{}", f.path);
        }
        #[cfg(unix)]
        for path in DEMO_EXECUTABLES {
            use std::os::unix::fs::PermissionsExt;
            assert!(DEMO_FILES.iter().any(|f| f.path == *path), "{path} is a demo file");
            let mode = std::fs::metadata(source_dir().join(path)).unwrap().permissions().mode();
            assert_eq!(mode & 0o111, 0o111, "{path} is executable in the repository");
        }
    }

    #[test]
    fn install_copies_every_file_into_a_new_folder_and_it_opens_as_the_demo() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data/dev.dockmaster.app/demo");
        let copy = install(&dir).unwrap();
        assert_eq!(copy, DemoCopy { dir: dir.display().to_string(), created: true });
        let expected: BTreeSet<String> = DEMO_FILES.iter().map(|f| f.path.to_string()).collect();
        assert_eq!(files_under(&dir), expected);
        // Nothing else was left next to it (no staging folder).
        let siblings: Vec<_> =
            std::fs::read_dir(dir.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(siblings, vec![std::ffi::OsString::from("demo")]);
        // The client stand-ins can run (the services mount them as programs).
        #[cfg(unix)]
        for path in DEMO_EXECUTABLES {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(path)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o755, "{path}");
        }
        // It is a Compose project with the demo's profiles.
        let project = crate::Project::open(crate::OpenOptions::new(&dir)).unwrap();
        let profiles = project.profile_names();
        for p in ["development", "monitoring", "multi-regional", "production"] {
            assert!(profiles.iter().any(|n| n == p), "{p} missing from {profiles:?}");
        }
    }

    #[test]
    fn an_existing_copy_is_left_as_the_user_edited_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("demo");
        install(&dir).unwrap();
        let compose = dir.join("docker-compose.yml");
        std::fs::write(&compose, "services: {}\n# edited\n").unwrap();
        std::fs::write(dir.join(".env"), "GAMESERVER_PORT=18080\n").unwrap();
        std::fs::remove_file(dir.join(".env.example")).unwrap();

        let again = install(&dir).unwrap();
        assert!(!again.created);
        assert_eq!(std::fs::read_to_string(&compose).unwrap(), "services: {}\n# edited\n");
        assert_eq!(std::fs::read_to_string(dir.join(".env")).unwrap(), "GAMESERVER_PORT=18080\n");
        assert!(!dir.join(".env.example").exists(), "a file the user removed came back");
    }

    #[test]
    fn an_empty_folder_is_filled_and_any_other_content_is_refused_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(install(&empty).unwrap().created);
        assert!(empty.join("docker-compose.yml").is_file());

        let taken = tmp.path().join("taken");
        std::fs::create_dir(&taken).unwrap();
        std::fs::write(taken.join("notes.txt"), "mine").unwrap();
        let err = install(&taken).err().unwrap();
        assert!(matches!(err, DemoError::FolderTaken { .. }), "{err}");
        assert!(err.to_string().contains("Choose a new or empty folder"), "{err}");
        assert_eq!(files_under(&taken), BTreeSet::from(["notes.txt".to_string()]));

        let file = tmp.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(install(&file).err().unwrap(), DemoError::FolderTaken { .. }));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_a_clear_error_and_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        // A file where a parent folder should be: fails for root too (permissions would not).
        let blocker = tmp.path().join("not-a-folder");
        std::fs::write(&blocker, "x").unwrap();
        let err = install(&blocker.join("demo")).err().unwrap();
        assert!(matches!(err, DemoError::Copy { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("cannot copy the demo into") && text.contains("permissions"), "{text}");
        assert_eq!(files_under(tmp.path()), BTreeSet::from(["not-a-folder".to_string()]));
    }
}
