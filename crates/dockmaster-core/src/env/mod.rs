//! The environment a Compose project is interpolated with: process environment over the project's `.env`.
//!
//! The `.env` parser (`parse.rs`) keeps the file's text and records the byte range of every value, so edits
//! (`edit.rs`, re-encoding in `splice.rs`) can splice one value and leave every other byte (comments,
//! quoting, order, line endings) untouched; `write.rs` writes a file atomically.

use std::collections::HashMap;

mod edit;
mod parse;
mod splice;
mod write;

pub use edit::{EnvEditError, EnvEditor};
pub use parse::{EnvEntry, EnvFile, Quote, MAX_INTERPOLATED_BYTES};
pub(crate) use write::write_atomic;

/// Where a variable's value comes from, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ValueSource {
    Process,
    EnvFile,
    Unset,
}

/// The layered environment used for interpolation: process environment, then `.env`.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    process: HashMap<String, String>,
    env_file: EnvFile,
}

impl Environment {
    pub fn new(process: HashMap<String, String>, env_file: EnvFile) -> Self {
        Self { process, env_file }
    }

    /// Captures the current process environment.
    pub fn process_vars() -> HashMap<String, String> {
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect()
    }

    pub fn lookup(&self, name: &str) -> Option<String> {
        self.process.get(name).cloned().or_else(|| self.env_file.get(name).map(str::to_string))
    }

    pub fn source(&self, name: &str) -> ValueSource {
        if self.process.contains_key(name) {
            ValueSource::Process
        } else if self.env_file.get(name).is_some() {
            ValueSource::EnvFile
        } else {
            ValueSource::Unset
        }
    }

    pub fn env_file(&self) -> &EnvFile {
        &self.env_file
    }

    /// The process environment this one was made with.
    pub fn process(&self) -> &HashMap<String, String> {
        &self.process
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_environment_beats_env_file() {
        let env = Environment::new(
            [("A".to_string(), "proc".to_string())].into(),
            EnvFile::parse("A=file\nB=file\n", &|_| None).expect("parses"),
        );
        assert_eq!(env.lookup("A").as_deref(), Some("proc"));
        assert_eq!(env.lookup("B").as_deref(), Some("file"));
        assert_eq!(env.source("A"), ValueSource::Process);
        assert_eq!(env.source("B"), ValueSource::EnvFile);
        assert_eq!(env.source("C"), ValueSource::Unset);
    }
}
