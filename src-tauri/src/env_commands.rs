//! Tauri commands of the Environment page: the variable catalog, non-secret `.env` edits, and the project's
//! secrets in the OS keychain. Each maps arguments, makes one call into the project's session, maps the result.
//!
//! A secret value crosses IPC only into [`set_secret`] and out of [`reveal_secret`]. It is wrapped in
//! `Sensitive` as soon as it arrives, never logged, and no error carries it.

use dockmaster_core::secrets::collection::KeychainChange;
use dockmaster_core::secrets::edit::EnvironmentState;
use dockmaster_core::secrets::{ImportReport, Sensitive};
use dockmaster_core::session::Sessions;
use tauri::State;

use crate::error::AppError;

/// Every variable of the selection by group: source, secret or not, set or not, validation, users and
/// default (never a secret's value), with the rules and the `.env` revision it was read at.
#[tauri::command]
#[specta::specta]
pub async fn env_catalog(
    sessions: State<'_, Sessions>,
    dir: String,
    profiles: Vec<String>,
) -> Result<EnvironmentState, AppError> {
    sessions.get(&dir).await?.environment(&profiles).await
}

/// Writes a non-secret `name=value` into `.env` (losslessly, atomically), refusing with `ENV_FILE_CONFLICT`
/// when the file is no longer at `expected_revision`. Returns the new revision.
#[tauri::command]
#[specta::specta]
pub async fn set_variable(
    sessions: State<'_, Sessions>,
    dir: String,
    name: String,
    value: String,
    expected_revision: String,
) -> Result<String, AppError> {
    sessions.get(&dir).await?.set_variable(name, value, expected_revision).await
}

/// Checks a secret against its rule, stores it in the keychain and reads it back.
#[tauri::command]
#[specta::specta]
pub async fn set_secret(
    sessions: State<'_, Sessions>,
    dir: String,
    name: String,
    value: String,
) -> Result<(), AppError> {
    let value = Sensitive::new(value);
    sessions.get(&dir).await?.set_secret(name, value).await
}

/// Generates a strong value for `name` by its rule, stores it and reads it back. Returns its length.
#[tauri::command]
#[specta::specta]
pub async fn generate_secret(
    sessions: State<'_, Sessions>,
    dir: String,
    name: String,
) -> Result<u32, AppError> {
    sessions.get(&dir).await?.generate_secret(name).await
}

/// Removes `name` from the project's keychain; `false` when it was not there.
#[tauri::command]
#[specta::specta]
pub async fn delete_secret(
    sessions: State<'_, Sessions>,
    dir: String,
    name: String,
) -> Result<bool, AppError> {
    sessions.get(&dir).await?.delete_secret(name).await
}

/// The value `name` would be given (keychain first, then the environment), for an explicit "Reveal" of one of
/// the project's own variables only. `None` when it has none.
#[tauri::command]
#[specta::specta]
pub async fn reveal_secret(
    sessions: State<'_, Sessions>,
    dir: String,
    name: String,
) -> Result<Option<String>, AppError> {
    let value = sessions.get(&dir).await?.reveal_secret(name).await?;
    Ok(value.map(|v| v.expose().clone()))
}

/// Moves the secret values of `.env` into the keychain (each read back), then blanks them in `.env`.
#[tauri::command]
#[specta::specta]
pub async fn import_secrets(sessions: State<'_, Sessions>, dir: String) -> Result<ImportReport, AppError> {
    sessions.get(&dir).await?.import_secrets().await
}

/// "Create keychain": asks the Secret Service to create a default keychain; the desktop asks for its password.
#[tauri::command]
#[specta::specta]
pub async fn keychain_create(sessions: State<'_, Sessions>, dir: String) -> Result<KeychainChange, AppError> {
    sessions.get(&dir).await?.keychain_create().await
}

/// "Unlock keychain": asks the Secret Service to unlock the default keychain; the desktop asks for its password.
#[tauri::command]
#[specta::specta]
pub async fn keychain_unlock(sessions: State<'_, Sessions>, dir: String) -> Result<KeychainChange, AppError> {
    sessions.get(&dir).await?.keychain_unlock().await
}
