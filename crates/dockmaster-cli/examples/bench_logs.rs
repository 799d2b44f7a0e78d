//! Benchmark (not a test) of log ingestion through the desktop app's path: a real engine, N busybox services
//! writing at a set rate, Dockmaster's follow (demultiplex, split, mask, per-service ring buffers, batches)
//! and every batch serialised to JSON as a Tauri Channel sends it. Prints the rate received, batches, bytes,
//! how far behind the newest line is, the buffers, and this process's memory.
//!
//! ```sh
//! cargo run --release -p dockmaster-cli --example bench_logs -- [SECONDS] [SERVICES] [LINES_PER_S_PER_SERVICE]
//! ```
//! Defaults: 20 s, 10 services, 2000 lines/s each (20 000 lines/s in all); 0 lines/s = as fast as they can.
//! Needs the engine and the demo image (`bash scripts/engine.sh start && bash scripts/demo-image.sh`) and
//! Compose v2; the project it creates (unique name, label-scoped) is removed at the end.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dockmaster_core::engine::logs::{parse_rfc3339, LogConfig, LogFollower};
use dockmaster_core::engine::{Endpoint, EndpointEnv, EngineConfig, EngineHandle, ServiceSelection};
use dockmaster_core::secrets::Masker;
use dockmaster_core::secrets::Sensitive;
use dockmaster_core::{OpenOptions, Project};

const IMAGE: &str = "dockmaster/demo-busybox:latest";

struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let filter = format!("label=com.docker.compose.project={}", self.0);
        let ids = Command::new("docker").args(["ps", "-aq", "--filter", &filter]).output();
        if let Ok(out) = ids {
            let ids: Vec<String> =
                String::from_utf8_lossy(&out.stdout).split_whitespace().map(String::from).collect();
            if !ids.is_empty() {
                let _ = Command::new("docker").args(["rm", "-f"]).args(&ids).output();
            }
        }
        let nets = Command::new("docker").args(["network", "ls", "-q", "--filter", &filter]).output();
        if let Ok(out) = nets {
            for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("docker").args(["network", "rm", id]).output();
            }
        }
    }
}

fn proc_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time this process used so far (user + system), in seconds.
fn cpu_seconds() -> f64 {
    let ticks = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let parse = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (parse(11) + parse(12)) / ticks
}

fn now_nano() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

fn compose_file(services: usize, rate: u32) -> String {
    // Each service prints a 100-line block (≈ 90 bytes a line) per tick; the tick sets the rate.
    let block = "i=0; : > /tmp/b; while [ $$i -lt 100 ]; do echo \"$$(hostname) line $$i of the block, padded to look like a log line ......\" >> /tmp/b; i=$$((i+1)); done";
    let tick = if rate == 0 { String::new() } else { format!("sleep {:.4}; ", 100.0 / f64::from(rate)) };
    let mut out = String::from("services:\n");
    for n in 0..services {
        let script = format!("{block}; while :; do cat /tmp/b; {tick}done");
        out.push_str(&format!(
            "  w{n}:\n    image: {IMAGE}\n    init: true\n    stop_grace_period: 1s\n    command: [\"sh\", \"-c\", {}]\n",
            serde_json::to_string(&script).unwrap_or_default()
        ));
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(20);
    let services: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let rate: u32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2000);

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("compose.yaml"), compose_file(services, rate)).expect("compose file");
    let project = format!("dmbench-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    let _cleanup = Cleanup(project.clone());
    let up = Command::new("docker")
        .current_dir(dir.path())
        .args(["compose", "-p", &project, "up", "-d", "--quiet-pull"])
        .output()
        .expect("docker compose runs");
    assert!(up.status.success(), "compose up failed: {}", String::from_utf8_lossy(&up.stderr));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let project = Project::open(OpenOptions { project_name: Some(project.clone()), ..OpenOptions::new(dir.path()) })
            .expect("project");
        let selection = ServiceSelection::for_project(&project, &[]).expect("selection");
        let endpoint = Endpoint::resolve(&EndpointEnv::from_process()).expect("endpoint");
        let (handle, _updates) = EngineHandle::spawn(EngineConfig::new(project.name(), selection, endpoint));
        handle.first_contact().await.expect("engine");
        // Mask like a real project would: a few secret values (never present in these lines, so every line
        // takes the full scan).
        let secrets: Vec<(String, Sensitive<String>)> = (0..8)
            .map(|i| (format!("SECRET_{i}"), Sensitive::new(format!("bench-secret-value-{i}-{}", fastrand::u64(..)))))
            .collect();
        let masker = Arc::new(Masker::new(secrets.iter().map(|(n, v)| (n.as_str(), v))));
        let config = LogConfig { tail: Some(0), ..LogConfig::default() };
        let (follower, mut rx) = LogFollower::start(handle.link(), Vec::new(), masker, config);

        // Warm up (attach to every container), then measure.
        let warm_until = tokio::time::Instant::now() + Duration::from_secs(3);
        while let Ok(Some(_)) = tokio::time::timeout_at(warm_until, rx.recv()).await {}
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
        let (mut lines, mut batches, mut json_bytes, mut max_batch) = (0u64, 0u64, 0u64, 0usize);
        let mut lag_ms_max = 0.0f64;
        let mut lag_ms_last = 0.0f64;
        let mut rss_max = 0u64;
        let mut last_rss_check = Instant::now();
        while let Ok(Some(batch)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            // What a Tauri Channel does with each message.
            let encoded = serde_json::to_vec(&batch).expect("encode");
            json_bytes += encoded.len() as u64;
            batches += 1;
            lines += batch.lines.len() as u64;
            max_batch = max_batch.max(batch.lines.len());
            if let Some(last) = batch.lines.last().and_then(|l| parse_rfc3339(&l.timestamp)) {
                lag_ms_last = (now_nano() - last) as f64 / 1e6;
                lag_ms_max = lag_ms_max.max(lag_ms_last);
            }
            if last_rss_check.elapsed() > Duration::from_millis(250) {
                rss_max = rss_max.max(proc_kib("VmRSS:"));
                last_rss_check = Instant::now();
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu_start;
        let states = follower.states();
        println!("bench_logs: {services} services, {} lines/s each requested, {secs:.1} s measured", if rate == 0 { "unthrottled".to_string() } else { rate.to_string() });
        println!("  received      {lines} lines = {:.0} lines/s", lines as f64 / secs);
        println!("  batches       {batches} = {:.1}/s, largest {max_batch} lines", batches as f64 / secs);
        println!("  channel JSON  {:.1} MiB = {:.2} MiB/s", json_bytes as f64 / 1048576.0, json_bytes as f64 / 1048576.0 / secs);
        println!("  lag           newest line {lag_ms_last:.0} ms old at the end, {lag_ms_max:.0} ms at worst");
        println!(
            "  cpu           {:.0} % of one core = {:.1} µs per line (follow + JSON encoding, this process only)",
            100.0 * cpu / secs,
            1e6 * cpu / lines.max(1) as f64
        );
        println!("  memory        RSS {} MiB now, {} MiB at most while measuring, peak (VmHWM) {} MiB", proc_kib("VmRSS:") / 1024, rss_max / 1024, proc_kib("VmHWM:") / 1024);
        let (kept, bytes, dropped): (u64, u64, f64) = states.iter().fold((0, 0, 0.0), |(k, b, d), s| {
            (k + u64::from(s.lines), b + u64::from(s.bytes), d + s.dropped)
        });
        let (lim_lines, lim_bytes) = follower.limits();
        println!(
            "  buffers       {kept} lines / {:.1} MiB kept in {} services (limit {lim_lines} lines / {} MiB each), {dropped} dropped",
            bytes as f64 / 1048576.0,
            states.len(),
            lim_bytes >> 20
        );
    });
}
