//! [`SecretsError`]: what went wrong with the keychain, a secret or `.env`, and how to fix it. Never holds a value.

use crate::env::EnvEditError;
use crate::error::{CoreError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(
        "no D-Bus session bus ({detail}). Dockmaster keeps secrets in the OS keychain (the Secret Service), \
         which lives on the session bus: run it inside a desktop session, or start one with `dbus-run-session` \
         and a Secret Service provider such as gnome-keyring. Nothing was written."
    )]
    NoSessionBus { detail: String },

    #[error(
        "no Secret Service provider on the session bus ({detail}). Start one (gnome-keyring: \
         `gnome-keyring-daemon --start --components=secrets`, or KeePassXC with Secret Service integration) \
         and retry. Nothing was written."
    )]
    NoProvider { detail: String },

    #[error(
        "the keychain is locked (collection `{collection}`): unlock it (log in to the desktop session, or unlock \
         the `{collection}` keyring in Seahorse / your password manager) and retry. Locked is not the same as \
         \"not set\": nothing was read or written."
    )]
    Locked { collection: String },

    #[error("the keychain has no default collection: create one (Seahorse: File → New → Password Keyring, set as default) and retry")]
    NoDefaultCollection,

    #[error(
        "the keychain failed: {detail}. Check that the keychain service is running and unlocked, then retry."
    )]
    Unavailable { detail: String },

    #[error(
        "the keychain value of {name} is not UTF-8 text: replace it with `dockmaster secret set {name}`"
    )]
    NotUtf8 { name: String },

    #[error("`{name}` is not a valid variable name: use letters, digits and `_`, not starting with a digit")]
    InvalidName { name: String },

    #[error("reading {name} back from the keychain did not return what was written; nothing else was changed. Retry, and check the keychain service.")]
    VerifyFailed { name: String },

    #[error("no generator for {name}: its rule has no `generate` and its format ({format}) cannot be generated. Set it with `dockmaster secret set {name}`.")]
    NoGenerator { name: String, format: String },

    #[error("{name} is empty: a secret needs a value (use `dockmaster secret rm {name}` to remove one)")]
    EmptyValue { name: String },

    #[error(
        "{name} is a name Dockmaster reserves (DOCKER_*, COMPOSE_*, PATH, HOME, LD_*, DYLD_*, XDG_*): a keychain \
         value under it could redirect Compose or the programs it runs. Nothing was stored; keep such settings \
         in your environment or .env"
    )]
    ReservedName { name: String },

    #[error(
        "{name} was not stored: a secret needs at least {min} characters, or Dockmaster could not mask it in \
         logs and output (use Generate for a strong value)"
    )]
    TooShort { name: String, min: usize },

    #[error("{name} was not stored: {reasons}")]
    Invalid { name: String, reasons: String },

    #[error(
        "{path} is a symbolic link to {target}: moving its secrets would replace the link with a file and leave \
         the values in {target} in plaintext. Nothing was changed. Replace the link with a regular .env file \
         (or move the secrets out of {target} yourself), then retry"
    )]
    EnvIsSymlink { path: std::path::PathBuf, target: std::path::PathBuf },

    #[error("{name} is not a variable of this project (no Compose file, .env, descriptor or keychain item names it): nothing to reveal")]
    NotProjectVariable { name: String },

    #[error(transparent)]
    EnvFile(#[from] EnvEditError),

    #[error(transparent)]
    Project(#[from] CoreError),
}

impl SecretsError {
    /// The failure's code: the same in the CLI's `--json` and the window.
    pub fn code(&self) -> ErrorCode {
        match self {
            SecretsError::NoSessionBus { .. } => ErrorCode::KeychainNoSessionBus,
            SecretsError::NoProvider { .. } => ErrorCode::KeychainNoProvider,
            SecretsError::Locked { .. } => ErrorCode::KeychainLocked,
            SecretsError::NoDefaultCollection => ErrorCode::KeychainNoCollection,
            SecretsError::Unavailable { .. } => ErrorCode::KeychainUnavailable,
            SecretsError::NotUtf8 { .. } => ErrorCode::SecretNotUtf8,
            SecretsError::InvalidName { .. } => ErrorCode::VariableNameInvalid,
            SecretsError::VerifyFailed { .. } => ErrorCode::KeychainVerifyFailed,
            SecretsError::NoGenerator { .. } => ErrorCode::NoGenerator,
            SecretsError::EmptyValue { .. } => ErrorCode::SecretEmpty,
            SecretsError::Invalid { .. } | SecretsError::TooShort { .. } => ErrorCode::ValueInvalid,
            SecretsError::ReservedName { .. } => ErrorCode::ReservedName,
            SecretsError::EnvIsSymlink { .. } => ErrorCode::EnvFileSymlink,
            SecretsError::NotProjectVariable { .. } => ErrorCode::UnknownVariable,
            SecretsError::EnvFile(e) => e.code(),
            SecretsError::Project(e) => e.code(),
        }
    }
}

impl SecretsError {
    /// The keychain is not there, locked or failing (not: a value or name was refused).
    pub fn is_keychain(&self) -> bool {
        matches!(
            self.code(),
            ErrorCode::KeychainNoSessionBus
                | ErrorCode::KeychainNoProvider
                | ErrorCode::KeychainLocked
                | ErrorCode::KeychainNoCollection
                | ErrorCode::KeychainUnavailable
                | ErrorCode::KeychainVerifyFailed
        )
    }
}

pub type Result<T, E = SecretsError> = std::result::Result<T, E>;
