//! [`DemoError`]: why the demo could not be copied or its image built, each saying what to do, with a stable code.

use std::path::PathBuf;

use super::busybox::BUSYBOX_PACKAGE;
use crate::error::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "{} exists and is not a copy of the demo (it has no docker-compose.yml): nothing was changed. Choose a \
         new or empty folder",
        dir.display()
    )]
    FolderTaken { dir: PathBuf },

    #[error(
        "cannot copy the demo into {}: {message}. Nothing was left there; check the folder's permissions and the \
         free disk space",
        dir.display()
    )]
    Copy { dir: PathBuf, message: String },

    #[error(
        "no busybox to build the demo image from (looked at {}{}). Install the `{BUSYBOX_PACKAGE}` package \
         (e.g. `sudo apt install {BUSYBOX_PACKAGE}`), then try again",
        searched.join(", "),
        if unusable.is_empty() { String::new() } else { format!("; unusable: {}", unusable.join(", ")) }
    )]
    BusyboxMissing { searched: Vec<String>, unusable: Vec<String> },

    #[error(
        "{} is dynamically linked: it needs a C library the demo image does not have. Install the \
         `{BUSYBOX_PACKAGE}` package instead of `busybox` (e.g. `sudo apt install {BUSYBOX_PACKAGE}`), then try again",
        path.display()
    )]
    BusyboxDynamic { path: PathBuf },

    #[error("cannot build the demo image: {0}")]
    Engine(#[from] crate::engine::EngineError),

    #[error("cannot build the demo image: the Docker engine at {endpoint} is unavailable: {reason}")]
    EngineUnavailable { endpoint: String, reason: String },

    #[error("cannot check the demo image {image} on the engine: {reason}")]
    Inspect { image: String, reason: String },

    #[error("the engine could not import the demo image {image}: {reason}. Nothing was tagged; try again")]
    Import { image: String, reason: String },

    #[error("the demo image {image} was imported but {problem}; run `dockmaster demo image` again")]
    Verify { image: String, problem: String },
}

impl DemoError {
    /// The failure's code: the same in the CLI's `--json` and the window.
    pub fn code(&self) -> ErrorCode {
        match self {
            DemoError::FolderTaken { .. } => ErrorCode::DemoFolderTaken,
            DemoError::Copy { .. } => ErrorCode::DemoCopyFailed,
            DemoError::BusyboxMissing { .. } | DemoError::BusyboxDynamic { .. } => ErrorCode::BusyboxMissing,
            DemoError::Engine(_) | DemoError::EngineUnavailable { .. } => ErrorCode::EngineUnavailable,
            DemoError::Inspect { .. } | DemoError::Import { .. } | DemoError::Verify { .. } => {
                ErrorCode::DemoImageFailed
            }
        }
    }
}
