//! Helpers for the engine tests: a demo stack on the real engine with its own name, ports and subnets (removed
//! by its project label on drop), `dockmaster` runs, and a `status --watch --json` reader.
#![allow(dead_code)]

pub mod ssh;
pub mod tls;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

pub const IMAGE: &str = "dockmaster/demo-busybox:latest";
pub const DEV_SERVICES: [&str; 7] =
    ["admin-ui", "database", "gameserver", "nginx-gateway", "player-client", "redis-cache", "region-manager"];

/// Fails (never skips) when the shared engine or the demo image is missing.
pub fn require_engine() {
    let ok = Command::new("docker").args(["version", "--format", "{{.Server.APIVersion}}"]).output();
    match ok {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "these tests need a Docker engine: `docker version` failed ({}). Run `bash scripts/engine.sh start` \
             (scripts/test.sh does)",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!("these tests need the docker CLI ({e}); run scripts/setup.sh"),
    }
    let image = Command::new("docker").args(["image", "inspect", IMAGE]).output().expect("docker runs");
    assert!(image.status.success(), "the demo image {IMAGE} is missing: run `bash scripts/demo-image.sh`");
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

static USED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Reserves a value no other test of this process got; `false` when taken.
fn reserve(value: String) -> bool {
    let mut used = USED.lock().unwrap_or_else(|e| e.into_inner());
    used.get_or_insert_with(HashSet::new).insert(value)
}

/// A host port nothing listens on now, handed out once.
/// A port to publish: free on every interface now, and below the kernel's ephemeral range (32768 and up on
/// Linux), where an outgoing connection of a parallel test could take it before the engine binds it.
pub fn free_port() -> u16 {
    loop {
        let port = fastrand::u16(20_000..32_000);
        let free = ["0.0.0.0", "127.0.0.1"].iter().all(|ip| std::net::TcpListener::bind((*ip, port)).is_ok());
        if free && reserve(format!("port {port}")) {
            return port;
        }
    }
}

/// A 10.x.y.0/24 in a 10.x block no Docker network uses.
pub fn free_subnet() -> String {
    let ids = run_ok(Command::new("docker").args(["network", "ls", "-q"]));
    let mut args = vec!["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"];
    args.extend(ids.split_whitespace());
    // A network removed between the list and the inspection (another test's) only fails its own line.
    let existing = String::from_utf8_lossy(&run(Command::new("docker").args(&args)).stdout).into_owned();
    loop {
        let x = 100 + fastrand::u32(0..150);
        let block = format!("10.{x}.");
        if existing.contains(&block) || !reserve(block.clone()) {
            continue;
        }
        return format!("10.{x}.{}.0/24", fastrand::u32(0..256));
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compose {
    V1,
    V2,
}

/// One run of the demo project; everything it creates is removed by its project label on drop.
pub struct DemoStack {
    pub compose: Compose,
    pub project: String,
    pub prefix: String,
    pub env: Vec<(String, String)>,
}

const PORT_VARS: [&str; 13] = [
    "DB_PORT",
    "NEXUS_DB_PORT",
    "REDIS_PORT",
    "REDIS_NEXUS_PORT",
    "GAMESERVER_PORT",
    "CENTRAL_NEXUS_PORT",
    "PLAYER_CLIENT_PORT",
    "ADMIN_UI_PORT",
    "REGION_MANAGER_PORT",
    "HTTP_PORT",
    "HTTPS_PORT",
    "PROMETHEUS_PORT",
    "GRAFANA_PORT",
];

impl DemoStack {
    pub fn new(compose: Compose) -> Self {
        let tag = if compose == Compose::V1 { "v1" } else { "v2" };
        let project = format!("dmtest-{tag}-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
        let mut env = vec![
            ("DEMO_CONTAINER_PREFIX".to_string(), project.clone()),
            ("NEXUS_SUBNET".to_string(), free_subnet()),
            ("REGIONAL_SUBNET".to_string(), free_subnet()),
        ];
        env.extend(PORT_VARS.iter().map(|v| (v.to_string(), free_port().to_string())));
        Self { compose, prefix: project.clone(), project, env }
    }

    pub fn container(&self, service: &str) -> String {
        format!("{}-{service}", self.prefix)
    }

    fn compose_cmd(&self) -> Command {
        let mut cmd = match self.compose {
            Compose::V2 => {
                let mut c = Command::new("docker");
                c.arg("compose");
                c
            }
            Compose::V1 => Command::new("docker-compose"),
        };
        cmd.current_dir(repo().join("demo")).args(["-p", &self.project]);
        for (key, _) in std::env::vars() {
            if key.starts_with("COMPOSE_") {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// `up -d` for the profiles, then waits until `services` all run healthy.
    pub fn up(&self, profiles: &[&str], services: &[&str]) {
        let mut cmd = self.compose_cmd();
        for p in profiles {
            cmd.args(["--profile", p]);
        }
        cmd.args(["up", "-d"]);
        run_ok(&mut cmd);
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let states: Vec<String> = services
                .iter()
                .map(|s| {
                    let out = run(Command::new("docker").args([
                        "inspect",
                        "-f",
                        "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}",
                        &self.container(s),
                    ]));
                    String::from_utf8_lossy(&out.stdout).trim().to_string()
                })
                .collect();
            if states.iter().all(|s| s == "running/healthy") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: services {services:?} not healthy: {states:?}",
                self.project
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    pub fn dockmaster(&self, args: &[&str]) -> Output {
        dockmaster(&self.project, args, &[])
    }

    pub fn watch(&self, profiles: &[&str]) -> Watcher {
        let mut args = vec!["status", "--watch", "--json"];
        for p in profiles {
            args.extend(["--profile", p]);
        }
        Watcher::start(&self.project, &args, &[])
    }
}

impl Drop for DemoStack {
    fn drop(&mut self) {
        remove_project(None, &self.project);
    }
}

/// Removes the containers, networks and volumes labelled with `project` (on `host`, else the default engine).
pub fn remove_project(host: Option<&str>, project: &str) {
    let filter = format!("label=com.docker.compose.project={project}");
    let docker = |args: &[&str]| {
        let mut cmd = Command::new("docker");
        if let Some(h) = host {
            cmd.args(["-H", h]);
        }
        cmd.args(args);
        String::from_utf8_lossy(&run(&mut cmd).stdout)
            .split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    for (list, remove) in [
        (vec!["ps", "-aq", "--filter", &filter], vec!["rm", "-f", "-v"]),
        (vec!["network", "ls", "-q", "--filter", &filter], vec!["network", "rm"]),
        (vec!["volume", "ls", "-q", "--filter", &filter], vec!["volume", "rm"]),
    ] {
        let ids = docker(&list);
        if !ids.is_empty() {
            let mut args: Vec<&str> = remove.clone();
            args.extend(ids.iter().map(String::as_str));
            docker(&args);
        }
    }
}

/// Runs `dockmaster --project demo -p PROJECT ARGS` with `env` added.
pub fn dockmaster(project: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = dockmaster_cmd(project, args, env);
    run(&mut cmd)
}

fn dockmaster_cmd(project: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
    let demo = repo().join("demo");
    cmd.arg("--project").arg(demo).args(["-p", project]).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("COMPOSE_") {
            cmd.env_remove(key);
        }
    }
    cmd.envs(env.iter().copied());
    cmd
}

pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A running `dockmaster status --watch --json`; killed on drop.
pub struct Watcher {
    child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<Value>,
}

impl Watcher {
    pub fn start(project: &str, args: &[&str], env: &[(&str, &str)]) -> Watcher {
        let mut child = dockmaster_cmd(project, args, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("dockmaster starts");
        let lines = read_lines(child.stdout.take().expect("stdout"));
        Watcher { child, lines, seen: Vec::new() }
    }

    /// Waits for the next line matching `pred` (every line read is kept in `seen`).
    pub fn wait_for(&mut self, what: &str, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let v: Value =
                        serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line ({e}): {line}"));
                    assert!(
                        v["emittedAtNano"].as_str().is_some() || v["kind"] == "lagged",
                        "no emit time: {line}"
                    );
                    self.seen.push(v.clone());
                    if pred(&v) {
                        return v;
                    }
                }
                Err(_) => panic!(
                    "timed out after {timeout:?} waiting for {what}; lines so far:\n{}",
                    self.seen.iter().map(summary).collect::<Vec<_>>().join("\n")
                ),
            }
        }
    }

    /// The next line if one arrives within `timeout` (kept in `seen` too).
    pub fn next_line(&mut self, timeout: Duration) -> Option<Value> {
        let line = self.lines.recv_timeout(timeout).ok()?;
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line ({e}): {line}"));
        self.seen.push(v.clone());
        Some(v)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One line per update, for failure messages.
/// The lines of `output` (a child's stdout), read on a thread of their own, as they come.
pub fn read_lines(output: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

pub fn summary(v: &Value) -> String {
    let s = &v["service"];
    format!(
        "#{} {} {} {} {}/{}/{} exit={} conn={}",
        v["seq"],
        v["kind"],
        v["cause"],
        v["container"],
        s["name"],
        s["state"],
        s["health"],
        s["exitCode"],
        v["connection"]["status"]
    )
}

pub fn is_service(v: &Value, name: &str) -> bool {
    v["kind"] == "service" && v["service"]["name"] == name
}

/// The service entry of a snapshot.
pub fn service<'a>(snapshot: &'a Value, name: &str) -> &'a Value {
    snapshot["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no service {name} in {snapshot}"))
}

// ---- A private second dockerd (fault and TLS tests; the shared engine is never touched) ----

/// A dockerd of our own. Only processes this test started (the dockerd, and the containerd and shims it
/// spawned, recognised by our private folder in their command line) are ever signalled.
pub struct PrivateEngine {
    pub dir: PathBuf,
    child: Option<Child>,
    /// Its default bridge, an interface of its own (see [`own_bridge`]).
    bridge: String,
    /// Whether the host had a `docker0` (the shared engine's bridge) when it was started: it must still have.
    docker0: bool,
}

impl PrivateEngine {
    pub fn new() -> Self {
        // Short path: Unix socket paths are limited to ~108 bytes.
        let dir = PathBuf::from(format!("/tmp/dmeng-{}-{}", std::process::id(), fastrand::u32(0..1_000_000)));
        std::fs::create_dir_all(&dir).expect("engine dir");
        Self { dir, child: None, bridge: format!("dmb-{:08x}", fastrand::u32(..)), docker0: false }
    }

    pub fn host(&self, sock: &str) -> String {
        format!("unix://{}", self.dir.join(sock).display())
    }

    pub fn start(&mut self, sock: &str) {
        self.start_with(sock, &[]);
    }

    /// Starts it on `sock` with `extra` dockerd arguments (e.g. a TLS TCP listener).
    pub fn start_with(&mut self, sock: &str, extra: &[String]) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("dockerd.log"))
            .expect("log");
        let d = |p: &str| self.dir.join(p).display().to_string();
        own_bridge(&self.bridge);
        self.docker0 = Path::new("/sys/class/net/docker0").exists();
        let child = Command::new("dockerd")
            .args(["--data-root", &d("data"), "--exec-root", &d("exec"), "--pidfile", &d("pid")])
            .args(["-H", &self.host(sock), &format!("--bridge={}", self.bridge), "--iptables=false"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dockerd (needs docker.io and root): {e}"));
        self.child = Some(child);
    }

    /// Waits until the engine answers on `sock`; returns when (ns since the epoch) it first did.
    pub fn wait_answers(&mut self, sock: &str) -> i128 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = Command::new("docker")
                .args(["-H", &self.host(sock), "version", "--format", "{{.Server.APIVersion}}"])
                .output();
            if out.is_ok_and(|o| o.status.success()) {
                let answered = now_ns();
                assert!(
                    !self.docker0 || Path::new("/sys/class/net/docker0").exists(),
                    "starting a private dockerd deleted the host's docker0 (the shared engine's bridge): \
                     it must never run with --bridge=none"
                );
                return answered;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("private dockerd exited ({status}); log:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "private dockerd did not answer on {sock}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default();
        text.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    pub fn docker(&self, sock: &str, args: &[&str]) -> String {
        run_ok(Command::new("docker").args(["-H", &self.host(sock)]).args(args))
    }

    /// A crash: SIGKILL to the dockerd we started. Its containerd dies with it; the container shims live on,
    /// as after a real crash. The stale pidfile is ours to remove.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // Its containerd gets SIGKILL too (parent-death signal). Until it is reaped, its PID still "exists" and the
        // next dockerd would wait for it; a zombie that is never reaped is dead all the same: drop its pidfile.
        let containerd_pid = self.dir.join("exec/containerd/containerd.pid");
        let pid = std::fs::read_to_string(&containerd_pid).unwrap_or_default().trim().to_string();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
            let dead = pid.is_empty()
                || state
                    .as_deref()
                    .is_none_or(|s| s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')));
            if dead || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::fs::remove_file(containerd_pid);
        let _ = std::fs::remove_file(self.dir.join("pid"));
    }

    /// SIGTERM (clean shutdown: stops the containers and its containerd), SIGKILL after 30 s.
    pub fn stop(&mut self) {
        let Some(mut c) = self.child.take() else { return };
        let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while c.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = c.kill();
        let _ = c.wait();
    }

    /// PIDs of processes whose command line names our folder (the containerd and shims our dockerd started).
    pub fn leftover_pids(&self) -> Vec<String> {
        let needle = self.dir.display().to_string();
        let me = std::process::id().to_string();
        std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let pid = e.file_name().to_string_lossy().into_owned();
                if !pid.chars().all(|c| c.is_ascii_digit()) || pid == me {
                    return None;
                }
                let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
                String::from_utf8_lossy(&cmd).contains(&needle).then_some(pid)
            })
            .collect()
    }
}

impl Drop for PrivateEngine {
    fn drop(&mut self) {
        // Every container of this private engine is ours: remove them, so no container process outlives it.
        let mut bridges = Vec::new();
        if self.child.is_some() {
            let host = self.host(if self.dir.join("sock").exists() { "sock" } else { "alt.sock" });
            let _ = Command::new("sh")
                .args([
                    "-c",
                    &format!(
                        "ids=$(docker -H {host} ps -aq); [ -z \"$ids\" ] || docker -H {host} rm -f $ids"
                    ),
                ])
                .output();
            bridges = bridge_interfaces(&host);
        }
        self.stop();
        // The bridge interfaces of its networks live in this machine's network namespace and outlive the engine
        // and its data root: left behind, their routes shadow the same subnets on any later engine.
        bridges.push(self.bridge.clone());
        remove_interfaces(&bridges);
        // After a failure with the engine down, the shims still run the containers: their processes are ours too.
        let leftovers = self.leftover_pids();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let ppid = stat.rsplit_once(") ").and_then(|(_, r)| r.split(' ').nth(1)).unwrap_or_default();
            if leftovers.iter().any(|p| p == ppid) {
                let _ = Command::new("kill").args(["-KILL", &entry.file_name().to_string_lossy()]).status();
            }
        }
        for pid in leftovers {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
        // Mounts the engine left under our folder (overlay layers, netns, shm), deepest first.
        let needle = self.dir.display().to_string();
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let mut points: Vec<&str> =
            mounts.lines().filter_map(|l| l.split(' ').nth(1)).filter(|p| p.starts_with(&needle)).collect();
        points.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for p in points {
            let _ = Command::new("umount").args(["-l", p]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or_default()
}

impl PrivateEngine {
    /// Copies the demo image from the shared engine into this one (no registry here).
    pub fn load_demo_image(&self, sock: &str) {
        let host = self.host(sock);
        let load = Command::new("sh")
            .args(["-c", &format!("docker save {IMAGE} | docker -H {host} load")])
            .output()
            .expect("sh");
        assert!(load.status.success(), "loading {IMAGE}: {}", String::from_utf8_lossy(&load.stderr));
    }
}

/// Fails (never skips) when `dockerd` is missing.
pub fn require_dockerd() {
    let which = Command::new("dockerd").arg("--version").output();
    assert!(
        which.is_ok_and(|o| o.status.success()),
        "dockerd is missing: install docker.io (scripts/setup.sh)"
    );
}

/// Removes every container (and its anonymous volumes) of the default engine matching all `label_filters`
/// (`KEY` or `KEY=VALUE`); give filters only this test's resources match.
pub fn remove_labelled(label_filters: &[&str]) {
    let mut list = Command::new("docker");
    list.args(["ps", "-aq"]);
    for f in label_filters {
        list.args(["--filter", &format!("label={f}")]);
    }
    let ids = run_ok(&mut list);
    let ids: Vec<&str> = ids.split_whitespace().collect();
    if !ids.is_empty() {
        run(Command::new("docker").args(["rm", "-f", "-v"]).args(&ids));
    }
}

/// The host interfaces (`br-<id>`) of the bridge networks of the engine at `host`.
pub fn bridge_interfaces(host: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args(["-H", host, "network", "ls", "-q", "--no-trunc", "--filter", "driver=bridge"])
        .output();
    let Ok(out) = out else { return Vec::new() };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|id| id.len() >= 12 && id.chars().all(|c| c.is_ascii_hexdigit()))
        .map(|id| format!("br-{}", &id[..12]))
        .collect()
}

/// Creates the bridge interface `name` (once) for a private engine's default bridge. Never `--bridge=none`:
/// a dockerd with its bridge disabled deletes the host's `docker0` when it starts (Moby's
/// `removeDefaultBridgeInterface`), which breaks the shared engine's default network.
pub fn own_bridge(name: &str) {
    if !std::path::Path::new("/sys/class/net").join(name).exists() {
        run_ok(Command::new("ip").args(["link", "add", name, "type", "bridge"]));
    }
    run_ok(Command::new("ip").args(["link", "set", name, "up"]));
}

/// Deletes those of `interfaces` that still exist (only names this test's engine gave its own networks).
pub fn remove_interfaces(interfaces: &[String]) {
    for name in interfaces {
        if std::path::Path::new("/sys/class/net").join(name).exists() {
            let _ = Command::new("ip").args(["link", "delete", name]).status();
        }
    }
}

/// Makes a throwaway Docker config folder `config` find the installed Compose v2 plugin: the CLI looks for
/// plugins in `$DOCKER_CONFIG/cli-plugins` and the system folders only, so the one in `~/.docker/cli-plugins`
/// (or a system folder) is linked there.
pub fn link_compose_plugin(config: &Path) {
    let home_plugins = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/cli-plugins"));
    let plugin = home_plugins
        .into_iter()
        .chain(
            [
                "/usr/local/lib/docker/cli-plugins",
                "/usr/libexec/docker/cli-plugins",
                "/usr/lib/docker/cli-plugins",
            ]
            .map(PathBuf::from),
        )
        .map(|d| d.join("docker-compose"))
        .find(|p| p.is_file());
    if let Some(plugin) = plugin {
        std::fs::create_dir_all(config.join("cli-plugins")).expect("cli-plugins");
        std::os::unix::fs::symlink(plugin, config.join("cli-plugins/docker-compose")).expect("plugin link");
    }
}
