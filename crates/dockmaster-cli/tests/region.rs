//! Region provisioning against the real engine and the real keychain (run through `tests/keychain/run.sh`;
//! without a Secret Service these tests fail, they are not skipped), on the demo stack's regional template:
//! request validation, free ports and subnets, apply with health and database reachability, labels and
//! limits, rollback after injected failures and a cancel, and regions found again by a new process.
//! Each test uses its own Compose project name; everything it creates is removed by label on drop.
#![cfg(target_os = "linux")]

mod engine_support;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use dockmaster_core::region::{self, ApplyOptions, ApplyStep, CancellationToken, PlanOptions, RegionError};
use dockmaster_core::{OpenOptions, Project};
use engine_support::{free_port, free_subnet, remove_project, repo, require_engine, run, run_ok};
use serde_json::Value;

const OWNER: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";

/// One Compose project with the networks the template joins; removes every region and network of it on drop.
struct Stack {
    project: String,
    /// Region names created (their keychain entries are removed on drop).
    regions: std::cell::RefCell<Vec<String>>,
    /// `XDG_STATE_HOME` of every `dockmaster` run: where region applies keep their journals.
    state: tempfile::TempDir,
}

impl Stack {
    fn new(tag: &str) -> Stack {
        require_engine();
        let project = format!("dmreg-{tag}-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
        Stack { project, regions: Default::default(), state: tempfile::tempdir().expect("state folder") }
    }

    /// What `docker compose --profile multi-regional up` would create first: the project's two networks.
    fn networks_up(&self) {
        for key in ["nexus-network", "regional-network"] {
            let compose_key = format!("com.docker.compose.network={key}");
            self.network(&format!("{}_{key}", self.project), &free_subnet(), &["--label", &compose_key]);
        }
    }

    /// Creates network `name` on `subnet`, labelled with the project (removed on drop), plus `extra` arguments.
    fn network(&self, name: &str, subnet: &str, extra: &[&str]) {
        let project = format!("com.docker.compose.project={}", self.project);
        let mut cmd = Command::new("docker");
        cmd.args([
            "network",
            "create",
            "--label",
            &project,
            "--label",
            "dockmaster.test=1",
            "--subnet",
            subnet,
        ]);
        run_ok(cmd.args(extra).arg(name));
    }

    fn dm(&self, args: &[&str]) -> Output {
        self.dm_files(&[], args)
    }

    /// `dockmaster --project demo -p PROJECT [-f FILE…] ARGS`.
    fn dm_files(&self, files: &[PathBuf], args: &[&str]) -> Output {
        run(&mut self.command(files, args))
    }

    /// The command [`Stack::dm_files`] runs (journals under the stack's own state folder).
    fn command(&self, files: &[PathBuf], args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
        cmd.arg("--project").arg(repo().join("demo")).args(["-p", &self.project]);
        for f in files {
            cmd.arg("-f").arg(f);
        }
        for (key, _) in std::env::vars() {
            if key.starts_with("COMPOSE_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("XDG_STATE_HOME", self.state.path());
        cmd.args(args);
        cmd
    }

    /// The region apply journals left in the stack's state folder.
    fn journals(&self) -> Vec<PathBuf> {
        let dir = self.state.path().join("dockmaster/region-applies");
        std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect()
    }

    /// Waits (at most 90 s) until the engine has a container named `name`.
    fn wait_container(&self, name: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        let filter = format!("name=^/{name}$");
        while run_ok(Command::new("docker").args(["ps", "-aq", "--filter", &filter])).trim().is_empty() {
            assert!(std::time::Instant::now() < deadline, "{name} was not created within 90 s");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    fn track(&self, region: &str) {
        self.regions.borrow_mut().push(region.to_string());
    }

    /// IDs/names of everything labelled as this project's (or one region's) region objects.
    fn objects(&self, region: Option<&str>) -> BTreeSet<String> {
        let mut filters = vec![format!("label=dev.dockmaster.project={}", self.project)];
        if let Some(r) = region {
            filters.push(format!("label=dev.dockmaster.region={r}"));
        }
        let mut out = BTreeSet::new();
        for (kind, list) in [
            ("container", vec!["ps", "-aq"]),
            ("network", vec!["network", "ls", "-q"]),
            ("volume", vec!["volume", "ls", "-q"]),
        ] {
            let mut args: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            for f in &filters {
                args.extend(["--filter".to_string(), f.clone()]);
            }
            for id in run_ok(Command::new("docker").args(&args)).split_whitespace() {
                out.insert(format!("{kind} {id}"));
            }
        }
        out
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let label = format!("label=dev.dockmaster.project={}", self.project);
        let docker = |args: &[&str]| {
            String::from_utf8_lossy(&run(Command::new("docker").args(args)).stdout)
                .split_whitespace()
                .map(String::from)
                .collect::<Vec<_>>()
        };
        for (list, remove) in [
            (vec!["ps", "-aq", "--filter", &label], vec!["rm", "-f", "-v"]),
            (vec!["network", "ls", "-q", "--filter", &label], vec!["network", "rm"]),
            (vec!["volume", "ls", "-q", "--filter", &label], vec!["volume", "rm"]),
        ] {
            let ids = docker(&list);
            if !ids.is_empty() {
                let mut args = remove.clone();
                args.extend(ids.iter().map(String::as_str));
                docker(&args);
            }
        }
        remove_project(None, &self.project);
        let root = repo().join("demo");
        for r in self.regions.borrow().iter() {
            let _ = region::secret::forget_password(&root, &self.project, r);
        }
    }
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The JSON lines `region create --json` prints.
fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| {
                panic!("bad line ({e}): {l}\nstderr: {}", String::from_utf8_lossy(&out.stderr))
            })
        })
        .collect()
}

fn text(out: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A port P with P+1 free too (so a two-port range holds exactly the ports the test controls).
fn port_pair() -> u16 {
    loop {
        let p = free_port();
        if p < u16::MAX
            && TcpListener::bind(("127.0.0.1", p + 1)).is_ok()
            && TcpListener::bind(("0.0.0.0", p + 1)).is_ok()
        {
            return p;
        }
    }
}

/// A /23 pool (two /24s) no network uses.
fn pool23() -> String {
    let s = free_subnet(); // 10.x.y.0/24
    let parts: Vec<u32> = s.trim_end_matches(".0/24").split('.').map(|p| p.parse().expect("octet")).collect();
    format!("10.{}.{}.0/23", parts[1], parts[2] & !1)
}

fn inspect(name: &str, format: &str) -> String {
    run_ok(Command::new("docker").args(["inspect", "-f", format, name])).trim().to_string()
}

fn keychain_password(project: &str, region: &str) -> Option<String> {
    let service = region::secret::service(&repo().join("demo"), project, region);
    let out = run(Command::new("secret-tool").args([
        "lookup",
        "service",
        &service,
        "username",
        "REGION_DB_PASSWORD",
    ]));
    Some(String::from_utf8_lossy(&out.stdout).to_string()).filter(|v| out.status.success() && !v.is_empty())
}

#[test]
fn plan_refuses_every_invalid_request_with_field_rule_and_value() {
    let stack = Stack::new("valid");
    // (extra args, field, value given)
    let cases: &[(&[&str], &str, &str)] = &[
        (&["ab", "--owner", OWNER], "name", "ab"),
        (&["has.dot", "--owner", OWNER], "name", "has.dot"),
        (&["ADMIN", "--owner", OWNER], "name", "ADMIN"),
        (&["central-nexus", "--owner", OWNER], "name", "central-nexus"),
        (&["okname", "--owner", "not-a-uuid"], "ownerId", "not-a-uuid"),
        (&["okname", "--owner", OWNER, "--cpus", "9"], "cpuCores", "9"),
        (&["okname", "--owner", OWNER, "--cpus", "0.5"], "cpuCores", "0.5"),
        (&["okname", "--owner", OWNER, "--memory-gb", "1"], "memoryGb", "1"),
        (&["okname", "--owner", OWNER, "--memory-gb", "17"], "memoryGb", "17"),
        (&["okname", "--owner", OWNER, "--max-players", "9"], "maxPlayers", "9"),
        (&["okname", "--owner", OWNER, "--max-players", "1001"], "maxPlayers", "1001"),
        (&["okname", "--owner", OWNER, "--governance", "anarchy"], "governance", "anarchy"),
        (&["okname", "--owner", OWNER, "--economy", "piracy"], "economy", "piracy"),
        (&["okname", "--owner", OWNER, "--starting-credits", "99"], "startingCredits", "99"),
        (&["okname", "--owner", OWNER, "--starting-ship", "big ship"], "startingShip", "big ship"),
    ];
    for (args, field, value) in cases {
        let mut all = vec!["region", "plan", "--json"];
        all.extend_from_slice(args);
        let out = stack.dm(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let e = &json(&out)["error"];
        assert_eq!(e["code"], "REGION_INVALID", "{e}");
        assert_eq!(e["fields"][0]["field"], *field, "{e}");
        assert_eq!(e["fields"][0]["value"], *value, "{e}");
        assert!(e["fields"][0]["rule"].as_str().is_some_and(|r| !r.is_empty()), "{e}");
        assert!(e["message"].as_str().is_some_and(|m| m.contains(field)), "{e}");
    }
    // Several rules at once, in a human message.
    let out = stack.dm(&["region", "plan", "x", "--owner", "nope", "--memory-gb", "99"]);
    assert_eq!(out.status.code(), Some(2));
    let msg = text(&out);
    assert!(msg.contains("name ") && msg.contains("ownerId ") && msg.contains("memoryGb "), "{msg}");
    // A valid request on a project whose stack is not up: the preflight says what to start.
    let out = stack.dm(&["region", "plan", "--json", "okname", "--owner", OWNER]);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    let e = &json(&out)["error"];
    assert_eq!(e["code"], "REGION_PREFLIGHT");
    let msg = e["message"].as_str().unwrap_or_default();
    assert!(msg.contains(&format!("{}_nexus-network", stack.project)), "{msg}");
    assert!(msg.contains("dockmaster up --profile multi-regional"), "{msg}");
}

#[test]
fn ports_and_subnets_avoid_listeners_and_existing_networks() {
    let stack = Stack::new("pick");
    stack.networks_up();

    // A port a test listener holds is skipped; with no other port in the range, the plan says so.
    let port = port_pair();
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("listen");
    let range = format!("{port}-{}", port + 1);
    let out = stack.dm(&["region", "plan", "--json", "pick-one", "--owner", OWNER, "--port-range", &range]);
    assert!(out.status.success(), "{}", text(&out));
    let plan = json(&out);
    assert_eq!(plan["ports"][0]["hostPort"], port + 1, "{}", plan["ports"]);
    let only = format!("{port}-{port}");
    let out = stack.dm(&["region", "plan", "--json", "pick-one", "--owner", OWNER, "--port-range", &only]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert_eq!(json(&out)["error"]["code"], "REGION_NO_FREE_PORT");
    drop(listener);

    // An existing network's subnet is skipped: a /23 pool with one /24 taken leaves the other.
    let pool = pool23();
    let base: Vec<u32> =
        pool.trim_end_matches(".0/23").split('.').map(|p| p.parse().expect("octet")).collect();
    let (first, second) =
        (format!("10.{}.{}.0/24", base[1], base[2]), format!("10.{}.{}.0/24", base[1], base[2] + 1));
    for taken in [&first, &second] {
        let blocker = format!("{}-blocker", stack.project);
        stack.network(&blocker, taken, &[]);
        let out =
            stack.dm(&["region", "plan", "--json", "pick-two", "--owner", OWNER, "--subnet-pool", &pool]);
        run_ok(Command::new("docker").args(["network", "rm", &blocker]));
        assert!(out.status.success(), "{}", text(&out));
        let plan = json(&out);
        let created: Vec<&Value> = plan["networks"]
            .as_array()
            .expect("networks")
            .iter()
            .filter(|n| n["action"] == "create")
            .collect();
        let other = if taken == &first { &second } else { &first };
        assert_eq!(created[0]["subnet"], other.as_str(), "{taken} is taken: {}", plan["networks"]);
    }
    // Nothing was created by planning.
    assert!(stack.objects(None).is_empty(), "{:?}", stack.objects(None));
}

#[test]
fn regions_apply_healthy_survive_restarts_and_roll_back_exactly() {
    let stack = Stack::new("apply");
    stack.networks_up();
    let port = port_pair();
    let range = format!("{port}-{}", port + 1);
    let pool = pool23();
    // A and B fill this two-port range and this two-subnet pool; the failing applies get their own.
    let (other_port, other_pool) = (port_pair(), pool23());
    let other_range = format!("{other_port}-{}", other_port + 1);
    let create_in = |range: &str, pool: &str, name: &str, files: &[PathBuf], extra: &[&str]| {
        stack.track(name);
        let mut args = vec![
            "region",
            "create",
            "--json",
            "--yes",
            name,
            "--owner",
            OWNER,
            "--port-range",
            range,
            "--subnet-pool",
            pool,
        ];
        args.extend_from_slice(extra);
        stack.dm_files(files, &args)
    };
    let create = |name: &str, files: &[PathBuf], extra: &[&str]| create_in(&range, &pool, name, files, extra);
    let create_other = |name: &str, files: &[PathBuf], extra: &[&str]| {
        create_in(&other_range, &other_pool, name, files, extra)
    };

    // Region A: up and healthy.
    let out = create(
        "reg-a",
        &[],
        &["--cpus", "2", "--memory-gb", "4", "--max-players", "250", "--governance", "council"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let l = lines(&out);
    assert_eq!(l[0]["kind"], "plan");
    let last = l.last().expect("result");
    assert_eq!(last["kind"], "result", "{last}");
    assert_eq!(last["info"]["health"], "healthy", "{last}");
    let steps: Vec<String> = l
        .iter()
        .filter(|v| v["kind"] == "event" && v["status"] == "done")
        .map(|v| v["step"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        steps,
        [
            "storePassword",
            "createNetwork",
            "createVolume",
            "createDb",
            "startDb",
            "waitDbHealthy",
            "createServer",
            "startServer",
            "waitServerHealthy"
        ]
    );
    let (db, server) =
        (format!("{}-region-reg-a-db", stack.project), format!("{}-region-reg-a-server", stack.project));
    let url = last["region"]["serverUrl"].as_str().expect("url").to_string();
    let a_port: u16 = url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
    assert!(a_port == port || a_port == port + 1, "{url}");

    // The password lives in the keychain only: the container has it, no output shows it.
    let password = keychain_password(&stack.project, "reg-a").expect("password in the keychain");
    assert_eq!(password.len(), 32);
    let env = inspect(&db, "{{range .Config.Env}}{{println .}}{{end}}");
    assert!(
        env.lines().any(|l| l == format!("POSTGRES_PASSWORD={password}")),
        "the database got its password"
    );
    assert!(!text(&out).contains(&password), "the password was printed");

    // From inside the server, the host in DATABASE_URL answers on the database port.
    let server_env = inspect(&server, "{{range .Config.Env}}{{println .}}{{end}}");
    let url_line = server_env.lines().find(|l| l.starts_with("DATABASE_URL=")).expect("DATABASE_URL");
    let authority = url_line.split('@').nth(1).and_then(|r| r.split('/').next()).expect("host:port");
    assert_eq!(authority, "reg-a-db:5432");
    let fetch =
        |url: &str| run_ok(Command::new("docker").args(["exec", &server, "wget", "-q", "-O", "-", url]));
    let answer = fetch(&format!("http://{authority}/"));
    assert!(answer.contains("regional-db-template"), "{answer}");
    // And the published port answers on the host.
    let got = fetch("http://127.0.0.1:8080/");
    assert!(got.contains("regional-server-template"), "{got}");

    // Labels and limits, as `docker inspect` shows them.
    for (name, service) in [(&db, "db"), (&server, "server")] {
        let labels: Value = serde_json::from_str(&inspect(name, "{{json .Config.Labels}}")).expect("labels");
        assert_eq!(labels["region"], "reg-a");
        assert_eq!(labels["service"], service);
        assert_eq!(labels["owner"], OWNER);
        assert_eq!(labels["dev.dockmaster.region"], "reg-a");
        assert_eq!(labels["dev.dockmaster.project"], stack.project.as_str());
        // Compose labels an image may carry are blanked: `docker compose down` must not take it for its own.
        assert!(labels.get("com.docker.compose.project").is_none_or(|v| v == ""), "{labels}");
    }
    assert_eq!(
        inspect(&server, "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}"),
        format!("{} 2000000000", 4u64 << 30)
    );
    assert_eq!(
        inspect(&db, "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}"),
        format!("{} 600000000", 1228u64 << 20)
    );
    let net_labels = inspect(&format!("{}-region-reg-a-network", stack.project), "{{json .Labels}}");
    assert!(net_labels.contains("\"dev.dockmaster.region\":\"reg-a\""), "{net_labels}");
    let vol_labels = inspect(&format!("{}-region-reg-a-regional_assets", stack.project), "{{json .Labels}}");
    assert!(vol_labels.contains("\"owner\":\"3f2b8c1e"), "{vol_labels}");
    assert!(
        server_env.lines().any(|l| l == "MAX_PLAYERS=250")
            && server_env.lines().any(|l| l == "GOVERNANCE_TYPE=council")
    );

    // Region B in the same two-port range and /23 pool: the other port, the other subnet.
    let out = create("reg-b", &[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let l = lines(&out);
    let b_plan = &l[0]["plan"];
    let b_port = b_plan["ports"][0]["hostPort"].as_u64().expect("port");
    assert_ne!(b_port, u64::from(a_port));
    let subnets: BTreeSet<String> = [
        format!("{}-region-reg-a-network", stack.project),
        format!("{}-region-reg-b-network", stack.project),
    ]
    .iter()
    .map(|n| inspect(n, "{{range .IPAM.Config}}{{.Subnet}}{{end}}"))
    .collect();
    assert_eq!(subnets.len(), 2, "{subnets:?}");

    // A region of that name exists: refused.
    let out = stack.dm(&["region", "plan", "--json", "REG-A", "--owner", OWNER]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(json(&out)["error"]["fields"][0]["field"], "name");

    // A new process finds both again, with their health.
    let out = stack.dm(&["region", "ls", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let regions = json(&out)["regions"].clone();
    let names: Vec<&str> =
        regions.as_array().expect("list").iter().map(|r| r["name"].as_str().unwrap_or_default()).collect();
    assert_eq!(names, ["reg-a", "reg-b"]);
    for r in regions.as_array().expect("list") {
        assert_eq!((r["state"].as_str(), r["health"].as_str()), (Some("running"), Some("healthy")), "{r}");
        assert_eq!(r["containers"].as_array().map(Vec::len), Some(2));
    }
    assert_eq!(regions[0]["serverUrl"], url.as_str());
    // The live store (`status`) finds them too, by the same labels.
    let out = stack.dm(&["status", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let snapshot = json(&out);
    let live: Vec<(&str, &str)> = snapshot["regions"]
        .as_array()
        .expect("regions in the snapshot")
        .iter()
        .map(|r| (r["name"].as_str().unwrap_or_default(), r["health"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(live, [("reg-a", "healthy"), ("reg-b", "healthy")]);
    let out = stack.dm(&["region", "show", "--json", "reg-a"]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = json(&out);
    assert_eq!(shown["request"]["maxPlayers"], 250);
    assert_eq!(shown["dbHost"], "reg-a-db");
    assert!(
        !out.stdout.windows(password.len()).any(|w| w == password.as_bytes()),
        "show printed the password"
    );

    // Failure injection: each failed apply leaves nothing of its own and touches nothing else.
    let before = stack.objects(None);
    let tmp = tempfile::tempdir().expect("tmp");
    let demo_file = repo().join("demo/docker-compose.yml");
    let override_with = |name: &str, yaml: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, yaml).expect("override");
        vec![demo_file.clone(), path]
    };
    let no_image = override_with(
        "no-image.yml",
        "services:\n  regional-server-template:\n    image: dockmaster/no-such-image:missing\n",
    );
    let out = create_other("reg-c", &no_image, &[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let l = lines(&out);
    let err = &l.last().expect("error")["error"];
    assert_eq!(err["code"], "REGION_APPLY_FAILED", "{err}");
    assert!(
        err["message"].as_str().is_some_and(|m| m.contains("create server") && m.contains("no-such-image")),
        "{err}"
    );
    let removed = err["rollback"]["removed"].as_array().expect("removed").len();
    assert!(removed >= 4, "db container, network, volume, password: {err}");
    assert!(err["rollback"]["leftBehind"].as_array().is_some_and(Vec::is_empty), "{err}");
    assert!(stack.objects(Some("reg-c")).is_empty(), "{:?}", stack.objects(Some("reg-c")));
    assert_eq!(stack.objects(None), before);
    assert!(keychain_password(&stack.project, "reg-c").is_none(), "the password this apply stored is gone");

    let never_healthy = override_with(
        "unhealthy.yml",
        "services:\n  regional-server-template:\n    healthcheck:\n      test: [\"CMD-SHELL\", \"exit 1\"]\n",
    );
    let out = create_other("reg-d", &never_healthy, &["--health-timeout", "4"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let l = lines(&out);
    let err = &l.last().expect("error")["error"];
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("wait for server healthy") && m.contains("within 4 s")),
        "{err}"
    );
    assert!(stack.objects(Some("reg-d")).is_empty());
    assert_eq!(stack.objects(None), before);

    // Cancel mid-apply (while the database is being waited for), through the core API.
    stack.track("reg-e");
    let project = Project::open(OpenOptions {
        dir: repo().join("demo"),
        project_name: Some(stack.project.clone()),
        ..Default::default()
    })
    .expect("project");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let outcome = rt.block_on(async {
        let endpoint =
            dockmaster_core::engine::Endpoint::resolve(&dockmaster_core::engine::EndpointEnv::from_process())
                .expect("endpoint");
        let selection =
            dockmaster_core::engine::ServiceSelection::for_project(&project, &[]).expect("selection");
        let (handle, _rx) = dockmaster_core::engine::EngineHandle::spawn(
            dockmaster_core::engine::EngineConfig::new(project.name(), selection, endpoint),
        );
        let docker = handle.connected().await.expect("engine");
        let options = PlanOptions {
            port_first: other_port,
            port_last: other_port + 1,
            subnet_pools: vec![other_pool.clone()],
            ..Default::default()
        };
        let plan = region::prepare(&docker, &project, &region::RegionRequest::new("reg-e", OWNER), &options)
            .await
            .expect("plan");
        // The journal under the stack's state folder, as the CLI runs have it.
        let options = ApplyOptions {
            journal_dir: Some(stack.state.path().join("dockmaster/region-applies")),
            ..Default::default()
        };
        let cancel = CancellationToken::new();
        let trigger = cancel.clone();
        let seen = std::sync::Mutex::new(Vec::new());
        let progress = |e: region::ApplyEvent| {
            if e.step == ApplyStep::WaitDbHealthy {
                trigger.cancel();
            }
            seen.lock().expect("lock").push(e);
        };
        let result = region::apply(&docker, &project, &plan, &options, &cancel, &progress).await;
        (result, seen.into_inner().expect("events"))
    });
    match outcome.0 {
        Err(RegionError::Cancelled { step, rollback, .. }) => {
            assert_eq!(step, "wait for database healthy");
            assert!(rollback.removed.iter().any(|r| r.starts_with("container ")), "{rollback:?}");
            assert!(rollback.removed.iter().any(|r| r.starts_with("network ")), "{rollback:?}");
            assert!(rollback.left_behind.is_empty(), "{rollback:?}");
        }
        other => panic!("expected a cancelled apply, got {other:?}"),
    }
    assert!(outcome.1.iter().any(|e| e.step == ApplyStep::Rollback), "rollback progress is reported");
    assert!(stack.objects(Some("reg-e")).is_empty(), "{:?}", stack.objects(Some("reg-e")));
    assert_eq!(stack.objects(None), before);
    assert!(keychain_password(&stack.project, "reg-e").is_none());
    assert!(stack.journals().is_empty(), "the rolled-back apply left its journal: {:?}", stack.journals());

    // Stop/start, then remove: volumes stay unless confirmed; a new region of that name reuses them.
    let out = stack.dm(&["region", "stop", "--json", "reg-b"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&out)["state"], "exited");
    let out = stack.dm(&["region", "start", "--json", "reg-b"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        (json(&out)["state"].as_str(), json(&out)["health"].as_str()),
        (Some("running"), Some("healthy"))
    );
    let out = stack.dm(&["region", "rm", "--json", "reg-b", "--volumes"]);
    assert_eq!(out.status.code(), Some(2), "without --yes nothing is removed: {}", text(&out));
    assert_eq!(json(&out)["error"]["volumes"][0], format!("{}-region-reg-b-regional_assets", stack.project));
    let out = stack.dm(&["region", "rm", "--json", "reg-b", "--volumes", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&out)["passwordRemoved"], true);
    assert!(stack.objects(Some("reg-b")).is_empty());
    assert!(keychain_password(&stack.project, "reg-b").is_none());

    let out = stack.dm(&["region", "rm", "--json", "reg-a"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&out)["keptVolumes"][0], format!("{}-region-reg-a-regional_assets", stack.project));
    assert_eq!(keychain_password(&stack.project, "reg-a").as_deref(), Some(password.as_str()));
    let out = create("reg-a", &[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let plan = &lines(&out)[0]["plan"];
    assert_eq!(plan["volumes"][0]["action"], "reuse");
    assert_eq!(plan["password"]["action"], "reuse");
    let env = inspect(&db, "{{range .Config.Env}}{{println .}}{{end}}");
    assert!(env.lines().any(|l| l == format!("POSTGRES_PASSWORD={password}")), "the kept password is reused");
    let out = stack.dm(&["region", "rm", "reg-a", "--volumes", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stack.objects(None).is_empty(), "{:?}", stack.objects(None));
}

/// `region create` of a region whose server never becomes healthy, started in the background (output to files
/// in `tmp`), in a two-port range and a /23 pool of its own.
fn start_unhealthy_create(stack: &Stack, tmp: &Path, name: &str) -> Background {
    stack.track(name);
    let override_file = tmp.join("unhealthy.yml");
    std::fs::write(
        &override_file,
        "services:\n  regional-server-template:\n    healthcheck:\n      test: [\"CMD-SHELL\", \"exit 1\"]\n      retries: 1000\n",
    )
    .expect("override");
    let files = [repo().join("demo/docker-compose.yml"), override_file];
    let port = port_pair();
    let (range, pool) = (format!("{port}-{}", port + 1), pool23());
    let out_path = tmp.join(format!("{name}.out"));
    let mut cmd = stack.command(
        &files,
        &[
            "region",
            "create",
            "--json",
            "--yes",
            name,
            "--owner",
            OWNER,
            "--port-range",
            &range,
            "--subnet-pool",
            &pool,
            "--health-timeout",
            "300",
        ],
    );
    let out = std::fs::File::create(&out_path).expect("out");
    cmd.stdin(Stdio::null()).stdout(out.try_clone().expect("out")).stderr(out);
    Background { child: cmd.spawn().expect("dockmaster starts"), out: out_path }
}

/// A `dockmaster` this test started in the background; killed (by its PID) if the test ends before it does.
struct Background {
    child: std::process::Child,
    out: PathBuf,
}

impl Background {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (at most `secs`) for it to exit; its exit code (`None`: ended by a signal) and its output.
    fn wait_exit(&mut self, secs: u64) -> (Option<i32>, String) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return (status.code(), std::fs::read_to_string(&self.out).unwrap_or_default());
            }
            assert!(
                std::time::Instant::now() < deadline,
                "dockmaster did not exit within {secs} s:\n{}",
                std::fs::read_to_string(&self.out).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends `SIG<name>` to `pid` (only ever a `dockmaster` this test started).
fn signal(pid: u32, name: &str) {
    let status =
        Command::new("kill").args([&format!("-{name}"), &pid.to_string()]).status().expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

/// The engine objects labelled with one apply's ID.
fn apply_objects(apply_id: &str) -> Vec<String> {
    let filter = format!("label=dev.dockmaster.region.apply={apply_id}");
    let mut out = Vec::new();
    for list in [vec!["ps", "-aq"], vec!["network", "ls", "-q"], vec!["volume", "ls", "-q"]] {
        let mut args = list.clone();
        args.extend(["--filter", &filter]);
        out.extend(run_ok(Command::new("docker").args(&args)).split_whitespace().map(String::from));
    }
    out
}

/// Issue 14, finding 6: an apply killed outright (SIGKILL) after its database step. While it ran, `up` on the
/// project was refused as busy (an apply holds the project's operation lock). Afterwards `region ls` shows the
/// region as interrupted with the fix; `region rm` asks to confirm the volumes that apply created (with that
/// reason), then removes it completely: containers, network, volume and the password it generated.
#[test]
fn killed_apply_is_shown_interrupted_and_removed_completely() {
    let stack = Stack::new("killed");
    stack.networks_up();
    let tmp = tempfile::tempdir().expect("tmp");
    let mut create = start_unhealthy_create(&stack, tmp.path(), "reg-k");
    stack.wait_container(&format!("{}-region-reg-k-db", stack.project));

    // An apply and an `up` never run together.
    let up = stack.dm(&["--json", "up"]);
    assert_eq!(up.status.code(), Some(6), "up during an apply: {}", text(&up));
    let refusal = json(&up);
    assert_eq!(refusal["error"]["code"], "OPERATION_BUSY", "{refusal}");
    let message = refusal["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("region create reg-k") && message.contains(&format!("PID {}", create.pid())),
        "{message}"
    );

    signal(create.pid(), "KILL");
    let (code, output) = create.wait_exit(10);
    assert_eq!(code, None, "killed by the signal: {output}");
    let volume = format!("{}-region-reg-k-regional_assets", stack.project);
    let before = stack.objects(Some("reg-k"));
    assert!(before.iter().any(|o| o.starts_with("container ")), "the db container is left: {before:?}");
    assert!(keychain_password(&stack.project, "reg-k").is_some(), "the apply stored a password");

    // Listed as interrupted, with the apply and what it created.
    let out = stack.dm(&["region", "ls", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let regions = json(&out)["regions"].clone();
    let r = regions
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r["name"] == "reg-k")
        .expect("reg-k listed")
        .clone();
    let apply_id =
        r["interrupted"]["applyId"].as_str().unwrap_or_else(|| panic!("not interrupted: {r}")).to_string();
    assert_eq!(r["interrupted"]["volumes"], serde_json::json!([volume]), "{r}");
    assert_eq!(r["interrupted"]["passwordGenerated"], true, "{r}");
    assert!(
        r["interrupted"]["fix"].as_str().is_some_and(|f| f.contains("dockmaster region rm reg-k")),
        "{r}"
    );
    assert!(!apply_objects(&apply_id).is_empty());
    let human = stack.dm(&["region", "ls"]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("interrupted"), "{}", text(&human));
    let shown = stack.dm(&["region", "show", "--json", "reg-k"]);
    assert!(
        json(&shown)["warnings"]
            .as_array()
            .is_some_and(|w| w.iter().any(|w| w.as_str().is_some_and(|w| w.contains(&apply_id)))),
        "{}",
        text(&shown)
    );

    // Removing it asks for the volume, naming why; nothing is removed without the confirmation.
    let out = stack.dm(&["region", "rm", "reg-k"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains(&volume) && said.contains(&format!("created by the interrupted apply {apply_id}")),
        "{said}"
    );
    assert_eq!(stack.objects(Some("reg-k")), before, "something was removed without confirmation");

    let out = stack.dm(&["region", "rm", "--json", "reg-k", "--volumes", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let report = json(&out);
    assert_eq!(report["passwordRemoved"], true, "{report}");
    assert_eq!(report["volumes"], serde_json::json!([volume]), "{report}");
    assert!(stack.objects(Some("reg-k")).is_empty(), "{:?}", stack.objects(Some("reg-k")));
    assert!(apply_objects(&apply_id).is_empty(), "{:?}", apply_objects(&apply_id));
    assert!(keychain_password(&stack.project, "reg-k").is_none(), "the password is left");
    let service = region::secret::service(&repo().join("demo"), &stack.project, "reg-k");
    let search = run(Command::new("secret-tool").args(["search", "--all", "service", &service]));
    assert!(
        String::from_utf8_lossy(&search.stdout).trim().is_empty(),
        "keychain items left: {}",
        text(&search)
    );
    assert!(stack.journals().is_empty(), "journal left: {:?}", stack.journals());
    let out = stack.dm(&["region", "ls", "--json"]);
    assert!(!json(&out)["regions"].as_array().expect("list").iter().any(|r| r["name"] == "reg-k"));
}

/// Issue 14, finding 6: SIGTERM during `region create` rolls back completely, like Ctrl-C (exit 130).
#[test]
fn sigterm_during_region_create_rolls_back_completely() {
    let stack = Stack::new("term");
    stack.networks_up();
    let tmp = tempfile::tempdir().expect("tmp");
    let mut create = start_unhealthy_create(&stack, tmp.path(), "reg-t");
    stack.wait_container(&format!("{}-region-reg-t-db", stack.project));
    signal(create.pid(), "TERM");
    let (code, output) = create.wait_exit(60);
    assert_eq!(code, Some(130), "{output}");
    let last: Value = output
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Value>(l).ok())
        .unwrap_or_else(|| panic!("no JSON line:\n{output}"));
    assert_eq!(last["error"]["code"], "REGION_APPLY_CANCELLED", "{last}");
    assert!(last["error"]["rollback"]["leftBehind"].as_array().is_some_and(Vec::is_empty), "{last}");
    assert!(stack.objects(Some("reg-t")).is_empty(), "{:?}", stack.objects(Some("reg-t")));
    assert!(keychain_password(&stack.project, "reg-t").is_none(), "the password is left");
    assert!(stack.journals().is_empty(), "journal left: {:?}", stack.journals());
}
