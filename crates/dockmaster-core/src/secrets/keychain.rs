//! The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager) through keyring-core,
//! namespaced per project. Calls block; there is never a plaintext fallback.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error as KError};

use super::error::{Result, SecretsError};
use super::sensitive::Sensitive;

/// The keychain item (username) that lists the variable names stored for a project. Not a valid variable
/// name, so it never collides with one; holds names only, never values.
const INDEX_USER: &str = ":dockmaster-index";

/// The keychain service name for a project: `dockmaster:<canonical project root>`. Two checkouts have two
/// roots, so they never see each other's values.
pub fn service_for(root: &Path) -> String {
    service_below(root, &[])
}

/// The service name of a namespace below a project: the canonical root, then `parts` joined as they are.
/// Only the root is resolved: a symlink inside the checkout (a `.dockmaster` link into another project)
/// cannot move the namespace into someone else's.
pub fn service_below(root: &Path, parts: &[&str]) -> String {
    let mut path = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    for part in parts {
        path.push(part);
    }
    format!("dockmaster:{}", path.display())
}

/// Names a keychain item may not have: the variables that choose the engine, Compose's own settings and what
/// decides which programs run (`DOCKER_*`, `COMPOSE_*`, `PATH`, `HOME`, `LD_*`, `DYLD_*`, `XDG_*`). A
/// descriptor marking one of them "secret" must not let a keychain value redirect Compose.
pub fn reserved(name: &str) -> bool {
    const EXACT: &[&str] = &["PATH", "HOME"];
    const PREFIXES: &[&str] = &["DOCKER_", "COMPOSE_", "LD_", "DYLD_", "XDG_"];
    let upper = name.to_ascii_uppercase();
    EXACT.contains(&upper.as_str()) || PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// Whether `name` can be an environment variable Compose interpolates (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One project's secrets in a credential store.
pub struct Keychain {
    store: Arc<CredentialStore>,
    service: String,
    #[cfg(target_os = "linux")]
    probe: Option<linux::Probe>,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keychain").field("service", &self.service).finish_non_exhaustive()
    }
}

impl Keychain {
    /// The native keychain for the project rooted at `root`. Fails with a clear error when there is no
    /// keychain to talk to or it is locked.
    pub fn open(root: &Path) -> Result<Self> {
        Keychain::open_service(service_for(root))
    }

    /// The native keychain under a service name made by [`service_for`] or [`service_below`].
    pub fn open_service(service: String) -> Result<Self> {
        #[cfg(target_os = "linux")]
        {
            let probe = linux::Probe::connect()?;
            probe.check()?;
            let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| map_error(e, ""))?;
            Ok(Keychain { store, service, probe: Some(probe) })
        }
        #[cfg(target_os = "macos")]
        {
            let store = apple_native_keyring_store::keychain::Store::new().map_err(|e| map_error(e, ""))?;
            Ok(Keychain { store, service })
        }
        #[cfg(target_os = "windows")]
        {
            let store = windows_native_keyring_store::Store::new().map_err(|e| map_error(e, ""))?;
            Ok(Keychain { store, service })
        }
        #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
        {
            Err(SecretsError::NoProvider { detail: "no supported keychain on this platform".into() })
        }
    }

    /// A keychain over any keyring-core store (tests use `keyring_core::mock`). No lock probe.
    pub fn with_store(store: Arc<CredentialStore>, service: impl Into<String>) -> Self {
        Keychain {
            store,
            service: service.into(),
            #[cfg(target_os = "linux")]
            probe: None,
        }
    }

    /// An in-memory keychain for the project at `root` (tests).
    #[cfg(test)]
    pub(crate) fn mock_for(root: &Path) -> Self {
        Keychain::with_store(keyring_core::mock::Store::new().expect("mock"), service_for(root))
    }

    /// The service name items are stored under (`secret-tool lookup service <this> username <NAME>`).
    pub fn service(&self) -> &str {
        &self.service
    }

    fn check(&self) -> Result<()> {
        #[cfg(target_os = "linux")]
        if let Some(probe) = &self.probe {
            probe.check()?;
        }
        Ok(())
    }

    fn entry(&self, user: &str) -> Result<Entry> {
        Entry::new_in_store(&self.store, &self.service, user).map_err(|e| map_error(e, user))
    }

    /// Stores `value` as `name`, replacing any previous value. Refuses reserved names and values too short
    /// to be masked in output.
    pub fn set(&self, name: &str, value: &Sensitive<String>) -> Result<()> {
        if !valid_name(name) {
            return Err(SecretsError::InvalidName { name: name.to_string() });
        }
        if reserved(name) {
            return Err(SecretsError::ReservedName { name: name.to_string() });
        }
        if value.is_empty() {
            return Err(SecretsError::EmptyValue { name: name.to_string() });
        }
        if value.expose().len() < super::MIN_SECRET_LEN {
            return Err(SecretsError::TooShort { name: name.to_string(), min: super::MIN_SECRET_LEN });
        }
        self.check()?;
        self.entry(name)?.set_password(value.expose()).map_err(|e| map_error(e, name))?;
        let mut names = self.index()?;
        if names.insert(name.to_string()) {
            self.write_index(&names)?;
        }
        Ok(())
    }

    /// The value stored as `name`, `None` when it is not set. A locked keychain is an error, never `None`.
    pub fn get(&self, name: &str) -> Result<Option<Sensitive<String>>> {
        if !valid_name(name) {
            return Err(SecretsError::InvalidName { name: name.to_string() });
        }
        self.check()?;
        let got = self.entry(name)?.get_password();
        match got {
            Ok(v) => Ok(Some(Sensitive::new(v))),
            Err(KError::NoEntry) => {
                // A get on a locked collection also says NoEntry: ask again whether it is locked.
                self.check()?;
                Ok(None)
            }
            Err(e) => Err(map_error(e, name)),
        }
    }

    /// Removes `name`; `false` when it was not set.
    pub fn delete(&self, name: &str) -> Result<bool> {
        if !valid_name(name) {
            return Err(SecretsError::InvalidName { name: name.to_string() });
        }
        self.check()?;
        let existed = match self.entry(name)?.delete_credential() {
            Ok(()) => true,
            Err(KError::NoEntry) => {
                self.check()?;
                false
            }
            Err(e) => return Err(map_error(e, name)),
        };
        let mut names = self.index()?;
        if names.remove(name) {
            self.write_index(&names)?;
        }
        Ok(existed)
    }

    /// The names stored for this project (from the project's index item and, where the store can search,
    /// every item under the project's service name).
    pub fn names(&self) -> Result<Vec<String>> {
        self.check()?;
        let mut names = self.index()?;
        let spec = HashMap::from([("service", self.service.as_str())]);
        match Entry::search_in_store(&self.store, &spec) {
            Ok(found) => {
                for entry in &found {
                    let Some((service, user)) = entry.get_specifiers() else { continue };
                    // Some stores (the mock) keep emptied entries around: only count ones with a value.
                    if service == self.service
                        && valid_name(&user)
                        && !names.contains(&user)
                        && entry.get_password().is_ok()
                    {
                        names.insert(user);
                    }
                }
            }
            Err(KError::NotSupportedByStore(_)) => {}
            Err(e) => return Err(map_error(e, "")),
        }
        Ok(names.into_iter().collect())
    }

    /// Every stored secret of the project, read back.
    pub fn all(&self) -> Result<Vec<(String, Sensitive<String>)>> {
        let mut out = Vec::new();
        for name in self.names()? {
            if let Some(value) = self.get(&name)? {
                out.push((name, value));
            }
        }
        Ok(out)
    }

    fn index(&self) -> Result<BTreeSet<String>> {
        match self.entry(INDEX_USER)?.get_password() {
            Ok(text) => Ok(text.lines().filter(|n| valid_name(n)).map(String::from).collect()),
            Err(KError::NoEntry) => Ok(BTreeSet::new()),
            Err(e) => Err(map_error(e, "")),
        }
    }

    fn write_index(&self, names: &BTreeSet<String>) -> Result<()> {
        let entry = self.entry(INDEX_USER)?;
        if names.is_empty() {
            return match entry.delete_credential() {
                Ok(()) | Err(KError::NoEntry) => Ok(()),
                Err(e) => Err(map_error(e, "")),
            };
        }
        let text = names.iter().cloned().collect::<Vec<_>>().join("\n");
        entry.set_password(&text).map_err(|e| map_error(e, ""))
    }
}

/// Turns a keyring error into a clear one. Never formats the variants that carry secret bytes.
fn map_error(e: KError, name: &str) -> SecretsError {
    match e {
        KError::NoStorageAccess(inner) => {
            let detail = inner.to_string();
            if detail.to_ascii_lowercase().contains("lock") || detail.contains("prompt") {
                SecretsError::Locked { collection: "default".into() }
            } else {
                SecretsError::Unavailable { detail: format!("no access to the keychain: {detail}") }
            }
        }
        KError::PlatformFailure(inner) => classify_platform(&inner.to_string()),
        KError::BadEncoding(_) | KError::BadDataFormat(_, _) => {
            SecretsError::NotUtf8 { name: name.to_string() }
        }
        KError::NoEntry => SecretsError::Unavailable { detail: format!("{name} vanished while being read") },
        KError::Ambiguous(entries) => SecretsError::Unavailable {
            detail: format!(
                "{} keychain items match {name}: remove the duplicates with your keychain manager",
                entries.len()
            ),
        },
        KError::TooLong(what, limit) => SecretsError::Unavailable {
            detail: format!("{what} is longer than the keychain allows ({limit})"),
        },
        KError::Invalid(what, why) => SecretsError::Unavailable { detail: format!("invalid {what}: {why}") },
        KError::NoDefaultStore => {
            SecretsError::NoProvider { detail: "no credential store configured".into() }
        }
        KError::NotSupportedByStore(why) => SecretsError::Unavailable { detail: why },
        KError::BadStoreFormat(why) => SecretsError::Unavailable { detail: why },
        other => SecretsError::Unavailable { detail: format!("{other}") },
    }
}

pub(super) fn classify_platform(detail: &str) -> SecretsError {
    if detail.contains("ServiceUnknown") || detail.contains("no secret service provider") {
        SecretsError::NoProvider { detail: detail.to_string() }
    } else if detail.contains("Failed to connect") || detail.contains("DBUS_SESSION_BUS_ADDRESS") {
        SecretsError::NoSessionBus { detail: detail.to_string() }
    } else {
        SecretsError::Unavailable { detail: detail.to_string() }
    }
}

#[cfg(target_os = "linux")]
pub(super) mod linux {
    //! Reads the default collection's `Locked` property, so a locked keychain is never taken for "not set".

    use std::sync::Mutex;

    use secret_service::blocking::SecretService;
    use secret_service::{EncryptionType, Error as SsError};

    use super::{classify_platform, Result, SecretsError};

    /// The Secret Service on the session bus, or why there is none.
    pub(in crate::secrets) fn connect(encryption: EncryptionType) -> Result<SecretService<'static>> {
        let conn = zbus::blocking::Connection::session()
            .map_err(|e| SecretsError::NoSessionBus { detail: e.to_string() })?;
        SecretService::connect_with_existing(encryption, conn).map_err(|e| match e {
            SsError::Unavailable => SecretsError::NoProvider {
                detail: "org.freedesktop.secrets is not provided on the session bus".into(),
            },
            other => classify_platform(&other.to_string()),
        })
    }

    pub(super) struct Probe {
        ss: Mutex<SecretService<'static>>,
    }

    impl Probe {
        pub(super) fn connect() -> Result<Self> {
            Ok(Probe { ss: Mutex::new(connect(EncryptionType::Dh)?) })
        }

        pub(super) fn check(&self) -> Result<()> {
            let ss = self
                .ss
                .lock()
                .map_err(|_| SecretsError::Unavailable { detail: "keychain probe poisoned".into() })?;
            let collection = match ss.get_default_collection() {
                Ok(c) => c,
                Err(SsError::NoResult) => return Err(SecretsError::NoDefaultCollection),
                Err(SsError::Unavailable) => {
                    return Err(SecretsError::NoProvider { detail: "the Secret Service went away".into() })
                }
                Err(e) => return Err(classify_platform(&e.to_string())),
            };
            match collection.is_locked() {
                Ok(false) => Ok(()),
                Ok(true) => Err(SecretsError::Locked {
                    collection: collection.get_label().unwrap_or_else(|_| "default".into()),
                }),
                Err(e) => Err(classify_platform(&e.to_string())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> Keychain {
        Keychain::with_store(keyring_core::mock::Store::new().expect("mock"), "dockmaster:/test")
    }

    #[test]
    fn set_get_delete_and_list() {
        let k = mock();
        assert!(k.get("JWT_SECRET").expect("get").is_none());
        k.set("JWT_SECRET", &Sensitive::new("s3cret-value".into())).expect("set");
        k.set("ADMIN_PASSWORD", &Sensitive::new("another".into())).expect("set");
        assert_eq!(k.get("JWT_SECRET").expect("get").expect("some").expose(), "s3cret-value");
        assert_eq!(k.names().expect("names"), ["ADMIN_PASSWORD", "JWT_SECRET"]);
        assert!(k.delete("JWT_SECRET").expect("rm"));
        assert!(!k.delete("JWT_SECRET").expect("rm again"));
        assert_eq!(k.names().expect("names"), ["ADMIN_PASSWORD"]);
    }

    #[test]
    fn names_are_checked_and_empty_values_refused() {
        let k = mock();
        assert!(matches!(k.set("1BAD", &Sensitive::new("x".into())), Err(SecretsError::InvalidName { .. })));
        assert!(matches!(k.set("OK", &Sensitive::new(String::new())), Err(SecretsError::EmptyValue { .. })));
        assert!(valid_name("_A1") && !valid_name("A-B") && !valid_name(""));
    }

    #[test]
    fn errors_with_secret_bytes_never_show_them() {
        let e = map_error(KError::BadEncoding(b"topsecret".to_vec()), "X");
        assert!(!e.to_string().contains("topsecret") && !format!("{e:?}").contains("topsecret"));
    }

    #[test]
    fn service_names_differ_per_checkout() {
        let a = tempfile::tempdir().expect("tmp");
        let b = tempfile::tempdir().expect("tmp");
        assert_ne!(service_for(a.path()), service_for(b.path()));
        assert!(service_for(a.path()).starts_with("dockmaster:/"));
    }
}
