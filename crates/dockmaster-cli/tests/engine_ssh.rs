//! Remote engines as Docker contexts, on loopback only: a PRIVATE dockerd reached over SSH (the test's own sshd,
//! throwaway host and client keys, the client's home and Docker config in the test's folder, see
//! `engine_support::ssh`) and over TCP+TLS. `engine add` tests the connection before writing the context, and
//! `docker --context NAME version` then reaches the same engine; an unknown host key is refused until its exact
//! fingerprint is accepted, a changed one is refused, a missing key file is a clear error; on the engine added
//! with a key file and NO agent, `status`, `logs` and `up --profile development --wait` (Compose v2) run the demo
//! on the SSH engine, and `up`/`status`/`down` with Compose v1 too, both through Dockmaster's relay socket (no
//! relay or ssh child left afterwards), nothing on the shared engine; Compose v1 on the TLS context as well
//! (`--context`); `engine rm` removes only what it is told to. Everything made here (contexts, keys, sshd,
//! agent, engines, containers) goes at the end.
//! `up` injects the demo's secrets from a real keychain: run through `tests/keychain/run.sh` (scripts/test.sh does).

mod engine_support;

use std::process::Output;

use engine_support::ssh::{demo_env, require_keychain, require_openssh, text, SshHost};
use engine_support::tls::{ca, cert_path, dockerd_tls_args, leaf};
use engine_support::*;
use serde_json::Value;

fn code(out: &Output) -> Value {
    json(out)["error"]["code"].clone()
}

fn ok_json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", text(out));
    json(out)
}

#[test]
fn ssh_engine_from_add_to_a_running_demo() {
    require_engine();
    require_dockerd();
    require_openssh();
    require_keychain();

    let mut engine = PrivateEngine::new();
    engine.start("sock");
    engine.wait_answers("sock");
    engine.load_demo_image("sock");
    let version = engine.docker("sock", &["version", "--format", "{{.Server.Version}}"]).trim().to_string();
    let data_root = engine.dir.join("data").display().to_string();
    let mut host = SshHost::start(&engine.host("sock"));
    let dest = format!("root@127.0.0.1:{}", host.port);

    // Unknown host key: refused, with the fingerprint to check; nothing written anywhere.
    let out = host.dockmaster(&["--json", "engine", "add", "far", "--ssh", &dest], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(code(&out), "HOST_KEY_UNKNOWN", "{}", text(&out));
    let detail = &json(&out)["error"]["detail"];
    assert_eq!(detail["fingerprint"], host.host_fingerprint().as_str(), "{detail}");
    assert_eq!(detail["host"], format!("[127.0.0.1]:{}", host.port));
    assert!(!host.known_hosts().exists(), "nothing recorded before the user accepted");
    assert!(!host.dir.join("docker/contexts").exists(), "no context before the connection worked");

    // Another fingerprint than the host's: refused, nothing recorded.
    let wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let out =
        host.dockmaster(&["--json", "engine", "add", "far", "--ssh", &dest, "--accept-host-key", wrong], &[]);
    assert_eq!(code(&out), "HOST_KEY_MISMATCH", "{}", text(&out));
    assert!(!host.known_hosts().exists());

    // Accepted: recorded, connected through the agent's key, saved as a context.
    let fp = host.host_fingerprint();
    let out = host.dockmaster(
        &[
            "--json",
            "engine",
            "add",
            "far",
            "--ssh",
            &dest,
            "--accept-host-key",
            &fp,
            "--description",
            "test host",
        ],
        &[],
    );
    let added = ok_json(&out);
    assert_eq!(added["version"], version.as_str(), "{added}");
    assert_eq!(added["recordedHostKey"], fp.as_str());
    assert_eq!(added["engine"]["host"], format!("ssh://{dest}"));
    let known = std::fs::read_to_string(host.known_hosts()).expect("known_hosts");
    assert_eq!(known.lines().count(), 1, "{known}");
    assert!(known.starts_with(&format!("[127.0.0.1]:{} ssh-ed25519 ", host.port)), "{known}");

    // The docker CLI reaches the same (private) engine through the context.
    let out = host.docker(&["--context", "far", "info", "--format", "{{.DockerRootDir}} {{.ServerVersion}}"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("{data_root} {version}"));

    // Listed, reachable, with its version.
    let list = ok_json(&host.dockmaster(&["--json", "engine", "ls"], &[]));
    let far = list
        .as_array()
        .expect("list")
        .iter()
        .find(|e| e["engine"]["name"] == "far")
        .expect("far listed")
        .clone();
    assert_eq!(
        (far["reachable"].clone(), far["version"].clone()),
        (Value::Bool(true), Value::from(version.clone()))
    );
    assert_eq!(far["engine"]["createdByDockmaster"], true);
    assert_eq!(far["engine"]["description"], "test host");

    // A key file instead of the agent; a missing key file is a clear error.
    let no_agent = [("SSH_AUTH_SOCK".to_string(), String::new())];
    let missing = host.dir.join("no-such-key").display().to_string();
    let out = host
        .dockmaster(&["--json", "engine", "add", "farkey", "--ssh", &dest, "--ssh-key", &missing], &no_agent);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(code(&out), "SSH_KEY_MISSING");
    assert!(json(&out)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("no-such-key does not exist"));
    let key = host.client_key.display().to_string();
    let added = ok_json(
        &host
            .dockmaster(&["--json", "engine", "add", "farkey", "--ssh", &dest, "--ssh-key", &key], &no_agent),
    );
    assert_eq!(added["engine"]["sshKey"], key.as_str());
    assert!(added["note"].as_str().unwrap_or_default().contains("ssh-add"), "{added}");
    let tested = ok_json(&host.dockmaster(&["--json", "engine", "test", "farkey"], &no_agent));
    assert_eq!(tested["version"], version.as_str());

    // In a terminal, the docker CLI's own ssh has no key without the agent (what `note` is about)…
    let out =
        host.docker_without_agent(&["--context", "farkey", "version", "--format", "{{.Server.Version}}"]);
    assert!(!out.status.success(), "the docker CLI's ssh found a key without the agent: {}", text(&out));

    // …but Dockmaster's Compose goes through its own relay with the key file: the demo on the SSH engine added
    // with a key, NO agent at all, Compose v2: up until healthy, status, logs.
    let stack = DemoStack::new(Compose::V2);
    let project = stack.project.clone();
    let env = demo_env(&stack, "ssh-engine");
    let demo = repo().join("demo").display().to_string();
    let dm = |args: &[&str]| {
        let mut all = vec!["--project", demo.as_str(), "-p", project.as_str(), "--engine", "farkey"];
        all.extend_from_slice(args);
        host.dockmaster_without_agent(&all, &env)
    };
    let cleanup = scopeguard_remove(engine.host("sock"), project.clone());
    let up = dm(&["--json", "up", "--profile", "development", "--wait", "--timeout", "180"]);
    assert_eq!(up.status.code(), Some(0), "{}", text(&up));
    let running = engine
        .docker("sock", &["ps", "--filter", &format!("label=com.docker.compose.project={project}"), "-q"]);
    assert_eq!(
        running.split_whitespace().count(),
        DEV_SERVICES.len(),
        "the containers run on the private engine"
    );
    let snap_out = dm(&["--json", "status", "--profile", "development"]);
    let snap = ok_json(&snap_out);
    assert_eq!(snap["connection"]["status"], "connected", "{snap}");
    assert!(
        snap["connection"]["endpoint"].as_str().unwrap_or_default().contains(&format!("ssh://{dest}")),
        "{snap}"
    );
    assert_dev_healthy(&snap);
    // player-client's dev-tier wrapper echoes one line at start (the other demo services log nothing).
    // `logs` reads the project's default selection: the development profile through COMPOSE_PROFILES.
    let mut logs_env = env.clone();
    logs_env.push(("COMPOSE_PROFILES".into(), "development".into()));
    let logs = host.dockmaster_without_agent(
        &["--project", &demo, "-p", &project, "--engine", "farkey", "logs", "player-client", "--tail", "5"],
        &logs_env,
    );
    assert!(logs.status.success(), "{}", text(&logs));
    assert!(
        String::from_utf8_lossy(&logs.stdout).contains("[dev-tier] VITE_API_URL="),
        "player-client's start line missing: {}",
        text(&logs)
    );
    // The secrets reached the container on the remote engine, never the output.
    let container_env = engine.docker(
        "sock",
        &["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", &stack.container("gameserver")],
    );
    assert!(
        container_env.lines().any(|l| l == "JWT_SECRET=ssh-engine-test-jwt-secret-0123456789abcdefghijklmn"),
        "the secret did not reach the container on the SSH engine"
    );
    for out in [&up, &snap_out, &logs] {
        assert!(!text(out).contains("ssh-engine-test-jwt-secret"), "a secret in the output");
    }

    // The project remembers its engine: no --engine needed afterwards.
    ok_json(
        &host.dockmaster(&["--json", "--project", &demo, "-p", &project, "engine", "use", "farkey"], &[]),
    );
    let snap = ok_json(
        &host.dockmaster_without_agent(&["--json", "--project", &demo, "-p", &project, "status"], &env),
    );
    assert!(snap["connection"]["endpoint"].as_str().unwrap_or_default().contains("ssh://"), "{snap}");
    let down = dm(&["--json", "down"]);
    assert_eq!(down.status.code(), Some(0), "{}", text(&down));

    // The same with Compose v1 (docker-compose 1.29): through the relay too (`DOCKER_HOST=unix://…`, no
    // `--context`, so docker-py's ssh/paramiko is never involved), no agent: up, status, down — on the SSH engine,
    // never the shared local one.
    let v1_env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.clone(), if k == "DOCKMASTER_COMPOSE" { "v1".to_string() } else { v.clone() }))
        .collect();
    let dm1 = |args: &[&str]| {
        let mut all = vec!["--project", demo.as_str(), "-p", project.as_str(), "--engine", "farkey"];
        all.extend_from_slice(args);
        host.dockmaster_without_agent(&all, &v1_env)
    };
    let up = dm1(&["--json", "up", "--profile", "development", "--wait", "--timeout", "180"]);
    assert_eq!(up.status.code(), Some(0), "{}", text(&up));
    // No `--context far` after `--ansi never`: v1 is pointed at the relay (DOCKER_HOST), not at the context.
    assert!(text(&up).contains("$ docker-compose --ansi never -f "), "{}", text(&up));
    let running = engine
        .docker("sock", &["ps", "--filter", &format!("label=com.docker.compose.project={project}"), "-q"]);
    assert_eq!(running.split_whitespace().count(), DEV_SERVICES.len(), "v1's containers on the SSH engine");
    let local = run_ok(std::process::Command::new("docker").args([
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
    ]));
    assert!(local.trim().is_empty(), "nothing of v1's on the shared local engine: {local}");
    let snap = ok_json(&dm1(&["--json", "status", "--profile", "development"]));
    assert_dev_healthy(&snap);
    let down = dm1(&["--json", "down"]);
    assert_eq!(down.status.code(), Some(0), "{}", text(&down));
    let left = engine
        .docker("sock", &["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={project}")]);
    assert!(left.trim().is_empty(), "v1's down removed them: {left}");
    drop(cleanup);
    // Every relay ended with its operation: no socket or folder left, no ssh child still running.
    assert_eq!(host.relay_folders(), Vec::<std::path::PathBuf>::new(), "a relay folder was left");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !host.ssh_dialers().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(host.ssh_dialers(), Vec::<String>::new(), "an ssh child was left running");

    // A changed host key: refused when testing, and accepting the new one does not override the recorded one.
    host.change_host_key();
    let out = host.dockmaster(&["--json", "engine", "test", "far"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(code(&out), "HOST_KEY_CHANGED", "{}", text(&out));
    assert!(
        json(&out)["error"]["message"].as_str().unwrap_or_default().contains("ssh-keygen -R"),
        "{}",
        text(&out)
    );
    let new_fp = host.host_fingerprint();
    let out = host
        .dockmaster(&["--json", "engine", "add", "other", "--ssh", &dest, "--accept-host-key", &new_fp], &[]);
    assert_eq!(code(&out), "HOST_KEY_CHANGED", "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(host.known_hosts()).expect("known_hosts"),
        known,
        "known_hosts untouched"
    );

    // Removal: ours by name; a context Dockmaster did not create only with --yes.
    ok_json(&host.dockmaster(&["--json", "engine", "rm", "farkey"], &[]));
    let made = host.docker(&["context", "create", "theirs", "--docker", "host=unix:///nonexistent.sock"]);
    assert!(made.status.success(), "{}", text(&made));
    let out = host.dockmaster(&["--json", "engine", "rm", "theirs"], &[]);
    assert_eq!(code(&out), "ENGINE_NOT_OURS", "{}", text(&out));
    let still = host.docker(&["context", "inspect", "theirs"]);
    assert!(still.status.success(), "refused = untouched: {}", text(&still));
    ok_json(&host.dockmaster(&["--json", "engine", "rm", "theirs", "--yes"], &[]));
    ok_json(&host.dockmaster(&["--json", "engine", "rm", "far"], &[]));
    let left = host.docker(&["context", "ls", "--format", "{{.Name}}"]);
    assert_eq!(String::from_utf8_lossy(&left.stdout).trim(), "default", "{}", text(&left));

    drop(host);
    engine.stop();
}

#[test]
fn tls_engine_added_and_reached_by_the_docker_cli() {
    require_engine();
    require_dockerd();
    require_openssh();

    let certs = tempfile::tempdir().expect("tempdir");
    let dir = certs.path();
    ca(dir, "ca");
    leaf(dir, "server", "ca", "serverAuth");
    leaf(dir, "client", "ca", "clientAuth");
    let files = cert_path(dir, "client-files", "ca", "client");
    let port = free_port();
    let mut engine = PrivateEngine::new();
    engine.start_with("sock", &dockerd_tls_args(dir, port));
    engine.wait_answers("sock");
    let version = engine.docker("sock", &["version", "--format", "{{.Server.Version}}"]).trim().to_string();
    // The client side's folders (no sshd needed: the host only provides the private home and Docker config).
    let host = SshHost::start(&engine.host("sock"));
    let f = |n: &str| files.join(n).display().to_string();
    let address = format!("127.0.0.1:{port}");

    let out = host.dockmaster(
        &[
            "--json",
            "engine",
            "add",
            "secure",
            "--tls",
            &address,
            "--ca",
            &f("ca.pem"),
            "--cert",
            &f("nope.pem"),
            "--key",
            &f("key.pem"),
        ],
        &[],
    );
    assert_eq!(code(&out), "ENGINE_ENDPOINT_INVALID", "{}", text(&out));
    assert!(text(&out).contains("nope.pem is missing"), "{}", text(&out));

    let added = ok_json(&host.dockmaster(
        &[
            "--json",
            "engine",
            "add",
            "secure",
            "--tls",
            &address,
            "--ca",
            &f("ca.pem"),
            "--cert",
            &f("cert.pem"),
            "--key",
            &f("key.pem"),
        ],
        &[],
    ));
    assert_eq!(added["version"], version.as_str());
    assert_eq!(added["engine"]["kind"], "tls");
    // The context holds its own copy of the files: the originals can go.
    std::fs::remove_dir_all(&files).expect("remove the originals");
    let out = host.docker(&["--context", "secure", "version", "--format", "{{.Server.Version}}"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), version);
    let tested = ok_json(&host.dockmaster(&["--json", "engine", "test", "secure"], &[]));
    assert_eq!(tested["reachable"], true);

    // Compose v1 on the TLS context (`--context secure`: docker-py reads the context's own copy of the
    // certificates): redis-cache up until healthy on the private engine, nothing on the shared one, then down.
    engine.load_demo_image("sock");
    let stack = DemoStack::new(Compose::V1);
    let project = stack.project.clone();
    let mut env = demo_env(&stack, "tls-v1");
    env.retain(|(k, _)| k != "DOCKMASTER_COMPOSE");
    env.push(("DOCKMASTER_COMPOSE".into(), "v1".into()));
    let demo = repo().join("demo").display().to_string();
    let dm = |args: &[&str]| {
        let mut all = vec!["--project", demo.as_str(), "-p", project.as_str(), "--engine", "secure"];
        all.extend_from_slice(args);
        host.dockmaster(&all, &env)
    };
    let cleanup = scopeguard_remove(engine.host("sock"), project.clone());
    let up = dm(&["--json", "up", "--profile", "development", "--wait", "--timeout", "120", "redis-cache"]);
    assert_eq!(up.status.code(), Some(0), "{}", text(&up));
    assert!(text(&up).contains("docker-compose --ansi never --context secure"), "{}", text(&up));
    let filter = format!("label=com.docker.compose.project={project}");
    let running = engine.docker("sock", &["ps", "--filter", &filter, "--format", "{{.Names}} {{.Status}}"]);
    assert!(running.contains(&stack.container("redis-cache")) && running.contains("healthy"), "{running}");
    let local = run_ok(std::process::Command::new("docker").args(["ps", "-aq", "--filter", &filter]));
    assert!(local.trim().is_empty(), "nothing of v1's on the shared local engine: {local}");
    let down = dm(&["--json", "down"]);
    assert_eq!(down.status.code(), Some(0), "{}", text(&down));
    let left = engine.docker("sock", &["ps", "-aq", "--filter", &filter]);
    assert!(left.trim().is_empty(), "v1's down removed them over TLS: {left}");
    drop(cleanup);

    ok_json(&host.dockmaster(&["--json", "engine", "rm", "secure"], &[]));
    drop(host);
    engine.stop();
}

/// Removes the project's containers, networks and volumes from the private engine when dropped (also on a
/// failed assertion).
fn scopeguard_remove(host: String, project: String) -> impl Drop {
    struct Remove(String, String);
    impl Drop for Remove {
        fn drop(&mut self) {
            remove_project(Some(&self.0), &self.1);
        }
    }
    Remove(host, project)
}

/// Every development service in `status --json`'s snapshot runs, healthy.
fn assert_dev_healthy(snap: &Value) {
    for s in DEV_SERVICES {
        let row = service(snap, s);
        assert_eq!(
            (row["state"].as_str(), row["health"].as_str()),
            (Some("running"), Some("healthy")),
            "{s}: {row}"
        );
    }
}
