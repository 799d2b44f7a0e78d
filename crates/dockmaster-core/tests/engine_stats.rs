//! The stats watcher against the real engine: samples of the visible services' running containers, host usage,
//! streams closed when a service leaves the view or its container stops (and counted as open while they run).

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use dockmaster_core::engine::stats::{StatsConfig, StatsUpdate, StatsWatcher};
use dockmaster_core::engine::{Endpoint, EndpointEnv, EngineConfig, EngineHandle, ServiceSelection};
use tokio::sync::mpsc;

const IMAGE: &str = "dockmaster/demo-busybox:latest";

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("the docker CLI runs");
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Containers labelled as services of a Compose project of their own; removed on drop.
struct Project {
    name: String,
}

impl Project {
    fn new() -> Self {
        let name = format!("dmstats-{}-{}", std::process::id(), fastrand_suffix());
        Self { name }
    }

    fn run(&self, service: &str) -> String {
        let project_label = format!("com.docker.compose.project={}", self.name);
        let service_label = format!("com.docker.compose.service={service}");
        let name = format!("{}-{service}", self.name);
        let mut args = vec!["run", "-d", "--init", "--network", "none", "--name", &name];
        for label in [project_label.as_str(), service_label.as_str(), "dockmaster.test=1"] {
            args.extend(["--label", label]);
        }
        args.extend([IMAGE, "sh", "-c", "mkdir -p /www && exec httpd -f -p 8080 -h /www"]);
        docker(&args)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let ids =
            docker(&["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={}", self.name)]);
        for id in ids.split_whitespace() {
            let _ = Command::new("docker").args(["rm", "-f", id]).output();
        }
    }
}

fn fastrand_suffix() -> u32 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    nanos.subsec_nanos() % 1_000_000
}

/// Waits until the watcher reports `n` open container streams.
async fn open_streams_become(watcher: &StatsWatcher, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while watcher.open_streams() != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} open streams, expected {n}",
            watcher.open_streams()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn next_matching(
    rx: &mut mpsc::UnboundedReceiver<StatsUpdate>,
    what: &str,
    pred: impl Fn(&StatsUpdate) -> bool,
) -> StatsUpdate {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(u)) if pred(&u) => return u,
            Ok(Some(_)) => {}
            Ok(None) => panic!("the stats watcher stopped while waiting for {what}"),
            Err(_) => panic!("no {what} within 20 s"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_usage_of_visible_running_containers_and_the_host() {
    let version = Command::new("docker").args(["version", "--format", "{{.Server.APIVersion}}"]).output();
    assert!(
        matches!(&version, Ok(o) if o.status.success()),
        "this test needs a Docker engine: run `bash scripts/engine.sh start` (scripts/test.sh does)"
    );
    let project = Project::new();
    let web = project.run("web");
    let db = project.run("db");

    let selection = ServiceSelection {
        defined: vec!["web".into(), "db".into()],
        desired: BTreeSet::from(["web".to_string(), "db".to_string()]),
    };
    let endpoint = Endpoint::resolve(&EndpointEnv::from_process()).expect("the default endpoint resolves");
    let (engine, _updates) =
        EngineHandle::spawn(EngineConfig::new(project.name.clone(), selection, endpoint));
    engine.first_contact().await.expect("the engine answers");

    let (tx, mut rx) = mpsc::unbounded_channel();
    let watcher = StatsWatcher::spawn(&engine, ["web".to_string()], StatsConfig::default(), move |u| {
        tx.send(u).is_ok()
    });

    // Only the visible service's container is sampled.
    let sample = next_matching(&mut rx, "a sample of web", |u| matches!(u, StatsUpdate::Container(_))).await;
    let StatsUpdate::Container(c) = sample else { unreachable!() };
    assert_eq!(c.id, web);
    assert_eq!(c.service, "web");
    assert_eq!(c.name, format!("{}-web", project.name));
    assert!(c.memory_bytes > 0.0 && c.memory_limit_bytes >= c.memory_bytes, "{c:?}");
    let host = next_matching(&mut rx, "a host sample", |u| matches!(u, StatsUpdate::Host(_))).await;
    let StatsUpdate::Host(h) = host else { unreachable!() };
    assert!(h.memory_total_bytes > 0.0 && h.disk_total_bytes > 0.0 && h.cpu_count >= 1, "{h:?}");
    open_streams_become(&watcher, 1).await;

    // db comes into view, web leaves it: web's stream closes, db's opens.
    watcher.set_services(["db".to_string()]);
    next_matching(
        &mut rx,
        "web's stream closing",
        |u| matches!(u, StatsUpdate::Stopped { id, .. } if *id == web),
    )
    .await;
    next_matching(&mut rx, "a sample of db", |u| matches!(u, StatsUpdate::Container(c) if c.id == db)).await;
    open_streams_become(&watcher, 1).await;

    // db stops: the supervisor sees it, and its stream closes.
    docker(&["kill", &db]);
    next_matching(
        &mut rx,
        "db's stream closing",
        |u| matches!(u, StatsUpdate::Stopped { id, .. } if *id == db),
    )
    .await;
    open_streams_become(&watcher, 0).await;
    assert!(watcher.is_running(), "the watcher itself keeps running (host samples)");
    // And no sample of a stopped or hidden container follows.
    let until = tokio::time::Instant::now() + Duration::from_millis(2500);
    while let Ok(Some(u)) = tokio::time::timeout_at(until, rx.recv()).await {
        assert!(!matches!(u, StatsUpdate::Container(_)), "a sample after every stream closed: {u:?}");
    }
    drop(watcher);
}
