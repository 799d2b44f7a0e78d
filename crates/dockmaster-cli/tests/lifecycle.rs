//! `dockmaster up|down|stop|preflight|drift` on the real engine with Compose v1 and v2 (forced with
//! `DOCKMASTER_COMPOSE` or `--compose`), inside a real keychain: run through `tests/keychain/run.sh` (scripts/test.sh
//! does). Every test uses its own Compose project name, container prefix, ports and subnets, and removes what it
//! created when it ends, failed or not.
#![cfg(target_os = "linux")]

mod engine_support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine_support::{remove_project, repo, require_engine, Compose, DemoStack, DEV_SERVICES, IMAGE};
use serde_json::Value;

const MONITORING: [&str; 2] = ["grafana", "prometheus"];

fn flavor(c: Compose) -> &'static str {
    match c {
        Compose::V1 => "v1",
        Compose::V2 => "v2",
    }
}

/// Valid values for the variables the demo's gameserver requires (the preflight checks them).
fn required_env() -> Vec<(String, String)> {
    [
        ("JWT_SECRET", "lifecycle-test-jwt-secret-0123456789abcdefghijklmn"),
        ("SECRET_KEY", "lifecycle-test-secret-key"),
        ("ADMIN_USERNAME", "admin"),
        ("ADMIN_PASSWORD", "lifecycle-admin-password"),
        ("DATABASE_URL", "postgresql://postgres:lifecycle-db-pw@database:5432/sectorwars_dev"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// `dockmaster --project DIR -p NAME ARGS` with the developer's `COMPOSE_*` and `DOCKMASTER_COMPOSE` removed and
/// `env` added.
fn dm_command(dir: &Path, project: &str, args: &[&str], env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
    cmd.arg("--project").arg(dir).args(["-p", project]).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("COMPOSE_") || key == "DOCKMASTER_COMPOSE" {
            cmd.env_remove(key);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Every stdout line as JSON (each must be one object).
    fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\n{}", self.text()))
            })
            .collect()
    }

    /// The last line: the result (or the error).
    fn last(&self) -> Value {
        self.lines().pop().unwrap_or_else(|| panic!("no output:\n{}", self.text()))
    }

    fn events(&self) -> Vec<Value> {
        self.lines().into_iter().filter(|l| l["seq"].is_u64()).collect()
    }

    fn text(&self) -> String {
        format!("exit {:?}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

fn dm(dir: &Path, project: &str, args: &[&str], env: &[(String, String)]) -> Run {
    let out = dm_command(dir, project, args, env).output().expect("dockmaster runs");
    Run::from(out)
}

fn demo() -> PathBuf {
    repo().join("demo")
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The project's anonymous volumes (the dev override's `/app/node_modules`): they carry no project label and
/// outlive a `down` without `-v`, so the test records them while the containers exist and removes them when it
/// ends (if it fails before `down`, the containers still hold them and the stack's clean-up removes both).
struct AnonymousVolumes(Vec<String>);

impl AnonymousVolumes {
    fn of(project: &str) -> Self {
        let named = labelled("volume", project);
        let containers = labelled("container", project);
        let mut args =
            vec!["inspect", "-f", "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}} {{end}}{{end}}"];
        args.extend(containers.iter().map(String::as_str));
        let mut names: Vec<String> = docker(&args)
            .split_whitespace()
            .filter(|v| !named.iter().any(|n| n == v))
            .map(String::from)
            .collect();
        names.sort();
        names.dedup();
        AnonymousVolumes(names)
    }
}

impl Drop for AnonymousVolumes {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let mut args = vec!["volume", "rm"];
            args.extend(self.0.iter().map(String::as_str));
            docker(&args);
        }
    }
}

fn labelled(kind: &str, project: &str) -> Vec<String> {
    let filter = format!("label=com.docker.compose.project={project}");
    let mut args: Vec<&str> = match kind {
        "container" => vec!["ps", "-aq"],
        "volume" => vec!["volume", "ls", "-q"],
        _ => vec!["network", "ls", "-q"],
    };
    args.extend(["--filter", &filter]);
    let mut list: Vec<String> = docker(&args).split_whitespace().map(String::from).collect();
    list.sort();
    list
}

fn health(container: &str) -> String {
    docker(&[
        "inspect",
        "-f",
        "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}",
        container,
    ])
    .trim()
    .to_string()
}

/// The stack's env plus the required variables, with Compose forced to `c`.
fn stack_env(stack: &DemoStack, c: Compose) -> Vec<(String, String)> {
    let mut env = stack.env.clone();
    env.extend(required_env());
    env.push(("DOCKMASTER_COMPOSE".into(), flavor(c).into()));
    env
}

/// Fails (never skips) without a reachable keychain: `up` injects its secrets.
fn require_keychain() {
    let out = Command::new(env!("CARGO_BIN_EXE_dockmaster"))
        .arg("--project")
        .arg(demo())
        .args(["env", "--json"])
        .output()
        .expect("dockmaster runs");
    let json: Value = serde_json::from_slice(&out.stdout).expect("env --json");
    assert!(
        json["keychain"]["available"] == true,
        "no Secret Service reachable ({}).\nThe lifecycle tests inject secrets from a real keychain: run them through \
         `tests/keychain/run.sh` (scripts/test.sh does).",
        json["keychain"]["message"]
    );
}

fn states(result: &Value) -> Vec<(String, String, String)> {
    result["states"]
        .as_array()
        .expect("states")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_string(),
                s["state"].as_str().unwrap_or_default().to_string(),
                s["health"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn demo_lifecycle(c: Compose) {
    require_engine();
    require_keychain();
    let stack = DemoStack::new(c);
    let env = stack_env(&stack, c);
    let p = stack.project.as_str();

    // Development up to healthy.
    let run =
        dm(&demo(), p, &["--json", "up", "--profile", "development", "--wait", "--timeout", "120"], &env);
    assert_eq!(run.code, Some(0), "{}", run.text());
    let result = run.last();
    assert_eq!(result["kind"], "result", "{}", run.text());
    let r = &result["result"];
    assert_eq!(r["outcome"], "succeeded");
    assert_eq!(r["compose"]["flavor"], flavor(c));
    assert_eq!(r["compose"]["chosenBy"], "DOCKMASTER_COMPOSE");
    let mut got = states(r);
    got.sort();
    let want: Vec<(String, String, String)> =
        DEV_SERVICES.iter().map(|s| (s.to_string(), "running".into(), "healthy".into())).collect();
    assert_eq!(got, want, "{}", run.text());
    for s in DEV_SERVICES {
        assert_eq!(health(&stack.container(s)), "running/healthy", "{s}");
    }
    let events = run.events();
    assert_eq!(events.first().map(|e| e["kind"].clone()), Some("started".into()));
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().expect("seq")).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "seq not consecutive: {seqs:?}");
    for s in DEV_SERVICES {
        assert!(
            events.iter().any(|e| e["kind"] == "phase" && e["service"] == s && e["phase"] == "healthy"),
            "no healthy phase for {s}:\n{}",
            run.text()
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "gate" && e["service"] == "gameserver" && e["waitingFor"] == "database"),
        "no depends_on gate gameserver → database:\n{}",
        run.text()
    );
    // The process environment reached the container (Compose interpolated it).
    let gs_env = docker(&[
        "inspect",
        "-f",
        "{{range .Config.Env}}{{println .}}{{end}}",
        &stack.container("gameserver"),
    ]);
    assert!(gs_env.lines().any(|l| l == "ADMIN_USERNAME=admin"), "{gs_env}");

    // Adding monitoring starts only the monitoring services.
    let ids_before: Vec<String> = DEV_SERVICES
        .iter()
        .map(|s| docker(&["inspect", "-f", "{{.Id}}", &stack.container(s)]).trim().to_string())
        .collect();
    let run = dm(
        &demo(),
        p,
        &[
            "--json",
            "up",
            "--profile",
            "development",
            "--profile",
            "monitoring",
            "--wait",
            "--timeout",
            "120",
        ],
        &env,
    );
    assert_eq!(run.code, Some(0), "{}", run.text());
    let created: Vec<String> = run
        .events()
        .iter()
        .filter(|e| e["kind"] == "phase" && (e["phase"] == "creating" || e["phase"] == "created"))
        .filter_map(|e| e["service"].as_str().map(String::from))
        .collect();
    assert!(
        !created.is_empty() && created.iter().all(|s| MONITORING.contains(&s.as_str())),
        "created: {created:?}\n{}",
        run.text()
    );
    let ids_after: Vec<String> = DEV_SERVICES
        .iter()
        .map(|s| docker(&["inspect", "-f", "{{.Id}}", &stack.container(s)]).trim().to_string())
        .collect();
    assert_eq!(ids_before, ids_after, "development containers were recreated");
    for s in MONITORING {
        assert_eq!(health(&stack.container(s)), "running/healthy", "{s}");
    }

    // Drift: nothing changed since up. Compose v1's hash also covers the image ID: if another run rebuilt the
    // shared demo image meanwhile, v1 rightly reports those services (v2's hash names the image, not its ID).
    let current_image = docker(&["image", "inspect", "-f", "{{.Id}}", IMAGE]).trim().to_string();
    let image_changed = |service: &str| {
        c == Compose::V1
            && docker(&["inspect", "-f", "{{.Image}}", &stack.container(service)]).trim() != current_image
    };
    let drift_of = |drift: &Value| -> Vec<(String, bool)> {
        let mut v: Vec<(String, bool)> = drift["services"]
            .as_array()
            .expect("services")
            .iter()
            .map(|s| (s["name"].as_str().unwrap_or_default().to_string(), s["drift"] == true))
            .collect();
        v.sort();
        v
    };
    let all: Vec<&str> = DEV_SERVICES.iter().chain(MONITORING.iter()).copied().collect();
    let run =
        dm(&demo(), p, &["--json", "drift", "--profile", "development", "--profile", "monitoring"], &env);
    assert_eq!(run.code, Some(0), "{}", run.text());
    let drift = run.last();
    assert!(
        drift["services"].as_array().expect("services").iter().all(|s| s["configHash"].is_string()),
        "{drift}"
    );
    let mut want: Vec<(String, bool)> = all.iter().map(|s| (s.to_string(), image_changed(s))).collect();
    want.sort();
    assert_eq!(drift_of(&drift), want, "{drift}");
    // A changed variable is drift for the services that use it.
    let mut changed = env.clone();
    changed.push(("JWT_SECRET".into(), "a-different-jwt-secret-0123456789abcdefghijkl".into()));
    let drift =
        dm(&demo(), p, &["--json", "drift", "--profile", "development", "--profile", "monitoring"], &changed)
            .last();
    let mut want: Vec<(String, bool)> = all
        .iter()
        .map(|s| (s.to_string(), image_changed(s) || *s == "gameserver" || *s == "region-manager"))
        .collect();
    want.sort();
    assert_eq!(drift_of(&drift), want, "{drift}");

    // down removes the containers, keeps the volumes.
    let _anonymous = AnonymousVolumes::of(p);
    let volumes = labelled("volume", p);
    assert!(!volumes.is_empty());
    let run = dm(&demo(), p, &["--json", "down"], &env);
    assert_eq!(run.code, Some(0), "{}", run.text());
    assert_eq!(run.last()["result"]["outcome"], "succeeded");
    assert!(labelled("container", p).is_empty(), "containers left after down");
    assert_eq!(labelled("volume", p), volumes);

    // down --volumes without --yes refuses and lists them; with --yes removes them.
    let run = dm(&demo(), p, &["--json", "down", "--volumes"], &env);
    assert_eq!(run.code, Some(2), "{}", run.text());
    let refusal = run.last();
    assert_eq!(refusal["error"]["code"], "VOLUMES_UNCONFIRMED");
    let listed: Vec<String> = refusal["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(listed, volumes);
    assert_eq!(labelled("volume", p), volumes, "volumes deleted without confirmation");
    let human = dm(&demo(), p, &["down", "--volumes"], &env);
    assert_eq!(human.code, Some(2));
    assert!(
        volumes.iter().all(|v| human.stderr.contains(v.as_str())) && human.stderr.contains("--yes"),
        "{}",
        human.text()
    );

    let run = dm(&demo(), p, &["--json", "down", "--volumes", "--yes"], &env);
    assert_eq!(run.code, Some(0), "{}", run.text());
    let removed: Vec<String> = run.last()["result"]["removedVolumes"]
        .as_array()
        .expect("removedVolumes")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(removed, volumes);
    assert!(labelled("volume", p).is_empty() && labelled("container", p).is_empty());
}

#[test]
fn demo_stack_up_monitoring_drift_down_v2() {
    demo_lifecycle(Compose::V2);
}

#[test]
fn demo_stack_up_monitoring_drift_down_v1() {
    demo_lifecycle(Compose::V1);
}

/// A throwaway Compose project folder with one file; its project is removed (by label) on drop.
struct Fixture {
    dir: tempfile::TempDir,
    project: String,
    secrets: Vec<&'static str>,
}

impl Fixture {
    fn new(tag: &str, compose: &str) -> Fixture {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("compose.yaml"), compose.replace("IMAGE", IMAGE))
            .expect("compose.yaml");
        let project = format!("dmlc-{tag}-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
        Fixture { dir, project, secrets: Vec::new() }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn dm(&self, args: &[&str], env: &[(String, String)]) -> Run {
        dm(self.path(), &self.project, args, env)
    }

    fn secret_set(&mut self, name: &'static str, value: &str) {
        let mut child = dm_command(self.path(), &self.project, &["secret", "set", name], &[])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dockmaster runs");
        child.stdin.take().expect("stdin").write_all(value.as_bytes()).expect("stdin");
        let out = Run::from(child.wait_with_output().expect("wait"));
        assert_eq!(out.code, Some(0), "secret set {name}: {}", out.text());
        self.secrets.push(name);
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        remove_project(None, &self.project);
        for name in &self.secrets {
            let _ = dm(self.path(), &self.project, &["secret", "rm", name], &[]);
        }
    }
}

const SICK: &str = r#"services:
  sick:
    image: IMAGE
    pull_policy: never
    init: true
    stop_grace_period: 1s
    environment:
      - SICK_TOKEN=${SICK_TOKEN}
    command: ["sh", "-c", "echo sick-service-log-line token=$$SICK_TOKEN; echo second-log-line; exec sleep 1000"]
    healthcheck:
      test: ["CMD-SHELL", "echo probe-failed-marker token=$$SICK_TOKEN; exit 1"]
      interval: 1s
      timeout: 10s
      retries: 1000
"#;

/// A healthcheck that never passes: `up --wait --timeout` fails naming the service, with its probe output and
/// last log lines, the secret it prints masked.
#[test]
fn never_healthy_service_fails_with_probe_output_v1_and_v2() {
    require_engine();
    require_keychain();
    for c in [Compose::V2, Compose::V1] {
        let mut fx = Fixture::new(&format!("sick-{}", flavor(c)), SICK);
        let token = format!("sick-token-{}-{}", fastrand::u64(..), std::process::id());
        fx.secret_set("SICK_TOKEN", &token);
        let env = vec![("DOCKMASTER_COMPOSE".to_string(), flavor(c).to_string())];
        let started = Instant::now();
        // The timeout counts from the start of `up`: on a busy machine Compose v1 alone may take 6 s to create the
        // container, before the first probe has run; 15 s leaves room for several probes.
        let run = fx.dm(&["--json", "up", "--wait", "--timeout", "15"], &env);
        assert!(started.elapsed() < Duration::from_secs(50), "{c:?}: took {:?}", started.elapsed());
        assert_eq!(run.code, Some(5), "{c:?}: {}", run.text());
        let r = &run.last()["result"];
        assert_eq!(r["outcome"], "timedOut", "{c:?}: {}", run.text());
        let f = &r["failure"];
        assert_eq!(f["service"], "sick", "{c:?}: {}", run.text());
        let probe = f["probe"]["output"].as_str().unwrap_or_default();
        assert!(
            probe.contains("probe-failed-marker token=[SICK_TOKEN hidden]"),
            "{c:?}: probe {probe:?}\n{}",
            run.text()
        );
        assert_eq!(f["probe"]["exitCode"], 1);
        let logs: Vec<&str> = f["logs"].as_array().expect("logs").iter().filter_map(Value::as_str).collect();
        assert!(
            logs.contains(&"sick-service-log-line token=[SICK_TOKEN hidden]")
                && logs.contains(&"second-log-line"),
            "{logs:?}"
        );
        assert!(
            !run.stdout.contains(&token) && !run.stderr.contains(&token),
            "{c:?}: the secret leaked:\n{}",
            run.text()
        );
        // The container did get it.
        let container = labelled("container", &fx.project);
        let env_lines =
            docker(&["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", &container[0]]);
        assert!(env_lines.lines().any(|l| l == format!("SICK_TOKEN={token}")), "{env_lines}");

        // The human form says the same.
        let human = fx.dm(&["up", "--wait", "--timeout", "4"], &env);
        assert_eq!(human.code, Some(5), "{}", human.text());
        for needle in ["Failing service: sick", "probe-failed-marker", "sick-service-log-line", "Fix:"] {
            assert!(human.stdout.contains(needle), "{c:?}: `{needle}` missing:\n{}", human.text());
        }
        assert!(!human.stdout.contains(&token));
    }
}

/// A port held by this test process: preflight names the port, this process's PID and the variable that
/// moves it; `up` refuses before anything is created.
#[test]
fn preflight_names_port_holder_pid_and_variable() {
    require_engine();
    require_keychain();
    let port = engine_support::free_port();
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind");
    let stack = DemoStack::new(Compose::V2);
    let mut env = stack_env(&stack, Compose::V2);
    env.retain(|(k, _)| k != "GAMESERVER_PORT");
    env.push(("GAMESERVER_PORT".into(), port.to_string()));
    let p = stack.project.as_str();

    let run = dm(&demo(), p, &["--json", "preflight", "--profile", "development"], &env);
    assert_eq!(run.code, Some(7), "{}", run.text());
    let report = run.last();
    assert_eq!(report["ok"], false);
    let problems = report["problems"].as_array().expect("problems");
    let taken = problems.iter().find(|p| p["code"] == "PORT_TAKEN").unwrap_or_else(|| panic!("{report}"));
    assert_eq!(taken["port"], port);
    assert_eq!(taken["service"], "gameserver");
    assert_eq!(taken["variable"], "GAMESERVER_PORT");
    assert_eq!(taken["holder"]["kind"], "process");
    assert_eq!(taken["holder"]["pid"], std::process::id());
    // The fix suggests a port near the taken one that is free (the test's ports lie below the ephemeral range).
    let fix = taken["fix"].as_str().unwrap_or_default();
    let instead: u16 = fix
        .split_once("e.g. GAMESERVER_PORT=")
        .and_then(|(_, rest)| rest.trim_end_matches('.').parse().ok())
        .unwrap_or_else(|| panic!("no suggested port in {fix:?}"));
    assert!(instead > port && instead <= port + 100, "{instead} is near {port}");
    assert!(TcpListener::bind(("127.0.0.1", instead)).is_ok(), "{instead} is free");
    assert_eq!(problems.len(), 1, "only the port should block: {report}");

    let human = dm(&demo(), p, &["preflight", "--profile", "development"], &env);
    assert_eq!(human.code, Some(7));
    for needle in
        [format!("127.0.0.1:{port}"), format!("PID {}", std::process::id()), "GAMESERVER_PORT".into()]
    {
        assert!(human.stdout.contains(&needle), "`{needle}` missing:\n{}", human.text());
    }

    for c in [Compose::V2, Compose::V1] {
        let mut env = env.clone();
        env.retain(|(k, _)| k != "DOCKMASTER_COMPOSE");
        let run = dm(&demo(), p, &["--json", "up", "--profile", "development", "--compose", flavor(c)], &env);
        assert_eq!(run.code, Some(7), "{c:?}: {}", run.text());
        let last = run.last();
        assert_eq!(last["error"]["code"], "PREFLIGHT_BLOCKED");
        assert_eq!(last["preflight"]["problems"][0]["port"], port);
        assert!(
            labelled("container", p).is_empty() && labelled("network", p).is_empty(),
            "up created things"
        );
    }
    drop(listener);
    let run = dm(&demo(), p, &["--json", "preflight", "--profile", "development"], &env);
    assert_eq!(run.code, Some(0), "free again: {}", run.text());
}

const SLOW: &str = r#"services:
  base:
    image: IMAGE
    pull_policy: never
    init: true
    stop_grace_period: 1s
    command: ["sh", "-c", "exec sleep 1000"]
    healthcheck:
      test: ["CMD-SHELL", "test -e /tmp/ready"]
      interval: 1s
      timeout: 1s
      retries: 1000
  app:
    image: IMAGE
    pull_policy: never
    init: true
    stop_grace_period: 1s
    command: ["sh", "-c", "exec sleep 1000"]
    depends_on:
      base:
        condition: service_healthy
"#;

/// A running `dockmaster … --json` whose stdout lines are collected as they come.
struct Live {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Live {
    fn spawn(mut cmd: Command) -> Live {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("dockmaster starts");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        Live { child, lines, reader: Some(reader) }
    }

    fn wait_line(&self, what: &str, timeout: Duration, pred: impl Fn(&Value) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self
                .lines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| pred(&v)));
            if found {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; lines:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn text(&self) -> String {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).join("\n")
    }

    /// Waits for the exit (at most `timeout`), returning the status code and every stdout line.
    fn finish(mut self, timeout: Duration) -> (Option<i32>, Vec<Value>, String) {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("dockmaster did not exit within {timeout:?}:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
        }
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let values = lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
        (status.code(), values, stderr)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// PIDs (other than this test's) whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<(u32, String)> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        let zombie = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|s| s.rsplit_once(") ").map(|(_, r)| r.starts_with('Z')))
            .unwrap_or(false);
        if cmd.contains(needle) && !zombie {
            found.push((pid, cmd));
        }
    }
    found
}

fn sigint(pid: u32) {
    signal(pid, "INT");
}

/// Sends `SIG<name>` to `pid` (only ever a `dockmaster` this test started).
fn signal(pid: u32, name: &str) {
    let status =
        Command::new("kill").args([&format!("-{name}"), &pid.to_string()]).status().expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

/// Waits until no live process mentions `needle` (at most `timeout`); the ones left, if any.
fn wait_processes_gone(needle: &str, timeout: Duration) -> Vec<(u32, String)> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = processes_mentioning(needle);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// While `up` waits for a dependency, a second operation on the same project is refused with exit 6 naming
/// the running one; it never starts Compose. Once the first has ended, the next one runs.
#[test]
fn second_operation_is_refused_while_one_runs() {
    require_engine();
    require_keychain();
    let fx = Fixture::new("busy", SLOW);
    let env = vec![("DOCKMASTER_COMPOSE".to_string(), "v2".to_string())];
    let mut cmd = dm_command(
        fx.path(),
        &fx.project,
        &["--json", "up", "--wait", "--timeout", "60", "--grace", "3"],
        &env,
    );
    cmd.stdin(Stdio::null());
    let first = Live::spawn(cmd);
    first.wait_line("the first up to wait for base", Duration::from_secs(60), |v| {
        v["kind"] == "phase" && v["service"] == "base" && v["phase"] == "waiting"
    });

    for (args, c) in [(&["--json", "stop"][..], "v1"), (&["--json", "down"][..], "v2")] {
        let run = fx.dm(args, &[("DOCKMASTER_COMPOSE".to_string(), c.to_string())]);
        assert_eq!(run.code, Some(6), "{args:?}: {}", run.text());
        let last = run.last();
        assert_eq!(last["error"]["code"], "OPERATION_BUSY");
        let message = last["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("`up`") && message.contains(&format!("PID {}", first.child.id())),
            "{message}"
        );
        assert!(
            !run.events().iter().any(|e| e["message"].as_str().is_some_and(|m| m.starts_with("$ "))),
            "the refused operation ran Compose: {}",
            run.text()
        );
    }
    // Still only the first operation's doing: `app` was not started by anyone.
    assert_eq!(health(&format!("{}-app-1", fx.project)), "created/");

    // Let the first one finish: its dependency becomes healthy.
    let base = format!("{}-base-1", fx.project);
    docker(&["exec", &base, "sh", "-c", ": > /tmp/ready"]);
    let (code, lines, stderr) = first.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{stderr}\n{lines:?}");
    let run = fx.dm(&["--json", "stop"], &[("DOCKMASTER_COMPOSE".to_string(), "v1".to_string())]);
    assert_eq!(run.code, Some(0), "after the first ended: {}", run.text());
}

/// Ctrl-C during a slow start: the command ends (exit 130, outcome `cancelled`) and no Compose process of the
/// project is left behind.
#[test]
fn cancel_during_slow_start_leaves_no_compose_process_v1_and_v2() {
    require_engine();
    require_keychain();
    for c in [Compose::V2, Compose::V1] {
        let fx = Fixture::new(&format!("cancel-{}", flavor(c)), SLOW);
        let env = vec![("DOCKMASTER_COMPOSE".to_string(), flavor(c).to_string())];
        let mut cmd = dm_command(
            fx.path(),
            &fx.project,
            &["--json", "up", "--wait", "--timeout", "120", "--grace", "3"],
            &env,
        );
        cmd.stdin(Stdio::null());
        let live = Live::spawn(cmd);
        live.wait_line("base waiting for its healthcheck", Duration::from_secs(60), |v| {
            v["kind"] == "phase" && v["service"] == "base" && v["phase"] == "waiting"
        });
        let compose_pids = processes_mentioning(&fx.project);
        assert!(
            compose_pids.iter().any(|(_, cmd)| cmd.contains("compose")),
            "{c:?}: no Compose process seen while up runs: {compose_pids:?}"
        );
        let cancelled_at = Instant::now();
        sigint(live.child.id());
        let (code, lines, stderr) = live.finish(Duration::from_secs(30));
        assert!(
            cancelled_at.elapsed() < Duration::from_secs(15),
            "{c:?}: cancel took {:?}",
            cancelled_at.elapsed()
        );
        assert_eq!(code, Some(130), "{c:?}: {stderr}\n{lines:?}");
        let last = lines.last().expect("a result line");
        assert_eq!(last["result"]["outcome"], "cancelled", "{c:?}: {last}");
        let left = processes_mentioning(&fx.project);
        assert!(left.is_empty(), "{c:?}: processes left behind: {left:?}");
    }
}

/// Issue 14, finding 6: SIGTERM and SIGHUP end `up --wait` the way Ctrl-C does — Compose is stopped and reaped,
/// the result says cancelled, exit 130 — and the lock is free right after (the next operation runs).
#[test]
fn sigterm_and_sighup_cancel_like_ctrl_c_v1_and_v2() {
    require_engine();
    require_keychain();
    for (c, sig) in [(Compose::V2, "TERM"), (Compose::V1, "HUP"), (Compose::V1, "TERM")] {
        let fx = Fixture::new(&format!("sig{}-{}", sig.to_lowercase(), flavor(c)), SLOW);
        let env = vec![("DOCKMASTER_COMPOSE".to_string(), flavor(c).to_string())];
        let mut cmd = dm_command(
            fx.path(),
            &fx.project,
            &["--json", "up", "--wait", "--timeout", "120", "--grace", "3"],
            &env,
        );
        cmd.stdin(Stdio::null());
        let live = Live::spawn(cmd);
        live.wait_line("base waiting for its healthcheck", Duration::from_secs(60), |v| {
            v["kind"] == "phase" && v["service"] == "base" && v["phase"] == "waiting"
        });
        assert!(
            processes_mentioning(&fx.project).iter().any(|(_, cmd)| cmd.contains("compose")),
            "{c:?}: no Compose process seen while up runs"
        );
        let signalled_at = Instant::now();
        signal(live.child.id(), sig);
        let (code, lines, stderr) = live.finish(Duration::from_secs(30));
        assert!(
            signalled_at.elapsed() < Duration::from_secs(15),
            "{c:?} SIG{sig}: took {:?}",
            signalled_at.elapsed()
        );
        assert_eq!(code, Some(130), "{c:?} SIG{sig}: {stderr}\n{lines:?}");
        let last = lines.last().expect("a result line");
        assert_eq!(last["result"]["outcome"], "cancelled", "{c:?} SIG{sig}: {last}");
        let left = processes_mentioning(&fx.project);
        assert!(left.is_empty(), "{c:?} SIG{sig}: processes left behind: {left:?}");
        let run = fx.dm(&["--json", "stop"], &env);
        assert_eq!(run.code, Some(0), "{c:?} SIG{sig}: the lock is free again: {}", run.text());
    }
}

/// Issue 14, finding 6: `up --wait` killed outright (SIGKILL, no chance to clean up) leaves Compose running;
/// Compose still holds the project's lock, so a `down` started right away is refused as busy (naming both
/// PIDs) and never runs beside it. Once that Compose has ended, `down` runs.
#[test]
fn sigkilled_up_keeps_the_lock_while_its_compose_runs_v2_and_v1() {
    require_engine();
    require_keychain();
    for c in [Compose::V2, Compose::V1] {
        let fx = Fixture::new(&format!("kill-{}", flavor(c)), SLOW);
        let env = vec![("DOCKMASTER_COMPOSE".to_string(), flavor(c).to_string())];
        let mut cmd =
            dm_command(fx.path(), &fx.project, &["--json", "up", "--wait", "--timeout", "90"], &env);
        cmd.stdin(Stdio::null());
        let live = Live::spawn(cmd);
        live.wait_line("base waiting for its healthcheck", Duration::from_secs(60), |v| {
            v["kind"] == "phase" && v["service"] == "base" && v["phase"] == "waiting"
        });
        let dockmaster_pid = live.child.id();
        signal(dockmaster_pid, "KILL");
        let (code, _, _) = live.finish(Duration::from_secs(10));
        assert_eq!(code, None, "{c:?}: dockmaster was killed by the signal");
        let compose: Vec<(u32, String)> = processes_mentioning(&fx.project)
            .into_iter()
            .filter(|(_, cmd)| cmd.contains("compose"))
            .collect();
        assert!(!compose.is_empty(), "{c:?}: Compose should have outlived the killed dockmaster");

        let run = fx.dm(&["--json", "down"], &env);
        assert_eq!(run.code, Some(6), "{c:?}: down must be refused while Compose runs: {}", run.text());
        let last = run.last();
        assert_eq!(last["error"]["code"], "OPERATION_BUSY", "{c:?}: {last}");
        let message = last["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("`up`") && message.contains(&format!("PID {dockmaster_pid}")), "{message}");
        assert!(
            compose.iter().any(|(pid, _)| message.contains(&format!("Compose (PID {pid})"))),
            "{c:?}: the message names Compose's PID ({compose:?}): {message}"
        );
        assert!(
            !run.events().iter().any(|e| e["message"].as_str().is_some_and(|m| m.starts_with("$ "))),
            "{c:?}: the refused down ran Compose: {}",
            run.text()
        );

        // Let that Compose finish on its own: its dependency becomes healthy.
        let base = docker(&[
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.compose.project={}", fx.project),
            "--filter",
            "label=com.docker.compose.service=base",
        ]);
        let made_ready = Command::new("docker")
            .args(["exec", base.trim(), "sh", "-c", ": > /tmp/ready"])
            .status()
            .expect("docker runs");
        assert!(made_ready.success(), "{c:?}: cannot mark base ready ({base:?})");
        let left = wait_processes_gone(&fx.project, Duration::from_secs(60));
        assert!(left.is_empty(), "{c:?}: Compose did not end: {left:?}");
        let run = fx.dm(&["--json", "down"], &env);
        assert_eq!(run.code, Some(0), "{c:?}: down after Compose ended: {}", run.text());
        assert!(labelled("container", &fx.project).is_empty(), "{c:?}: down left containers");
    }
}

/// Issue 14, finding 5, end to end: without XDG_RUNTIME_DIR, a world-writable `$TMPDIR/dockmaster-<uid>` made
/// in advance with the predictable lock file linked to a victim file no longer lets `dockmaster stop` write
/// the victim: the lock lives under `$XDG_STATE_HOME`. A world-writable `$XDG_RUNTIME_DIR/dockmaster` is refused
/// with its name and the fix, and the operation does not run.
#[test]
fn planted_lock_folders_are_not_trusted() {
    use std::os::unix::fs::PermissionsExt;
    require_engine();
    let fx = Fixture::new("lockdir", SLOW);
    let tmp = tempfile::tempdir().expect("tmp");
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "precious data\n").expect("victim");
    let tmpdir = tmp.path().join("tmp");
    let uid = String::from_utf8_lossy(&Command::new("id").arg("-u").output().expect("id").stdout)
        .trim()
        .to_string();
    let planted = tmpdir.join(format!("dockmaster-{uid}"));
    std::fs::create_dir_all(&planted).expect("planted");
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let root = fx.path().canonicalize().expect("root");
    let lock_name = dockmaster_core::lifecycle::lock::path_for(Path::new(""), &root, &fx.project);
    std::os::unix::fs::symlink(&victim, planted.join(&lock_name)).expect("symlink");
    let state = tmp.path().join("state");

    let mut cmd = dm_command(
        fx.path(),
        &fx.project,
        &["--json", "stop"],
        &[
            ("DOCKMASTER_COMPOSE".to_string(), "v2".to_string()),
            ("TMPDIR".to_string(), tmpdir.display().to_string()),
            ("XDG_STATE_HOME".to_string(), state.display().to_string()),
        ],
    );
    cmd.env_remove("XDG_RUNTIME_DIR");
    let run = Run::from(cmd.output().expect("dockmaster runs"));
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious data\n",
        "the victim was written"
    );
    assert_eq!(run.code, Some(0), "{}", run.text());
    let locks = state.join("dockmaster/locks");
    assert_eq!(std::fs::metadata(&locks).expect("lock folder").permissions().mode() & 0o777, 0o700);
    assert!(locks.join(&lock_name).is_file(), "the lock was not taken under XDG_STATE_HOME");

    // A planted, world-writable runtime folder is refused, named, with the fix.
    let runtime = tmp.path().join("run");
    std::fs::create_dir_all(runtime.join("dockmaster")).expect("runtime");
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    std::fs::set_permissions(runtime.join("dockmaster"), std::fs::Permissions::from_mode(0o777))
        .expect("chmod");
    let run = fx.dm(
        &["--json", "stop"],
        &[
            ("DOCKMASTER_COMPOSE".to_string(), "v2".to_string()),
            ("XDG_RUNTIME_DIR".to_string(), runtime.display().to_string()),
        ],
    );
    assert_eq!(run.code, Some(5), "{}", run.text());
    let last = run.last();
    assert_eq!(last["error"]["code"], "OPERATION_LOCK_FAILED", "{last}");
    let message = last["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&runtime.join("dockmaster").display().to_string()) && message.contains("chmod 700"),
        "{message}"
    );
    assert!(
        !run.events().iter().any(|e| e["message"].as_str().is_some_and(|m| m.starts_with("$ "))),
        "Compose ran without the lock: {}",
        run.text()
    );
    assert_eq!(
        std::fs::metadata(runtime.join("dockmaster")).expect("meta").permissions().mode() & 0o777,
        0o777,
        "the folder was changed"
    );
}

/// Every regular file under `dir` that contains `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                if let Ok(bytes) = std::fs::read(&path) {
                    if bytes.windows(needle.len()).any(|w| w == needle) {
                        found.push(path);
                    }
                }
            }
        }
    }
    found
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        let meta = std::fs::symlink_metadata(entry.path()).expect("meta");
        if meta.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if meta.is_file() {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Issue 5's leak hunt: a secret stored with `dockmaster secret set` reaches the gameserver container's
/// environment through `up`, and nothing else: no file under the project or the app's folders, not the CLI's
/// output, no command line seen while `up` runs. The Compose child gets a curated environment (a stray
/// variable stays out; a process variable wins over `.env`).
#[test]
fn secret_reaches_only_the_container_v2() {
    require_engine();
    require_keychain();
    let copy = tempfile::tempdir().expect("tmp");
    let project_dir = copy.path().join("sw");
    copy_dir(&demo(), &project_dir);
    std::fs::write(project_dir.join(".env"), "ADMIN_USERNAME=from-dotenv\nENVIRONMENT=dotenv-environment\n")
        .expect(".env");
    let xdg = tempfile::tempdir().expect("tmp");
    let stack = DemoStack::new(Compose::V2);
    let project = stack.project.clone();
    let secret = format!("leak-hunt-jwt-{}-{}-{}", fastrand::u64(..), fastrand::u64(..), std::process::id());
    let set = {
        let mut child = dm_command(&project_dir, &project, &["secret", "set", "JWT_SECRET"], &[])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dockmaster runs");
        child.stdin.take().expect("stdin").write_all(secret.as_bytes()).expect("stdin");
        Run::from(child.wait_with_output().expect("wait"))
    };
    let _cleanup = KeychainCleanup(project_dir.clone(), project.clone());
    assert_eq!(set.code, Some(0), "{}", set.text());

    let mut env = stack_env(&stack, Compose::V2);
    env.retain(|(k, _)| k != "JWT_SECRET" && k != "ADMIN_USERNAME");
    env.push(("ADMIN_USERNAME".into(), "from-process".into()));
    env.push(("FOO_STRAY".into(), "stray-value-must-not-reach-compose".into()));
    for (k, sub) in [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_RUNTIME_DIR", "run"),
    ] {
        let d = xdg.path().join(sub);
        std::fs::create_dir_all(&d).expect("xdg");
        env.push((k.into(), d.display().to_string()));
    }

    // Watch every command line (and the Compose children's environments) while up runs.
    let stop = Arc::new(AtomicBool::new(false));
    let seen_in_cmdline: Arc<Mutex<Vec<String>>> = Arc::default();
    let compose_envs: Arc<Mutex<Vec<String>>> = Arc::default();
    let watcher = {
        let (stop, seen, envs) = (stop.clone(), seen_in_cmdline.clone(), compose_envs.clone());
        let (secret, project) = (secret.clone(), project.clone());
        std::thread::spawn(move || {
            let mut scans = 0u32;
            while !stop.load(Ordering::Relaxed) {
                for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                    let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) else { continue };
                    let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
                    if cmd.contains(&secret) {
                        seen.lock().unwrap_or_else(|e| e.into_inner()).push(cmd.clone());
                    }
                    if cmd.contains(&project) && cmd.contains("compose") {
                        if let Ok(environ) = std::fs::read(entry.path().join("environ")) {
                            envs.lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push(String::from_utf8_lossy(&environ).into_owned());
                        }
                    }
                }
                scans += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            scans
        })
    };
    let run = dm(
        &project_dir,
        &project,
        &["--json", "up", "--profile", "development", "--wait", "--timeout", "120"],
        &env,
    );
    stop.store(true, Ordering::Relaxed);
    let scans = watcher.join().expect("watcher");
    assert_eq!(run.code, Some(0), "{}", run.text());
    assert!(scans > 10, "the /proc watcher barely ran ({scans} scans)");

    // It reached the container.
    let gs = stack.container("gameserver");
    let container_env = docker(&["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", &gs]);
    assert!(
        container_env.lines().any(|l| l == format!("JWT_SECRET={secret}")),
        "JWT_SECRET did not reach {gs}"
    );
    // Compose precedence kept: the process wins over .env; .env still applies where the process is silent.
    assert!(container_env.lines().any(|l| l == "ADMIN_USERNAME=from-process"), "{container_env}");
    assert!(container_env.lines().any(|l| l == "ENVIRONMENT=dotenv-environment"), "{container_env}");

    // And nowhere else.
    assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret), "the CLI printed the secret");
    let seen = seen_in_cmdline.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(seen.is_empty(), "the secret was on a command line: {seen:?}");
    for dir in [project_dir.as_path(), xdg.path()] {
        let files = files_containing(dir, secret.as_bytes());
        assert!(files.is_empty(), "the secret was written to {files:?}");
    }
    // The operation lock lived in our runtime folder and holds no secret (checked above); it is empty now.
    let locks: Vec<PathBuf> = std::fs::read_dir(xdg.path().join("run/dockmaster"))
        .expect("lock dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(
        !locks.is_empty() && locks.iter().all(|l| std::fs::read(l).expect("read").is_empty()),
        "{locks:?}"
    );

    // The Compose child had the secret in its environment, and no stray variable.
    let envs = compose_envs.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(!envs.is_empty(), "no Compose process was seen");
    for environ in &envs {
        let vars: Vec<&str> = environ.split('\0').collect();
        assert!(vars.contains(&format!("JWT_SECRET={secret}").as_str()), "Compose did not get JWT_SECRET");
        assert!(!vars.iter().any(|v| v.starts_with("FOO_STRAY=")), "a stray variable reached Compose");
        assert!(vars.contains(&"ADMIN_USERNAME=from-process"));
    }

    let run = dm(&project_dir, &project, &["--json", "down", "--volumes", "--yes"], &env);
    assert_eq!(run.code, Some(0), "{}", run.text());
    drop(stack);
    drop(copy);
}

/// Removes the leak-hunt secret from the keychain even when the test fails.
struct KeychainCleanup(PathBuf, String);

impl Drop for KeychainCleanup {
    fn drop(&mut self) {
        let _ = dm(&self.0, &self.1, &["secret", "rm", "JWT_SECRET"], &[]);
    }
}

// ---- `down --volumes` deletes exactly what was confirmed (issue 14, finding 16) ----

/// Whether the engine has a volume of that name.
fn volume_exists(name: &str) -> bool {
    Command::new("docker").args(["volume", "inspect", name]).output().expect("docker runs").status.success()
}

fn create_volume(name: &str, labels: &[String]) {
    let mut cmd = Command::new("docker");
    cmd.args(["volume", "create"]);
    for l in labels {
        cmd.args(["--label", l]);
    }
    let out = cmd.arg(name).output().expect("docker runs");
    assert!(out.status.success(), "docker volume create {name}: {}", String::from_utf8_lossy(&out.stderr));
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Removes, however the test ends, the project's containers (with their anonymous volumes) and networks, and
/// every volume the test made or had Compose make, by name: the hand-made ones must stay unlabelled.
struct VolumeCleanup {
    project: String,
    names: Vec<String>,
}

impl Drop for VolumeCleanup {
    fn drop(&mut self) {
        remove_project(None, &self.project);
        let mut args = vec!["volume", "rm", "-f"];
        args.extend(self.names.iter().map(String::as_str));
        docker(&args);
    }
}

const KEEPME: &str = r#"services:
  app:
    image: IMAGE
    pull_policy: never
    command: ["sh", "-c", "exec sleep 1000"]
    volumes: [keepme:/keep]
volumes:
  keepme: {}
"#;

/// The reported case: a volume `P_keepme` made by hand (no label) for a project whose files declare `keepme`.
/// `down --volumes` without `--yes` lists it, flagged as not created by Compose, and deletes nothing (before the
/// fix it listed nothing and Compose deleted it); with `--yes` exactly it goes.
#[test]
fn hand_made_volume_of_a_declared_name_is_listed_and_kept_until_confirmed_v1_and_v2() {
    require_engine();
    require_keychain();
    for c in [Compose::V2, Compose::V1] {
        let fx = Fixture::new(&format!("keepme-{}", flavor(c)), KEEPME);
        let keepme = format!("{}_keepme", fx.project);
        let _cleanup = VolumeCleanup { project: fx.project.clone(), names: vec![keepme.clone()] };
        create_volume(&keepme, &[]);
        let env = vec![("DOCKMASTER_COMPOSE".to_string(), flavor(c).to_string())];

        let run = fx.dm(&["--json", "down", "--volumes"], &env);
        assert_eq!(run.code, Some(2), "{c:?}: {}", run.text());
        let refusal = run.last();
        assert_eq!(refusal["error"]["code"], "VOLUMES_UNCONFIRMED", "{c:?}: {refusal}");
        assert_eq!(strings(&refusal["volumes"]), [keepme.as_str()], "{c:?}: {refusal}");
        let detail = &refusal["details"][0];
        assert_eq!(detail["name"], keepme.as_str());
        assert_eq!(detail["kind"], "declared");
        assert_eq!(detail["declaredAs"], "keepme");
        assert_eq!(detail["createdByCompose"], false, "{c:?}: {detail}");
        assert!(
            detail["warning"].as_str().unwrap_or_default().contains("NOT created by this project's Compose"),
            "{c:?}: {detail}"
        );
        assert!(volume_exists(&keepme), "{c:?}: deleted without confirmation");

        let human = fx.dm(&["down", "--volumes"], &env);
        assert_eq!(human.code, Some(2), "{c:?}: {}", human.text());
        for needle in
            [keepme.as_str(), "declared as `keepme`", "NOT created by this project's Compose", "--yes"]
        {
            assert!(human.stderr.contains(needle), "{c:?}: `{needle}` missing:\n{}", human.text());
        }
        assert!(volume_exists(&keepme), "{c:?}: deleted without confirmation");

        let run = fx.dm(&["--json", "down", "--volumes", "--yes"], &env);
        assert_eq!(run.code, Some(0), "{c:?}: {}", run.text());
        assert_eq!(
            strings(&run.last()["result"]["removedVolumes"]),
            [keepme.as_str()],
            "{c:?}: {}",
            run.text()
        );
        assert!(!volume_exists(&keepme), "{c:?}: confirmed but not deleted");
    }
}

const MANY_VOLUMES: &str = r#"services:
  app:
    image: IMAGE
    pull_policy: never
    init: true
    stop_grace_period: 1s
    labels: {dockmaster.test: "1"}
    command: ["sh", "-c", "exec sleep 1000"]
    volumes:
      - keepme:/keep
      - data:/data
      - ext:/ext
      - /scratch
  later:
    image: IMAGE
    pull_policy: never
    profiles: [later]
    labels: {dockmaster.test: "1"}
    command: ["sh", "-c", "exec sleep 1000"]
    volumes:
      - {type: volume, source: late, target: /late}
volumes:
  keepme: {}
  data:
    labels: {dockmaster.test: "1"}
  ext:
    external: true
    name: EXTERNAL
  late:
    labels: {dockmaster.test: "1"}
  spare:
    labels: {dockmaster.test: "1"}
"#;

/// The list is what Compose deletes, on both versions: declared volumes by name (v1 also the declared volume no
/// service mounts, v2 not), the anonymous volume of the running container, never the external volume, a volume
/// that only carries the project's label, or another project's volume. A volume that appears between the list
/// and the run makes the run refuse (nothing removed, the new list returned); the confirmed list then removes
/// exactly what it names.
fn down_volumes_removes_exactly_the_list(c: Compose) {
    require_engine();
    require_keychain();
    let salt = format!("{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    let external = format!("dmlc-ext-{salt}");
    let other_project = format!("dmlc-other-{salt}");
    let fx = Fixture::new(&format!("vols-{}", flavor(c)), &MANY_VOLUMES.replace("EXTERNAL", &external));
    let p = fx.project.clone();
    let vol = |key: &str| format!("{p}_{key}");
    let other = format!("{other_project}_data");
    let mut cleanup = VolumeCleanup {
        project: p.clone(),
        names: vec![
            external.clone(),
            other.clone(),
            vol("keepme"),
            vol("data"),
            vol("late"),
            vol("spare"),
            vol("stray"),
        ],
    };
    let test_label = "dockmaster.test=1".to_string();
    let project_label = format!("com.docker.compose.project={p}");
    create_volume(&external, std::slice::from_ref(&test_label));
    create_volume(&vol("keepme"), &[]);
    create_volume(&vol("stray"), &[project_label.clone(), test_label.clone()]);
    create_volume(&other, &[format!("com.docker.compose.project={other_project}"), test_label.clone()]);
    create_volume(
        &vol("spare"),
        &[project_label.clone(), "com.docker.compose.volume=spare".into(), test_label.clone()],
    );
    let env = vec![("DOCKMASTER_COMPOSE".to_string(), flavor(c).to_string())];

    let run = fx.dm(&["--json", "up"], &env);
    assert_eq!(run.code, Some(0), "{c:?}: {}", run.text());
    let containers = labelled("container", &p);
    assert_eq!(containers.len(), 1, "{c:?}: {containers:?}");
    let container =
        docker(&["inspect", "-f", "{{.Name}}", &containers[0]]).trim().trim_start_matches('/').to_string();
    let anonymous = docker(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{if eq .Destination \"/scratch\"}}{{.Name}}{{end}}{{end}}",
        &containers[0],
    ])
    .trim()
    .to_string();
    assert!(
        anonymous.len() == 64 && anonymous.chars().all(|ch| ch.is_ascii_hexdigit()),
        "{c:?}: {anonymous:?}"
    );
    cleanup.names.push(anonymous.clone());
    // v1's `up` creates every declared volume, v2's only the mounted ones: start both from "late is absent".
    if volume_exists(&vol("late")) {
        assert_eq!(c, Compose::V1, "v2 created a volume no started service mounts");
        docker(&["volume", "rm", &vol("late")]);
    }
    assert!(!volume_exists(&vol("late")));
    assert!(volume_exists(&vol("data")), "{c:?}: Compose did not create the declared volume");

    let mut expected = vec![anonymous.clone(), vol("data"), vol("keepme")];
    if c == Compose::V1 {
        expected.push(vol("spare"));
    }
    expected.sort();
    let all: Vec<String> = cleanup.names.clone();
    let existing_before: Vec<String> = all.iter().filter(|v| volume_exists(v)).cloned().collect();

    // Without --yes: the list, and nothing done.
    let run = fx.dm(&["--json", "down", "--volumes"], &env);
    assert_eq!(run.code, Some(2), "{c:?}: {}", run.text());
    let refusal = run.last();
    assert_eq!(refusal["error"]["code"], "VOLUMES_UNCONFIRMED", "{c:?}: {refusal}");
    assert_eq!(strings(&refusal["volumes"]), expected, "{c:?}: {refusal}");
    let details = refusal["details"].as_array().expect("details");
    let detail = |name: &str| {
        details
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("{c:?}: no detail for {name}: {refusal}"))
    };
    assert_eq!(detail(&vol("keepme"))["createdByCompose"], false);
    assert!(detail(&vol("keepme"))["warning"]
        .as_str()
        .unwrap_or_default()
        .contains("NOT created by this project's Compose"));
    assert_eq!(detail(&vol("data"))["createdByCompose"], true);
    assert_eq!(detail(&vol("data"))["declaredAs"], "data");
    assert!(detail(&vol("data"))["warning"].is_null());
    assert_eq!(detail(&anonymous)["kind"], "anonymous");
    assert_eq!(strings(&detail(&anonymous)["containers"]), [container.as_str()]);
    assert!(
        detail(&anonymous)["reason"].as_str().unwrap_or_default().contains("/scratch"),
        "{c:?}: {refusal}"
    );
    let still: Vec<String> = all.iter().filter(|v| volume_exists(v)).cloned().collect();
    assert_eq!(still, existing_before, "{c:?}: volumes deleted without confirmation");
    assert_eq!(labelled("container", &p), containers, "{c:?}: the refusal removed containers");

    // A declared volume appears between the list and the run (restored from a backup, say): the list that was
    // confirmed no longer matches, so the run refuses, names it, and Compose never runs.
    create_volume(&vol("late"), &[]);
    let mut args = vec!["--json", "down", "--volumes"];
    for v in &expected {
        args.extend(["--confirm", v.as_str()]);
    }
    let run = fx.dm(&args, &env);
    assert_eq!(run.code, Some(2), "{c:?}: {}", run.text());
    let refusal = run.last();
    assert_eq!(refusal["error"]["code"], "VOLUMES_UNCONFIRMED", "{c:?}: {refusal}");
    let mut now = expected.clone();
    now.push(vol("late"));
    now.sort();
    assert_eq!(strings(&refusal["volumes"]), now, "{c:?}: {refusal}");
    let message = refusal["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("not confirmed: {}", vol("late"))), "{c:?}: {message}");
    assert!(
        !run.events().iter().any(|e| e["message"].as_str().is_some_and(|m| m.starts_with("$ "))),
        "{c:?}: Compose ran although the list differed: {}",
        run.text()
    );
    let mut want: Vec<String> = existing_before.iter().cloned().chain([vol("late")]).collect();
    want.sort();
    let mut still: Vec<String> = all.iter().filter(|v| volume_exists(v)).cloned().collect();
    still.sort();
    assert_eq!(still, want, "{c:?}: the refusal deleted volumes");
    assert_eq!(labelled("container", &p), containers, "{c:?}: the refusal removed containers");

    // Confirming the new list removes exactly it.
    let mut args = vec!["--json", "down", "--volumes"];
    for v in &now {
        args.extend(["--confirm", v.as_str()]);
    }
    let run = fx.dm(&args, &env);
    assert_eq!(run.code, Some(0), "{c:?}: {}", run.text());
    let r = &run.last()["result"];
    assert_eq!(r["outcome"], "succeeded", "{c:?}: {}", run.text());
    assert_eq!(strings(&r["removedVolumes"]), now, "{c:?}: {}", run.text());
    let mut gone: Vec<String> = all.iter().filter(|v| !volume_exists(v)).cloned().collect();
    gone.sort();
    assert_eq!(gone, now, "{c:?}: Compose deleted other volumes than the confirmed ones");
    for kept in [&external, &other, &vol("stray")] {
        assert!(volume_exists(kept), "{c:?}: {kept} was deleted");
    }
    assert_eq!(volume_exists(&vol("spare")), c == Compose::V2, "{c:?}: spare");
    assert!(labelled("container", &p).is_empty(), "{c:?}: containers left");
}

#[test]
fn down_volumes_removes_exactly_the_confirmed_list_v2() {
    down_volumes_removes_exactly_the_list(Compose::V2);
}

#[test]
fn down_volumes_removes_exactly_the_confirmed_list_v1() {
    down_volumes_removes_exactly_the_list(Compose::V1);
}
