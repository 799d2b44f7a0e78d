//! The core's error type: every variant says what is wrong and how to fix it, and maps to a stable code.

use std::path::{Path, PathBuf};

use crate::fsutil::{ReadError, Refusal};

/// Stable machine-readable error codes, shared by the CLI's JSON output and the desktop app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ErrorCode {
    ProjectNotFound,
    FileUnreadable,
    ComposeInvalid,
    InvalidTemplate,
    DescriptorInvalid,
    EnvFileInvalid,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(
        "no Compose file in {dir}: looked for compose.yaml, compose.yml, docker-compose.yaml and \
         docker-compose.yml. Open the folder that holds your docker-compose.yml, or set COMPOSE_FILE."
    )]
    ProjectNotFound { dir: PathBuf },

    #[error("cannot read {path}: {source}")]
    FileUnreadable { path: PathBuf, source: std::io::Error },

    /// A file of the project that exists but is not read: not a regular file, or over its size limit
    /// ([`crate::fsutil`]).
    #[error("{path} was not read: {refusal}")]
    FileRefused { path: PathBuf, refusal: Refusal },

    #[error("{path}{}: {message}", location(*.line, *.column))]
    ComposeInvalid { path: PathBuf, line: Option<usize>, column: Option<usize>, message: String },

    #[error(
        "{path}{}: invalid interpolation `{template}` at `{at}`: {reason}. \
         Write `$$` for a literal `$`.",
        location(*.line, None)
    )]
    InvalidTemplate { path: PathBuf, line: Option<usize>, at: String, template: String, reason: String },

    #[error("stack descriptor {origin}: {message}")]
    DescriptorInvalid { origin: String, message: String },

    #[error("{path}:{line}: {message}")]
    EnvFileInvalid { path: PathBuf, line: usize, message: String },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl CoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::ProjectNotFound { .. } => ErrorCode::ProjectNotFound,
            // FILE_UNREADABLE until the app has a code of its own for refused files.
            CoreError::FileUnreadable { .. } | CoreError::FileRefused { .. } => ErrorCode::FileUnreadable,
            CoreError::ComposeInvalid { .. } => ErrorCode::ComposeInvalid,
            CoreError::InvalidTemplate { .. } => ErrorCode::InvalidTemplate,
            CoreError::DescriptorInvalid { .. } => ErrorCode::DescriptorInvalid,
            CoreError::EnvFileInvalid { .. } => ErrorCode::EnvFileInvalid,
        }
    }

    /// The error for a project file [`crate::fsutil::read_text`] did not return.
    pub(crate) fn read(path: &Path, e: ReadError) -> Self {
        match e {
            ReadError::Io(source) => CoreError::FileUnreadable { path: path.to_path_buf(), source },
            ReadError::Refused(refusal) => CoreError::FileRefused { path: path.to_path_buf(), refusal },
        }
    }

    pub(crate) fn schema(path: &Path, at: &str, message: impl std::fmt::Display) -> Self {
        CoreError::ComposeInvalid {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("{at}: {message}"),
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
