//! The region's database password in the OS keychain, under a keychain namespace of its own per region
//! (`dockmaster:<canonical project root>/.dockmaster/regions/<project>/<region>`, nothing below the root resolved), so it never mixes with the
//! project's secrets (`dockmaster env`, `dockmaster exec`). A region on another engine than the local `default`
//! has its namespace under that engine (`…/.dockmaster/engines/<engine>/regions/<project>/<region>`), so two
//! regions of the same name on two engines never share a password; the local one stays where it always was. Every function blocks: call them off the async
//! runtime's threads (`spawn_blocking`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use keyring_core::CredentialStore;

use super::plan::PASSWORD_VAR;
use crate::engine::endpoint::DEFAULT_CONTEXT;
use crate::secrets::generate::random_alphanumeric;
use crate::secrets::keychain::{service_below, service_for};
use crate::secrets::{Keychain, SecretsError, Sensitive};

/// Length of a generated region database password.
pub const PASSWORD_LENGTH: usize = 32;

/// The keychain service the region's password is kept under: the canonical project root, then the
/// namespace's own parts as they are (never resolved: a symlink inside the checkout cannot redirect it).
pub fn service(root: &Path, project: &str, region: &str) -> String {
    service_on(root, None, project, region)
}

/// [`service`] for a region on `engine` (`None` or `default`: the local engine, whose namespace is unchanged).
pub fn service_on(root: &Path, engine: Option<&str>, project: &str, region: &str) -> String {
    match engine.filter(|e| *e != DEFAULT_CONTEXT) {
        None => service_below(root, &[".dockmaster", "regions", project, region]),
        Some(engine) => service_below(root, &[".dockmaster", "engines", engine, "regions", project, region]),
    }
}

/// Which keychain the region code talks to: the OS keychain (the default), or, in unit tests, an in-memory
/// store shared by every namespace opened through it; and the engine whose regions' namespaces it opens.
#[derive(Clone, Default)]
pub struct Keychains {
    store: Option<Arc<CredentialStore>>,
    /// `None`: the local engine (`default`).
    engine: Option<String>,
}

impl std::fmt::Debug for Keychains {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let store = if self.store.is_some() { "in memory" } else { "OS" };
        write!(f, "Keychains({store}, engine {})", self.engine.as_deref().unwrap_or(DEFAULT_CONTEXT))
    }
}

impl Keychains {
    /// The same keychain, for the regions of the engine `name`.
    pub fn on_engine(mut self, name: &str) -> Self {
        self.engine = Some(name.to_string()).filter(|n| n != DEFAULT_CONTEXT);
        self
    }

    /// The engine whose regions' namespaces this opens (`default`: the local engine).
    pub fn engine(&self) -> &str {
        self.engine.as_deref().unwrap_or(DEFAULT_CONTEXT)
    }

    /// The keychain service of a region's password on this engine.
    pub fn service(&self, root: &Path, project: &str, region: &str) -> String {
        service_on(root, self.engine.as_deref(), project, region)
    }

    /// An in-memory keychain (tests).
    #[cfg(test)]
    pub(crate) fn in_memory() -> Self {
        Keychains { store: Some(keyring_core::mock::Store::new().expect("mock keychain")), engine: None }
    }

    fn open_service(&self, service: String) -> Result<Keychain, SecretsError> {
        match &self.store {
            Some(store) => Ok(Keychain::with_store(Arc::clone(store), service)),
            None => Keychain::open_service(service),
        }
    }

    /// The region's namespace.
    pub fn open(&self, root: &Path, project: &str, region: &str) -> Result<Keychain, SecretsError> {
        self.open_service(self.service(root, project, region))
    }

    /// Whether the region's namespace holds a password (a removed region whose volumes were kept).
    pub fn password_stored(&self, root: &Path, project: &str, region: &str) -> Result<bool, SecretsError> {
        Ok(self.open(root, project, region)?.get(PASSWORD_VAR)?.is_some())
    }

    /// The region's password: the stored one, or a new one generated and stored (then `true`: the caller
    /// created it and removes it again on rollback).
    pub fn ensure_password(
        &self,
        root: &Path,
        project: &str,
        region: &str,
    ) -> Result<(Sensitive<String>, bool), SecretsError> {
        let keychain = self.open(root, project, region)?;
        if let Some(existing) = keychain.get(PASSWORD_VAR)? {
            return Ok((existing, false));
        }
        let value = random_alphanumeric(PASSWORD_LENGTH)?;
        keychain.set(PASSWORD_VAR, &value)?;
        match keychain.get(PASSWORD_VAR)? {
            Some(back) if back == value => Ok((value, true)),
            _ => Err(SecretsError::VerifyFailed { name: PASSWORD_VAR.to_string() }),
        }
    }

    /// Removes the region's password; `false` when there was none.
    pub fn forget_password(&self, root: &Path, project: &str, region: &str) -> Result<bool, SecretsError> {
        self.open(root, project, region)?.delete(PASSWORD_VAR)
    }

    /// Which of `names` the project's keychain holds (names only, no values read).
    pub fn project_secret_names(
        &self,
        root: &Path,
        names: &BTreeSet<String>,
    ) -> Result<BTreeSet<String>, SecretsError> {
        if names.is_empty() {
            return Ok(BTreeSet::new());
        }
        let stored = self.open_service(service_for(root))?.names()?;
        Ok(names.iter().filter(|n| stored.contains(n)).cloned().collect())
    }

    /// The values of `names` from the project's keychain (the ones it holds).
    pub fn project_secret_values(
        &self,
        root: &Path,
        names: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, Sensitive<String>>, SecretsError> {
        if names.is_empty() {
            return Ok(BTreeMap::new());
        }
        let keychain = self.open_service(service_for(root))?;
        let mut out = BTreeMap::new();
        for name in names {
            if let Some(v) = keychain.get(name)? {
                out.insert(name.clone(), v);
            }
        }
        Ok(out)
    }
}

/// The region's namespace in the OS keychain.
pub fn open(root: &Path, project: &str, region: &str) -> Result<Keychain, SecretsError> {
    Keychains::default().open(root, project, region)
}

/// Whether the OS keychain holds the region's password.
pub fn password_stored(root: &Path, project: &str, region: &str) -> Result<bool, SecretsError> {
    Keychains::default().password_stored(root, project, region)
}

/// Removes the region's password from the OS keychain; `false` when there was none.
pub fn forget_password(root: &Path, project: &str, region: &str) -> Result<bool, SecretsError> {
    Keychains::default().forget_password(root, project, region)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, finding 10: the region keychain namespace followed symlinks inside the checkout into another
    /// project's namespace.
    #[test]
    #[cfg(unix)]
    fn the_namespace_is_not_resolved_below_the_root() {
        let mine = tempfile::tempdir().expect("tmp");
        let theirs = tempfile::tempdir().expect("tmp");
        std::os::unix::fs::symlink(theirs.path(), mine.path().join(".dockmaster")).expect("link");
        let root = std::fs::canonicalize(mine.path()).expect("canonical");
        let got = service(mine.path(), "p", "eu");
        assert_eq!(got, format!("dockmaster:{}/.dockmaster/regions/p/eu", root.display()));
        let theirs_root = std::fs::canonicalize(theirs.path()).expect("canonical");
        assert!(!got.contains(&theirs_root.display().to_string()), "{got}");
    }

    #[test]
    fn a_region_on_another_engine_has_a_namespace_of_its_own_and_the_local_one_is_unchanged() {
        let dir = tempfile::tempdir().expect("tmp");
        let root = std::fs::canonicalize(dir.path()).expect("canonical");
        let local = format!("dockmaster:{}/.dockmaster/regions/p/eu", root.display());
        assert_eq!(service(dir.path(), "p", "eu"), local);
        assert_eq!(Keychains::default().service(dir.path(), "p", "eu"), local);
        assert_eq!(Keychains::default().on_engine("default").service(dir.path(), "p", "eu"), local);
        assert_eq!(
            Keychains::default().on_engine("game1").service(dir.path(), "p", "eu"),
            format!("dockmaster:{}/.dockmaster/engines/game1/regions/p/eu", root.display())
        );

        // The in-memory keychain: the same region name on two engines, two passwords.
        let mem = Keychains::in_memory();
        let (here, _) =
            mem.clone().on_engine("default").ensure_password(dir.path(), "p", "eu").expect("local");
        let (there, new) =
            mem.clone().on_engine("game1").ensure_password(dir.path(), "p", "eu").expect("game1");
        assert!(new, "game1's region gets a password of its own");
        assert_ne!(here.expose(), there.expose());
        assert!(mem.clone().on_engine("game1").forget_password(dir.path(), "p", "eu").expect("forget"));
        assert!(mem.password_stored(dir.path(), "p", "eu").expect("local"), "the local one stays");
    }
}
