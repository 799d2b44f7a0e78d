//! The recent projects (most recent first) and the profile selection last shown for each, in one JSON file.
//!
//! The desktop app keeps the file in its config folder and reopens the first project with its selection at
//! start. The file is replaced atomically (written aside, then renamed), and every change in this process is
//! serialised, so two quick toggles never lose one. A file that cannot be parsed is not worth an error: the
//! list starts afresh. A file of an older version (a plain list of folders) is read as entries without a
//! selection.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, ErrorReport};

/// The file's name in the app's config folder.
pub const RECENT_FILE: &str = "recent-projects.json";
/// How many projects the list keeps.
pub const MAX_RECENT: usize = 10;

/// Read-modify-write of the file, one at a time in this process.
static WRITING: Mutex<()> = Mutex::new(());

/// One project of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentProject {
    /// The project's folder, as the window opened it.
    pub dir: String,
    /// The profiles selected when it was last shown; `None` while the user never changed the project's
    /// default selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiles: Option<Vec<String>>,
}

/// What the file may hold: this version's entries, or an older version's plain folders.
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Entries(Vec<RecentProject>),
    Folders(Vec<String>),
}

/// The recent projects file at one path.
#[derive(Debug, Clone)]
pub struct RecentProjects {
    path: PathBuf,
}

impl RecentProjects {
    /// The list kept in `folder` (the app's config folder), as [`RECENT_FILE`].
    pub fn in_folder(folder: &Path) -> Self {
        Self { path: folder.join(RECENT_FILE) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry, most recent first.
    pub fn entries(&self) -> Result<Vec<RecentProject>, ErrorReport> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.failed("read", &e)),
        };
        let entries = match serde_json::from_str(&text) {
            Ok(Stored::Entries(entries)) => entries,
            Ok(Stored::Folders(dirs)) => {
                dirs.into_iter().map(|dir| RecentProject { dir, profiles: None }).collect()
            }
            Err(_) => Vec::new(), // damaged: start afresh
        };
        Ok(entries)
    }

    /// The folders, most recent first.
    pub fn folders(&self) -> Result<Vec<String>, ErrorReport> {
        Ok(self.entries()?.into_iter().map(|e| e.dir).collect())
    }

    /// `dir` was opened: it moves to the front (keeping its selection), the oldest beyond [`MAX_RECENT`] go.
    pub fn opened(&self, dir: &str) -> Result<(), ErrorReport> {
        self.change(|list| {
            let entry =
                take(list, dir).unwrap_or_else(|| RecentProject { dir: dir.to_string(), profiles: None });
            list.insert(0, entry);
            list.truncate(MAX_RECENT);
        })
        .map(|_| ())
    }

    /// Removes `dir`; the folders that remain.
    pub fn forget(&self, dir: &str) -> Result<Vec<String>, ErrorReport> {
        let list = self.change(|list| {
            take(list, dir);
        })?;
        Ok(list.into_iter().map(|e| e.dir).collect())
    }

    /// The selection last shown for `dir`, if it was ever changed from the project's default.
    pub fn selection(&self, dir: &str) -> Result<Option<Vec<String>>, ErrorReport> {
        Ok(self.entries()?.into_iter().find(|e| e.dir == dir).and_then(|e| e.profiles))
    }

    /// Remembers the selection shown for `dir` (the project on screen: added at the front when the list no
    /// longer had it).
    pub fn remember_selection(&self, dir: &str, profiles: &[String]) -> Result<(), ErrorReport> {
        self.change(|list| {
            let profiles = Some(profiles.to_vec());
            match list.iter_mut().find(|e| e.dir == dir) {
                Some(entry) => entry.profiles = profiles,
                None => {
                    list.insert(0, RecentProject { dir: dir.to_string(), profiles });
                    list.truncate(MAX_RECENT);
                }
            }
        })
        .map(|_| ())
    }

    /// Reads the list, applies `edit`, writes it back (aside, then renamed into place); the new list.
    fn change(&self, edit: impl FnOnce(&mut Vec<RecentProject>)) -> Result<Vec<RecentProject>, ErrorReport> {
        let _one_at_a_time = WRITING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut list = self.entries()?;
        edit(&mut list);
        self.write(&list).map_err(|e| self.failed("save", &e))?;
        Ok(list)
    }

    fn write(&self, list: &[RecentProject]) -> std::io::Result<()> {
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let text = serde_json::to_vec_pretty(list).map_err(std::io::Error::other)?;
        let aside = self.path.with_extension("json.tmp");
        std::fs::write(&aside, text)?;
        std::fs::rename(&aside, &self.path)
    }

    fn failed(&self, what: &str, e: &std::io::Error) -> ErrorReport {
        ErrorReport::new(
            ErrorCode::SettingsFailed,
            format!(
                "cannot {what} the recent projects in {}: {e}. Check that the folder exists and is yours \
                 (writable), or remove the file to start a new list.",
                self.path.display()
            ),
        )
    }
}

/// Removes `dir`'s entry from `list` and returns it.
fn take(list: &mut Vec<RecentProject>, dir: &str) -> Option<RecentProject> {
    let at = list.iter().position(|e| e.dir == dir)?;
    Some(list.remove(at))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, RecentProjects) {
        let dir = tempfile::tempdir().unwrap();
        let store = RecentProjects::in_folder(&dir.path().join("config"));
        (dir, store)
    }

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("/p{i}")).collect()
    }

    #[test]
    fn opening_moves_a_project_to_the_front_and_keeps_ten() {
        let (_tmp, store) = store();
        assert_eq!(store.folders().unwrap(), Vec::<String>::new(), "no file: an empty list");
        for dir in names(12) {
            store.opened(&dir).unwrap();
        }
        let list = store.folders().unwrap();
        assert_eq!(list.len(), MAX_RECENT);
        assert_eq!(list[0], "/p11");
        assert_eq!(list[9], "/p2");
        store.opened("/p5").unwrap();
        assert_eq!(store.folders().unwrap()[..3], ["/p5", "/p11", "/p10"]);
        assert_eq!(store.folders().unwrap().len(), MAX_RECENT, "no duplicate");
    }

    #[test]
    fn a_selection_is_remembered_per_project_and_survives_reopening() {
        let (_tmp, store) = store();
        store.opened("/a").unwrap();
        store.opened("/b").unwrap();
        assert_eq!(store.selection("/a").unwrap(), None, "never changed: the project's default");
        let dev = vec!["development".to_string(), "monitoring".to_string()];
        store.remember_selection("/a", &dev).unwrap();
        assert_eq!(store.folders().unwrap(), ["/b", "/a"], "remembering a selection does not reorder");
        store.opened("/a").unwrap();
        assert_eq!(store.folders().unwrap(), ["/a", "/b"]);
        assert_eq!(store.selection("/a").unwrap(), Some(dev));
        assert_eq!(store.selection("/b").unwrap(), None);
        store.remember_selection("/b", &[]).unwrap();
        assert_eq!(store.selection("/b").unwrap(), Some(Vec::new()), "an empty selection is a selection");
    }

    #[test]
    fn a_selection_for_a_project_not_listed_adds_it_at_the_front() {
        let (_tmp, store) = store();
        for dir in names(MAX_RECENT) {
            store.opened(&dir).unwrap();
        }
        store.remember_selection("/new", &["production".to_string()]).unwrap();
        let list = store.folders().unwrap();
        assert_eq!(list.len(), MAX_RECENT);
        assert_eq!(list[0], "/new");
        assert!(!list.contains(&"/p0".to_string()), "the oldest went");
    }

    #[test]
    fn forgetting_removes_the_project_and_its_selection() {
        let (_tmp, store) = store();
        store.opened("/a").unwrap();
        store.remember_selection("/a", &["development".to_string()]).unwrap();
        store.opened("/b").unwrap();
        assert_eq!(store.forget("/a").unwrap(), ["/b"]);
        assert_eq!(store.selection("/a").unwrap(), None);
        assert_eq!(store.forget("/not-listed").unwrap(), ["/b"]);
    }

    #[test]
    fn an_older_file_of_plain_folders_is_read_and_upgraded() {
        let (_tmp, store) = store();
        std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        std::fs::write(store.path(), r#"["/old", "/older"]"#).unwrap();
        assert_eq!(store.folders().unwrap(), ["/old", "/older"]);
        store.remember_selection("/older", &["monitoring".to_string()]).unwrap();
        assert_eq!(store.folders().unwrap(), ["/old", "/older"]);
        assert_eq!(store.selection("/older").unwrap(), Some(vec!["monitoring".to_string()]));
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(text.contains(r#""dir": "/older""#), "{text}");
        assert!(!store.path().with_extension("json.tmp").exists(), "nothing left aside");
    }

    #[test]
    fn a_damaged_file_starts_a_new_list() {
        let (_tmp, store) = store();
        std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        std::fs::write(store.path(), "{not json").unwrap();
        assert_eq!(store.folders().unwrap(), Vec::<String>::new());
        store.opened("/a").unwrap();
        assert_eq!(store.folders().unwrap(), ["/a"]);
    }

    #[test]
    fn a_file_that_cannot_be_read_or_written_is_a_settings_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let blocker = tmp.path().join("not-a-folder");
        std::fs::write(&blocker, "a file where the config folder should be").unwrap();
        let e = RecentProjects::in_folder(&blocker).opened("/a").unwrap_err();
        assert_eq!(e.code, ErrorCode::SettingsFailed);
        assert!(e.message.contains("cannot read the recent projects in"), "{}", e.message);
        assert!(e.message.contains("not-a-folder/recent-projects.json"), "{}", e.message);

        let (_tmp, store) = store();
        std::fs::create_dir_all(store.path().with_extension("json.tmp")).unwrap(); // the file written aside
        let e = store.opened("/a").unwrap_err();
        assert_eq!(e.code, ErrorCode::SettingsFailed);
        assert!(e.message.contains("cannot save the recent projects in"), "{}", e.message);
        assert_eq!(store.folders().unwrap(), Vec::<String>::new(), "nothing half-written");
    }
}
