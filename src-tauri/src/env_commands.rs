//! Tauri commands of the Environment page: the variable catalog, non-secret `.env` edits, and the project's
//! secrets in the OS keychain. Each is one call into `dockmaster-core` plus error mapping.
//!
//! A secret value crosses IPC only into [`set_secret`] and out of [`reveal_secret`]. It is wrapped in
//! `Sensitive` as soon as it arrives, never logged, and no error carries it.

use dockmaster_core::secrets::edit::{self, EnvironmentState};
use dockmaster_core::secrets::{self, ImportReport, Keychain, Sensitive};
use dockmaster_core::Project;

use crate::commands::{blocking, open};
use crate::error::AppError;

fn open_with_keychain(dir: &str) -> Result<(Project, Keychain), AppError> {
    let project = open(dir)?;
    let keychain = Keychain::open(project.root())?;
    Ok((project, keychain))
}

/// Every variable of the selection by group: source, secret or not, set or not, validation, users and
/// default (never a secret's value), with the rules and the `.env` revision it was read at. A keychain that
/// cannot be read is reported inside (`catalog.keychain`), not as an error.
#[tauri::command]
#[specta::specta]
pub async fn env_catalog(dir: String, profiles: Vec<String>) -> Result<EnvironmentState, AppError> {
    blocking(move || {
        let project = open(&dir)?;
        let keychain = Keychain::open(project.root());
        Ok(edit::state(&project, &profiles, keychain.as_ref())?)
    })
    .await
}

/// Writes a non-secret `name=value` into `.env` (losslessly, atomically), refusing with `ENV_CONFLICT` when
/// the file is no longer at `expected_revision`. Returns the new revision.
#[tauri::command]
#[specta::specta]
pub async fn set_variable(
    dir: String,
    name: String,
    value: String,
    expected_revision: String,
) -> Result<String, AppError> {
    blocking(move || Ok(edit::set_variable(&open(&dir)?, &name, &value, &expected_revision)?)).await
}

/// Checks a secret against its rule, stores it in the keychain and reads it back.
#[tauri::command]
#[specta::specta]
pub async fn set_secret(dir: String, name: String, value: String) -> Result<(), AppError> {
    let value = Sensitive::new(value);
    blocking(move || {
        let (project, keychain) = open_with_keychain(&dir)?;
        Ok(secrets::store(&project, &keychain, &name, &value)?)
    })
    .await
}

/// Generates a strong value for `name` by its rule, stores it and reads it back. Returns its length.
#[tauri::command]
#[specta::specta]
pub async fn generate_secret(dir: String, name: String) -> Result<u32, AppError> {
    blocking(move || {
        let (project, keychain) = open_with_keychain(&dir)?;
        Ok(secrets::generate_and_store(&project, &keychain, &name)?)
    })
    .await
}

/// Removes `name` from the project's keychain; `false` when it was not there.
#[tauri::command]
#[specta::specta]
pub async fn delete_secret(dir: String, name: String) -> Result<bool, AppError> {
    blocking(move || {
        let (_, keychain) = open_with_keychain(&dir)?;
        Ok(keychain.delete(&name)?)
    })
    .await
}

/// The value `name` would be given (keychain first, then the environment), for an explicit "Reveal" only.
/// `None` when it has none.
#[tauri::command]
#[specta::specta]
pub async fn reveal_secret(dir: String, name: String) -> Result<Option<String>, AppError> {
    blocking(move || {
        let (project, keychain) = open_with_keychain(&dir)?;
        Ok(edit::reveal(&project, &keychain, &name)?.map(|v| v.expose().clone()))
    })
    .await
}

/// Moves the secret values of `.env` into the keychain (each read back), then blanks them in `.env`.
#[tauri::command]
#[specta::specta]
pub async fn import_secrets(dir: String) -> Result<ImportReport, AppError> {
    blocking(move || {
        let (project, keychain) = open_with_keychain(&dir)?;
        Ok(secrets::import(&project, &keychain)?)
    })
    .await
}

#[cfg(test)]
mod tests {
    //! The commands against a real keychain (a throwaway gnome-keyring: run through `tests/keychain/run.sh`,
    //! which sets `DOCKMASTER_KEYCHAIN_SESSION`; elsewhere these tests fail rather than skip, like the core's
    //! keychain tests), each value checked from outside with `secret-tool`.

    use super::*;
    use dockmaster_core::ErrorCode;
    use std::process::Command;

    fn require_keychain_session() {
        assert!(
            std::env::var_os("DOCKMASTER_KEYCHAIN_SESSION").is_some(),
            "no throwaway keychain: run `bash tests/keychain/run.sh cargo test -p dockmaster-app`"
        );
    }

    fn lookup(service: &str, user: &str) -> Option<String> {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", service, "username", user])
            .output()
            .expect("secret-tool runs (package libsecret-tools)");
        out.status.success().then(|| String::from_utf8(out.stdout).expect("utf-8"))
    }

    /// A copy of the demo project's Compose files (the Sectorwars2102 descriptor applies), removed with its
    /// keychain items on drop.
    struct Demo {
        dir: tempfile::TempDir,
        service: String,
    }

    impl Demo {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("tmp");
            let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo");
            for f in ["docker-compose.yml", "docker-compose.dev.yml"] {
                std::fs::copy(demo.join(f), dir.path().join(f)).expect("copy demo");
            }
            let service = secrets::keychain::service_for(dir.path());
            Demo { dir, service }
        }
        fn path(&self) -> String {
            self.dir.path().display().to_string()
        }
    }

    impl Drop for Demo {
        fn drop(&mut self) {
            if std::env::var_os("DOCKMASTER_KEYCHAIN_SESSION").is_none() {
                return;
            }
            let _ = Command::new("secret-tool").args(["clear", "service", &self.service]).status();
        }
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tauri::async_runtime::block_on(f)
    }

    #[test]
    fn secrets_round_trip_through_the_commands() {
        require_keychain_session();
        let demo = Demo::new();
        let short = "too-short-jwt-secret";
        let e = run(set_secret(demo.path(), "JWT_SECRET".into(), short.into())).expect_err("too short");
        assert!(
            e.code == ErrorCode::ValueInvalid
                && e.message.contains("at least 32")
                && !e.message.contains(short),
            "{e:?}"
        );
        assert_eq!(lookup(&demo.service, "JWT_SECRET"), None, "a refused value is not stored");

        assert_eq!(run(generate_secret(demo.path(), "JWT_SECRET".into())).expect("generate"), 48);
        let stored = lookup(&demo.service, "JWT_SECRET").expect("stored");
        assert_eq!(stored.chars().count(), 48);
        let revealed = run(reveal_secret(demo.path(), "JWT_SECRET".into())).expect("reveal");
        assert_eq!(revealed.as_deref(), Some(stored.as_str()));

        let state = run(env_catalog(demo.path(), vec!["development".into()])).expect("catalog");
        let jwt = state.catalog.variable("JWT_SECRET").expect("catalogued");
        assert!(jwt.has_value && jwt.value.is_none(), "a secret's value never reaches the catalog");
        assert!(!serde_json::to_string(&state).expect("json").contains(&stored));

        assert!(run(delete_secret(demo.path(), "JWT_SECRET".into())).expect("delete"));
        assert_eq!(lookup(&demo.service, "JWT_SECRET"), None);
        assert_eq!(run(reveal_secret(demo.path(), "JWT_SECRET".into())).expect("reveal"), None);
    }

    #[test]
    fn import_moves_env_secrets_into_the_keychain() {
        require_keychain_session();
        let demo = Demo::new();
        let env = "# admin\nADMIN_USERNAME=ana\nADMIN_PASSWORD=placeholder-admin-password\n";
        std::fs::write(demo.dir.path().join(".env"), env).expect(".env");
        let report = run(import_secrets(demo.path())).expect("import");
        assert_eq!(report.moved, ["ADMIN_PASSWORD"]);
        assert_eq!(lookup(&demo.service, "ADMIN_PASSWORD").as_deref(), Some("placeholder-admin-password"));
        let text = std::fs::read_to_string(demo.dir.path().join(".env")).expect("read");
        assert!(
            text.contains("ADMIN_USERNAME=ana") && !text.contains("placeholder-admin-password"),
            "{text}"
        );
    }

    #[test]
    fn set_variable_writes_env_and_refuses_a_stale_revision() {
        let demo = Demo::new();
        let env = demo.dir.path().join(".env");
        std::fs::write(&env, "# ports\nGAMESERVER_PORT=8080\n").expect(".env");
        let state = run(env_catalog(demo.path(), vec!["development".into()])).expect("catalog");
        let revision =
            run(set_variable(demo.path(), "GAMESERVER_PORT".into(), "9080".into(), state.revision.clone()))
                .expect("set");
        assert_eq!(std::fs::read_to_string(&env).expect("read"), "# ports\nGAMESERVER_PORT=9080\n");

        // The state read before that write is stale now: refused, nothing written.
        let e = run(set_variable(demo.path(), "GAMESERVER_PORT".into(), "7000".into(), state.revision))
            .expect_err("conflict");
        assert_eq!(e.code, ErrorCode::EnvFileConflict, "{e:?}");
        let e = run(set_variable(demo.path(), "GAMESERVER_PORT".into(), "70000".into(), revision.clone()))
            .expect_err("invalid port");
        assert_eq!(e.code, ErrorCode::ValueInvalid, "{e:?}");
        let e = run(set_variable(demo.path(), "JWT_SECRET".into(), "x".repeat(40), revision))
            .expect_err("secret");
        assert_eq!(e.code, ErrorCode::ValueInvalid, "{e:?}");
        assert_eq!(std::fs::read_to_string(&env).expect("read"), "# ports\nGAMESERVER_PORT=9080\n");
    }
}
