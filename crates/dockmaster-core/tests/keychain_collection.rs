//! The Secret Service asked to create and to unlock the default keychain, against a real gnome-keyring that has
//! NO default collection (as outside a GNOME login session): run through
//! `DOCKMASTER_KEYCHAIN_EMPTY=1 bash tests/keychain/run.sh` (it starts one). gnome-keyring raises its own password
//! prompts through the desktop's system prompter; here a test prompter on the session bus
//! (`support/prompter.rs`) answers them the way gcr's prompter does, with a password the test chose, or cancels.
//! Everything is checked from outside too: the `default` alias with `dbus-send`, stored values with `secret-tool`.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)]

#[path = "support/prompter.rs"]
mod prompter;

use std::process::Command;

use dockmaster_core::secrets::collection::{create_default, unlock_default, KeychainChange};
use dockmaster_core::secrets::{KeychainAction, SecretsError, Sensitive};
use dockmaster_core::{ErrorCode, ErrorReport};
use prompter::{Answer, Prompter};

fn dbus(args: &[&str]) -> String {
    let out = Command::new("dbus-send")
        .args(["--session", "--print-reply", "--dest=org.freedesktop.secrets"])
        .args(args)
        .output()
        .expect("dbus-send runs");
    assert!(out.status.success(), "dbus-send {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The collection the `default` alias names, `/` when none.
fn default_alias() -> String {
    let reply =
        dbus(&["/org/freedesktop/secrets", "org.freedesktop.Secret.Service.ReadAlias", "string:default"]);
    reply.split('"').nth(1).expect("an object path").to_string()
}

fn locked(collection: &str) -> bool {
    let reply = dbus(&[
        collection,
        "org.freedesktop.DBus.Properties.Get",
        "string:org.freedesktop.Secret.Collection",
        "string:Locked",
    ]);
    reply.contains("boolean true")
}

fn lookup(service: &str, user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", user])
        .output()
        .expect("secret-tool runs (package libsecret-tools)");
    out.status.success().then(|| String::from_utf8(out.stdout).expect("utf-8"))
}

/// Fails (never skips) outside an empty throwaway Secret Service.
fn require_empty_keychain() {
    assert!(
        std::env::var_os("DOCKMASTER_KEYCHAIN_EMPTY").is_some()
            && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a Secret Service with no default collection: run it through \
         `DOCKMASTER_KEYCHAIN_EMPTY=1 bash tests/keychain/run.sh` (it starts a throwaway gnome-keyring)"
    );
    assert_eq!(default_alias(), "/", "the throwaway Secret Service must start without a default collection");
}

#[test]
fn no_default_collection_is_created_through_the_prompt_then_unlocked_through_it() {
    require_empty_keychain();
    let password = format!("test-keyring-{}-{}", std::process::id(), fastrand::u64(..));
    let dir = tempfile::tempdir().unwrap();

    // What a user sees first: a clear error whose window wording names the button.
    let err = dockmaster_core::secrets::Keychain::open(dir.path()).expect_err("no default collection");
    assert!(matches!(err, SecretsError::NoDefaultCollection), "{err:?}");
    let report = ErrorReport::from(&err);
    assert_eq!(report.code, ErrorCode::KeychainNoCollection);
    assert!(report.message.contains("`dockmaster keychain create`"), "{}", report.message);
    let window = report.window.as_deref().expect("window wording");
    assert!(window.contains("press Create keychain") && !window.contains("dockmaster"), "{window}");

    // Cancelled: a clear error, nothing created.
    {
        let cancel = Prompter::start(&password, Answer::No).expect("own the prompter's name");
        let err = create_default().expect_err("the prompt was cancelled");
        assert!(matches!(err, SecretsError::PromptDismissed { action: KeychainAction::Create }), "{err:?}");
        assert_eq!(ErrorReport::from(&err).code, ErrorCode::KeychainPromptDismissed);
        assert!(cancel.shown().iter().any(|s| s.kind == "password"), "{:?}", cancel.shown());
        assert_eq!(default_alias(), "/", "nothing was created");
    }

    // Answered: the Secret Service creates it, as the default, unlocked.
    let answer = Prompter::start(&password, Answer::Yes).expect("own the prompter's name");
    assert_eq!(create_default().expect("created"), KeychainChange::Created);
    let asked = answer.shown();
    assert!(asked.iter().any(|s| s.kind == "password"), "the desktop asked for a password: {asked:?}");
    let collection = default_alias();
    assert_ne!(collection, "/", "the default alias names the new collection");
    assert!(!locked(&collection));
    assert_eq!(create_default().expect("nothing to do"), KeychainChange::AlreadyReady);
    assert_eq!(answer.shown().len(), asked.len(), "no second prompt");

    // Secrets can be stored now, and other clients see them.
    let keychain = dockmaster_core::secrets::Keychain::open(dir.path()).expect("usable");
    let value = format!("stored-after-create-{}", fastrand::u64(..));
    keychain.set("JWT_SECRET", &Sensitive::new(value.clone())).expect("set");
    assert_eq!(lookup(keychain.service(), "JWT_SECRET").as_deref(), Some(value.as_str()));

    // Locked (gnome-keyring locks without asking): unlock asks for the password, cancel keeps it locked.
    dbus(&[
        "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service.Lock",
        &format!("array:objpath:{collection}"),
    ]);
    assert!(locked(&collection));
    let err = dockmaster_core::secrets::Keychain::open(dir.path()).expect_err("locked");
    assert!(matches!(err, SecretsError::Locked { .. }), "{err:?}");
    assert!(ErrorReport::from(&err).window.unwrap_or_default().contains("press Unlock keychain"));
    drop(answer);
    {
        // A wrong password is refused (the Secret Service asks again), and cancelling then keeps it locked: the
        // password typed at creation is the one that counts.
        let wrong = Prompter::start(&password, Answer::WrongThenNo).expect("own the prompter's name");
        let err = unlock_default().expect_err("cancelled after a wrong password");
        assert!(matches!(err, SecretsError::PromptDismissed { action: KeychainAction::Unlock }), "{err:?}");
        let asked = wrong.shown();
        assert!(asked.iter().filter(|s| s.kind == "password").count() >= 2, "asked again: {asked:?}");
        assert!(locked(&collection), "still locked");
    }
    let answer = Prompter::start(&password, Answer::Yes).expect("own the prompter's name");
    assert_eq!(unlock_default().expect("unlocked"), KeychainChange::Unlocked);
    assert!(answer.shown().iter().any(|s| s.kind == "password"));
    assert!(!locked(&collection));
    assert_eq!(unlock_default().expect("nothing to do"), KeychainChange::AlreadyReady);
    let keychain = dockmaster_core::secrets::Keychain::open(dir.path()).expect("usable again");
    assert_eq!(keychain.get("JWT_SECRET").expect("get").expect("kept").expose(), &value);

    // Clean up what the test made: the item, then the collection itself.
    assert!(keychain.delete("JWT_SECRET").expect("delete"));
    assert_eq!(lookup(keychain.service(), "JWT_SECRET"), None);
    dbus(&[&collection, "org.freedesktop.Secret.Collection.Delete"]);
    assert_eq!(default_alias(), "/", "the test's collection is gone");
}
