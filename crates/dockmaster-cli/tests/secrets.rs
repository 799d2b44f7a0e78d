//! `dockmaster env|secret|exec` against a real keychain (run through `tests/keychain/run.sh`; without a
//! reachable Secret Service these tests fail, they are not skipped). Values are checked from outside with
//! `secret-tool`, and must never appear in the command's output or in any file.
#![cfg(target_os = "linux")]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const COMPOSE: &str = "services:\n  gameserver:\n    image: busybox\n    environment:\n      JWT_SECRET: ${JWT_SECRET}\n      ARIA_ENCRYPTION_KEY: ${ARIA_ENCRYPTION_KEY}\n      ADMIN_PASSWORD: ${ADMIN_PASSWORD}\n      ADMIN_USERNAME: ${ADMIN_USERNAME:-admin}\n";

const DESCRIPTOR: &str = "[stack]\nid = 't'\nname = 'T'\n[variables.JWT_SECRET]\nsecret = true\nrequired = true\nmin_length = 32\ngenerate = 'random:48'\n[variables.ARIA_ENCRYPTION_KEY]\nsecret = true\nformat = 'fernet-key'\ngenerate = 'fernet-key'\n";

const ENV: &str = "# Sample settings\n# The signing key\nJWT_SECRET=imported-jwt-secret-0123456789abcdefghij\n\nADMIN_USERNAME=admin # who\nexport ADMIN_PASSWORD='imported-admin-password'\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).expect("compose");
    std::fs::write(dir.path().join(".dockmaster.toml"), DESCRIPTOR).expect("descriptor");
    dir
}

fn run(dir: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
    cmd.arg("--project")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("dockmaster runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or_default().as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("dockmaster finishes")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn service(dir: &Path) -> String {
    format!("dockmaster:{}", dir.canonicalize().expect("canonical").display())
}

fn lookup(dir: &Path, user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", &service(dir), "username", user])
        .output()
        .expect("secret-tool runs (package libsecret-tools)");
    out.status.success().then(|| String::from_utf8(out.stdout).expect("utf-8"))
}

/// Removes the test's keychain items even when it fails.
struct Cleanup<'a>(&'a Path, &'a [&'a str]);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        for name in self.1 {
            let _ = run(self.0, &["secret", "rm", name], None, &[]);
        }
    }
}

fn require_keychain(dir: &Path) {
    let out = run(dir, &["env", "--json"], None, &[]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("env --json");
    assert!(
        json["keychain"]["available"] == true,
        "no Secret Service reachable ({}).\nThese tests need a real keychain: run them through \
         `tests/keychain/run.sh` (it starts a throwaway gnome-keyring under dbus-run-session).",
        json["keychain"]["message"]
    );
}

#[test]
fn set_from_stdin_generate_exec_and_rm() {
    let p = project();
    let dir = p.path();
    require_keychain(dir);
    let _cleanup = Cleanup(dir, &["JWT_SECRET", "ARIA_ENCRYPTION_KEY", "ADMIN_PASSWORD"]);
    let value = "a-jwt-secret-set-from-stdin-0123456789";
    let out = run(dir, &["secret", "set", "JWT_SECRET"], Some(&format!("{value}\n")), &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(lookup(dir, "JWT_SECRET").as_deref(), Some(value));
    assert!(!text(&out).contains(value), "the value was printed");

    // Too short for its rule: refused, nothing stored.
    let out = run(dir, &["secret", "set", "ADMIN_PASSWORD"], Some(""), &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let out = run(dir, &["secret", "set", "JWT_SECRET"], Some("short"), &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("at least 32 characters") && !text(&out).contains("short\n"),
        "{}",
        text(&out)
    );
    assert_eq!(lookup(dir, "JWT_SECRET").as_deref(), Some(value));

    let out = run(dir, &["secret", "generate", "ARIA_ENCRYPTION_KEY", "--json"], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let key = lookup(dir, "ARIA_ENCRYPTION_KEY").expect("generated key stored");
    assert_eq!(key.len(), 44);
    assert!(!text(&out).contains(&key), "the generated value was printed");

    // The child gets the secrets in its environment; the exit status passes through.
    let out = run(
        dir,
        &["exec", "--", "sh", "-c", "printf '%s|%s' \"$JWT_SECRET\" \"$ARIA_ENCRYPTION_KEY\"; exit 7"],
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{value}|{key}"));

    // `env` shows where values come from and never the values.
    let out = run(dir, &["env", "--json"], None, &[]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let body = text(&out);
    assert!(!body.contains(value) && !body.contains(&key), "env leaks a secret");
    let vars: Vec<&serde_json::Value> = json["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["variables"].as_array().expect("vars"))
        .collect();
    let jwt = vars.iter().find(|v| v["name"] == "JWT_SECRET").expect("JWT_SECRET listed");
    assert_eq!(jwt["source"], "keychain");
    assert_eq!(jwt["status"], "ok");
    let human = text(&run(dir, &["env"], None, &[]));
    assert!(human.contains("JWT_SECRET") && !human.contains(value), "{human}");

    let out = run(dir, &["secret", "rm", "JWT_SECRET"], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(lookup(dir, "JWT_SECRET"), None);
}

#[test]
fn import_moves_secrets_out_of_env() {
    let p = project();
    let dir = p.path();
    std::fs::write(dir.join(".env"), ENV).expect(".env");
    require_keychain(dir);
    let _cleanup = Cleanup(dir, &["JWT_SECRET", "ADMIN_PASSWORD"]);
    let out = run(dir, &["secret", "import"], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(lookup(dir, "JWT_SECRET").as_deref(), Some("imported-jwt-secret-0123456789abcdefghij"));
    assert_eq!(lookup(dir, "ADMIN_PASSWORD").as_deref(), Some("imported-admin-password"));
    let env = std::fs::read_to_string(dir.join(".env")).expect("read");
    assert!(!env.contains("imported-"), ".env still holds a secret:\n{env}");
    for line in ENV.lines().filter(|l| l.starts_with('#') || l.contains("ADMIN_USERNAME") || l.is_empty()) {
        assert!(env.lines().any(|l| l == line), "`{line}` was lost:\n{env}");
    }
    assert!(env.contains("\nJWT_SECRET=\n") && env.contains("\nexport ADMIN_PASSWORD=''\n"), "{env}");
    assert!(!text(&out).contains("imported-"));
    // `exec` now supplies what .env no longer has.
    let out = run(dir, &["exec", "--", "sh", "-c", "printf %s \"$ADMIN_PASSWORD\""], None, &[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "imported-admin-password");
}

#[test]
fn no_session_bus_is_a_clear_error_and_nothing_is_written() {
    let p = project();
    let dir = p.path();
    std::fs::write(dir.join(".env"), ENV).expect(".env");
    let no_bus = [
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/dockmaster-test-bus"),
        ("XDG_RUNTIME_DIR", "/nonexistent"),
    ];
    for args in [&["secret", "set", "JWT_SECRET"][..], &["secret", "import"], &["exec", "--", "true"]] {
        let out = run(dir, args, Some("value-that-must-not-land-anywhere-0123456789"), &no_bus);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", text(&out));
        assert!(text(&out).contains("no D-Bus session bus"), "{args:?}: {}", text(&out));
        assert!(!text(&out).contains("value-that-must-not"), "{args:?}");
    }
    assert_eq!(std::fs::read_to_string(dir.join(".env")).expect("read"), ENV);
    let files: Vec<_> = std::fs::read_dir(dir).expect("ls").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(files.len(), 3, "no file was created: {files:?}");
    let out = run(dir, &["env", "--json"], None, &no_bus);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["keychain"]["code"], "KEYCHAIN_NO_SESSION_BUS");
}

/// Issue 14, finding 2: after `secret set STRIPE_SK`, `dockmaster env` printed its value; a checked-in
/// `.dockmaster.toml` with `secret = false` for `JWT_SECRET` made `env --json` print the keychain value.
#[test]
fn keychain_values_are_never_shown_whatever_their_name_or_the_descriptor() {
    let p = project();
    let dir = p.path();
    std::fs::write(
        dir.join(".dockmaster.toml"),
        DESCRIPTOR.replace("[variables.JWT_SECRET]\nsecret = true", "[variables.JWT_SECRET]\nsecret = false"),
    )
    .expect("descriptor");
    require_keychain(dir);
    let _cleanup = Cleanup(dir, &["STRIPE_SK", "JWT_SECRET"]);
    let stripe = "sk_live_stripe_marker_0123456789";
    let jwt = "jwt-marker-from-the-keychain-0123456789abc";
    for (name, value) in [("STRIPE_SK", stripe), ("JWT_SECRET", jwt)] {
        let out = run(dir, &["secret", "set", name], Some(value), &[]);
        assert!(out.status.success(), "{}", text(&out));
    }
    for args in [&["env"][..], &["env", "--json"][..], &["config", "--json"][..]] {
        let shown = text(&run(dir, args, None, &[]));
        assert!(shown.contains("STRIPE_SK") || args[0] == "config", "{args:?}: {shown}");
        assert!(!shown.contains(stripe) && !shown.contains(jwt), "{args:?} shows a keychain value:\n{shown}");
    }
}

/// Issue 14, finding 4: a descriptor marking `DOCKER_HOST` secret plus `secret import` sent Compose (and every
/// secret in its create requests) to a listener of the attacker's choice.
#[test]
fn reserved_names_never_enter_the_keychain_nor_a_child() {
    let p = project();
    let dir = p.path();
    std::fs::write(
        dir.join(".dockmaster.toml"),
        format!("{DESCRIPTOR}[variables.DOCKER_HOST]\nsecret = true\n"),
    )
    .expect("descriptor");
    std::fs::write(dir.join(".env"), "DOCKER_HOST=tcp://127.0.0.1:9\n").expect(".env");
    require_keychain(dir);
    let _cleanup = Cleanup(dir, &["DOCKER_HOST"]);
    let out = run(dir, &["secret", "import"], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("left DOCKER_HOST"), "{}", text(&out));
    assert_eq!(lookup(dir, "DOCKER_HOST"), None);
    assert_eq!(std::fs::read_to_string(dir.join(".env")).expect("read"), "DOCKER_HOST=tcp://127.0.0.1:9\n");

    let out = run(dir, &["secret", "set", "DOCKER_HOST", "--json"], Some("tcp://127.0.0.1:9"), &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(text(&out).contains("RESERVED_NAME"), "{}", text(&out));
    assert_eq!(lookup(dir, "DOCKER_HOST"), None);

    // An item stored by an older version (or by hand) under a reserved name never reaches a child.
    let mut store = Command::new("secret-tool")
        .args(["store", "--label", "dockmaster test", "service", &service(dir), "username", "DOCKER_HOST"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("secret-tool");
    store.stdin.take().expect("stdin").write_all(b"tcp://127.0.0.1:9").expect("write");
    assert!(store.wait().expect("secret-tool").success());
    let out = run(
        dir,
        &["exec", "--", "sh", "-c", "printf '[%s]' \"${DOCKER_HOST:-unset}\""],
        None,
        &[("DOCKER_HOST", "")],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[unset]", "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reserves"), "{}", text(&out));
}

#[test]
fn env_set_writes_one_line_of_env_losslessly_and_refuses_secrets_and_stale_revisions() {
    let dir = project();
    std::fs::write(dir.path().join(".env"), ENV).expect(".env");
    let out = run(dir.path(), &["--json", "env", "set", "ADMIN_USERNAME", "operator"], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(answer["name"], "ADMIN_USERNAME");
    let revision = answer["revision"].as_str().expect("the new revision").to_string();
    let written = std::fs::read_to_string(dir.path().join(".env")).expect(".env");
    assert_eq!(written, ENV.replace("ADMIN_USERNAME=admin # who", "ADMIN_USERNAME=operator # who"));

    // With the revision it printed, a second edit goes through; a stale one is refused and writes nothing.
    let out =
        run(dir.path(), &["--json", "env", "set", "GAME_MODE", "coop", "--revision", &revision], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let after = std::fs::read_to_string(dir.path().join(".env")).expect(".env");
    assert!(after.starts_with(&written) && after.ends_with("GAME_MODE=coop\n"), "{after}");
    let out =
        run(dir.path(), &["--json", "env", "set", "GAME_MODE", "pvp", "--revision", &revision], None, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(text(&out).contains("ENV_FILE_CONFLICT"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect(".env"), after);

    // A secret does not go into .env in plaintext.
    let out = run(dir.path(), &["--json", "env", "set", "JWT_SECRET", "x".repeat(40).as_str()], None, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(text(&out).contains("VALUE_INVALID") && !text(&out).contains(&"x".repeat(40)), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect(".env"), after);
}
