//! `dockmaster up --fix` on a fresh copy of the demo, on the real engine inside a real keychain (run through
//! `tests/keychain/run.sh`): the missing secrets are generated into the keychain (read back with `secret-tool`),
//! ADMIN_USERNAME=admin is appended to `.env` keeping every other byte, no secret value reaches `.env` or the
//! output, and the development stack comes up healthy. The test's own Compose project name, container prefix,
//! ports and subnets; its containers, volumes and keychain items are removed when it ends, failed or not.
#![cfg(target_os = "linux")]

mod engine_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use engine_support::{remove_project, require_engine, Compose, DemoStack, DEV_SERVICES};
use serde_json::Value;

/// The secrets the demo's development profile needs and the descriptor can generate.
const GENERATED: [&str; 3] = ["JWT_SECRET", "SECRET_KEY", "ADMIN_PASSWORD"];

fn dockmaster(dir: &Path, project: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
    cmd.arg("--project").arg(dir).args(["-p", project]).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("COMPOSE_") || key == "DOCKMASTER_COMPOSE" {
            cmd.env_remove(key);
        }
    }
    cmd.output().expect("dockmaster runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn lookup(dir: &Path, name: &str) -> Option<String> {
    let service = format!("dockmaster:{}", dir.canonicalize().expect("canonical").display());
    let out = Command::new("secret-tool")
        .args(["lookup", "service", &service, "username", name])
        .output()
        .expect("secret-tool runs (package libsecret-tools)");
    out.status.success().then(|| String::from_utf8(out.stdout).expect("utf-8"))
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Removes what the test made even when it fails: its keychain items, then its containers, networks, named and
/// anonymous volumes (the dev override's `/app/node_modules`, recorded while the containers exist).
struct Cleanup {
    dir: PathBuf,
    project: String,
    anonymous: Vec<String>,
}

impl Cleanup {
    fn record_anonymous_volumes(&mut self) {
        let filter = format!("label=com.docker.compose.project={}", self.project);
        let containers = docker(&["ps", "-aq", "--filter", &filter]);
        let mut args =
            vec!["inspect", "-f", "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}} {{end}}{{end}}"];
        args.extend(containers.split_whitespace());
        let named = docker(&["volume", "ls", "-q", "--filter", &filter]);
        self.anonymous = docker(&args)
            .split_whitespace()
            .filter(|v| !named.split_whitespace().any(|n| n == *v))
            .map(String::from)
            .collect();
        self.anonymous.sort();
        self.anonymous.dedup();
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for name in GENERATED {
            let _ = dockmaster(&self.dir, &self.project, &["secret", "rm", name]);
        }
        remove_project(None, &self.project);
        if !self.anonymous.is_empty() {
            let mut args = vec!["volume", "rm"];
            args.extend(self.anonymous.iter().map(String::as_str));
            docker(&args);
        }
    }
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

#[test]
fn up_fix_on_a_fresh_demo_generates_the_secrets_writes_the_suggestion_and_starts_healthy() {
    require_engine();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("demo");
    let init = Command::new(env!("CARGO_BIN_EXE_dockmaster"))
        .args(["demo", "init", dir.to_str().expect("utf-8"), "--json"])
        .output()
        .expect("runs");
    assert!(init.status.success(), "{}", text(&init));

    // The test's own project name, prefix, ports and subnets, in the copy's .env (with a comment and a blank
    // line, to see that the fix keeps every byte it does not add).
    let stack = DemoStack::new(Compose::V2);
    let project = stack.project.clone();
    let mut before = String::from("# my settings for this copy\n\n");
    for (key, value) in &stack.env {
        before.push_str(&format!("{key}={value}\n"));
    }
    std::fs::write(dir.join(".env"), &before).expect("write .env");
    let mut cleanup = Cleanup { dir: dir.clone(), project: project.clone(), anonymous: Vec::new() };
    std::mem::forget(stack); // `cleanup` removes the project (and the keychain items first).

    // The keychain is reachable and holds nothing for this copy yet.
    let env = dockmaster(&dir, &project, &["env", "--json"]);
    let env: Value = serde_json::from_slice(&env.stdout).expect("env --json");
    assert!(
        env["keychain"]["available"] == true,
        "no Secret Service reachable ({}): run this test through `tests/keychain/run.sh`",
        env["keychain"]["message"]
    );
    for name in GENERATED {
        assert_eq!(lookup(&dir, name), None, "{name} is in the keychain before the fix");
    }

    // Without --fix: blocked, and the CLI says `up --fix` would fix it; nothing written.
    let blocked = dockmaster(&dir, &project, &["up", "--profile", "development"]);
    assert_ne!(blocked.status.code(), Some(0), "{}", text(&blocked));
    assert!(text(&blocked).contains("(fixable)"), "{}", text(&blocked));
    assert!(text(&blocked).contains("dockmaster up --fix"), "{}", text(&blocked));
    assert_eq!(std::fs::read_to_string(dir.join(".env")).expect("read"), before);

    let out = dockmaster(
        &dir,
        &project,
        &["--json", "up", "--fix", "--profile", "development", "--wait", "--timeout", "150"],
    );
    cleanup.record_anonymous_volumes();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let lines = lines(&out);
    let fixed = lines
        .iter()
        .find(|l| l["kind"] == "fixed")
        .unwrap_or_else(|| panic!("no fixed line: {}", text(&out)));
    let mut generated: Vec<&str> =
        fixed["fixed"]["generated"].as_array().expect("generated").iter().filter_map(Value::as_str).collect();
    generated.sort_unstable();
    let mut want = GENERATED.to_vec();
    want.sort_unstable();
    assert_eq!(generated, want, "{fixed}");
    assert_eq!(fixed["fixed"]["written"], serde_json::json!(["ADMIN_USERNAME"]), "{fixed}");

    // .env: every byte kept, one line added, no secret value in it; the values are in the keychain only.
    let after = std::fs::read_to_string(dir.join(".env")).expect("read .env");
    assert_eq!(after, format!("{before}ADMIN_USERNAME=admin\n"));
    let shown = text(&out);
    for name in GENERATED {
        let value = lookup(&dir, name).unwrap_or_else(|| panic!("{name} is not in the keychain"));
        assert!(value.len() >= 16, "{name}: a generated value, {} chars", value.len());
        assert!(!after.contains(&value), "{name}'s value is in .env");
        assert!(!shown.contains(&value), "{name}'s value was printed");
    }

    // The development stack is up and healthy.
    let result = lines.last().expect("a result line");
    assert_eq!(result["kind"], "result", "{}", text(&out));
    assert_eq!(result["result"]["outcome"], "succeeded");
    for s in DEV_SERVICES {
        let state = docker(&[
            "inspect",
            "-f",
            "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}",
            &format!("{project}-{s}"),
        ]);
        assert_eq!(state.trim(), "running/healthy", "{s}");
    }
    // The generated secret reached the container's environment (and only there).
    let gs_env = docker(&[
        "inspect",
        "-f",
        "{{range .Config.Env}}{{println .}}{{end}}",
        &format!("{project}-gameserver"),
    ]);
    let jwt = lookup(&dir, "JWT_SECRET").expect("JWT_SECRET");
    assert!(gs_env.lines().any(|l| l == format!("JWT_SECRET={jwt}")), "JWT_SECRET not injected");
    assert!(gs_env.lines().any(|l| l == "ADMIN_USERNAME=admin"));

    // Again: nothing left to fix, the same values kept.
    let again = dockmaster(
        &dir,
        &project,
        &["up", "--fix", "--profile", "development", "--wait", "--timeout", "150"],
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(text(&again).contains("nothing to fix"), "{}", text(&again));
    assert_eq!(lookup(&dir, "JWT_SECRET").as_deref(), Some(jwt.as_str()));
    assert_eq!(std::fs::read_to_string(dir.join(".env")).expect("read"), after);

    let down = dockmaster(&dir, &project, &["down"]);
    assert_eq!(down.status.code(), Some(0), "{}", text(&down));
}
