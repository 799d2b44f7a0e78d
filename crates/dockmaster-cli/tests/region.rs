//! Region provisioning against the real engine and the real keychain (run through `tests/keychain/run.sh`;
//! without a Secret Service these tests fail, they are not skipped), on the demo stack's regional template:
//! request validation, free ports and subnets, apply with health and database reachability, labels and
//! limits, rollback after injected failures and a cancel, and regions found again by a new process.
//! Each test uses its own Compose project name; everything it creates is removed by label on drop.
#![cfg(target_os = "linux")]

mod engine_support;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

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
}

impl Stack {
    fn new(tag: &str) -> Stack {
        require_engine();
        let project = format!("dmreg-{tag}-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
        Stack { project, regions: Default::default() }
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
        run(cmd.args(args))
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
    let regions = json(&out);
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
        let docker = region::client(&handle).await.expect("engine");
        let options = PlanOptions {
            port_first: other_port,
            port_last: other_port + 1,
            subnet_pools: vec![other_pool.clone()],
            ..Default::default()
        };
        let plan = region::prepare(&docker, &project, &region::RegionRequest::new("reg-e", OWNER), &options)
            .await
            .expect("plan");
        let cancel = CancellationToken::new();
        let trigger = cancel.clone();
        let seen = std::sync::Mutex::new(Vec::new());
        let progress = |e: region::ApplyEvent| {
            if e.step == ApplyStep::WaitDbHealthy {
                trigger.cancel();
            }
            seen.lock().expect("lock").push(e);
        };
        let result =
            region::apply(&docker, &project, &plan, &ApplyOptions::default(), &cancel, &progress).await;
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
