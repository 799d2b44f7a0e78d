//! Lossless `.env` editing: set or blank one variable, save atomically unless the file changed on disk.

use std::path::{Path, PathBuf};

use super::parse::{structure, valid_key, EnvFile};
use super::splice::{append_entry, blank_entries, line_start, replace_entry};
use super::write::write_atomic;
use crate::fsutil;

/// Why a `.env` edit was not written.
#[derive(Debug, thiserror::Error)]
pub enum EnvEditError {
    #[error(
        "{path} changed on disk since Dockmaster read it: nothing was written. Reload it, check the other \
         change, and apply yours again."
    )]
    Conflict { path: PathBuf },
    #[error("cannot write {path}: {source}. Check the folder's permissions and free space; the file was not changed.")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}. Fix that line first; the file was not changed.")]
    Invalid { path: PathBuf, line: usize, message: String },
    #[error("`{key}` is not a valid .env variable name: use letters, digits and `_`")]
    InvalidKey { key: String },
    #[error("{key} is not in {path}")]
    NotFound { key: String, path: PathBuf },
}

impl EnvEditError {
    /// The failure's code: the same in the CLI's `--json` and the window.
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode;
        match self {
            EnvEditError::Conflict { .. } => ErrorCode::EnvFileConflict,
            EnvEditError::Write { .. } => ErrorCode::EnvFileWrite,
            EnvEditError::Read { .. } => ErrorCode::FileUnreadable,
            EnvEditError::Invalid { .. } => ErrorCode::EnvFileInvalid,
            EnvEditError::InvalidKey { .. } => ErrorCode::VariableNameInvalid,
            EnvEditError::NotFound { .. } => ErrorCode::VariableNotFound,
        }
    }
}

/// Lossless editing of one `.env` file: each edit splices one value (or appends one line) and leaves every
/// other byte as it was; [`EnvEditor::save`] writes atomically and refuses when the file changed on disk
/// since it was read.
#[derive(Debug, Clone)]
pub struct EnvEditor {
    path: PathBuf,
    /// The text as read (what must still be on disk when saving); `None` when the file did not exist.
    original: Option<String>,
    text: String,
}

impl EnvEditor {
    /// Reads `path` now (a missing file is an empty one, created on save).
    pub fn open(path: &Path) -> std::result::Result<Self, EnvEditError> {
        let original = read_if_present(path)?;
        Self::from_read(path, original)
    }

    /// Edits a file as it was read earlier (`None`: it did not exist); saving fails with a conflict if the
    /// file no longer has exactly that content.
    pub fn from_read(path: &Path, original: Option<String>) -> std::result::Result<Self, EnvEditError> {
        let text = original.clone().unwrap_or_default();
        structure(&text).map_err(|(line, message)| EnvEditError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        Ok(EnvEditor { path: path.to_path_buf(), original, text })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The edited text.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn changed(&self) -> bool {
        self.original.as_deref().unwrap_or_default() != self.text
    }

    fn parsed(&self) -> EnvFile {
        // Every edit keeps the text parseable (checked when it is made), so this cannot fail.
        structure(&self.text).unwrap_or_default()
    }

    /// Sets `key` to `value`: replaces the effective (last) definition's value in place, keeping its
    /// quoting when that can hold the value, or appends `KEY=value` at the end.
    pub fn set(&mut self, key: &str, value: &str) -> std::result::Result<(), EnvEditError> {
        if !valid_key(key) {
            return Err(EnvEditError::InvalidKey { key: key.to_string() });
        }
        let parsed = self.parsed();
        let current = parsed.entries.iter().rposition(|e| e.key == key);
        if let Some(e) = current.map(|i| &parsed.entries[i]) {
            // Already that value, written without references: leave the bytes alone.
            if e.value == value && !self.text[e.raw_range.clone()].contains(['$', '\\']) {
                return Ok(());
            }
        }
        let edited = match current {
            Some(index) => replace_entry(&self.text, &parsed, index, value),
            None => append_entry(&self.text, key, value),
        };
        self.text = edited.ok_or_else(|| EnvEditError::InvalidKey { key: key.to_string() })?;
        Ok(())
    }

    /// Empties every definition of `key` and puts `note` as a comment line above the last one (once).
    pub fn blank(&mut self, key: &str, note: Option<&str>) -> std::result::Result<(), EnvEditError> {
        let parsed = self.parsed();
        let indices: Vec<usize> =
            parsed.entries.iter().enumerate().filter(|(_, e)| e.key == key).map(|(i, _)| i).collect();
        let Some(&last) = indices.last() else {
            return Err(EnvEditError::NotFound { key: key.to_string(), path: self.path.clone() });
        };
        let mut text = self.text.clone();
        if let Some(note) = note {
            let last_start = line_start(&text, parsed.entries[last].raw_range.start);
            let comment = format!("# {note}");
            let previous = text[..last_start].trim_end_matches(['\n', '\r']);
            let previous_line = &previous[line_start(previous, previous.len())..];
            if previous_line != comment {
                let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
                text.insert_str(last_start, &format!("{comment}{eol}"));
            }
        }
        self.text = blank_entries(&text, &indices, true)
            .or_else(|| blank_entries(&text, &indices, false))
            .ok_or_else(|| EnvEditError::InvalidKey { key: key.to_string() })?;
        Ok(())
    }

    /// Writes the edited text atomically (temporary file in the same folder, then rename), unless the file
    /// on disk is no longer what was read.
    pub fn save(&mut self) -> std::result::Result<(), EnvEditError> {
        let on_disk = read_if_present(&self.path)?;
        if on_disk != self.original {
            return Err(EnvEditError::Conflict { path: self.path.clone() });
        }
        if !self.changed() && on_disk.is_some() {
            return Ok(());
        }
        write_atomic(&self.path, self.text.as_bytes())
            .map_err(|source| EnvEditError::Write { path: self.path.clone(), source })?;
        self.original = Some(self.text.clone());
        Ok(())
    }
}

/// The text of the `.env` file at `path` (bounded, regular files only), `None` when there is none.
fn read_if_present(path: &Path) -> std::result::Result<Option<String>, EnvEditError> {
    match fsutil::read_text(path, fsutil::ENV_FILE) {
        Ok(text) => Ok(Some(text)),
        Err(fsutil::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(EnvEditError::Read { path: path.to_path_buf(), source: e.into_io() }),
    }
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod tests;
