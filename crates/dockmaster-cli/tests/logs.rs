//! `dockmaster logs` and the core's log follow against the real engine, on small Compose projects of our own
//! (temporary folders, unique project names, removed on drop): ten services writing fast stay within the
//! per-service buffers (lines, bytes, drop counters) and the CLI's memory stays bounded; `--grep` finds a known
//! line among them; a follow re-attaches after `docker restart` and a recreate without losing or repeating a
//! line; a secret stored in the real keychain and echoed by a container is masked in the output and in an export
//! (that test needs `tests/keychain/run.sh`, like the secrets tests: without a keychain it fails, it does not skip).

mod engine_support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dockmaster_core::engine::logs::{parse_rfc3339, LogConfig, LogFollower};
use dockmaster_core::engine::{Endpoint, EndpointEnv, EngineConfig, EngineHandle, ServiceSelection};
use dockmaster_core::secrets::Masker;
use dockmaster_core::{OpenOptions, Project};
use engine_support::{read_lines, remove_project, require_engine, run, run_ok, IMAGE};
use serde_json::Value;

/// A Compose project in a temporary folder, brought up with Compose v2 under a unique name; its containers,
/// networks and volumes are removed on drop.
struct Fixture {
    dir: tempfile::TempDir,
    project: String,
}

impl Fixture {
    fn new(tag: &str, compose: &str) -> Fixture {
        require_engine();
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("compose file");
        let project = format!("dmlogs-{tag}-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
        Fixture { dir, project }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn compose(&self) -> Command {
        let mut cmd = Command::new("docker");
        cmd.current_dir(self.path()).args(["compose", "-p", &self.project]);
        for (key, _) in std::env::vars() {
            if key.starts_with("COMPOSE_") {
                cmd.env_remove(key);
            }
        }
        cmd
    }

    fn up(&self) {
        run_ok(self.compose().args(["up", "-d"]));
    }

    fn dockmaster(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
        cmd.arg("--project").arg(self.path()).args(["-p", &self.project]).args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("COMPOSE_") {
                cmd.env_remove(key);
            }
        }
        cmd
    }

    fn container(&self, service: &str) -> String {
        run_ok(self.compose().args(["ps", "-q", service])).trim().to_string()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        remove_project(None, &self.project);
    }
}

/// A service of the busybox image running `script` (a shell script; `$` must be written `$$` for Compose).
fn service(name: &str, script: &str) -> String {
    format!(
        "  {name}:\n    image: {IMAGE}\n    init: true\n    stop_grace_period: 1s\n    command: [\"sh\", \"-c\", {}]\n",
        serde_json::to_string(script).expect("json string")
    )
}

/// A running `dockmaster logs …`: stdout lines arrive on a channel; killed on drop.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: Arc<std::sync::Mutex<String>>,
}

impl Running {
    fn start(mut cmd: Command) -> Running {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("dockmaster starts");
        let lines = read_lines(child.stdout.take().expect("stdout"));
        let stderr_pipe = child.stderr.take().expect("stderr");
        let stderr = Arc::new(std::sync::Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr_pipe).lines() {
                let Ok(line) = line else { break };
                let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
                s.push_str(&line);
                s.push('\n');
            }
        });
        Running { child, lines, stderr }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every line that arrived within `wait`.
    fn drain(&self, wait: Duration) -> Vec<String> {
        let deadline = Instant::now() + wait;
        let mut out = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            out.push(line);
        }
        out
    }

    /// Reads lines (keeping them in `seen`) until one satisfies `pred`.
    fn wait_for(&self, seen: &mut Vec<Value>, what: &str, timeout: Duration, pred: impl Fn(&Value) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                panic!(
                    "timed out waiting for {what}; last lines: {:?}\nstderr:\n{}",
                    seen.iter().rev().take(5).collect::<Vec<_>>(),
                    self.stderr()
                )
            };
            let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            let done = pred(&v);
            seen.push(v);
            if done {
                return;
            }
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// SIGTERM (the way a user stops a follow), then waits for the exit; returns stderr.
    fn terminate(&mut self) -> String {
        run(Command::new("kill").args(["-TERM", &self.pid().to_string()]));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "dockmaster logs exited with {status}\n{}", self.stderr());
                // Let the reader threads finish.
                std::thread::sleep(Duration::from_millis(200));
                return self.stderr();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("dockmaster logs did not stop on SIGTERM");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of a process in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

const FAST: &str = "i=0; while :; do j=0; while [ $$j -lt 100 ]; do echo \"$$(hostname) line $$i ........................................\"; i=$$((i+1)); j=$$((j+1)); done; sleep 0.05; done";

fn ten_fast_services(needle: &str) -> String {
    let mut compose = String::from("services:\n");
    for n in 0..10 {
        let script = if n == 3 { format!("echo \"{needle} from s3\"; {FAST}") } else { FAST.to_string() };
        compose.push_str(&service(&format!("s{n}"), &script));
    }
    compose
}

#[test]
fn ten_fast_services_stay_within_their_buffers_and_grep_finds_a_line() {
    let needle = format!("needle-{}", fastrand::u64(..));
    let fx = Fixture::new("fast", &ten_fast_services(&needle));
    fx.up();
    std::thread::sleep(Duration::from_secs(2));

    // `--grep` (no follow): exactly the one known line among everything the ten services wrote.
    let out = run(&mut fx.dockmaster(&["logs", "--grep", &needle, "--json"]));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let found: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["service"], "s3");
    assert_eq!(found[0]["text"], format!("{needle} from s3"));
    assert_eq!(found[0]["stream"], "stdout");
    assert!(
        found[0]["timestamp"].as_str().is_some_and(|t| t.ends_with('Z') && t.len() == 30),
        "{}",
        found[0]
    );
    let out = run(&mut fx.dockmaster(&["logs", "s3", "--grep", "NEEDLE", "--tail", "5"]));
    assert!(
        out.stdout.is_empty(),
        "case-insensitive grep limited to the last 5 lines must not find the first line"
    );

    // The core path: small buffers, all ten services; every buffer stays within its limits and drops.
    let limits = (500usize, 64usize << 10);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (states, batches, lines) = rt.block_on(async {
        let project = Project::open(OpenOptions {
            project_name: Some(fx.project.clone()),
            ..OpenOptions::new(fx.path())
        })
        .expect("project");
        let selection = ServiceSelection::for_project(&project, &[]).expect("selection");
        let endpoint = Endpoint::resolve(&EndpointEnv::from_process()).expect("endpoint");
        let (handle, _updates) = EngineHandle::spawn(EngineConfig::new(project.name(), selection, endpoint));
        handle.first_contact().await.expect("engine");
        let config =
            LogConfig { max_lines: limits.0, max_bytes: limits.1, tail: Some(0), ..LogConfig::default() };
        let (follower, mut rx) =
            LogFollower::start(handle.link(), Vec::new(), Arc::new(Masker::none()), config);
        // Until a buffer has dropped lines (what this test is about) and a little more, at most 40 s: on a busy
        // machine the ten services write slower, so a fixed window may end before any buffer is full.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
        let mut overflowed_at: Option<tokio::time::Instant> = None;
        let (mut batches, mut lines) = (0usize, 0usize);
        while let Ok(Some(batch)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            assert!(batch.lines.len() <= 500, "a batch holds at most 500 lines: {}", batch.lines.len());
            for s in &batch.services {
                assert!(s.lines as usize <= limits.0 && s.bytes as usize <= limits.1, "{s:?}");
            }
            batches += 1;
            lines += batch.lines.len();
            if overflowed_at.is_none() && follower.states().iter().any(|s| s.dropped > 0.0) {
                overflowed_at = Some(tokio::time::Instant::now());
            }
            if overflowed_at.is_some_and(|at| at.elapsed() > Duration::from_secs(2)) {
                break;
            }
        }
        (follower.states(), batches, lines)
    });
    assert_eq!(states.len(), 10, "{states:?}");
    // How many lines arrive depends on the machine's load; the bound must hold whatever arrived, and what went
    // beyond a buffer must be counted as dropped.
    for s in &states {
        assert!(s.lines as usize <= limits.0 && s.bytes as usize <= limits.1, "{s:?}");
        assert_eq!(s.total, s.dropped + f64::from(s.lines), "{s:?}");
        if s.total > limits.0 as f64 {
            assert!(
                s.dropped > 0.0,
                "{} wrote more than its buffer holds, yet nothing was dropped: {s:?}",
                s.service
            );
        }
    }
    assert!(
        states.iter().any(|s| s.dropped > 0.0),
        "no service overflowed its {}-line buffer in 40 s ({lines} lines): the bound was not exercised",
        limits.0
    );
    assert!(batches * 500 >= lines, "batched: {batches} batches for {lines} lines");

    // The CLI following all of them: its memory levels off.
    let mut cli =
        Running::start(fx.dockmaster(&["logs", "-F", "--json", "--tail", "0", "--buffer-lines", "300"]));
    let warm = cli.drain(Duration::from_secs(4)).len();
    let early = rss_kib(cli.pid());
    let mut later = cli.drain(Duration::from_secs(8)).len();
    let late = rss_kib(cli.pid());
    later += cli.drain(Duration::from_millis(100)).len();
    let stderr = cli.terminate();
    eprintln!("CLI: {warm} + {later} lines; RSS {early} KiB after 4 s, {late} KiB after 12 s");
    // A loaded machine slows the engine, not the bound: only ask that lines kept flowing.
    assert!(later > 5_000, "the CLI kept reading: {later} lines in 8 s");
    assert!(late < 96 * 1024, "RSS {late} KiB");
    assert!(late < early + 24 * 1024, "RSS grew from {early} to {late} KiB");
    // The summary on exit: ten services, each at most 300 lines kept, what was received beyond that dropped
    // (`s0: 300 lines kept (0.0 MiB), 1212 dropped, 1512 received`).
    let rows: Vec<&str> = stderr.lines().filter(|l| l.contains(" lines kept (")).collect();
    assert_eq!(rows.len(), 10, "{stderr}");
    for row in rows {
        let number = |before: &str| -> u64 {
            let head = row.split(before).next().expect(row);
            head.rsplit([' ', ':']).find(|w| !w.is_empty()).and_then(|n| n.parse().ok()).expect(row)
        };
        let (kept, dropped, received) = (number(" lines kept"), number(" dropped"), number(" received"));
        assert!(kept <= 300, "{row}");
        assert_eq!(kept + dropped, received, "{row}");
        assert!(received <= 300 || dropped > 0, "{row}");
    }
}

#[test]
fn a_follow_reattaches_after_restart_and_recreate_without_losing_or_repeating_lines() {
    let script = "echo \"boot $$(date +%s)-$$RANDOM$$RANDOM\"; i=0; while :; do echo \"tick $$i\"; i=$$((i+1)); sleep 0.1; done";
    let fx = Fixture::new("reattach", &format!("services:\n{}", service("ticker", script)));
    fx.up();
    let mut cli = Running::start(fx.dockmaster(&["logs", "ticker", "--follow", "--json", "--tail", "all"]));
    let mut seen = Vec::new();
    let boots = |seen: &[Value]| {
        seen.iter().filter(|v| v["text"].as_str().is_some_and(|t| t.starts_with("boot "))).count()
    };
    cli.wait_for(&mut seen, "the first boot", Duration::from_secs(30), |v| v["text"] == "tick 5");

    let first = fx.container("ticker");
    run_ok(Command::new("docker").args(["restart", "-t", "1", &first]));
    cli.wait_for(&mut seen, "the second boot", Duration::from_secs(30), |v| {
        v["text"].as_str().is_some_and(|t| t.starts_with("boot "))
    });
    cli.wait_for(&mut seen, "ticks after the restart", Duration::from_secs(30), |v| v["text"] == "tick 5");
    assert_eq!(boots(&seen), 2);

    // Nothing lost, nothing twice: what we got is exactly the container's log up to our last line (both
    // runs of it, the restart in between).
    let ours: Vec<String> = seen.iter().map(stamped).collect();
    let last = seen.last().and_then(|v| v["timestamp"].as_str()).and_then(parse_rfc3339).expect("last stamp");
    let engine: Vec<String> =
        String::from_utf8_lossy(&run(Command::new("docker").args(["logs", "-t", &first])).stdout)
            .lines()
            .map(normalise_stamp)
            .filter(|l| l.split(' ').next().and_then(|n| n.parse::<i64>().ok()).is_some_and(|n| n <= last))
            .collect();
    assert_eq!(ours, engine, "the follow must show the container's log exactly once, in order");

    // A recreate: a new container of the same service, followed from its first line.
    run_ok(fx.compose().args(["up", "-d", "--force-recreate"]));
    let second = fx.container("ticker");
    assert_ne!(first, second);
    cli.wait_for(&mut seen, "the recreated container's boot", Duration::from_secs(30), |v| {
        v["text"].as_str().is_some_and(|t| t.starts_with("boot "))
    });
    cli.wait_for(&mut seen, "ticks of the new container", Duration::from_secs(30), |v| v["text"] == "tick 3");
    let stderr = cli.terminate();
    assert_eq!(boots(&seen), 3, "{stderr}");
    assert!(stderr.contains("is running again"), "{stderr}");
    let stamps: Vec<i64> =
        seen.iter().map(|v| v["timestamp"].as_str().and_then(parse_rfc3339).expect("timestamp")).collect();
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "timestamps strictly increase: no line twice");
}

/// A `--json` line as `<ns> <text>`.
fn stamped(v: &Value) -> String {
    let nanos = v["timestamp"].as_str().and_then(parse_rfc3339).unwrap_or_default();
    format!("{nanos} {}", v["text"].as_str().unwrap_or_default())
}

/// `docker logs -t` trims trailing zeros of the fraction; Dockmaster prints nine digits. Compare as nanoseconds.
fn normalise_stamp(line: &str) -> String {
    let (stamp, text) = line.split_once(' ').unwrap_or((line, ""));
    let nanos = parse_rfc3339(stamp).unwrap_or_default();
    format!("{nanos} {text}")
}

fn keychain_available(fx: &Fixture) -> Result<(), String> {
    let out = run(&mut fx.dockmaster(&["env", "--json"]));
    let json: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("env --json: {e}"))?;
    if json["keychain"]["available"] == true {
        Ok(())
    } else {
        Err(json["keychain"]["message"].to_string())
    }
}

/// Removes the test's keychain item even when it fails.
struct SecretCleanup<'a>(&'a Fixture, &'a str);

impl Drop for SecretCleanup<'_> {
    fn drop(&mut self) {
        let _ = run(&mut self.0.dockmaster(&["secret", "rm", self.1]));
    }
}

#[test]
#[cfg(target_os = "linux")]
fn a_secret_echoed_by_a_container_is_masked_in_output_and_export() {
    let script = "echo \"token=$$API_TOKEN\"; echo \"twice $$API_TOKEN/$$API_TOKEN end\" >&2; while :; do sleep 1; done";
    let compose =
        format!("services:\n{}    environment:\n      API_TOKEN: ${{API_TOKEN}}\n", service("leaky", script));
    let fx = Fixture::new("secret", &compose);
    if let Err(message) = keychain_available(&fx) {
        panic!(
            "no Secret Service reachable ({message}).\nThis test needs a real keychain: run it through \
             `tests/keychain/run.sh` (it starts a throwaway gnome-keyring under dbus-run-session)."
        );
    }
    let value = format!("tok-{:016x}-{:08x}", fastrand::u64(..), fastrand::u32(..));
    let _cleanup = SecretCleanup(&fx, "API_TOKEN");
    let mut set = fx.dockmaster(&["secret", "set", "API_TOKEN"]);
    let mut child =
        set.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("secret set");
    child.stdin.take().expect("stdin").write_all(value.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("secret set");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The secret reaches the container only through `exec`'s environment.
    let mut up = fx.dockmaster(&["exec", "--", "docker", "compose", "-p", &fx.project, "up", "-d"]);
    up.current_dir(fx.path());
    run_ok(&mut up);
    let id = fx.container("leaky");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let raw = run(Command::new("docker").args(["logs", &id]));
        let all = format!("{}{}", String::from_utf8_lossy(&raw.stdout), String::from_utf8_lossy(&raw.stderr));
        if all.contains("end") {
            assert!(all.contains(&value), "the container really printed the secret");
            break;
        }
        assert!(Instant::now() < deadline, "the container did not write its lines: {all}");
        std::thread::sleep(Duration::from_millis(200));
    }

    let out = run(&mut fx.dockmaster(&["logs", "--json"]));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains(&value) && !stderr.contains(&value), "the value leaked:\n{stdout}\n{stderr}");
    let texts: BTreeMap<String, String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        .map(|v| {
            (
                v["stream"].as_str().unwrap_or_default().to_string(),
                v["text"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(texts["stdout"], "token=[API_TOKEN hidden]");
    assert_eq!(texts["stderr"], "twice [API_TOKEN hidden]/[API_TOKEN hidden] end");

    let export: PathBuf = fx.path().join("export.log");
    let out = run(&mut fx.dockmaster(&["logs", "--export", export.to_str().expect("utf-8 path")]));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&export).expect("export written");
    assert!(!text.contains(&value), "the value leaked into the export:\n{text}");
    assert!(text.lines().any(|l| l.ends_with(" leaky | token=[API_TOKEN hidden]")), "{text}");
    assert!(
        text.lines()
            .any(|l| l.ends_with(" leaky (stderr) | twice [API_TOKEN hidden]/[API_TOKEN hidden] end")),
        "{text}"
    );
    assert!(
        text.lines().all(|l| parse_rfc3339(l.split(' ').next().unwrap_or("")).is_some()),
        "every exported line starts with its timestamp:\n{text}"
    );
}
