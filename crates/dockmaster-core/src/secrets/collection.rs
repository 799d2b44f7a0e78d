//! Making the keychain usable: a Secret Service with no default collection is asked to create one
//! (`CreateCollection` with the alias `default`), a locked one to unlock it (`Unlock`). The service answers
//! with a prompt that the desktop's own prompter shows (a password dialog); Dockmaster never sees the password,
//! and waits until the prompt is answered or dismissed. Calls block.

use serde::Serialize;

use super::error::Result;
#[cfg(target_os = "linux")]
use super::error::{KeychainAction, SecretsError};

/// What a keychain request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum KeychainChange {
    /// A default collection was created (and is unlocked).
    Created,
    /// The default collection was unlocked.
    Unlocked,
    /// Nothing to do: the default collection exists (create) or is unlocked already (unlock).
    AlreadyReady,
}

/// The label of the collection [`create_default`] makes (what the desktop's keyring manager shows).
pub const COLLECTION_LABEL: &str = "Default keyring";

/// Asks the Secret Service to create a default collection, unless it has one. The desktop asks the user for
/// the new keychain's password; a dismissed prompt is `KEYCHAIN_PROMPT_DISMISSED`, with nothing created.
pub fn create_default() -> Result<KeychainChange> {
    #[cfg(target_os = "linux")]
    {
        use secret_service::{EncryptionType, Error as SsError};
        let ss = super::keychain::linux::connect(EncryptionType::Plain)?;
        match ss.get_default_collection() {
            Ok(_) => return Ok(KeychainChange::AlreadyReady),
            Err(SsError::NoResult) => {}
            Err(e) => return Err(failed(e, KeychainAction::Create)),
        }
        ss.create_collection(COLLECTION_LABEL, "default").map_err(|e| failed(e, KeychainAction::Create))?;
        // A prompter that answered without creating anything must not read as success.
        let created = match ss.get_default_collection() {
            Ok(_) => Ok(KeychainChange::Created),
            Err(SsError::NoResult) => Err(SecretsError::NoDefaultCollection),
            Err(e) => Err(failed(e, KeychainAction::Create)),
        };
        created
    }
    #[cfg(not(target_os = "linux"))]
    {
        // The platform keychains (macOS Keychain, Windows Credential Manager) always have a default.
        Ok(KeychainChange::AlreadyReady)
    }
}

/// Asks the Secret Service to unlock the default collection, unless it is unlocked. The desktop asks the
/// user for its password; a dismissed prompt is `KEYCHAIN_PROMPT_DISMISSED`, and it stays locked.
pub fn unlock_default() -> Result<KeychainChange> {
    #[cfg(target_os = "linux")]
    {
        use secret_service::{EncryptionType, Error as SsError};
        let ss = super::keychain::linux::connect(EncryptionType::Plain)?;
        let collection = match ss.get_default_collection() {
            Ok(c) => c,
            Err(SsError::NoResult) => return Err(SecretsError::NoDefaultCollection),
            Err(e) => return Err(failed(e, KeychainAction::Unlock)),
        };
        if !collection.is_locked().map_err(|e| failed(e, KeychainAction::Unlock))? {
            return Ok(KeychainChange::AlreadyReady);
        }
        collection.unlock().map_err(|e| failed(e, KeychainAction::Unlock))?;
        if collection.is_locked().map_err(|e| failed(e, KeychainAction::Unlock))? {
            let label = collection.get_label().unwrap_or_else(|_| "default".into());
            return Err(SecretsError::Locked { collection: label });
        }
        Ok(KeychainChange::Unlocked)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(KeychainChange::AlreadyReady)
    }
}

#[cfg(target_os = "linux")]
fn failed(e: secret_service::Error, action: KeychainAction) -> SecretsError {
    use secret_service::Error as SsError;
    match e {
        SsError::Prompt => SecretsError::PromptDismissed { action },
        SsError::PromptDisconnected => SecretsError::Unavailable {
            detail: "the Secret Service went away while its password prompt was open; nothing was changed"
                .into(),
        },
        SsError::Unavailable => SecretsError::NoProvider { detail: "the Secret Service went away".into() },
        other => super::keychain::classify_platform(&other.to_string()),
    }
}
