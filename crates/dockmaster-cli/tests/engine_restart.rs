//! Engine restart, against a PRIVATE second dockerd on its own socket (the shared engine is never touched):
//! while `status --watch` runs, the engine is killed by PID → the stream reports unavailable/reconnecting; a
//! container is started while Dockmaster cannot see the engine; once the engine answers again Dockmaster
//! reconnects within 2 s, its state equals a fresh snapshot, and the new container is there.

mod engine_support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use engine_support::*;
use serde_json::Value;

/// A dockerd of our own. Only processes this test started (the dockerd, and the containerd and shims it
/// spawned, recognised by our private folder in their command line) are ever signalled.
struct PrivateEngine {
    dir: PathBuf,
    child: Option<Child>,
}

impl PrivateEngine {
    fn new() -> Self {
        // Short path: Unix socket paths are limited to ~108 bytes.
        let dir = PathBuf::from(format!("/tmp/dmeng-{}-{}", std::process::id(), fastrand::u32(0..1_000_000)));
        std::fs::create_dir_all(&dir).expect("engine dir");
        Self { dir, child: None }
    }

    fn host(&self, sock: &str) -> String {
        format!("unix://{}", self.dir.join(sock).display())
    }

    fn start(&mut self, sock: &str) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("dockerd.log"))
            .expect("log");
        let d = |p: &str| self.dir.join(p).display().to_string();
        let child = Command::new("dockerd")
            .args(["--data-root", &d("data"), "--exec-root", &d("exec"), "--pidfile", &d("pid")])
            .args(["-H", &self.host(sock), "--bridge=none", "--iptables=false"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dockerd (needs docker.io and root): {e}"));
        self.child = Some(child);
    }

    /// Waits until the engine answers on `sock`; returns when (ns since the epoch) it first did.
    fn wait_answers(&mut self, sock: &str) -> i128 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = Command::new("docker")
                .args(["-H", &self.host(sock), "version", "--format", "{{.Server.APIVersion}}"])
                .output();
            if out.is_ok_and(|o| o.status.success()) {
                return now_ns();
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

    fn log(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default();
        text.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    fn docker(&self, sock: &str, args: &[&str]) -> String {
        run_ok(Command::new("docker").args(["-H", &self.host(sock)]).args(args))
    }

    /// A crash: SIGKILL to the dockerd we started. Its containerd dies with it; the container shims live on,
    /// as after a real crash. The stale pidfile is ours to remove.
    fn kill(&mut self) {
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
    fn stop(&mut self) {
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
    fn leftover_pids(&self) -> Vec<String> {
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
        }
        self.stop();
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

fn now_ns() -> i128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i128).unwrap_or_default()
}

fn run_container(engine: &PrivateEngine, sock: &str, project: &str, service: &str) {
    engine.docker(
        sock,
        &[
            "run",
            "-d",
            "--network",
            "none",
            "--restart",
            "always",
            "--stop-timeout",
            "1",
            "--label",
            &format!("com.docker.compose.project={project}"),
            "--label",
            &format!("com.docker.compose.service={service}"),
            "--label",
            "com.docker.compose.oneoff=False",
            "--health-cmd",
            "true",
            "--health-interval",
            "1s",
            "--name",
            &format!("{project}-{service}"),
            IMAGE,
            "sleep",
            "100000",
        ],
    );
}

/// Services without the fields that change with every probe (no event reports those).
fn stable(services: &Value) -> Value {
    let mut s = services.clone();
    for svc in s.as_array_mut().into_iter().flatten() {
        for c in svc["containers"].as_array_mut().into_iter().flatten() {
            let c = c.as_object_mut().expect("container");
            c.remove("healthLog");
            c.remove("failingStreak");
        }
    }
    s
}

/// The watcher's view: the last synced snapshot with every later service update applied.
fn replay(seen: &[Value]) -> Value {
    let start = seen.iter().rposition(|v| v["kind"] == "synced").expect("a synced line");
    let mut services = seen[start]["snapshot"]["services"].clone();
    for v in &seen[start + 1..] {
        if v["kind"] != "service" {
            continue;
        }
        let list = services.as_array_mut().expect("services");
        match list.iter_mut().find(|s| s["name"] == v["service"]["name"]) {
            Some(s) => *s = v["service"].clone(),
            None => list.push(v["service"].clone()),
        }
    }
    services
}

#[test]
fn reconnects_after_engine_restart_and_resyncs() {
    require_engine();
    let which = Command::new("dockerd").arg("--version").output();
    assert!(
        which.is_ok_and(|o| o.status.success()),
        "dockerd is missing: install docker.io (scripts/setup.sh)"
    );

    let project = format!("dmtest-restart-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    let mut engine = PrivateEngine::new();
    engine.start("sock");
    engine.wait_answers("sock");
    let host = engine.host("sock");
    let load = Command::new("sh")
        .args(["-c", &format!("docker save {IMAGE} | docker -H {host} load")])
        .output()
        .expect("sh");
    assert!(load.status.success(), "loading {IMAGE}: {}", String::from_utf8_lossy(&load.stderr));
    run_container(&engine, "sock", &project, "database");

    let env = [("DOCKER_HOST", host.as_str()), ("DOCKER_CONTEXT", ""), ("DOCKER_TLS_VERIFY", "")];
    let mut w = Watcher::start(&project, &["status", "--watch", "--json"], &env);
    let synced = w.wait_for("the first sync", Duration::from_secs(15), |v| v["kind"] == "synced");
    assert_eq!(service(&synced["snapshot"], "database")["state"], "running");
    assert_eq!(service(&synced["snapshot"], "gameserver")["state"], "notCreated");

    // Kill the engine: the stream says so.
    engine.kill();
    let down = w.wait_for("unavailable", Duration::from_secs(10), |v| {
        v["kind"] == "connection" && v["connection"]["status"] == "unavailable"
    });
    assert!(down["connection"]["reason"].as_str().is_some_and(|r| !r.is_empty()), "{down}");
    w.wait_for("reconnecting", Duration::from_secs(5), |v| {
        v["kind"] == "connection"
            && v["connection"]["status"] == "reconnecting"
            && v["connection"]["attempt"] == 1
    });

    // While Dockmaster cannot see it, the engine runs on another socket and a container is started there.
    engine.start("alt.sock");
    engine.wait_answers("alt.sock");
    run_container(&engine, "alt.sock", &project, "gameserver");
    engine.stop();

    // The engine comes back where Dockmaster looks: connected within 2 s of answering, then resynced.
    engine.start("sock");
    let answered = engine.wait_answers("sock");
    let up = w.wait_for("connected again", Duration::from_secs(15), |v| {
        v["kind"] == "connection" && v["connection"]["status"] == "connected"
    });
    let emitted: i128 = up["emittedAtNano"].as_str().expect("emit time").parse().expect("number");
    let lag_ms = (emitted - answered) / 1_000_000;
    assert!(lag_ms < 2000, "reconnected {lag_ms} ms after the engine answered");
    let resynced = w.wait_for("the resync", Duration::from_secs(15), |v| v["kind"] == "synced");
    assert_eq!(resynced["snapshot"]["synced"], true);
    let gs = service(&resynced["snapshot"], "gameserver");
    assert_eq!(gs["containers"][0]["name"], format!("{project}-gameserver"), "{gs}");
    // Every line between the loss and the return was a connection line: no stale service state was emitted.
    let lost_at = w.seen.iter().position(|v| v == &down).expect("down line");
    let back_at = w.seen.iter().position(|v| v == &up).expect("up line");
    assert!(w.seen[lost_at..back_at].iter().all(|v| v["kind"] == "connection"));

    // The watcher's state equals a fresh snapshot (containers may still be settling: retry a few times).
    let mut last = String::new();
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(500));
        let fresh = json(&dockmaster(&project, &["status", "--json"], &env));
        // Take whatever arrived meanwhile.
        while w.next_line(Duration::from_millis(100)).is_some() {}
        let ours = stable(&replay(&w.seen));
        let theirs = stable(&fresh["services"]);
        if ours == theirs {
            assert_eq!(service(&fresh, "gameserver")["state"], "running");
            assert_eq!(service(&fresh, "database")["state"], "running");
            w.stop();
            engine.stop();
            return;
        }
        last = format!("watch: {ours}\nfresh: {theirs}");
    }
    panic!(
        "the watcher's state never equalled a fresh snapshot:\n{last}\nlines:\n{}",
        w.seen.iter().map(summary).collect::<Vec<_>>().join("\n")
    );
}
