//! `dockmaster doctor` on this machine's real engine, Compose v1 and v2 and a real keychain (run through
//! `tests/keychain/run.sh`): all ok on a healthy machine; failing with a non-zero exit and the fix when the
//! engine is missing, the keychain locked, or a host port held by a listener of the test's own.
#![cfg(target_os = "linux")]

mod common;

use std::net::TcpListener;
use std::process::Output;
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

/// One test at a time: one of them locks the shared keychain.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A project publishing one loopback port, with no variable to set: nothing for the doctor to fault.
fn project(port: u16) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("dmdoctor").tempdir().expect("tmp");
    let compose = format!(
        "services:\n  web:\n    image: dockmaster/demo-busybox:latest\n    command: [\"sleep\", \"60\"]\n    \
         ports:\n      - \"127.0.0.1:{port}:80\"\n"
    );
    std::fs::write(dir.path().join("compose.yaml"), compose).expect("compose");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn doctor(dir: &std::path::Path, env: &[(&str, &str)]) -> (Output, Value) {
    let mut cmd =
        common::dockmaster_command(&["--project", dir.to_str().expect("utf-8"), "--json", "doctor"]);
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("dockmaster runs");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", common::stdout(&out), common::stderr(&out)));
    (out, report)
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} check: {report:#}"))
}

#[test]
fn a_healthy_machine_passes_every_check() {
    let _serial = serial();
    let dir = project(free_port());
    let (out, report) = doctor(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    let ids: Vec<&str> =
        report["checks"].as_array().expect("checks").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(
        ids,
        ["engine", "compose", "keychain", "memory", "disk", "clock", "ports", "selection", "variables"]
    );
    for c in report["checks"].as_array().expect("checks") {
        assert_eq!(c["status"], "ok", "{c:#}");
    }
    let compose = check(&report, "compose");
    let details = compose["details"].to_string();
    assert!(
        details.contains("Compose v2 2.") && details.contains("Compose v1 1."),
        "both versions: {details}"
    );
    assert!(
        check(&report, "engine")["summary"].as_str().is_some_and(|s| s.starts_with("Docker ")),
        "{report:#}"
    );
}

#[test]
fn no_engine_fails_and_says_what_to_start() {
    let _serial = serial();
    let dir = project(free_port());
    let socket = dir.path().join("no-engine.sock");
    let host = format!("unix://{}", socket.display());
    let (out, report) = doctor(dir.path(), &[("DOCKER_HOST", &host)]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let engine = check(&report, "engine");
    assert_eq!(engine["status"], "failing");
    assert_eq!(engine["code"], "ENGINE_UNAVAILABLE");
    let summary = engine["summary"].as_str().expect("summary");
    assert!(summary.contains(&socket.display().to_string()), "names the endpoint: {summary}");
    assert!(summary.to_lowercase().contains("start"), "says what to start: {summary}");
    assert!(engine["fix"].is_string());
    assert!(report["checks"].as_array().expect("checks").iter().all(|c| c["id"] != "clock"));
    assert!(report["failing"].as_u64().is_some_and(|n| n >= 1));
}

#[test]
fn a_held_port_is_failing_and_names_the_holder() {
    let _serial = serial();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let dir = project(port);
    let (out, report) = doctor(dir.path(), &[]);
    drop(listener);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let ports = check(&report, "ports");
    assert_eq!(ports["status"], "failing", "{ports:#}");
    let details = ports["details"].to_string();
    assert!(details.contains(&port.to_string()), "{details}");
    assert!(
        details.contains(&format!("PID {}", std::process::id())),
        "names this test as the holder: {details}"
    );
    assert!(ports["fix"].is_string());
}

fn dbus_send(args: &[&str]) -> String {
    let out = std::process::Command::new("dbus-send")
        .args(["--session", "--print-reply", "--dest=org.freedesktop.secrets"])
        .args(args)
        .output()
        .expect("dbus-send runs");
    assert!(out.status.success(), "dbus-send {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Locks the default collection until dropped (then unlocks it with the throwaway keyring's password).
struct Locked(String);

impl Locked {
    fn default_collection() -> Self {
        let reply = dbus_send(&[
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.ReadAlias",
            "string:default",
        ]);
        let collection = reply.split('"').nth(1).expect("an object path").to_string();
        dbus_send(&[
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            &format!("array:objpath:{collection}"),
        ]);
        Locked(collection)
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
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
        let collection = zbus::zvariant::ObjectPath::try_from(self.0.as_str()).expect("path");
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
}

#[test]
fn a_locked_keychain_is_failing_with_its_code() {
    let _serial = serial();
    let dir = project(free_port());
    let (out, report) = {
        let _locked = Locked::default_collection();
        doctor(dir.path(), &[])
    };
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let keychain = check(&report, "keychain");
    assert_eq!(keychain["status"], "failing", "{keychain:#}");
    assert_eq!(keychain["code"], "KEYCHAIN_LOCKED");
    assert!(keychain["summary"].as_str().is_some_and(|s| s.contains("locked")), "{keychain:#}");
    // Unlocked again, the same project is healthy.
    let (out, _) = doctor(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
}
