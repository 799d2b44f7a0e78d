//! The error the UI receives: `{ code, message }`, with a code the UI can branch on.

use dockmaster_core::env::EnvEditError;
use dockmaster_core::secrets::SecretsError;
use dockmaster_core::{CoreError, ErrorCode};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "code", content = "message", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AppError {
    #[error("{0}")]
    ProjectNotFound(String),
    #[error("{0}")]
    FileUnreadable(String),
    #[error("{0}")]
    ComposeInvalid(String),
    #[error("{0}")]
    InvalidTemplate(String),
    #[error("{0}")]
    DescriptorInvalid(String),
    #[error("{0}")]
    EnvFileInvalid(String),
    #[error("{0}")]
    Settings(String),
    // No keychain to talk to (no session bus, no Secret Service provider, no default collection…): the
    // message says what to start. Nothing was written anywhere else instead.
    #[error("{0}")]
    KeychainUnavailable(String),
    // The keychain is locked: the message says what to unlock. Not the same as "not set".
    #[error("{0}")]
    KeychainLocked(String),
    // A value breaks its variable's rule (or cannot be generated, or is a secret sent to `.env`).
    #[error("{0}")]
    ValueInvalid(String),
    // `.env` changed on disk since it was read: nothing was written; reload and apply the edit again.
    #[error("{0}")]
    EnvConflict(String),
    // `.env` could not be written (permissions, disk full): the file was not changed.
    #[error("{0}")]
    EnvFileWrite(String),
    // A logs request cannot be served as asked (unknown service, bad time or pattern, nothing followed).
    #[error("{0}")]
    LogRequestInvalid(String),
    // The log export file could not be written: nothing was written in its place.
    #[error("{0}")]
    LogExportFailed(String),
    // A region request breaks a rule (the message lists field, rule and value).
    #[error("{0}")]
    RegionInvalid(String),
    // The project has no usable region template (`regional-template` profile).
    #[error("{0}")]
    RegionTemplate(String),
    // The networks the region template joins do not exist: the message says which profile to start first.
    #[error("{0}")]
    RegionPreflight(String),
    // A container, network or volume of the region's name exists and is not the region's.
    #[error("{0}")]
    RegionConflict(String),
    #[error("{0}")]
    RegionNoFreePort(String),
    #[error("{0}")]
    RegionNoFreeSubnet(String),
    #[error("{0}")]
    RegionNotFound(String),
    // Removing a region's volumes needs exactly its volumes, confirmed: nothing was removed.
    #[error("{0}")]
    RegionConfirmVolumes(String),
    // Creating a region failed; what the apply had created was removed (the message says what).
    #[error("{0}")]
    RegionApplyFailed(String),
    // Creating a region was cancelled; what the apply had created was removed.
    #[error("{0}")]
    RegionApplyCancelled(String),
    // An engine request about a region failed.
    #[error("{0}")]
    RegionEngine(String),
    // A region is being created in this window already.
    #[error("{0}")]
    RegionBusy(String),
    // The Docker engine cannot be reached (the message says what to start).
    #[error("{0}")]
    EngineUnavailable(String),
    // Another lifecycle operation runs on the project (this window, another window or the CLI): nothing done.
    #[error("{0}")]
    OperationBusy(String),
    // `up` was not started: the preflight found blocking problems (`lifecycle_preflight` lists them).
    #[error("{0}")]
    PreflightBlocked(String),
    // `down` with volumes needs exactly the volume list the user confirmed: nothing was removed.
    #[error("{0}")]
    VolumesUnconfirmed(String),
    // Neither Compose v2 nor v1 can be run (the message says what to install).
    #[error("{0}")]
    ComposeMissing(String),
    // The operation cannot be asked that way (unknown service, service names for `down`).
    #[error("{0}")]
    OperationInvalid(String),
    // Compose could not be started, or the operation lock could not be taken.
    #[error("{0}")]
    OperationFailed(String),
    // The demo project could not be copied into the app's data folder (nothing was left half-copied).
    #[error("{0}")]
    DemoCopyFailed(String),
    // The demo's image could not be built (no static busybox: the message names the package; the engine
    // refused the import).
    #[error("{0}")]
    DemoImageFailed(String),
    // A link the window asked to open is not an http(s) link to this machine (or no browser started).
    #[error("{0}")]
    LinkRefused(String),
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e.code() {
            ErrorCode::ProjectNotFound => AppError::ProjectNotFound(message),
            ErrorCode::FileUnreadable => AppError::FileUnreadable(message),
            ErrorCode::ComposeInvalid => AppError::ComposeInvalid(message),
            ErrorCode::InvalidTemplate => AppError::InvalidTemplate(message),
            ErrorCode::DescriptorInvalid => AppError::DescriptorInvalid(message),
            ErrorCode::EnvFileInvalid => AppError::EnvFileInvalid(message),
        }
    }
}

impl From<SecretsError> for AppError {
    fn from(e: SecretsError) -> Self {
        // SecretsError never holds a secret value, so its message is safe to send.
        let message = e.to_string();
        match e {
            SecretsError::Locked { .. } => AppError::KeychainLocked(message),
            SecretsError::NoSessionBus { .. }
            | SecretsError::NoProvider { .. }
            | SecretsError::NoDefaultCollection
            | SecretsError::Unavailable { .. }
            | SecretsError::VerifyFailed { .. } => AppError::KeychainUnavailable(message),
            SecretsError::NotUtf8 { .. }
            | SecretsError::InvalidName { .. }
            | SecretsError::NoGenerator { .. }
            | SecretsError::EmptyValue { .. }
            | SecretsError::ReservedName { .. }
            | SecretsError::NotProjectVariable { .. }
            | SecretsError::TooShort { .. }
            | SecretsError::Invalid { .. } => AppError::ValueInvalid(message),
            SecretsError::EnvIsSymlink { .. } => AppError::EnvFileWrite(message),
            SecretsError::EnvFile(e) => e.into(),
            SecretsError::Project(e) => e.into(),
        }
    }
}

impl From<EnvEditError> for AppError {
    fn from(e: EnvEditError) -> Self {
        let message = e.to_string();
        match e {
            EnvEditError::Conflict { .. } => AppError::EnvConflict(message),
            EnvEditError::Write { .. } => AppError::EnvFileWrite(message),
            EnvEditError::Read { .. } => AppError::FileUnreadable(message),
            EnvEditError::Invalid { .. } => AppError::EnvFileInvalid(message),
            EnvEditError::InvalidKey { .. } | EnvEditError::NotFound { .. } => {
                AppError::ValueInvalid(message)
            }
        }
    }
}
