//! Real-keychain tests: a real Secret Service (gnome-keyring) under `dbus-run-session`, started by
//! `tests/keychain/run.sh`. Every stored value is checked from outside with `secret-tool`. Without a
//! reachable Secret Service these tests FAIL (they are not skipped): run them through the script.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use dockmaster_core::secrets::{Keychain, SecretsError, Sensitive};

/// One test at a time: the lock test locks the shared collection.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The project's keychain, or a failure saying how to run these tests.
fn keychain(root: &Path) -> Keychain {
    Keychain::open(root).unwrap_or_else(|e| {
        panic!(
            "no Secret Service reachable ({e}).\nThese tests need a real keychain: run them through \
             `tests/keychain/run.sh` (it starts a throwaway gnome-keyring under dbus-run-session)."
        )
    })
}

/// `secret-tool lookup service S username U`: the value as any other Secret Service client sees it.
fn lookup(service: &str, user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", user])
        .output()
        .expect("secret-tool runs (package libsecret-tools)");
    out.status.success().then(|| String::from_utf8(out.stdout).expect("utf-8"))
}

fn dbus(args: &[&str]) -> String {
    let out = Command::new("dbus-send")
        .args(["--session", "--print-reply", "--dest=org.freedesktop.secrets"])
        .args(args)
        .output()
        .expect("dbus-send runs");
    assert!(out.status.success(), "dbus-send {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn default_collection() -> String {
    let reply =
        dbus(&["/org/freedesktop/secrets", "org.freedesktop.Secret.Service.ReadAlias", "string:default"]);
    reply.split('"').nth(1).expect("an object path").to_string()
}

/// Deletes everything a test stored, even when it fails half-way.
struct Cleanup<'a>(&'a Keychain);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if let Ok(names) = self.0.names() {
            for n in names {
                let _ = self.0.delete(&n);
            }
        }
    }
}

/// Unlocks a collection with the throwaway keyring's password (gnome-keyring's own interface; a headless
/// session has no prompter for the standard `Unlock`).
fn unlock(collection: &str) {
    let password = std::env::var("DOCKMASTER_TEST_KEYRING_PASSWORD")
        .expect("DOCKMASTER_TEST_KEYRING_PASSWORD (set by tests/keychain/run.sh)");
    let conn = zbus::blocking::Connection::session().expect("session bus");
    let reply = conn
        .call_method(
            Some("org.freedesktop.secrets"),
            "/org/freedesktop/secrets",
            Some("org.freedesktop.Secret.Service"),
            "OpenSession",
            &("plain", zbus::zvariant::Value::from("")),
        )
        .expect("OpenSession");
    let (_, session): (zbus::zvariant::OwnedValue, zbus::zvariant::OwnedObjectPath) =
        reply.body().deserialize().expect("session");
    let collection = zbus::zvariant::ObjectPath::try_from(collection).expect("path");
    let secret = (session, Vec::<u8>::new(), password.into_bytes(), "text/plain");
    conn.call_method(
        Some("org.freedesktop.secrets"),
        "/org/freedesktop/secrets",
        Some("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"),
        "UnlockWithMasterPassword",
        &(collection, secret),
    )
    .expect("UnlockWithMasterPassword");
}

#[test]
fn values_round_trip_and_are_visible_to_secret_tool() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tmp");
    let k = keychain(dir.path());
    let _cleanup = Cleanup(&k);
    let value = Sensitive::new("rt-Value with spaces & ünïcode 0123456789".to_string());
    k.set("JWT_SECRET", &value).expect("set");
    assert_eq!(lookup(k.service(), "JWT_SECRET").as_deref(), Some(value.expose().as_str()));
    assert_eq!(k.get("JWT_SECRET").expect("get").expect("stored"), value);
    k.set("JWT_SECRET", &Sensitive::new("replaced".into())).expect("replace");
    assert_eq!(lookup(k.service(), "JWT_SECRET").as_deref(), Some("replaced"));
    k.set("ADMIN_PASSWORD", &Sensitive::new("admin-pass-123".into())).expect("set");
    assert_eq!(k.names().expect("names"), ["ADMIN_PASSWORD", "JWT_SECRET"]);
    assert!(k.delete("JWT_SECRET").expect("rm"));
    assert_eq!(lookup(k.service(), "JWT_SECRET"), None);
    assert!(k.get("JWT_SECRET").expect("get").is_none(), "deleted means not set (the keychain is unlocked)");
    assert!(!k.delete("JWT_SECRET").expect("rm again"));
}

#[test]
fn two_checkouts_never_see_each_others_values() {
    let _serial = serial();
    let (a, b) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let (ka, kb) = (keychain(a.path()), keychain(b.path()));
    let (_ca, _cb) = (Cleanup(&ka), Cleanup(&kb));
    ka.set("SECRET_KEY", &Sensitive::new("value-of-a".into())).expect("set a");
    kb.set("SECRET_KEY", &Sensitive::new("value-of-b".into())).expect("set b");
    assert_eq!(ka.get("SECRET_KEY").expect("a").expect("a").expose(), "value-of-a");
    assert_eq!(kb.get("SECRET_KEY").expect("b").expect("b").expose(), "value-of-b");
    ka.delete("SECRET_KEY").expect("rm a");
    assert!(ka.get("SECRET_KEY").expect("a").is_none());
    assert_eq!(lookup(kb.service(), "SECRET_KEY").as_deref(), Some("value-of-b"));
}

#[test]
fn nothing_is_written_in_plaintext() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tmp");
    let k = keychain(dir.path());
    let _cleanup = Cleanup(&k);
    let marker = format!("plaintext-marker-{}", std::process::id());
    k.set("STEAM_API_KEY", &Sensitive::new(marker.clone())).expect("set");
    let mut roots = vec![dir.path().to_path_buf()];
    roots.extend(std::env::var_os("XDG_DATA_HOME").map(Into::into));
    roots.extend(std::env::var_os("XDG_CONFIG_HOME").map(Into::into));
    for root in roots {
        for file in walk(&root) {
            let bytes = std::fs::read(&file).unwrap_or_default();
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "{} holds the secret in plaintext",
                file.display()
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_locked_keychain_is_a_clear_error_not_an_unset_secret() {
    let _serial = serial();
    let dir = tempfile::tempdir().expect("tmp");
    let k = keychain(dir.path());
    let _cleanup = Cleanup(&k);
    k.set("JWT_SECRET", &Sensitive::new("stored-before-locking".into())).expect("set");
    let collection = default_collection();
    dbus(&[
        "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service.Lock",
        &format!("array:objpath:{collection}"),
    ]);
    let results = (
        k.get("JWT_SECRET"),
        k.set("OTHER_SECRET", &Sensitive::new("locked-out-value".into())),
        k.names(),
        Keychain::open(dir.path()).map(|_| ()),
    );
    unlock(&collection);
    let (get, set, names, open) = results;
    assert!(matches!(get, Err(SecretsError::Locked { .. })), "get on a locked keychain: {get:?}");
    assert!(matches!(set, Err(SecretsError::Locked { .. })), "set: {set:?}");
    assert!(matches!(names, Err(SecretsError::Locked { .. })), "names: {names:?}");
    let err = open.expect_err("open");
    assert_eq!(err.code(), dockmaster_core::ErrorCode::KeychainLocked);
    assert!(err.to_string().contains("unlock"), "{err}");
    // Unlocked again: the value is still there, and nothing was written while locked.
    assert_eq!(k.get("JWT_SECRET").expect("get").expect("kept").expose(), "stored-before-locking");
    assert_eq!(lookup(k.service(), "OTHER_SECRET"), None);
}
