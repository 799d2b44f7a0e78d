//! The Environment page's operations through a [`Session`] against a real keychain (a throwaway gnome-keyring:
//! run through `tests/keychain/run.sh`, which sets `DOCKMASTER_KEYCHAIN_SESSION`; elsewhere these tests fail
//! rather than skip), each value checked from outside with `secret-tool`.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)]

use std::process::Command;

use dockmaster_core::secrets;
use dockmaster_core::session::Session;
use dockmaster_core::{ErrorCode, OpenOptions};

fn require_keychain_session() {
    assert!(
        std::env::var_os("DOCKMASTER_KEYCHAIN_SESSION").is_some(),
        "no throwaway keychain: run `bash tests/keychain/run.sh cargo test -p dockmaster-core --test session_environment`"
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
        let dir = tempfile::tempdir().unwrap();
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo");
        for f in ["docker-compose.yml", "docker-compose.dev.yml"] {
            std::fs::copy(demo.join(f), dir.path().join(f)).unwrap();
        }
        let service = secrets::keychain::service_for(dir.path());
        Demo { dir, service }
    }

    fn session(&self) -> Session {
        Session::open(OpenOptions {
            process_env: Some(Default::default()),
            ..OpenOptions::new(self.dir.path())
        })
        .unwrap()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = Command::new("secret-tool").args(["clear", "service", &self.service]).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_round_trip_through_the_session() {
    require_keychain_session();
    let demo = Demo::new();
    let s = demo.session();
    let short = "too-short-jwt-secret";
    let e = s.set_secret("JWT_SECRET".into(), short.to_string().into()).await.expect_err("too short");
    assert_eq!(e.code, ErrorCode::ValueInvalid);
    assert!(e.message.contains("at least 32") && !e.message.contains(short), "{e}");
    assert_eq!(lookup(&demo.service, "JWT_SECRET"), None, "a refused value is not stored");

    let mut events = s.subscribe();
    assert_eq!(s.generate_secret("JWT_SECRET".into()).await.unwrap(), 48);
    assert_eq!(events.recv().await.unwrap(), dockmaster_core::session::SessionEvent::SecretsChanged);
    let stored = lookup(&demo.service, "JWT_SECRET").expect("stored");
    assert_eq!(stored.chars().count(), 48);
    let revealed = s.reveal_secret("JWT_SECRET".into()).await.unwrap().unwrap();
    assert_eq!(revealed.expose(), &stored);

    let state = s.environment(&["development".into()]).await.unwrap();
    let jwt = state.catalog.variable("JWT_SECRET").expect("catalogued");
    assert!(jwt.has_value && jwt.value.is_none(), "a secret's value never reaches the catalog");
    assert!(!serde_json::to_string(&state).unwrap().contains(&stored));

    assert!(s.delete_secret("JWT_SECRET".into()).await.unwrap());
    assert_eq!(lookup(&demo.service, "JWT_SECRET"), None);
    assert!(s.reveal_secret("JWT_SECRET".into()).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_moves_env_secrets_into_the_keychain() {
    require_keychain_session();
    let demo = Demo::new();
    let env = "# admin\nADMIN_USERNAME=ana\nADMIN_PASSWORD=placeholder-admin-password\n";
    std::fs::write(demo.dir.path().join(".env"), env).unwrap();
    let s = demo.session();
    let report = s.import_secrets().await.unwrap();
    assert_eq!(report.moved, ["ADMIN_PASSWORD"]);
    assert_eq!(lookup(&demo.service, "ADMIN_PASSWORD").as_deref(), Some("placeholder-admin-password"));
    let text = std::fs::read_to_string(demo.dir.path().join(".env")).unwrap();
    assert!(text.contains("ADMIN_USERNAME=ana") && !text.contains("placeholder-admin-password"), "{text}");
    assert!(
        s.project().environment().env_file().get("ADMIN_PASSWORD").is_some_and(str::is_empty),
        "read again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_variable_writes_env_and_refuses_a_stale_revision() {
    let demo = Demo::new();
    let env = demo.dir.path().join(".env");
    std::fs::write(&env, "# ports\nGAMESERVER_PORT=8080\n").unwrap();
    let s = demo.session();
    let state = s.environment(&["development".into()]).await.unwrap();
    let revision =
        s.set_variable("GAMESERVER_PORT".into(), "9080".into(), state.revision.clone()).await.unwrap();
    assert_eq!(std::fs::read_to_string(&env).unwrap(), "# ports\nGAMESERVER_PORT=9080\n");
    assert_eq!(
        s.project().environment().lookup("GAMESERVER_PORT").as_deref(),
        Some("9080"),
        "read again at once"
    );

    // The state read before that write is stale now: refused, nothing written.
    let e =
        s.set_variable("GAMESERVER_PORT".into(), "7000".into(), state.revision).await.expect_err("conflict");
    assert_eq!(e.code, ErrorCode::EnvFileConflict, "{e}");
    let e =
        s.set_variable("GAMESERVER_PORT".into(), "70000".into(), revision.clone()).await.expect_err("port");
    assert_eq!(e.code, ErrorCode::ValueInvalid, "{e}");
    let e = s.set_variable("JWT_SECRET".into(), "x".repeat(40), revision).await.expect_err("secret");
    assert_eq!(e.code, ErrorCode::ValueInvalid, "{e}");
    assert_eq!(std::fs::read_to_string(&env).unwrap(), "# ports\nGAMESERVER_PORT=9080\n");
}
