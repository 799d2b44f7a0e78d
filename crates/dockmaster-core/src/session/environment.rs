//! The project's variables through the session: the catalog, non-secret `.env` edits and the secrets in the
//! OS keychain. Keychain calls block, so each runs off the async runtime; after a change the supervisor's
//! masker follows and listeners hear [`SessionEvent::SecretsChanged`] (a `.env` edit also reads the project
//! again at once, without waiting for the file watch).

use super::{blocking, Session, SessionEvent};
use crate::error::ErrorReport;
use crate::secrets::edit::{self, EnvironmentState};
use crate::secrets::{self, ImportReport, Keychain, Sensitive};

impl Session {
    /// Every variable of the selection by group: source, secret or not, set or not, validation, users (never a
    /// secret's value), with the rules and the `.env` revision it was read at. A keychain that cannot be read is
    /// reported inside (`catalog.keychain`), not as an error.
    pub async fn environment(&self, profiles: &[String]) -> Result<EnvironmentState, ErrorReport> {
        let profiles = self.profiles(profiles)?;
        let project = self.project();
        blocking(move || {
            let keychain = Keychain::open(project.root());
            Ok(edit::state(&project, &profiles, keychain.as_ref())?)
        })
        .await
    }

    /// Writes a non-secret `name=value` into `.env` (losslessly, atomically), refusing with
    /// `ENV_FILE_CONFLICT` when the file is no longer at `expected_revision`. Returns the new revision.
    pub async fn set_variable(
        &self,
        name: String,
        value: String,
        expected_revision: String,
    ) -> Result<String, ErrorReport> {
        let project = self.project();
        let revision =
            blocking(move || Ok(edit::set_variable(&project, &name, &value, &expected_revision)?)).await?;
        self.reload().await;
        Ok(revision)
    }

    /// The revision of `.env` as the session read it: what [`Session::set_variable`] expects when the caller has
    /// not read the catalog first.
    pub fn env_revision(&self) -> String {
        edit::env_revision(&self.project())
    }

    /// Checks a secret against its rule, stores it in the keychain and reads it back.
    pub async fn set_secret(&self, name: String, value: Sensitive<String>) -> Result<(), ErrorReport> {
        let project = self.project();
        self.with_keychain(move |keychain| Ok(secrets::store(&project, keychain, &name, &value)?)).await
    }

    /// Generates a strong value for `name` by its rule, stores it and reads it back. Returns its length.
    pub async fn generate_secret(&self, name: String) -> Result<u32, ErrorReport> {
        let project = self.project();
        self.with_keychain(move |keychain| Ok(secrets::generate_and_store(&project, keychain, &name)?)).await
    }

    /// Removes `name` from the project's keychain; `false` when it was not there.
    pub async fn delete_secret(&self, name: String) -> Result<bool, ErrorReport> {
        self.with_keychain(move |keychain| Ok(keychain.delete(&name)?)).await
    }

    /// The value `name` would be given (keychain first, then the environment), for an explicit Reveal of one of
    /// the project's own variables only. `None` when it has none.
    pub async fn reveal_secret(&self, name: String) -> Result<Option<Sensitive<String>>, ErrorReport> {
        let project = self.project();
        blocking(move || {
            let keychain = Keychain::open(project.root())?;
            Ok(edit::reveal(&project, &keychain, &name)?)
        })
        .await
    }

    /// Moves the secret values of `.env` into the keychain (each read back), then blanks them in `.env`.
    pub async fn import_secrets(&self) -> Result<ImportReport, ErrorReport> {
        let project = self.project();
        let report = self.with_keychain(move |keychain| Ok(secrets::import(&project, keychain)?)).await?;
        self.reload().await;
        Ok(report)
    }

    /// The keychain service the project's secrets are stored under, once the keychain answers (or why it
    /// cannot be used: no session bus, no Secret Service, locked…).
    pub async fn keychain_service(&self) -> Result<String, ErrorReport> {
        let root = self.project().root().to_path_buf();
        blocking(move || Ok(Keychain::open(&root)?.service().to_string())).await
    }

    /// The secrets a child process of the project gets in its environment (`dockmaster exec`): every keychain
    /// item of the project but those under a reserved name, with the warning about those.
    pub async fn child_secrets(
        &self,
    ) -> Result<(Vec<(String, Sensitive<String>)>, Option<String>), ErrorReport> {
        let project = self.project();
        blocking(move || {
            let (env, reserved) = secrets::injectable(secrets::child_env(&project)?);
            Ok((env, secrets::reserved_warning(&reserved)))
        })
        .await
    }

    /// Runs a change against the project's keychain; then the masker follows and listeners are told.
    async fn with_keychain<T: Send + 'static>(
        &self,
        change: impl FnOnce(&Keychain) -> Result<T, ErrorReport> + Send + 'static,
    ) -> Result<T, ErrorReport> {
        let root = self.project().root().to_path_buf();
        let done = blocking(move || change(&Keychain::open(&root)?)).await?;
        self.project_changed().await;
        self.tell(SessionEvent::SecretsChanged);
        Ok(done)
    }
}
