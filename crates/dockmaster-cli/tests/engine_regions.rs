//! Region containers (created outside Compose, found by Dockmaster's region labels) on the real engine: a region
//! container of the project appears in `status --watch --json` as a region (not as a Compose service) with its
//! state, health and published port, is in a fresh snapshot (resync), and disappears when removed; a region
//! container of another project never shows.

mod engine_support;

use std::process::Command;
use std::time::Duration;

use engine_support::*;
use serde_json::Value;

/// Removes this test's containers (they all carry `dev.dockmaster.project=<one of its projects>`) and its
/// network on drop.
struct Cleanup {
    projects: Vec<String>,
    network: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for project in &self.projects {
            remove_labelled(&[&format!("dev.dockmaster.project={project}"), "dockmaster.test=1"]);
        }
        run(Command::new("docker").args(["network", "rm", &self.network]));
    }
}

/// `docker run -d` of a region container: the region-manager's labels plus Dockmaster's.
fn run_region_container(project: &str, region: &str, service: &str, publish: Option<(&str, u16)>) -> String {
    let name = format!("{project}-{region}-{service}");
    let mut cmd = Command::new("docker");
    cmd.args(["run", "-d", "--name", &name, "--stop-timeout", "1"]);
    for label in [
        format!("dev.dockmaster.project={project}"),
        format!("dev.dockmaster.region={region}"),
        format!("region={region}"),
        format!("service={service}"),
        "owner=7d444840-9dc0-11d1-b245-5ffdce74fad2".to_string(),
        "dockmaster.test=1".to_string(),
    ] {
        cmd.args(["--label", &label]);
    }
    match publish {
        Some((network, p)) => cmd.args(["--network", network, "-p", &format!("127.0.0.1:{p}:8080")]),
        None => cmd.args(["--network", "none"]),
    };
    cmd.args(["--health-cmd", "true", "--health-interval", "1s", IMAGE, "sleep", "100000"]);
    run_ok(&mut cmd);
    name
}

fn is_region(v: &Value, name: &str) -> bool {
    v["kind"] == "region" && v["region"]["name"] == name
}

#[test]
fn region_containers_appear_and_disappear() {
    require_engine();
    let project = format!("dmtest-region-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    let other = format!("{project}-other");
    // A network of its own (with a free subnet) for the published port.
    let network = format!("{project}-net");
    let _cleanup = Cleanup { projects: vec![project.clone(), other.clone()], network: network.clone() };
    run_ok(Command::new("docker").args(["network", "create", "--label", "dockmaster.test=1"]).args([
        "--subnet",
        &free_subnet(),
        &network,
    ]));

    // A region of another project exists before and during the watch: it must never show.
    run_region_container(&other, "west", "server", None);

    let mut w = Watcher::start(&project, &["status", "--watch", "--json"], &[]);
    let synced = w.wait_for("the first sync", Duration::from_secs(15), |v| v["kind"] == "synced");
    assert_eq!(synced["snapshot"]["regions"], Value::Array(Vec::new()), "{synced}");

    // A region container of this project: it appears as region `east`, then runs healthy.
    let port = free_port();
    let server = run_region_container(&project, "east", "server", Some((&network, port)));
    let seen = w.wait_for("region east running and healthy", Duration::from_secs(20), |v| {
        is_region(v, "east") && v["region"]["state"] == "running" && v["region"]["health"] == "healthy"
    });
    let region = &seen["region"];
    let c = &region["containers"][0];
    assert_eq!(
        (&c["name"], &c["service"], &c["region"]),
        (&server.as_str().into(), &"server".into(), &"east".into())
    );
    assert_eq!(region["ports"][0]["hostPort"], port, "{region}");
    assert_eq!(region["ports"][0]["containerPort"], 8080, "{region}");
    // It is a region, not a Compose service of the project.
    assert!(!w.seen.iter().any(|v| is_service(v, "server")), "a region container showed as a service");

    // A second service of the same region joins it.
    let db = run_region_container(&project, "east", "db", None);
    let both = w.wait_for("region east with two containers", Duration::from_secs(15), |v| {
        is_region(v, "east") && v["region"]["containers"].as_array().is_some_and(|c| c.len() == 2)
    });
    let names: Vec<&str> = both["region"]["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, [db.as_str(), server.as_str()]);

    // A fresh snapshot (list + inspect) has the region too, and only this project's.
    let snap = json(&dockmaster(&project, &["status", "--json"], &[]));
    let regions = snap["regions"].as_array().expect("regions");
    assert_eq!(regions.len(), 1, "{snap}");
    assert_eq!(regions[0]["name"], "east");
    assert_eq!(regions[0]["containers"].as_array().map(Vec::len), Some(2), "{snap}");
    assert!(snap["services"]
        .as_array()
        .expect("services")
        .iter()
        .all(|s| s["name"] != "server" && s["name"] != "db"));
    let table = dockmaster(&project, &["status"], &[]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("REGION") && text.contains(&server), "{text}");

    // Killed: the region shows the exit code; removed: the region disappears.
    run_ok(Command::new("docker").args(["kill", &db]));
    let died = w.wait_for("east's db exited", Duration::from_secs(15), |v| {
        is_region(v, "east") && v["region"]["state"] == "exited"
    });
    assert_eq!(died["region"]["exitCode"], 137, "{died}");
    run_ok(Command::new("docker").args(["rm", "-f", &db, &server]));
    let gone = w.wait_for("region east gone", Duration::from_secs(15), |v| {
        is_region(v, "east") && v["region"]["state"] == "notCreated"
    });
    assert_eq!(gone["region"]["containers"], Value::Array(Vec::new()), "{gone}");
    let snap = json(&dockmaster(&project, &["status", "--json"], &[]));
    assert_eq!(snap["regions"], Value::Array(Vec::new()), "{snap}");

    // The other project's region never showed.
    assert!(
        !w.seen.iter().any(|v| is_region(v, "west") || v.to_string().contains(&other)),
        "another project's region leaked:\n{}",
        w.seen.iter().map(summary).collect::<Vec<_>>().join("\n")
    );
    w.stop();
}
