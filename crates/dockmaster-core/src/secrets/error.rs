//! [`SecretsError`]: what went wrong with the keychain, a secret or `.env`, and how to fix it. Never holds a value.

use crate::env::EnvEditError;
use crate::error::{CoreError, ErrorCode};
use crate::face::{Face, Step};

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

    #[error("{}", locked(.collection, Face::Cli))]
    Locked { collection: String },

    #[error("{}", no_collection(Face::Cli))]
    NoDefaultCollection,

    /// The desktop's password prompt (creating or unlocking the keychain) was cancelled.
    #[error("{}", dismissed(.action, Face::Cli))]
    PromptDismissed { action: KeychainAction },

    #[error(
        "the keychain failed: {detail}. Check that the keychain service is running and unlocked, then retry."
    )]
    Unavailable { detail: String },

    #[error("the keychain value of {name} is not UTF-8 text: replace it ({})", Step::SetSecret(.name).run(Face::Cli))]
    NotUtf8 { name: String },

    #[error("`{name}` is not a valid variable name: use letters, digits and `_`, not starting with a digit")]
    InvalidName { name: String },

    #[error("reading {name} back from the keychain did not return what was written; nothing else was changed. Retry, and check the keychain service.")]
    VerifyFailed { name: String },

    #[error("{}", no_generator(.name, .format, Face::Cli))]
    NoGenerator { name: String, format: String },

    #[error("{name} is empty: a secret needs a value (to remove one, {})", Step::RemoveSecret(.name).run(Face::Cli))]
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

/// What was asked of the Secret Service when its prompt was dismissed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeychainAction {
    Create,
    Unlock,
}

fn locked(collection: &str, face: Face) -> String {
    format!(
        "the keychain is locked (collection `{collection}`): {} (your desktop asks for its password; or unlock it \
         in your password manager) and retry. Locked is not the same as \"not set\": nothing was read or written.",
        Step::UnlockKeychain.run(face)
    )
}

fn no_collection(face: Face) -> String {
    format!(
        "the keychain has no default collection to keep secrets in: {} (your desktop asks for a password for the \
         new keychain), then retry. Nothing was read or written.",
        Step::CreateKeychain.run(face)
    )
}

fn dismissed(action: &KeychainAction, face: Face) -> String {
    let (what, step) = match action {
        KeychainAction::Create => ("creating the keychain", Step::CreateKeychain),
        KeychainAction::Unlock => ("unlocking the keychain", Step::UnlockKeychain),
    };
    format!(
        "the password prompt for {what} was cancelled, or could not be shown (the desktop session shows it): \
         nothing was changed. To try again, {}.",
        step.run(face)
    )
}

fn no_generator(name: &str, format: &str, face: Face) -> String {
    format!(
        "no generator for {name}: its rule has no `generate` and its format ({format}) cannot be generated. To \
         give it a value, {}.",
        Step::SetSecret(name).run(face)
    )
}

impl SecretsError {
    /// The message as the window says it, when it differs from the CLI's (it names buttons where the CLI's
    /// names commands).
    pub fn window_text(&self) -> Option<String> {
        Some(match self {
            SecretsError::Locked { collection } => locked(collection, Face::Window),
            SecretsError::NoDefaultCollection => no_collection(Face::Window),
            SecretsError::PromptDismissed { action } => dismissed(action, Face::Window),
            SecretsError::NotUtf8 { name } => format!(
                "the keychain value of {name} is not UTF-8 text: replace it ({})",
                Step::SetSecret(name).run(Face::Window)
            ),
            SecretsError::NoGenerator { name, format } => no_generator(name, format, Face::Window),
            SecretsError::EmptyValue { name } => format!(
                "{name} is empty: a secret needs a value (to remove one, {})",
                Step::RemoveSecret(name).run(Face::Window)
            ),
            _ => return None,
        })
    }

    /// The failure's code: the same in the CLI's `--json` and the window.
    pub fn code(&self) -> ErrorCode {
        match self {
            SecretsError::NoSessionBus { .. } => ErrorCode::KeychainNoSessionBus,
            SecretsError::NoProvider { .. } => ErrorCode::KeychainNoProvider,
            SecretsError::Locked { .. } => ErrorCode::KeychainLocked,
            SecretsError::NoDefaultCollection => ErrorCode::KeychainNoCollection,
            SecretsError::PromptDismissed { .. } => ErrorCode::KeychainPromptDismissed,
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
                | ErrorCode::KeychainPromptDismissed
        )
    }
}

pub type Result<T, E = SecretsError> = std::result::Result<T, E>;
