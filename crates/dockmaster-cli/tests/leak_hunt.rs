//! Leak hunt on the real engine and a real keychain (run through `tests/keychain/run.sh`): marker secrets are
//! stored with `dockmaster secret set`, reach a container only through Compose's environment, and the container
//! echoes them — plain, base64, URL-encoded, JSON-escaped, and a multi-line key line by line — into its
//! healthcheck output and its logs. Everything Dockmaster shows of that container (`status`, the failure
//! report of `up --wait`, `logs`, a log export, the diagnostics bundle, Dockmaster's own log folder) must hold
//! none of those forms, and must say what it hid. The own log must hold the operation's records.
#![cfg(target_os = "linux")]

mod engine_support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use base64::Engine;
use engine_support::*;

/// Has `/`, `+`, `=`, a quote, a space and a non-ASCII letter: every encoding differs from the plain text.
const JWT: &str = "Mk3r/jwt+\"sec=ret ü-0123";
/// A secret that lives in `.env` (not the keychain), reaching the container inside a URL.
const DB_PASSWORD: &str = "EnvMarker-Pw-9876";
const TLS_KEY: &str =
    "-----BEGIN TEST KEY-----\nLINEONEmarkerAAAA0123\nLINETWOmarkerBBBB4567\n-----END TEST KEY-----";

fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every form of the markers that must never be shown.
fn forbidden() -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("admin:{JWT}"));
    let json = serde_json::to_string(JWT).expect("json");
    let mut forms = vec![
        JWT.to_string(),
        b64,
        url_encoded(JWT),
        json.trim_matches('"').to_string(),
        "Mk3r/jwt".to_string(),
        "sec=ret".to_string(),
        DB_PASSWORD.to_string(),
    ];
    forms.extend(TLS_KEY.lines().filter(|l| l.contains("marker")).map(String::from));
    forms
}

fn compose() -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("admin:{JWT}"));
    let json = serde_json::to_string(JWT).expect("json");
    let json = json.trim_matches('"');
    // The encoded forms reach the container as literals (what matters is that it prints them); the secrets
    // themselves come from the keychain through Compose's environment.
    let yaml_quoted = |s: &str| serde_json::to_string(s).expect("json");
    format!(
        r#"services:
  leaky:
    image: {IMAGE}
    pull_policy: never
    init: true
    stop_grace_period: 1s
    labels:
      dockmaster.test: leak-hunt
    environment:
      JWT_SECRET: ${{JWT_SECRET}}
      TLS_KEY: ${{TLS_KEY}}
      ENC_B64: {b64}
      ENC_URL: {url}
      ENC_JSON: {json_lit}
      DB_PASSWORD: ${{DB_PASSWORD}}
      DATABASE_URL: postgres://game:${{DB_PASSWORD}}@db:5432/game
    command: ["sh", "-c", "while true; do echo \"log plain=$$JWT_SECRET b64=$$ENC_B64 url=$$ENC_URL db=$$DATABASE_URL\"; echo \"{{\\\"k\\\":\\\"$$ENC_JSON\\\"}}\"; echo \"$$TLS_KEY\"; sleep 1; done"]
    healthcheck:
      test: ["CMD-SHELL", "echo probe plain=$$JWT_SECRET b64=$$ENC_B64 url=$$ENC_URL json=$$ENC_JSON; echo \"$$TLS_KEY\"; exit 1"]
      interval: 1s
      timeout: 2s
      retries: 2
"#,
        url = yaml_quoted(&url_encoded(JWT)),
        json_lit = yaml_quoted(json),
    )
}

/// Every file of a zip, as text.
fn unzip(path: &Path) -> Vec<(String, String)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).expect("zip written")).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("entry");
            let mut text = String::new();
            file.read_to_string(&mut text).expect("utf-8 entry");
            (file.name().expect("entry name").to_string(), text)
        })
        .collect()
}

/// Dockmaster's own log folder for the test's runs (inside the project's temporary folder).
fn log_dir(dir: &Path) -> std::path::PathBuf {
    dir.join("own-logs")
}

fn run_in(dir: &Path, project: &str, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
    cmd.arg("--project").arg(dir).args(["-p", project]).args(args);
    cmd.env("DOCKMASTER_LOG_DIR", log_dir(dir)).env("DOCKMASTER_LOG", "trace");
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("COMPOSE_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd.spawn().expect("dockmaster runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or_default().as_bytes()).expect("stdin");
    drop(input);
    child.wait_with_output().expect("dockmaster ends")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

struct Cleanup<'a> {
    dir: &'a Path,
    project: &'a str,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        for name in ["JWT_SECRET", "TLS_KEY"] {
            let _ = run_in(self.dir, self.project, &["secret", "rm", name], None);
        }
        remove_project(None, self.project);
    }
}

#[test]
fn secrets_echoed_by_a_container_are_hidden_in_every_view_and_encoding() {
    require_engine();
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("compose.yaml"), compose()).expect("compose");
    std::fs::write(dir.path().join(".env"), format!("DB_PASSWORD={DB_PASSWORD}\n")).expect(".env");
    let project = format!("dmleak-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    let _cleanup = Cleanup { dir: dir.path(), project: &project };
    let env = run_in(dir.path(), &project, &["env", "--json"], None);
    assert!(
        text(&env).contains("\"available\": true"),
        "a real keychain is needed: run through tests/keychain/run.sh\n{}",
        text(&env)
    );
    for (name, value) in [("JWT_SECRET", JWT), ("TLS_KEY", TLS_KEY)] {
        let out = run_in(dir.path(), &project, &["secret", "set", name], Some(value));
        assert!(out.status.success(), "{}", text(&out));
    }

    let mut seen: Vec<(&str, String)> = Vec::new();
    // The service never becomes healthy: `up --wait` fails with the probe output and the last log lines.
    let up = run_in(dir.path(), &project, &["up", "--wait", "--timeout", "25", "--json"], None);
    assert_eq!(up.status.code(), Some(5), "{}", text(&up));
    seen.push(("up --wait --json", text(&up)));
    let up_human = text(&up);
    assert!(up_human.contains("[JWT_SECRET hidden]"), "the failure report says what it hid:\n{up_human}");

    let status = run_in(dir.path(), &project, &["status", "--json"], None);
    assert!(status.status.success(), "{}", text(&status));
    let status_text = text(&status);
    assert!(
        status_text.contains("[JWT_SECRET hidden]"),
        "probe output is masked, not dropped:\n{status_text}"
    );
    assert!(status_text.contains("[TLS_KEY hidden]"), "{status_text}");
    seen.push(("status --json", status_text));

    let logs = run_in(dir.path(), &project, &["logs", "leaky", "--tail", "40", "--json"], None);
    assert!(logs.status.success(), "{}", text(&logs));
    let logs_text = text(&logs);
    for label in ["[JWT_SECRET hidden]", "[TLS_KEY hidden]"] {
        assert!(logs_text.contains(label), "{label} in logs:\n{logs_text}");
    }
    seen.push(("logs --json", logs_text));

    let export = dir.path().join("export.log");
    let out = run_in(
        dir.path(),
        &project,
        &["logs", "leaky", "--tail", "40", "--export", export.to_str().expect("utf-8 path")],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    seen.push(("logs --export (stdout)", text(&out)));
    seen.push(("the exported file", std::fs::read_to_string(&export).expect("export written")));

    // The diagnostics bundle: every file masked, secret-named values removed, the lines around the secrets kept.
    let zip_path = dir.path().join("diagnostics.zip");
    let out = run_in(
        dir.path(),
        &project,
        &["diagnostics", "--output", zip_path.to_str().expect("utf-8 path"), "--lines", "40", "--json"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    seen.push(("diagnostics --json", text(&out)));
    let files = unzip(&zip_path);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for want in ["README.txt", "versions.txt", "doctor.json", "configuration.json", "events.json"] {
        assert!(names.contains(&want), "{want} in the bundle: {names:?}");
    }
    let log = files
        .iter()
        .find(|(n, _)| n.starts_with("logs/") && n.contains("leaky"))
        .expect("the container's log");
    for kept in
        ["log plain=[JWT_SECRET hidden]", "[TLS_KEY hidden]", "db=postgres://game:[DB_PASSWORD hidden]@db"]
    {
        assert!(log.1.contains(kept), "the bundle keeps the lines around the secrets ({kept}):\n{}", log.1);
    }
    let config = &files.iter().find(|(n, _)| n == "configuration.json").expect("configuration").1;
    assert!(config.contains("\"DB_PASSWORD\"") && config.contains("[removed]"), "{config}");
    let own_log =
        &files.iter().find(|(n, _)| n == "dockmaster.log").expect("the bundle holds Dockmaster's own log").1;
    assert!(own_log.contains("operation started") && own_log.contains("operation=\"up\""), "{own_log}");
    for (name, content) in files {
        assert!(!content.contains(DB_PASSWORD), "diagnostics {name} holds the .env password:\n{content}");
        seen.push(("a file of the diagnostics bundle", content));
    }

    // Dockmaster's own log: the operation's start and failed end, the engine connection, the failure reported,
    // and no form of any secret in any file of the folder.
    let mut own = String::new();
    for entry in std::fs::read_dir(log_dir(dir.path())).expect("the CLI wrote its log folder") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("a text log file");
        seen.push(("Dockmaster's own log folder", text.clone()));
        own.push_str(&text);
    }
    for record in ["operation started", project.as_str(), "outcome=\"failed\"", "engine connected", "[cli "] {
        assert!(own.contains(record), "the own log holds `{record}`:\n{own}");
    }
    let ended = own.lines().find(|l| l.contains("operation ended")).expect("the operation's end is logged");
    assert!(ended.contains(" WARN ") && ended.contains("operation=\"up\""), "{ended}");

    for (view, shown) in &seen {
        for form in forbidden() {
            assert!(!shown.contains(&form), "{view} shows `{form}`:\n{shown}");
        }
    }
    // And the container really had them: the hunt looked in the right place.
    let inspect = run_ok(Command::new("docker").args([
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
    ]));
    let id = inspect.split_whitespace().next().expect("the container exists");
    let env = run_ok(Command::new("docker").args(["inspect", "-f", "{{json .Config.Env}}", id]));
    assert!(env.contains("Mk3r/jwt"), "the container got the keychain's JWT_SECRET: {env}");
}
