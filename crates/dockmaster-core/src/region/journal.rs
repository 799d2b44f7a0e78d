//! The journal of a region apply in progress: one small file per apply (`apply-<id>.json`) in a private
//! per-user state folder (`$XDG_STATE_HOME/dockmaster/region-applies`, checked like the lock folder), written
//! before the apply creates anything, updated as it creates objects, held with an `flock` for the apply's life,
//! and deleted after success or a complete rollback. A journal nobody holds is an interrupted apply: its region
//! is shown as such and `region rm` removes everything it created. No secret is ever written to it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::RegionError;
use crate::lifecycle::lock::{self, PrivateDir};

/// The folder's name under `$XDG_STATE_HOME/dockmaster`.
pub const DIR_NAME: &str = "region-applies";

/// How to point Dockmaster at another state folder (part of every refusal).
const RELOCATE: &str = "or set XDG_STATE_HOME to a private folder of yours (mode 0700)";

/// What an apply has done so far (names only, never a value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub apply_id: String,
    /// The Compose project name (the engine's `dev.dockmaster.project` label).
    pub project: String,
    /// The project's root (the region password's keychain namespace is built from it).
    pub root: PathBuf,
    pub region: String,
    /// The process that ran the apply.
    pub pid: u32,
    /// Whether the region's password was in the keychain before this apply; `None` until it looked (it had
    /// stored nothing then). `Some(false)`: the password is this apply's (generated, or about to be).
    pub password_existed: Option<bool>,
    /// Networks, volumes and containers it created, by name, in creation order.
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    pub containers: Vec<String>,
    /// The engine the apply ran on (a Docker context, or `default`); `None` in a journal written before
    /// engines were recorded.
    #[serde(default)]
    pub engine: Option<String>,
}

impl Record {
    /// Whether the region's password belongs to this apply (it generated it, or was about to).
    pub fn owns_password(&self) -> bool {
        self.password_existed == Some(false)
    }
}

/// The journal folder: `$XDG_STATE_HOME/dockmaster/region-applies` (`~/.local/state/…`).
pub fn default_dir() -> Result<PathBuf, RegionError> {
    let vars: HashMap<String, String> = crate::env::Environment::process_vars();
    lock::state_home(&vars).map(|s| s.join("dockmaster").join(DIR_NAME)).ok_or_else(|| {
        RegionError::StateFolder {
            message:
                "neither XDG_STATE_HOME nor HOME is set, so there is no private folder for region apply \
                      journals: set XDG_STATE_HOME to a private folder of yours (mode 0700) and retry"
                    .into(),
        }
    })
}

fn folder_error(message: String) -> RegionError {
    RegionError::StateFolder { message: format!("cannot use the region apply journal folder: {message}") }
}

fn file_name(apply_id: &str) -> String {
    format!("apply-{apply_id}.json")
}

/// The journal of the apply running in this process: held (flock) until it is finished or dropped.
#[derive(Debug)]
pub struct Journal {
    dir: PrivateDir,
    file: File,
    record: Record,
}

impl Journal {
    /// Creates and locks the journal, with `record` written in it, before the apply creates anything.
    pub fn begin(dir: &Path, record: Record) -> Result<Journal, RegionError> {
        let dir = PrivateDir::open(dir, RELOCATE).map_err(folder_error)?;
        let name = file_name(&record.apply_id);
        let file = match dir.open_file(&name, true).map_err(folder_error)? {
            Some(f) => f,
            None => return Err(folder_error(format!("{name} vanished while it was created"))),
        };
        match lock::try_lock(&file) {
            Ok(true) => {}
            Ok(false) => return Err(folder_error(format!("{name} is held by another process"))),
            Err(e) => return Err(folder_error(format!("{name}: {e}"))),
        }
        let journal = Journal { dir, file, record };
        journal.write()?;
        Ok(journal)
    }

    pub fn record(&self) -> &Record {
        &self.record
    }

    /// Changes the record and writes it (before the next object is created).
    pub fn update(&mut self, change: impl FnOnce(&mut Record)) -> Result<(), RegionError> {
        change(&mut self.record);
        self.write()
    }

    /// Writes the record over the old one. The record only grows, so the new text is written over the old
    /// first and the file cut to its length after: a kill in between leaves a whole record.
    fn write(&self) -> Result<(), RegionError> {
        let text = serde_json::to_vec(&self.record).unwrap_or_default();
        let mut file = &self.file;
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&text))
            .and_then(|_| file.set_len(text.len() as u64))
            .and_then(|_| file.sync_data())
            .map_err(|e| {
                folder_error(format!("cannot write the journal of apply {}: {e}", self.record.apply_id))
            })
    }

    /// The apply is over and nothing of it is left to clean up: deletes the journal, then lets it go.
    pub fn finish(self) -> std::io::Result<()> {
        self.dir.remove_file(&file_name(&self.record.apply_id))
    }
}

/// An apply's journal as found on disk.
#[derive(Debug)]
pub enum Found {
    /// A process still holds it: the apply is running.
    Running(Record),
    /// Nobody holds it: the apply was interrupted. Holding this keeps others from taking it meanwhile.
    Interrupted(Claimed),
}

/// An interrupted apply's journal, locked by this process (for its clean-up, or just while looking).
#[derive(Debug)]
pub struct Claimed {
    dir: PathBuf,
    _file: File,
    pub record: Record,
}

impl Claimed {
    /// Its region was removed completely: deletes the journal.
    pub fn finish(self) -> Result<(), RegionError> {
        let dir = PrivateDir::open(&self.dir, RELOCATE).map_err(folder_error)?;
        dir.remove_file(&file_name(&self.record.apply_id)).map_err(|e| {
            folder_error(format!("cannot delete the journal of apply {}: {e}", self.record.apply_id))
        })
    }
}

/// The journals of `project`'s applies in `dir`, running or interrupted. A missing folder has none (reading
/// creates nothing); an unsafe one is refused; a journal that cannot be read is skipped.
pub fn find(dir: &Path, project: &str) -> Result<Vec<Found>, RegionError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let private = PrivateDir::open(dir, RELOCATE).map_err(folder_error)?;
    let names = private.names(".json").map_err(|e| folder_error(format!("{}: {e}", dir.display())))?;
    let mut found = Vec::new();
    for name in names.iter().filter(|n| n.starts_with("apply-")) {
        let Ok(Some(mut file)) = private.open_file(name, false) else { continue };
        let held = !matches!(lock::try_lock(&file), Ok(true));
        let mut text = String::new();
        if file.read_to_string(&mut text).is_err() {
            continue;
        }
        let Ok(record) = serde_json::from_str::<Record>(&text) else { continue };
        if record.project != project || name != &file_name(&record.apply_id) {
            continue;
        }
        found.push(if held {
            Found::Running(record)
        } else {
            Found::Interrupted(Claimed { dir: dir.to_path_buf(), _file: file, record })
        });
    }
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn record(id: &str, project: &str, region: &str) -> Record {
        Record {
            apply_id: id.into(),
            project: project.into(),
            root: PathBuf::from("/p"),
            region: region.into(),
            pid: std::process::id(),
            ..Default::default()
        }
    }

    #[test]
    fn a_journal_is_running_while_held_interrupted_when_let_go_and_gone_when_finished() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("journals");
        assert!(find(&dir, "p").unwrap().is_empty(), "no folder: nothing, and nothing created");
        assert!(!dir.exists());

        let mut journal = Journal::begin(&dir, record("aa11", "p", "r1")).unwrap();
        journal.update(|r| r.volumes.push("p-region-r1-data".into())).unwrap();
        let other = Journal::begin(&dir, record("bb22", "other", "r9")).unwrap();
        match find(&dir, "p").unwrap().as_slice() {
            [Found::Running(r)] => assert_eq!(r.volumes, ["p-region-r1-data"]),
            other => panic!("expected one running apply of p, got {other:?}"),
        }
        // What a killed apply leaves: the journal, held by nobody.
        drop(journal);
        let claimed = match find(&dir, "p").unwrap().pop() {
            Some(Found::Interrupted(c)) => c,
            other => panic!("expected the interrupted apply, got {other:?}"),
        };
        assert_eq!((claimed.record.region.as_str(), claimed.record.volumes.len()), ("r1", 1));
        // While one process claims it, another sees it as taken (running), never as a second interrupted one.
        assert!(matches!(find(&dir, "p").unwrap().as_slice(), [Found::Running(_)]));
        claimed.finish().unwrap();
        assert!(find(&dir, "p").unwrap().is_empty());
        other.finish().unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }

    #[test]
    #[cfg(unix)]
    fn an_unsafe_journal_folder_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("journals");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = Journal::begin(&dir, record("cc33", "p", "r")).unwrap_err().to_string();
        assert!(e.contains(&dir.display().to_string()) && e.contains("XDG_STATE_HOME"), "{e}");
        assert!(find(&dir, "p").is_err());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "nothing was written there");
    }
}
