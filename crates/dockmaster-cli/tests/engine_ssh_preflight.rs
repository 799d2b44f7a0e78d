//! Preflight on a remote engine, for real: a PRIVATE dockerd reached over SSH (`engine_support::ssh`, loopback
//! only) that lacks the demo's image, and a copy of the demo (`dockmaster demo init`) whose database config folder
//! is missing. `preflight` names both (the bind source checked through the engine, with no container left
//! behind) and reports the engine's memory (its MemTotal, as `docker --context far info` says) with its disk
//! not measured, `image copy` streams `dockmaster/demo-busybox:latest` from the shared engine over, and once the folder
//! is back `up --profile development --wait` succeeds there (Compose v2). Everything made here (the demo copy, the
//! context, keys, sshd, agent, the private engine and its containers) goes at the end.
//! `up` injects the demo's secrets from a real keychain: run through `tests/keychain/run.sh` (scripts/test.sh does).

mod engine_support;

use std::process::{Command, Output};

use engine_support::ssh::{demo_env, require_keychain, require_openssh, text, SshHost};
use engine_support::*;
use serde_json::Value;

/// The preflight's report from a `--json` run that printed one (blocked or not).
fn report(out: &Output) -> Value {
    let v = json(out);
    if v.get("problems").is_some() {
        return v;
    }
    panic!("no preflight report: {}", text(out));
}

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|p| p["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Removes the project's containers, networks and volumes from the private engine when dropped (also on a
/// failed assertion).
struct RemoveProject(String, String);

impl Drop for RemoveProject {
    fn drop(&mut self) {
        remove_project(Some(&self.0), &self.1);
    }
}

#[test]
fn preflight_on_the_ssh_engine_names_what_is_missing_there_and_copying_the_image_lets_it_start() {
    require_engine();
    require_dockerd();
    require_openssh();
    require_keychain();

    let mut engine = PrivateEngine::new();
    engine.start("sock");
    engine.wait_answers("sock");
    // An image to check bind sources with, and not the demo's: an empty root file system of the test's own.
    let probe_image = format!("dmtest-probe:{}", fastrand::u32(0..1_000_000));
    let host_url = engine.host("sock");
    let imported = run(Command::new("sh")
        .args(["-c", &format!("tar cf - -T /dev/null | docker -H {host_url} import - {probe_image}")]));
    assert!(imported.status.success(), "{}", text(&imported));
    let has_demo_image = |engine: &PrivateEngine| {
        run(Command::new("docker").args(["-H", &engine.host("sock"), "image", "inspect", IMAGE]))
            .status
            .success()
    };
    assert!(!has_demo_image(&engine), "the private engine starts without the demo image");

    let host = SshHost::start(&engine.host("sock"));
    let dest = format!("root@127.0.0.1:{}", host.port);
    let fp = host.host_fingerprint();
    let added =
        host.dockmaster(&["--json", "engine", "add", "far", "--ssh", &dest, "--accept-host-key", &fp], &[]);
    assert!(added.status.success(), "{}", text(&added));

    // A copy of the demo whose database config folder does not exist (on the engine's host either).
    let copy = tempfile::tempdir().expect("tempdir");
    let demo_dir = copy.path().join("demo");
    let demo = demo_dir.display().to_string();
    let init = host.dockmaster(&["--json", "demo", "init", &demo], &[]);
    assert!(init.status.success(), "{}", text(&init));
    let config = demo_dir.join("services/database/config");
    let config_text = config.display().to_string();
    assert!(config.is_dir(), "the demo binds {config_text}");
    std::fs::rename(&config, demo_dir.join("config-aside")).expect("move the config folder aside");

    let stack = DemoStack::new(Compose::V2);
    let project = stack.project.clone();
    let env = demo_env(&stack, "ssh-preflight");
    let dm = |args: &[&str]| {
        let mut all = vec!["--project", demo.as_str(), "-p", project.as_str(), "--engine", "far"];
        all.extend_from_slice(args);
        host.dockmaster(&all, &env)
    };
    let cleanup = RemoveProject(engine.host("sock"), project.clone());

    // Preflight: the missing bind source and the missing image, both blocking, each with its fix.
    let out = dm(&["--json", "preflight", "--profile", "development", "--compose", "v2"]);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    let r = report(&out);
    let problems = r["problems"].as_array().expect("problems").clone();
    let bind = problems
        .iter()
        .find(|p| p["code"] == "BIND_SOURCE_MISSING")
        .unwrap_or_else(|| panic!("no missing bind source in {r}"));
    assert!(bind["message"].as_str().unwrap_or_default().starts_with(&config_text), "{bind}");
    assert!(bind["message"].as_str().unwrap_or_default().contains("engine `far`"), "{bind}");
    assert_eq!(bind["service"], "database", "{bind}");
    assert!(bind["fix"].as_str().unwrap_or_default().contains("Dockmaster does not copy files"), "{bind}");
    assert_eq!(
        problems.iter().filter(|p| p["code"] == "BIND_SOURCE_MISSING").count(),
        1,
        "only the missing folder: {r}"
    );
    let image = problems
        .iter()
        .find(|p| p["code"] == "IMAGE_MISSING")
        .unwrap_or_else(|| panic!("no missing image in {r}"));
    assert!(image["message"].as_str().unwrap_or_default().contains(IMAGE), "{image}");
    assert!(
        image["fix"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("`dockmaster image copy {IMAGE} --to far`")),
        "{image}"
    );
    assert_eq!(image["remedy"]["kind"], "copyImage", "{image}");
    assert!(!codes(&r["warnings"]).contains(&"BIND_SOURCE_UNCHECKED".to_string()), "checked: {r}");
    // Memory and disk are the engine's, not this machine's: its MemTotal, as the docker CLI reads it through
    // the same context; its free disk said to be not measured.
    let mem_total = host.docker(&["--context", "far", "info", "--format", "{{.MemTotal}}"]);
    assert!(mem_total.status.success(), "{}", text(&mem_total));
    let mem_total: u64 = String::from_utf8_lossy(&mem_total.stdout).trim().parse().expect("MemTotal bytes");
    assert_eq!(r["memory"]["availableMib"].as_u64(), Some(mem_total / (1024 * 1024)), "{r}");
    assert!(r["memory"]["basis"].as_str().unwrap_or_default().contains("engine `far`"), "{r}");
    assert!(r["disk"].is_null(), "this machine's disk is not reported: {r}");
    assert!(codes(&r["warnings"]).contains(&"DISK_UNMEASURED".to_string()), "{r}");
    let probes = engine.docker("sock", &["ps", "-aq", "--filter", "label=dockmaster.probe"]);
    assert!(probes.trim().is_empty(), "the check containers were removed: {probes}");
    // The human output names the same, with the command.
    let out = dm(&["preflight", "--profile", "development", "--compose", "v2"]);
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains(&format!("dockmaster image copy {IMAGE} --to far")), "{}", text(&out));
    // `up` is refused by the same preflight, and nothing is created.
    let up = dm(&["--json", "up", "--profile", "development", "--wait", "--timeout", "180"]);
    assert_eq!(up.status.code(), Some(7), "{}", text(&up));
    let made = engine
        .docker("sock", &["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={project}")]);
    assert!(made.trim().is_empty(), "nothing started: {made}");

    // Copy the image over (from the shared local engine), with progress; again: nothing to send.
    let out = host.dockmaster(&["--json", "image", "copy", IMAGE, "--to", "far"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON value a line"))
        .collect();
    let result = &lines.last().expect("a result")["result"];
    let local_id = run_ok(Command::new("docker").args(["image", "inspect", "-f", "{{.Id}}", IMAGE]));
    assert_eq!(result["id"], local_id.trim(), "{result}");
    assert_eq!(result["alreadyThere"], false);
    assert!(result["sentKib"].as_u64().unwrap_or_default() > 100, "the archive was streamed: {result}");
    assert!(lines.iter().any(|l| l["kind"] == "copying"), "progress: {lines:?}");
    let remote_id = engine.docker("sock", &["image", "inspect", "-f", "{{.Id}}", IMAGE]);
    assert_eq!(remote_id.trim(), local_id.trim(), "the same image on the SSH engine");
    let again = host.dockmaster(&["--json", "image", "copy", IMAGE, "--to", "far"], &[]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("\"alreadyThere\":true"), "{}", text(&again));
    // An image this machine lacks: named, nothing sent.
    let out = host.dockmaster(&["--json", "image", "copy", "dmtest-no-such-image:1", "--to", "far"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("IMAGE_NOT_FOUND"), "{}", text(&out));

    // The folder back in place (as creating it on the engine's host would): the start succeeds there.
    std::fs::rename(demo_dir.join("config-aside"), &config).expect("config folder back");
    let out = dm(&["--json", "preflight", "--profile", "development", "--compose", "v2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let up = dm(&["--json", "up", "--profile", "development", "--wait", "--timeout", "180"]);
    assert_eq!(up.status.code(), Some(0), "{}", text(&up));
    let running = engine
        .docker("sock", &["ps", "--filter", &format!("label=com.docker.compose.project={project}"), "-q"]);
    assert_eq!(running.split_whitespace().count(), DEV_SERVICES.len(), "the demo runs on the SSH engine");
    let down = dm(&["--json", "down"]);
    assert_eq!(down.status.code(), Some(0), "{}", text(&down));

    drop(cleanup);
    ok(host.dockmaster(&["--json", "engine", "rm", "far"], &[]));
    drop(host);
    engine.stop();
}

fn ok(out: Output) {
    assert!(out.status.success(), "{}", text(&out));
}
