//! Dockmaster's benchmarks (docs/BENCHMARKS.md): event → `status --watch` line latency vs `docker events`, snapshot
//! time vs a bollard list + inspect floor, idle CPU and memory of `status --watch`, and the engine CPU it adds.
//!
//! Run it through `scripts/bench/run.sh` (release build, a private engine of its own):
//!
//! ```sh
//! bash scripts/bench/run.sh                  # everything, today's numbers (≈ 6 minutes once built)
//! bash scripts/bench/run.sh latency snapshot # some of them
//! bash scripts/bench/run.sh --smoke          # a tiny run of each, to check the driver still works
//! ```
//!
//! It talks to the engine `DOCKER_HOST` names (the script points it at its private dockerd) and runs the
//! `dockmaster` binary next to it (`target/release/dockmaster`, or `DOCKMASTER_BIN`). Everything it creates is
//! labelled `dockmaster.bench=1` plus a project of its own (`dmbench-…`) and removed at the end, also on failure.
//! The demo stack (idle benchmark) is created by Compose and removed by its project label.

use std::collections::HashMap;
use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, KillContainerOptions, ListContainersOptions, RemoveContainerOptions,
    StartContainerOptions, StopContainerOptions,
};
use bollard::Docker;
use dockmaster_core::engine::{self, Endpoint, EndpointEnv, EngineConfig, ServiceSelection};
use dockmaster_core::labels;
use futures_util::StreamExt;
use serde_json::{json, Value};

type Res<T> = Result<T, Box<dyn Error>>;

const IMAGE: &str = "dockmaster/demo-busybox:latest";
/// Inspections in flight, for the floor as for Dockmaster (`EngineConfig::inspect_concurrency`).
const CONCURRENCY: usize = 16;
const DEV_SERVICES: [&str; 7] =
    ["admin-ui", "database", "gameserver", "nginx-gateway", "player-client", "redis-cache", "region-manager"];
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

/// How big and how long each benchmark runs.
#[derive(Clone, Copy)]
struct Plan {
    /// Containers cycled through create/start/kill/start/stop/rm (6 matched events each).
    latency_containers: usize,
    snapshot_sizes: &'static [usize],
    snapshot_runs: usize,
    /// Measurement window of the CPU benchmarks.
    window: Duration,
    /// Running containers of the engine-CPU benchmark.
    engine_containers: usize,
    /// Whether the idle benchmark brings the demo stack up (the smoke run uses bench containers instead).
    demo_stack: bool,
}

const FULL: Plan = Plan {
    latency_containers: 20,
    snapshot_sizes: &[50, 200, 500],
    snapshot_runs: 10,
    window: Duration::from_secs(60),
    engine_containers: 200,
    demo_stack: true,
};

const SMOKE: Plan = Plan {
    latency_containers: 2,
    snapshot_sizes: &[10],
    snapshot_runs: 2,
    window: Duration::from_secs(2),
    engine_containers: 5,
    demo_stack: false,
};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Res<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = args.iter().any(|a| a == "--smoke");
    args.retain(|a| a != "--smoke");
    let known = ["latency", "snapshot", "idle", "engine-cpu", "all"];
    if let Some(bad) = args.iter().find(|a| !known.contains(&a.as_str())) {
        return Err(format!("unknown benchmark `{bad}`; choose from {known:?} (and --smoke)").into());
    }
    let all = args.is_empty() || args.iter().any(|a| a == "all");
    let want = |name: &str| all || args.iter().any(|a| a == name);
    let plan = if smoke { SMOKE } else { FULL };

    let docker = Docker::connect_with_defaults()?.negotiate_version().await?;
    let version = docker.version().await?;
    let bin = dockmaster_bin()?;
    let mut results = serde_json::Map::new();
    results.insert(
        "machine".into(),
        json!({
            "engine": version.version, "api": docker.client_version().to_string(),
            "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "kernel": read("/proc/sys/kernel/osrelease").trim(),
            "loadavgAtStart": read("/proc/loadavg").trim(),
            "dockmaster": bin.display().to_string(), "smoke": smoke,
        }),
    );
    println!("# Dockmaster benchmarks{}", if smoke { " (smoke run: numbers mean nothing)" } else { "" });
    println!(
        "engine {} (API {}), {} CPUs, load average {}",
        version.version.unwrap_or_default(),
        docker.client_version(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        read("/proc/loadavg").trim()
    );
    let started = Instant::now();
    if want("latency") {
        results.insert("latency".into(), latency(&docker, &bin, plan).await?);
    }
    if want("snapshot") {
        results.insert("snapshot".into(), snapshot(&docker, &bin, plan).await?);
    }
    if want("idle") {
        results.insert("idle".into(), idle(&docker, &bin, plan).await?);
    }
    if want("engine-cpu") {
        results.insert("engineCpu".into(), engine_cpu(&docker, &bin, plan).await?);
    }
    results.insert("loadavgAtEnd".into(), read("/proc/loadavg").trim().into());
    results.insert("seconds".into(), started.elapsed().as_secs_f64().into());
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    std::fs::create_dir_all(&out)?;
    let file = out.join(if smoke { "smoke.json" } else { "results.json" });
    std::fs::write(&file, serde_json::to_string_pretty(&Value::Object(results))?)?;
    println!("\nall numbers: {} ({:.0} s)", file.display(), started.elapsed().as_secs_f64());
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Event latency

/// Cycles containers of a Compose-labelled project through create/start/kill/start/stop/rm while
/// `dockmaster status --watch --json` and `docker events` (same server-side filters) both watch, and compares
/// when each event reached each reader.
async fn latency(docker: &Docker, bin: &PathBuf, plan: Plan) -> Res<Value> {
    println!(
        "\n## Event latency: engine event → line read from `status --watch --json` vs from `docker events`"
    );
    let project = unique("lat");
    let _cleanup = Cleanup::containers(&project);
    let mut events_cmd = Command::new("docker");
    events_cmd.args(["events", "--format", "{{json .}}", "--filter", "type=container"]);
    events_cmd.args(["--filter", &format!("label={}={project}", labels::COMPOSE_PROJECT)]);
    for action in engine::event::WATCHED_ACTIONS {
        events_cmd.args(["--filter", &format!("event={action}")]);
    }
    let events = Reader::spawn(events_cmd)?;
    let watch = Reader::spawn(dockmaster_cmd(bin, &project, &["status", "--watch", "--json"]))?;
    watch.wait_for(Duration::from_secs(20), |v| v["kind"] == "synced")?;
    // `docker events` says nothing when it is subscribed: give it time to be.
    tokio::time::sleep(Duration::from_secs(1)).await;

    for i in 0..plan.latency_containers {
        let name = format!("{project}-svc{i}");
        let gap = Duration::from_millis(50);
        create(docker, &project, &format!("svc{i}"), &name).await?;
        tokio::time::sleep(gap).await;
        docker.start_container(&name, None::<StartContainerOptions>).await?;
        tokio::time::sleep(gap).await;
        let kill = KillContainerOptions { signal: "SIGKILL".into() };
        docker.kill_container(&name, Some(kill)).await?;
        tokio::time::sleep(gap).await;
        docker.start_container(&name, None::<StartContainerOptions>).await?;
        tokio::time::sleep(gap).await;
        let stop = StopContainerOptions { t: Some(0), signal: None };
        docker.stop_container(&name, Some(stop)).await?;
        tokio::time::sleep(gap).await;
        let rm = RemoveContainerOptions { force: true, v: true, ..Default::default() };
        docker.remove_container(&name, Some(rm)).await?;
        tokio::time::sleep(gap).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let engine_lines = events.stop();
    let watch_lines = watch.stop();

    // The engine's delivery: (timeNano, action) → when `docker events` printed it.
    let mut delivered: HashMap<(String, String), i128> = HashMap::new();
    for (at, line) in &engine_lines {
        let v: Value = serde_json::from_str(line)?;
        let key = (json_num(&v["timeNano"]), v["Action"].as_str().unwrap_or_default().to_string());
        delivered.entry(key).or_insert(*at);
    }
    // Dockmaster's: the first line an event caused (its cause is the event's action; re-inspections say
    // "inspect after …" and come later).
    let (mut engine_ms, mut watch_ms, mut internal_ms) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for (at, line) in &watch_lines {
        let v: Value = serde_json::from_str(line)?;
        let (Some(t), Some(cause)) = (v["engineTimeNano"].as_str(), v["cause"].as_str()) else { continue };
        let key = (t.to_string(), cause.to_string());
        if !seen.insert(key.clone()) {
            continue;
        }
        let Some(engine_at) = delivered.get(&key) else { continue };
        let t: i128 = t.parse()?;
        let emitted: i128 = v["emittedAtNano"].as_str().unwrap_or_default().parse()?;
        engine_ms.push(ms(engine_at - t));
        watch_ms.push(ms(at - t));
        internal_ms.push(ms(emitted - t));
    }
    let matched = watch_ms.len();
    if matched < plan.latency_containers * 6 {
        return Err(format!(
            "only {matched} events matched between `docker events` ({} lines) and `status --watch` ({} lines); \
             expected {}",
            engine_lines.len(),
            watch_lines.len(),
            plan.latency_containers * 6
        )
        .into());
    }
    let (e, w, i) = (Stats::of(engine_ms), Stats::of(watch_ms), Stats::of(internal_ms));
    let goal = |engine: f64, watch: f64| watch <= 1.2 * engine + 5.0;
    println!("{matched} events (create, start, die, start, die, destroy × {})", plan.latency_containers);
    println!("| reader | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|");
    println!("| `docker events` | {:.2} | {:.2} | {:.2} |", e.p50, e.p99, e.max);
    println!("| `dockmaster status --watch --json` | {:.2} | {:.2} | {:.2} |", w.p50, w.p99, w.max);
    println!("| (Dockmaster's emit time − engine time) | {:.2} | {:.2} | {:.2} |", i.p50, i.p99, i.max);
    println!(
        "ratio p50 {:.2}×, p99 {:.2}×; goal ≤ 1.2× + 5 ms: p50 {}, p99 {}",
        w.p50 / e.p50,
        w.p99 / e.p99,
        if goal(e.p50, w.p50) { "met" } else { "MISSED" },
        if goal(e.p99, w.p99) { "met" } else { "MISSED" }
    );
    Ok(json!({
        "events": matched, "dockerEvents": e.json(), "statusWatch": w.json(), "emitMinusEngine": i.json(),
        "goalP50": goal(e.p50, w.p50), "goalP99": goal(e.p99, w.p99),
    }))
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshot time

/// For each size: the bollard list + inspect floor, Dockmaster's in-process snapshot (connect, negotiate,
/// subscribe, list, inspect, group) and the whole `dockmaster status --json` process.
async fn snapshot(docker: &Docker, bin: &PathBuf, plan: Plan) -> Res<Value> {
    println!("\n## Snapshot time (ms; median and max of {} runs after a warm-up)", plan.snapshot_runs);
    let project = unique("snap");
    let _cleanup = Cleanup::containers(&project);
    let endpoint = Endpoint::resolve(&EndpointEnv::from_process())?;
    println!(
        "| containers | floor: list + inspect (bollard, 16 in flight) | floor + connect (new client, negotiate, \
         version) | Dockmaster snapshot (in process) | `dockmaster status --json` (process) |"
    );
    println!("|---|---|---|---|---|");
    let mut rows = Vec::new();
    let mut created = 0;
    for &size in plan.snapshot_sizes {
        // Every tenth container runs; the others are only created.
        create_many(docker, &project, created..size, 10).await?;
        created = size;
        let (mut floor, mut connected, mut ours, mut process) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for run in 0..=plan.snapshot_runs {
            let t = Instant::now();
            let n = list_and_inspect(docker, &project).await?;
            let floor_ms = t.elapsed().as_secs_f64() * 1000.0;
            check_count("the floor", n, size)?;

            let t = Instant::now();
            let fresh = Docker::connect_with_defaults()?.negotiate_version().await?;
            fresh.version().await?;
            let n = list_and_inspect(&fresh, &project).await?;
            let connected_ms = t.elapsed().as_secs_f64() * 1000.0;
            check_count("the floor with a new client", n, size)?;

            let config = EngineConfig::new(project.clone(), ServiceSelection::default(), endpoint.clone());
            let t = Instant::now();
            let snap = engine::snapshot_once(config).await?;
            let ours_ms = t.elapsed().as_secs_f64() * 1000.0;
            check_count(
                "Dockmaster's snapshot",
                snap.services.iter().map(|s| s.containers.len()).sum(),
                size,
            )?;

            let t = Instant::now();
            let out = dockmaster_cmd(bin, &project, &["status", "--json"]).output()?;
            let process_ms = t.elapsed().as_secs_f64() * 1000.0;
            if !out.status.success() {
                return Err(format!("status --json failed: {}", String::from_utf8_lossy(&out.stderr)).into());
            }
            let v: Value = serde_json::from_slice(&out.stdout)?;
            let n = v["services"].as_array().map_or(0, |s| {
                s.iter().map(|s| s["containers"].as_array().map_or(0, Vec::len)).sum::<usize>()
            });
            check_count("`status --json`", n, size)?;
            if run > 0 {
                floor.push(floor_ms);
                connected.push(connected_ms);
                ours.push(ours_ms);
                process.push(process_ms);
            }
        }
        let (f, c, o, p) = (Stats::of(floor), Stats::of(connected), Stats::of(ours), Stats::of(process));
        println!(
            "| {size} | {:.1} (max {:.1}) | {:.1} (max {:.1}) | {:.1} (max {:.1}) | {:.1} (max {:.1}) |",
            f.p50, f.max, c.p50, c.max, o.p50, o.max, p.p50, p.max
        );
        rows.push(json!({"containers": size, "floor": f.json(), "floorWithConnect": c.json(),
            "inProcess": o.json(), "process": p.json()}));
    }
    Ok(Value::Array(rows))
}

fn check_count(what: &str, got: usize, want: usize) -> Res<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what} saw {got} containers, expected {want}").into())
    }
}

/// The floor: one list (this project's label, all states) and an inspection of each, 16 in flight.
async fn list_and_inspect(docker: &Docker, project: &str) -> Res<usize> {
    let options = ListContainersOptions {
        all: true,
        filters: Some(HashMap::from([(
            "label".to_string(),
            vec![labels::filter(labels::COMPOSE_PROJECT, project)],
        )])),
        ..Default::default()
    };
    let ids: Vec<String> =
        docker.list_containers(Some(options)).await?.into_iter().filter_map(|c| c.id).collect();
    let results: Vec<_> = futures_util::stream::iter(ids)
        .map(|id| {
            let d = docker.clone();
            async move { d.inspect_container(&id, None).await }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut n = 0;
    for r in results {
        r?;
        n += 1;
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------------------------------
// Idle footprint and engine CPU

/// `status --watch` idle with the demo stack (development profile) up: its CPU over the window, RSS and PSS.
async fn idle(docker: &Docker, bin: &PathBuf, plan: Plan) -> Res<Value> {
    println!("\n## Idle: `dockmaster status --watch --json` for {} s", plan.window.as_secs());
    let project = unique("idle");
    let _cleanup = Cleanup::project(&project);
    let mut args = vec!["status", "--watch", "--json"];
    if plan.demo_stack {
        demo_up(&project).await?;
        args.extend(["--profile", "development"]);
    } else {
        create_many(docker, &project, 0..plan.engine_containers, 1).await?;
    }
    let watched = if plan.demo_stack {
        "the demo stack's development profile (7 services with healthchecks every 2 s)".to_string()
    } else {
        format!("{} bench containers", plan.engine_containers)
    };
    let m = measure_watch(bin, &project, &args, plan.window).await?;
    println!("watching {watched}");
    println!("| process | CPU (% of one core) | RSS MiB | peak RSS MiB | PSS MiB | lines printed |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| `dockmaster status --watch --json` | {:.3} | {:.1} | {:.1} | {:.1} | {} |",
        m.cpu_percent, m.rss_mib, m.hwm_mib, m.pss_mib, m.lines
    );
    println!("| whole desktop app (Tauri, WebKit processes) | not measured yet | | | | |");
    Ok(json!({"watching": watched, "statusWatch": m.json(), "desktopApp": "not measured yet"}))
}

/// Engine CPU (dockerd, and the containerd it runs) over the window without, with, and again without
/// `status --watch` at N running containers; plus Dockmaster's own CPU and memory there.
async fn engine_cpu(docker: &Docker, bin: &PathBuf, plan: Plan) -> Res<Value> {
    let n = plan.engine_containers;
    println!(
        "\n## Engine CPU at {n} running containers ({} s windows: without, with, without `status --watch`)",
        plan.window.as_secs()
    );
    let Some(dockerd) = pid_from_env_or_file("BENCH_DOCKERD_PID", "/var/run/docker.pid") else {
        return Err("cannot find dockerd's PID: set BENCH_DOCKERD_PID (scripts/bench/run.sh does)".into());
    };
    let containerd =
        pid_from_env_or_file("BENCH_CONTAINERD_PID", "/var/run/docker/containerd/containerd.pid");
    let project = unique("cpu");
    let _cleanup = Cleanup::containers(&project);
    create_many(docker, &project, 0..n, 1).await?;
    tokio::time::sleep(Duration::from_secs(if plan.demo_stack { 10 } else { 1 })).await;

    let engine = |pid: Option<u32>| pid.map(cpu_seconds).transpose();
    let window = |plan: Plan| async move {
        let (d0, c0) = (engine(Some(dockerd))?, engine(containerd)?);
        tokio::time::sleep(plan.window).await;
        let (d1, c1) = (engine(Some(dockerd))?, engine(containerd)?);
        let pct = |a: Option<f64>, b: Option<f64>| {
            a.zip(b).map(|(a, b)| (b - a) / plan.window.as_secs_f64() * 100.0)
        };
        Ok::<_, Box<dyn Error>>((pct(d0, d1).unwrap_or_default(), pct(c0, c1)))
    };
    let before = window(plan).await?;
    let m = measure_watch_with(bin, &project, &["status", "--watch", "--json"], plan.window, || window(plan))
        .await?;
    let (with, watch) = (m.1, m.0);
    let after = window(plan).await?;
    let base = (before.0 + after.0) / 2.0;
    let added = with.0 - base;
    println!("| | dockerd CPU (% of one core) | containerd CPU |");
    println!("|---|---|---|");
    let c = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "?".into());
    println!("| without `status --watch` (before) | {:.3} | {} |", before.0, c(before.1));
    println!("| with `status --watch` | {:.3} | {} |", with.0, c(with.1));
    println!("| without `status --watch` (after) | {:.3} | {} |", after.0, c(after.1));
    println!("dockerd CPU added by Dockmaster: {added:.3} % of a core (goal ≤ 3 %)");
    println!(
        "`status --watch` itself at {n} containers: CPU {:.3} % of a core, RSS {:.1} MiB, PSS {:.1} MiB",
        watch.cpu_percent, watch.rss_mib, watch.pss_mib
    );
    Ok(json!({
        "containers": n, "dockerdBefore": before.0, "dockerdWith": with.0, "dockerdAfter": after.0,
        "containerdBefore": before.1, "containerdWith": with.1, "containerdAfter": after.1,
        "dockerdAdded": added, "statusWatch": watch.json(),
    }))
}

/// What a `status --watch` process used over a window.
struct Footprint {
    cpu_percent: f64,
    rss_mib: f64,
    hwm_mib: f64,
    pss_mib: f64,
    lines: usize,
}

impl Footprint {
    fn json(&self) -> Value {
        json!({"cpuPercentOfCore": self.cpu_percent, "rssMiB": self.rss_mib, "peakRssMiB": self.hwm_mib,
            "pssMiB": self.pss_mib, "linesInWindow": self.lines})
    }
}

async fn measure_watch(bin: &PathBuf, project: &str, args: &[&str], window: Duration) -> Res<Footprint> {
    let (m, ()) = measure_watch_with(bin, project, args, window, || async {
        tokio::time::sleep(window).await;
        Ok::<_, Box<dyn Error>>(())
    })
    .await?;
    Ok(m)
}

/// Starts `status --watch`, waits for its first sync and 5 s more, then runs `during` (which takes the window)
/// and measures the process over it.
async fn measure_watch_with<T, F, Fut>(
    bin: &PathBuf,
    project: &str,
    args: &[&str],
    window: Duration,
    during: F,
) -> Res<(Footprint, T)>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Res<T>>,
{
    let watch = Reader::spawn(dockmaster_cmd(bin, project, args))?;
    watch.wait_for(Duration::from_secs(30), |v| v["kind"] == "synced")?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let pid = watch.pid;
    let (cpu0, lines0, t0) = (cpu_seconds(pid)?, watch.count(), Instant::now());
    let out = during().await?;
    let (cpu1, lines1, secs) = (cpu_seconds(pid)?, watch.count(), t0.elapsed().as_secs_f64());
    let status = read(&format!("/proc/{pid}/status"));
    let rollup = read(&format!("/proc/{pid}/smaps_rollup"));
    let m = Footprint {
        cpu_percent: (cpu1 - cpu0) / secs.max(window.as_secs_f64()) * 100.0,
        rss_mib: kib_field(&status, "VmRSS:") / 1024.0,
        hwm_mib: kib_field(&status, "VmHWM:") / 1024.0,
        pss_mib: kib_field(&rollup, "Pss:") / 1024.0,
        lines: lines1 - lines0,
    };
    watch.stop();
    Ok((m, out))
}

// ---------------------------------------------------------------------------------------------------------------
// Engine objects

/// Creates (and, every `start_every`-th, starts) containers `range` of the project, 8 at a time.
async fn create_many(
    docker: &Docker,
    project: &str,
    range: std::ops::Range<usize>,
    start_every: usize,
) -> Res<()> {
    let results: Vec<Res<()>> = futures_util::stream::iter(range)
        .map(|i| async move {
            let name = format!("{project}-c{i}");
            create(docker, project, &format!("svc{}", i % 20), &name).await?;
            if i % start_every.max(1) == 0 {
                docker.start_container(&name, None::<StartContainerOptions>).await?;
            }
            Ok(())
        })
        .buffer_unordered(8)
        .collect()
        .await;
    results.into_iter().collect()
}

/// A container labelled like a Compose service of `project`, plus `dockmaster.bench=1`; no network.
async fn create(docker: &Docker, project: &str, service: &str, name: &str) -> Res<()> {
    let labels = HashMap::from([
        (labels::COMPOSE_PROJECT.to_string(), project.to_string()),
        (labels::COMPOSE_SERVICE.to_string(), service.to_string()),
        (labels::COMPOSE_ONEOFF.to_string(), "False".to_string()),
        (labels::BENCH.to_string(), "1".to_string()),
    ]);
    let body = ContainerCreateBody {
        image: Some(IMAGE.to_string()),
        cmd: Some(vec!["sleep".into(), "100000".into()]),
        labels: Some(labels),
        stop_timeout: Some(1),
        host_config: Some(HostConfig { network_mode: Some("none".into()), ..Default::default() }),
        ..Default::default()
    };
    let options = CreateContainerOptions { name: Some(name.to_string()), ..Default::default() };
    docker.create_container(Some(options), body).await?;
    Ok(())
}

/// Brings the demo stack's development profile up with Compose v2 under `project` (own names, free ports and
/// subnets) and waits until its 7 services run healthy.
async fn demo_up(project: &str) -> Res<()> {
    let demo = repo().join("demo");
    let mut cmd = Command::new("docker");
    cmd.current_dir(&demo).args(["compose", "-p", project, "--profile", "development", "up", "-d"]);
    for (key, _) in std::env::vars() {
        if key.starts_with("COMPOSE_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("DEMO_CONTAINER_PREFIX", project);
    let mut used = Vec::new();
    for var in ["NEXUS_SUBNET", "REGIONAL_SUBNET"] {
        cmd.env(var, free_subnet(&mut used)?);
    }
    for var in PORT_VARS {
        cmd.env(var, std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port().to_string());
    }
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(format!("docker compose up failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let mut states = Vec::new();
        for s in DEV_SERVICES {
            let out = Command::new("docker")
                .args([
                    "inspect",
                    "-f",
                    "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}",
                ])
                .arg(format!("{project}-{s}"))
                .output()?;
            states.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
        }
        if states.iter().all(|s| s == "running/healthy") {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("the demo stack did not get healthy: {states:?}").into());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// A 10.x.y.0/24 in a 10.x block neither a Docker network of this engine nor a host route uses (a private
/// engine shares the host's network namespace with the shared one).
fn free_subnet(used: &mut Vec<String>) -> Res<String> {
    let ids = String::from_utf8(Command::new("docker").args(["network", "ls", "-q"]).output()?.stdout)?;
    let mut existing = String::from_utf8(
        Command::new("docker")
            .args(["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"])
            .args(ids.split_whitespace())
            .output()?
            .stdout,
    )?;
    existing.push_str(&String::from_utf8_lossy(&Command::new("ip").args(["-4", "route"]).output()?.stdout));
    for _ in 0..1000 {
        let block = format!("10.{}.", 100 + fastrand::u32(0..150));
        if existing.contains(&block) || used.contains(&block) {
            continue;
        }
        used.push(block.clone());
        return Ok(format!("{block}{}.0/24", fastrand::u32(0..256)));
    }
    Err("no free 10.x subnet".into())
}

/// Removes what one benchmark created, also when it fails.
struct Cleanup {
    project: String,
    compose: bool,
}

impl Cleanup {
    /// Bench containers of `project` (`dockmaster.bench=1` and the project label).
    fn containers(project: &str) -> Cleanup {
        Cleanup { project: project.to_string(), compose: false }
    }

    /// Everything of the Compose project (containers, networks, volumes), bench containers included.
    fn project(project: &str) -> Cleanup {
        Cleanup { project: project.to_string(), compose: true }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let filter = format!("label={}", labels::filter(labels::COMPOSE_PROJECT, &self.project));
        let bench = format!("label={}=1", labels::BENCH);
        let ids = |args: &[&str]| -> Vec<String> {
            Command::new("docker")
                .args(args)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).split_whitespace().map(String::from).collect())
                .unwrap_or_default()
        };
        let containers = if self.compose {
            ids(&["ps", "-aq", "--filter", &filter])
        } else {
            ids(&["ps", "-aq", "--filter", &filter, "--filter", &bench])
        };
        for chunk in containers.chunks(100) {
            let _ = Command::new("docker").args(["rm", "-f", "-v"]).args(chunk).output();
        }
        if self.compose {
            for kind in ["network", "volume"] {
                let found = ids(&[kind, "ls", "-q", "--filter", &filter]);
                if !found.is_empty() {
                    let _ = Command::new("docker").args([kind, "rm"]).args(&found).output();
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Processes and measurements

/// A child whose stdout lines are kept with the time each was read (ns since the epoch).
struct Reader {
    child: Child,
    pid: u32,
    lines: Arc<Mutex<Vec<(i128, String)>>>,
    rx: mpsc::Receiver<String>,
}

impl Reader {
    fn spawn(mut cmd: Command) -> Res<Reader> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let keep = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let at = now_ns();
                keep.lock().unwrap_or_else(|e| e.into_inner()).push((at, line.clone()));
                let _ = tx.send(line);
            }
        });
        Ok(Reader { pid: child.id(), child, lines, rx })
    }

    fn wait_for(&self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Res<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line =
                self.rx.recv_timeout(left).map_err(|_| format!("no expected line within {timeout:?}"))?;
            if serde_json::from_str::<Value>(&line).is_ok_and(|v| pred(&v)) {
                return Ok(());
            }
        }
    }

    fn count(&self) -> usize {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn stop(mut self) -> Vec<(i128, String)> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(50));
        std::mem::take(&mut *self.lines.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn dockmaster_cmd(bin: &PathBuf, project: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--project").arg(repo().join("demo")).args(["-p", project]).args(args);
    cmd
}

fn dockmaster_bin() -> Res<PathBuf> {
    if let Ok(p) = std::env::var("DOCKMASTER_BIN") {
        return Ok(PathBuf::from(p));
    }
    // target/<profile>/examples/bench → target/<profile>/dockmaster
    let exe = std::env::current_exe()?;
    let bin =
        exe.parent().and_then(|p| p.parent()).map(|p| p.join("dockmaster")).ok_or("no target folder")?;
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("{} is missing: build it (cargo build --release -p dockmaster-cli)", bin.display())
            .into())
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn unique(what: &str) -> String {
    format!("dmbench-{what}-{}-{}", std::process::id(), fastrand::u32(0..1_000_000))
}

fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

fn ms(ns: i128) -> f64 {
    ns as f64 / 1e6
}

fn json_num(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// User + system CPU seconds of a process (from /proc/PID/stat).
fn cpu_seconds(pid: u32) -> Res<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).ok_or("bad /proc stat")?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 =
        f.get(11).ok_or("no utime")?.parse::<f64>()? + f.get(12).ok_or("no stime")?.parse::<f64>()?;
    Ok(ticks / clk_tck())
}

fn clk_tck() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn kib_field(text: &str, key: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn pid_from_env_or_file(var: &str, file: &str) -> Option<u32> {
    std::env::var(var).ok().or_else(|| std::fs::read_to_string(file).ok()).and_then(|s| s.trim().parse().ok())
}

/// Percentiles (nearest rank) of a sample in ms.
struct Stats {
    n: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

impl Stats {
    fn of(mut v: Vec<f64>) -> Stats {
        v.sort_by(|a, b| a.total_cmp(b));
        let at = |p: f64| {
            if v.is_empty() {
                return f64::NAN;
            }
            let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
            v[rank.clamp(1, v.len()) - 1]
        };
        Stats { n: v.len(), p50: at(50.0), p99: at(99.0), max: v.last().copied().unwrap_or(f64::NAN) }
    }

    fn json(&self) -> Value {
        json!({"n": self.n, "p50Ms": self.p50, "p99Ms": self.p99, "maxMs": self.max})
    }
}
