//! Engine address-book errors: each says what is wrong and what to do, and maps to a stable code.

use crate::error::ErrorCode;

#[derive(Debug, Clone, thiserror::Error)]
pub enum EnginesError {
    #[error(
        "`{name}` cannot name an engine: use letters, digits, `_`, `.`, `+` and `-`, starting with a letter or digit, \
         at least 2 characters, and not `default`"
    )]
    NameInvalid { name: String },

    #[error("an engine (Docker context) called `{name}` already exists: pick another name, or remove it first (`dockmaster engine rm {name}`)")]
    Exists { name: String },

    #[error("cannot write {what}: {message}. Check that the folder is yours and writable (DOCKER_CONFIG)")]
    Write { what: String, message: String },

    #[error(
        "the Docker context `{name}` was not created by Dockmaster: removing it could break what set it up. \
         Remove it only if you are sure: `dockmaster engine rm {name} --yes` (or confirm it in the window)"
    )]
    NotOurs { name: String },

    #[error("`{name}` is the Docker CLI's current context ({origin}): switch first (`docker context use default`), then remove it")]
    InUse { name: String, origin: String },

    #[error("`default` is the local engine (DOCKER_HOST or the platform socket): it cannot be removed")]
    DefaultFixed,

    #[error("{what} {path} is missing or not a file. Give the path of the PEM file")]
    TlsFileMissing { what: &'static str, path: String },

    #[error("the engine address `{address}` cannot be used: {detail}. Write it as {form}")]
    AddressInvalid { address: String, detail: String, form: &'static str },

    #[error("cannot save the project's engine in {path}: {message}")]
    Settings { path: String, message: String },
}

impl EnginesError {
    /// The sentence as the window says it, where `message` names `dockmaster` commands.
    pub fn window_text(&self) -> Option<String> {
        match self {
            EnginesError::Exists { name } => Some(format!(
                "An engine called `{name}` already exists: pick another name, or remove it first (its Remove button)"
            )),
            EnginesError::NotOurs { name } => Some(format!(
                "The Docker context `{name}` was not created by Dockmaster: removing it could break what set it up. \
                 Remove it only if you are sure, by confirming the removal"
            )),
            _ => None,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            EnginesError::NameInvalid { .. } | EnginesError::DefaultFixed => ErrorCode::EngineNameInvalid,
            EnginesError::Exists { .. } => ErrorCode::EngineExists,
            EnginesError::Write { .. } => ErrorCode::EngineWriteFailed,
            EnginesError::NotOurs { .. } => ErrorCode::EngineNotOurs,
            EnginesError::InUse { .. } => ErrorCode::EngineInUse,
            EnginesError::TlsFileMissing { .. } | EnginesError::AddressInvalid { .. } => {
                ErrorCode::EngineEndpointInvalid
            }
            EnginesError::Settings { .. } => ErrorCode::SettingsFailed,
        }
    }
}
