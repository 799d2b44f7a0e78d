//! Which engine each project runs on: one small JSON file, `$XDG_CONFIG_HOME/dockmaster/project-engines.json`
//! (else `~/.config/dockmaster/…`), mapping a project's folder to an engine name. The window and the CLI read and
//! write the same file; a project with no entry uses the Docker CLI's current context.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::EnginesError;

const FILE: &str = "project-engines.json";

/// The settings file (`None` when neither XDG_CONFIG_HOME nor HOME is set).
pub fn path() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|h| h.join(".config")))?;
    Some(base.join("dockmaster").join(FILE))
}

fn key(root: &Path) -> String {
    std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()).display().to_string()
}

fn read(file: &Path) -> BTreeMap<String, String> {
    // A damaged file is not worth an error here: the projects fall back to the current context.
    std::fs::read_to_string(file).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

/// The engine the project in `root` remembers, if any.
pub fn remembered(root: &Path) -> Option<String> {
    remembered_in(&path()?, root)
}

pub fn remembered_in(file: &Path, root: &Path) -> Option<String> {
    read(file).get(&key(root)).cloned()
}

/// Remembers `engine` for the project in `root` (`None` forgets it: back to the current context).
pub fn remember(root: &Path, engine: Option<&str>) -> Result<(), EnginesError> {
    let file = path().ok_or_else(|| EnginesError::Settings {
        path: FILE.into(),
        message: "neither XDG_CONFIG_HOME nor HOME is set".into(),
    })?;
    remember_in(&file, root, engine)
}

pub fn remember_in(file: &Path, root: &Path, engine: Option<&str>) -> Result<(), EnginesError> {
    let mut map = read(file);
    match engine {
        Some(name) => map.insert(key(root), name.to_string()),
        None => map.remove(&key(root)),
    };
    let fail = |e: std::io::Error| EnginesError::Settings {
        path: file.display().to_string(),
        message: e.to_string(),
    };
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let tmp = file.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&map).unwrap_or_default()).map_err(fail)?;
    std::fs::rename(&tmp, file).map_err(fail)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn remembers_per_project_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cfg/dockmaster").join(FILE);
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        assert_eq!(remembered_in(&file, &a), None);
        remember_in(&file, &a, Some("far")).unwrap();
        remember_in(&file, &b, Some("secure")).unwrap();
        // The same folder by another spelling is the same project.
        assert_eq!(remembered_in(&file, &a.join("../a")).as_deref(), Some("far"));
        assert_eq!(remembered_in(&file, &b).as_deref(), Some("secure"));
        remember_in(&file, &a, None).unwrap();
        assert_eq!(remembered_in(&file, &a), None);
        std::fs::write(&file, "{broken").unwrap();
        assert_eq!(remembered_in(&file, &b), None);
    }
}
