//! Regions across engines, on real engines and the real keychain (run through `tests/keychain/run.sh`): a region
//! created with `region create` on the shared local engine and one created with `--engine far` on a PRIVATE dockerd
//! reached over TLS (a Docker context in a throwaway `DOCKER_CONFIG`); `region ls --json` lists both with their
//! engine, live (`region places --json` first says where a region can go: both engines, ready once the stack's
//! networks are there, the killed one unknown; before that a standalone region goes on the private engine with a
//! network of its own and is removed with it); each region's password is in its engine's keychain namespace (the local one unchanged); the
//! private dockerd killed by its PID → its region shows `unknown` within 5 s while the local one stays live; the
//! dockerd back → live again. Everything created is removed: both regions (`region rm --volumes --yes`, which
//! takes their passwords too), the networks, the private engine with its folder, the context and state folders.
//! The second test does the same with three engines — local, TLS and SSH (the test's own sshd, see
//! `engine_support::ssh`) — and kills the SSH engine's dockerd.
#![cfg(target_os = "linux")]

mod engine_support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use dockmaster_core::region::secret::{self, Keychains};
use engine_support::ssh::{require_openssh, SshHost};
use engine_support::tls::{ca, cert_path, dockerd_tls_args, leaf};
use engine_support::*;
use serde_json::Value;

const OWNER: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
const FAR: &str = "far";
const NEAR_REGION: &str = "near";
const FAR_REGION: &str = "away";
const SOLO_REGION: &str = "solo";

/// This test's world: a project name, throwaway Docker config and state folders, the private engine.
struct World {
    project: String,
    config: tempfile::TempDir,
    state: tempfile::TempDir,
    engine: PrivateEngine,
    /// The private engine's TLS listener arguments (to start it again after the kill).
    tls_args: Vec<String>,
}

impl World {
    /// `dockmaster --project demo -p PROJECT ARGS` with this world's Docker config and state folders.
    fn dm(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
        cmd.arg("--project").arg(repo().join("demo")).args(["-p", &self.project]);
        for (key, _) in std::env::vars() {
            if key.starts_with("COMPOSE_") || key.starts_with("DOCKER_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("DOCKER_CONFIG", self.config.path()).env("XDG_STATE_HOME", self.state.path());
        run(cmd.args(args))
    }

    fn networks_up(&self, host: Option<&str>) {
        networks_up(&self.project, host);
    }

    fn create(&self, name: &str, engine: Option<&str>) -> Output {
        self.dm(&create_args(name, engine).iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn ls(&self) -> Value {
        ls_json(&self.dm(&["region", "ls", "--json"]))
    }

    /// `region places --json`: where a new region can go.
    fn places(&self) -> Value {
        ls_json(&self.dm(&["region", "places", "--json"]))
    }
}

/// The engine `name` of a `region places --json` answer.
fn place<'a>(places: &'a Value, name: &str) -> &'a Value {
    places
        .as_array()
        .and_then(|all| all.iter().find(|p| p["engine"] == name))
        .unwrap_or_else(|| panic!("engine {name} is not a place: {places}"))
}

/// The project's two stack networks (what `--profile multi-regional up` creates first) on one engine: `docker`
/// with `host` (`None`: the shared engine).
fn networks_up(project: &str, host: Option<&str>) {
    for key in ["nexus-network", "regional-network"] {
        let mut cmd = Command::new("docker");
        if let Some(h) = host {
            cmd.args(["-H", h]);
        }
        cmd.args(["network", "create", "--label", "dockmaster.test=1"]);
        cmd.args(["--label", &format!("com.docker.compose.project={project}")]);
        cmd.args(["--label", &format!("com.docker.compose.network={key}")]);
        cmd.args(["--subnet", &free_subnet(), &format!("{project}_{key}")]);
        run_ok(&mut cmd);
    }
}

/// `region create` of `name` (on `engine`, else the project's) with its own port range and subnet pool.
fn create_args(name: &str, engine: Option<&str>) -> Vec<String> {
    let port = free_port();
    let mut args: Vec<String> =
        ["region", "create", "--json", "--yes", name, "--owner", OWNER, "--port-range"]
            .iter()
            .map(|a| a.to_string())
            .collect();
    args.extend([format!("{port}-{port}"), "--subnet-pool".into(), free_subnet()]);
    if let Some(e) = engine {
        args.extend(["--engine".into(), e.into()]);
    }
    args
}

/// The JSON of a `region ls --json` that succeeded.
fn ls_json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", text(out));
    json(out)
}

/// Removes whatever a failure left of `project`'s regions on the shared engine (by its label only) and their
/// passwords in every namespace this file uses.
fn clean_up_project(project: &str, regions: &[&str], engines: &[&str]) {
    let label = format!("label=dev.dockmaster.project={project}");
    let ids = |args: &[&str]| -> Vec<String> {
        String::from_utf8_lossy(&run(Command::new("docker").args(args)).stdout)
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    for (list, remove) in [
        (vec!["ps", "-aq", "--filter", &label], vec!["rm", "-f", "-v"]),
        (vec!["network", "ls", "-q", "--filter", &label], vec!["network", "rm"]),
        (vec!["volume", "ls", "-q", "--filter", &label], vec!["volume", "rm"]),
    ] {
        let found = ids(&list);
        if !found.is_empty() {
            run(Command::new("docker").args(&remove).args(&found));
        }
    }
    remove_project(None, project);
    let root = repo().join("demo");
    for region in regions {
        let _ = secret::forget_password(&root, project, region);
        for engine in engines {
            let _ = Keychains::default().on_engine(engine).forget_password(&root, project, region);
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // The regions with their volumes and passwords (a region that is not there is refused: harmless).
        let _ = self.dm(&["region", "rm", NEAR_REGION, "--volumes", "--yes"]);
        let _ = self.dm(&["--engine", FAR, "region", "rm", FAR_REGION, "--volumes", "--yes"]);
        let _ = self.dm(&["--engine", FAR, "region", "rm", SOLO_REGION, "--volumes", "--yes"]);
        clean_up_project(&self.project, &[NEAR_REGION, FAR_REGION, SOLO_REGION], &[FAR]);
        // The private engine (its containers, processes, mounts and folder) goes with `engine`'s own drop.
    }
}

fn text(out: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The region `name` of a `region ls --json` listing.
fn region<'a>(listed: &'a Value, name: &str) -> &'a Value {
    listed["regions"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["name"] == name))
        .unwrap_or_else(|| panic!("{name} is not listed: {listed}"))
}

fn engine_entry<'a>(listed: &'a Value, name: &str) -> &'a Value {
    listed["engines"]
        .as_array()
        .and_then(|all| all.iter().find(|e| e["engine"] == name))
        .unwrap_or_else(|| panic!("engine {name} is not listed: {listed}"))
}

fn secret_stored(service: &str) -> bool {
    let out = run(Command::new("secret-tool").args([
        "lookup",
        "service",
        service,
        "username",
        "REGION_DB_PASSWORD",
    ]));
    out.status.success() && !out.stdout.is_empty()
}

/// Certificates for the private engine and its client, in `dir`; the client's `DOCKER_CERT_PATH`-style folder.
fn certificates(dir: &Path) -> std::path::PathBuf {
    ca(dir, "ca");
    leaf(dir, "server", "ca", "serverAuth");
    leaf(dir, "client", "ca", "clientAuth");
    cert_path(dir, "client-certs", "ca", "client")
}

#[test]
fn regions_of_two_engines_are_listed_together_and_an_engine_killed_goes_unknown_alone() {
    require_engine();
    require_dockerd();
    let certs = tempfile::tempdir().expect("tempdir");
    let client = certificates(certs.path());
    let port = free_port();
    let tls_args = dockerd_tls_args(certs.path(), port);
    let state = tempfile::tempdir().expect("state");
    std::fs::set_permissions(state.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .expect("chmod");
    let mut w = World {
        project: format!("dmacross-{}-{}", std::process::id(), fastrand::u32(0..1_000_000)),
        config: tempfile::tempdir().expect("config"),
        state,
        engine: PrivateEngine::new(),
        tls_args,
    };
    w.engine.start_with("sock", &w.tls_args.clone());
    w.engine.wait_answers("sock");
    w.engine.load_demo_image("sock");
    let private = w.engine.host("sock");

    // The private engine as a Docker context, in this test's own Docker config.
    let c = |n: &str| client.join(n).display().to_string();
    let docker_host =
        format!("host=tcp://127.0.0.1:{port},ca={},cert={},key={}", c("ca.pem"), c("cert.pem"), c("key.pem"));
    run_ok(Command::new("docker").arg("--config").arg(w.config.path()).args([
        "context",
        "create",
        FAR,
        "--docker",
        &docker_host,
    ]));

    // Where a region can go (the wizard's "Where" step): both engines answer; neither has the stack's networks.
    let nets = [format!("{}_nexus-network", w.project), format!("{}_regional-network", w.project)];
    let places = w.places();
    for name in ["default", FAR] {
        let p = place(&places, name);
        assert_eq!((p["reach"].as_str(), p["ready"].as_bool()), (Some("live"), Some(false)), "{p}");
        let mut missing: Vec<String> = p["missingNetworks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(String::from))
            .collect();
        missing.sort();
        assert_eq!(missing, nets, "{p}");
        assert!(p["note"].as_str().is_some_and(|n| n.contains("start the stack on it first")), "{p}");
    }
    assert_eq!(place(&places, "default")["current"], true, "{places}");
    assert_eq!(place(&places, FAR)["host"], format!("tcp://127.0.0.1:{port}"), "{places}");

    // Without the stack there, a region that joins it is refused; a standalone one goes there with a network of
    // its own (created and labelled), runs healthy, and goes with `region rm` (its network too).
    let refused = w.create(SOLO_REGION, Some(FAR));
    assert_eq!(refused.status.code(), Some(7), "{}", text(&refused));
    let mut args = create_args(SOLO_REGION, Some(FAR));
    args.push("--standalone".into());
    let out = w.dm(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("standalone: the region joins none of the stack's networks"),
        "{}",
        text(&out)
    );
    let solo_net = format!("{}-region-{SOLO_REGION}-network", w.project);
    let nets = w.engine.docker("sock", &["network", "ls", "--format", "{{.Name}}"]);
    assert!(nets.lines().any(|n| n == solo_net), "{nets}");
    let label = w.engine.docker(
        "sock",
        &["network", "inspect", "-f", "{{index .Labels \"dev.dockmaster.region\"}}", &solo_net],
    );
    assert_eq!(label.trim(), SOLO_REGION, "labelled as the region's");
    let attached = w.engine.docker(
        "sock",
        &[
            "inspect",
            "-f",
            "{{len .NetworkSettings.Networks}}",
            &format!("{}-region-{SOLO_REGION}-server", w.project),
        ],
    );
    assert_eq!(attached.trim(), "1", "the server joins only its own network");
    let solo = region(&w.ls(), SOLO_REGION).clone();
    assert_eq!((solo["engine"].as_str(), solo["health"].as_str()), (Some(FAR), Some("healthy")), "{solo}");
    let out = w.dm(&["--engine", FAR, "region", "rm", SOLO_REGION, "--volumes", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let nets = w.engine.docker("sock", &["network", "ls", "--format", "{{.Name}}"]);
    assert!(!nets.lines().any(|n| n == solo_net), "its network went with it: {nets}");
    let left = w
        .engine
        .docker("sock", &["ps", "-aq", "--filter", &format!("label=dev.dockmaster.region={SOLO_REGION}")]);
    assert!(left.trim().is_empty(), "{left}");

    // A region on each engine, each next to the project's stack networks there.
    w.networks_up(None);
    let places = w.places();
    assert_eq!(place(&places, "default")["ready"], true, "the local engine has them now: {places}");
    assert_eq!(place(&places, FAR)["ready"], false, "{places}");
    w.networks_up(Some(&private));
    let places = w.places();
    assert_eq!(place(&places, FAR)["ready"], true, "{places}");
    assert_eq!(place(&places, FAR)["missingNetworks"], Value::Array(Vec::new()), "{places}");
    let human = w.dm(&["region", "places"]);
    assert!(human.status.success(), "{}", text(&human));
    let table = String::from_utf8_lossy(&human.stdout).to_string();
    let header = table.lines().next().unwrap_or_default();
    assert!(header.starts_with("ENGINE") && header.contains("READY"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("default *") && l.trim_end().ends_with("yes")), "{table}");
    assert!(table.lines().any(|l| l.starts_with(FAR) && l.contains("127.0.0.1")), "{table}");
    let out = w.create(NEAR_REGION, None);
    assert!(out.status.success(), "{}", text(&out));
    let out = w.create(FAR_REGION, Some(FAR));
    assert!(out.status.success(), "{}", text(&out));
    let on_far = w.engine.docker("sock", &["ps", "--format", "{{.Names}}"]);
    assert!(on_far.contains(&format!("{}-region-{FAR_REGION}-server", w.project)), "{on_far}");
    let here = run_ok(Command::new("docker").args(["ps", "-a", "--format", "{{.Names}}"]));
    assert!(!here.contains(&format!("region-{FAR_REGION}-")), "the far region is not on the local engine");

    // Each password in its engine's namespace; the local namespace as it always was.
    let root = repo().join("demo");
    assert!(secret_stored(&secret::service(&root, &w.project, NEAR_REGION)));
    assert!(secret_stored(&secret::service_on(&root, Some(FAR), &w.project, FAR_REGION)));
    assert!(!secret_stored(&secret::service(&root, &w.project, FAR_REGION)), "not in the local namespace");

    // Listed together, live, each with its engine.
    let listed = w.ls();
    for (name, engine) in [(NEAR_REGION, "default"), (FAR_REGION, FAR)] {
        let r = region(&listed, name);
        assert_eq!((r["engine"].as_str(), r["reach"].as_str()), (Some(engine), Some("live")), "{r}");
        assert_eq!((r["state"].as_str(), r["health"].as_str()), (Some("running"), Some("healthy")), "{r}");
    }
    assert_eq!(engine_entry(&listed, FAR)["host"], format!("tcp://127.0.0.1:{port}"));
    let human = w.dm(&["region", "ls"]);
    let table = String::from_utf8_lossy(&human.stdout).to_string();
    assert!(table.lines().next().is_some_and(|h| h.contains("ENGINE")), "{table}");
    assert!(table.lines().any(|l| l.starts_with(FAR_REGION) && l.contains(FAR)), "{table}");

    // The private dockerd killed (its PID, which this test started): its region unknown within 5 s, with the reason;
    // the local one still live.
    w.engine.kill();
    let killed = Instant::now();
    let listed = w.ls();
    let took = killed.elapsed();
    assert!(took < Duration::from_secs(5), "the listing took {took:?}");
    let far = region(&listed, FAR_REGION);
    assert_eq!((far["engine"].as_str(), far["reach"].as_str()), (Some(FAR), Some("unknown")), "{far}");
    let why = engine_entry(&listed, FAR);
    assert_eq!(why["reach"], "unknown", "{why}");
    assert!(why["reason"].as_str().is_some_and(|r| !r.is_empty()), "{why}");
    let near = region(&listed, NEAR_REGION);
    assert_eq!((near["reach"].as_str(), near["state"].as_str()), (Some("live"), Some("running")), "{near}");
    let places = w.places();
    let gone = place(&places, FAR);
    assert_eq!((gone["reach"].as_str(), gone["ready"].as_bool()), (Some("unknown"), Some(false)), "{gone}");
    assert!(gone["note"].as_str().is_some_and(|n| n.starts_with("It cannot be reached now")), "{gone}");
    assert_eq!(place(&places, "default")["ready"], true, "the local engine is still a place: {places}");
    let human = w.dm(&["region", "ls"]);
    let said = String::from_utf8_lossy(&human.stdout).to_string();
    assert!(said.lines().any(|l| l.starts_with(FAR_REGION) && l.contains("unknown")), "{said}");
    assert!(said.contains(&format!("engine {FAR} (tcp://127.0.0.1:{port}): regions unknown")), "{said}");

    // The engine back: its region is live again (its containers as the crash left them).
    let args = w.tls_args.clone();
    w.engine.start_with("sock", &args);
    w.engine.wait_answers("sock");
    let listed = w.ls();
    assert_eq!(region(&listed, FAR_REGION)["reach"], "live", "{listed}");
    assert_eq!(engine_entry(&listed, FAR)["reason"], Value::Null, "{listed}");

    // Removed per engine, passwords included.
    let out = w.dm(&["--engine", FAR, "region", "rm", FAR_REGION, "--volumes", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!secret_stored(&secret::service_on(&root, Some(FAR), &w.project, FAR_REGION)), "password left");
    let out = w.dm(&["region", "rm", NEAR_REGION, "--volumes", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!secret_stored(&secret::service(&root, &w.project, NEAR_REGION)), "password left");
    let listed = w.ls();
    assert_eq!(listed["regions"], Value::Array(Vec::new()), "{listed}");
    let left = w
        .engine
        .docker("sock", &["ps", "-aq", "--filter", &format!("label=dev.dockmaster.project={}", w.project)]);
    assert!(left.trim().is_empty(), "left on the private engine: {left}");
}

/// Three engines: the shared local one, a private TLS one and a private SSH one (the test's own sshd), each
/// with the project's stack networks; everything removed on drop.
struct Three {
    project: String,
    /// Field order is drop order: sshd and its agent first, then the engines.
    ssh: SshHost,
    ssh_engine: PrivateEngine,
    tls_engine: PrivateEngine,
}

impl Three {
    /// `dockmaster --project demo -p PROJECT ARGS` on the SSH host's client side (its Docker config, home and
    /// state folder are the test's).
    fn dm(&self, args: &[&str]) -> Output {
        let demo = repo().join("demo").display().to_string();
        let mut all = vec!["--project", demo.as_str(), "-p", &self.project];
        all.extend_from_slice(args);
        self.ssh
            .dockmaster(&all, &[("XDG_STATE_HOME".into(), self.ssh.dir.join("state").display().to_string())])
    }
}

impl Drop for Three {
    fn drop(&mut self) {
        let _ = self.dm(&["region", "rm", "near3", "--volumes", "--yes"]);
        let _ = self.dm(&["--engine", "tls", "region", "rm", "mid3", "--volumes", "--yes"]);
        let _ = self.dm(&["--engine", "far", "region", "rm", "away3", "--volumes", "--yes"]);
        clean_up_project(&self.project, &["near3", "mid3", "away3"], &["tls", "far"]);
    }
}

#[test]
fn regions_of_three_engines_local_tls_and_ssh_and_the_ssh_engine_killed_goes_unknown_alone() {
    require_engine();
    require_dockerd();
    require_openssh();
    let certs = tempfile::tempdir().expect("tempdir");
    let client = certificates(certs.path());
    let tls_port = free_port();
    let mut tls_engine = PrivateEngine::new();
    tls_engine.start_with("sock", &dockerd_tls_args(certs.path(), tls_port));
    let mut ssh_engine = PrivateEngine::new();
    ssh_engine.start("sock");
    tls_engine.wait_answers("sock");
    ssh_engine.wait_answers("sock");
    tls_engine.load_demo_image("sock");
    ssh_engine.load_demo_image("sock");
    let ssh = SshHost::start(&ssh_engine.host("sock"));
    let mut w = Three {
        project: format!("dmthree-{}-{}", std::process::id(), fastrand::u32(0..1_000_000)),
        ssh,
        ssh_engine,
        tls_engine,
    };

    // The two private engines as contexts of the client side: SSH through `engine add` (its host key accepted),
    // TLS with the docker CLI.
    let dest = format!("root@127.0.0.1:{}", w.ssh.port);
    let fp = w.ssh.host_fingerprint();
    let out = w.ssh.dockmaster(&["engine", "add", "far", "--ssh", &dest, "--accept-host-key", &fp], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let c = |n: &str| client.join(n).display().to_string();
    let tls_host = format!(
        "host=tcp://127.0.0.1:{tls_port},ca={},cert={},key={}",
        c("ca.pem"),
        c("cert.pem"),
        c("key.pem")
    );
    let out = w.ssh.docker(&["context", "create", "tls", "--docker", &tls_host]);
    assert!(out.status.success(), "{}", text(&out));

    // A region on each, next to the project's stack networks there.
    networks_up(&w.project, None);
    networks_up(&w.project, Some(&w.tls_engine.host("sock")));
    networks_up(&w.project, Some(&w.ssh_engine.host("sock")));
    for (name, engine) in [("near3", None), ("mid3", Some("tls")), ("away3", Some("far"))] {
        let args = create_args(name, engine);
        let out = w.dm(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.status.success(), "{name}: {}", text(&out));
    }
    let on_ssh = w.ssh_engine.docker("sock", &["ps", "--format", "{{.Names}}"]);
    assert!(on_ssh.contains(&format!("{}-region-away3-server", w.project)), "{on_ssh}");

    let listed = ls_json(&w.dm(&["region", "ls", "--json"]));
    for (name, engine) in [("near3", "default"), ("mid3", "tls"), ("away3", "far")] {
        let r = region(&listed, name);
        assert_eq!((r["engine"].as_str(), r["reach"].as_str()), (Some(engine), Some("live")), "{r}");
        assert_eq!((r["state"].as_str(), r["health"].as_str()), (Some("running"), Some("healthy")), "{r}");
    }
    assert_eq!(engine_entry(&listed, "far")["host"], format!("ssh://{dest}"));

    // The SSH engine's dockerd killed (the PID this test started): its region unknown within 5 s; the others live.
    w.ssh_engine.kill();
    let killed = Instant::now();
    let listed = ls_json(&w.dm(&["region", "ls", "--json"]));
    let took = killed.elapsed();
    assert!(took < Duration::from_secs(5), "the listing took {took:?}");
    let away = region(&listed, "away3");
    assert_eq!((away["engine"].as_str(), away["reach"].as_str()), (Some("far"), Some("unknown")), "{away}");
    assert!(engine_entry(&listed, "far")["reason"].as_str().is_some_and(|r| !r.is_empty()), "{listed}");
    for name in ["near3", "mid3"] {
        let r = region(&listed, name);
        assert_eq!((r["reach"].as_str(), r["state"].as_str()), (Some("live"), Some("running")), "{r}");
    }

    // Back: live again.
    w.ssh_engine.start("sock");
    w.ssh_engine.wait_answers("sock");
    let listed = ls_json(&w.dm(&["region", "ls", "--json"]));
    assert_eq!(region(&listed, "away3")["reach"], "live", "{listed}");

    // Removed per engine.
    for (name, engine) in [("near3", "default"), ("mid3", "tls"), ("away3", "far")] {
        let out = w.dm(&["--engine", engine, "region", "rm", name, "--volumes", "--yes"]);
        assert!(out.status.success(), "{name}: {}", text(&out));
    }
    let listed = ls_json(&w.dm(&["region", "ls", "--json"]));
    assert_eq!(listed["regions"], Value::Array(Vec::new()), "{listed}");
}
