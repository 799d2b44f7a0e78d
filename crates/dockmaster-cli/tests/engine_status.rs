//! `dockmaster status` and `status --watch --json` against the real engine, with the demo stack brought up by
//! Compose v2 and by Compose v1: the right services healthy, health flips arriving as changes with their
//! probe output, a killed container's exit code, and published ports equal to `docker port`.

mod engine_support;

use std::process::Command;
use std::time::Duration;

use engine_support::*;
use serde_json::Value;

#[test]
fn status_and_watch_with_compose_v2() {
    scenario(Compose::V2);
}

#[test]
fn status_and_watch_with_compose_v1() {
    scenario(Compose::V1);
}

fn scenario(compose: Compose) {
    require_engine();
    let stack = DemoStack::new(compose);
    stack.up(&["development"], &DEV_SERVICES);

    // One snapshot: the development services run healthy, the others are not desired and not created.
    let out = stack.dockmaster(&["status", "--json", "--profile", "development"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let snap = json(&out);
    assert_eq!(snap["connection"]["status"], "connected");
    assert!(snap["connection"]["apiVersion"].as_str().is_some_and(|v| v.starts_with("1.")), "{snap}");
    assert_eq!(snap["synced"], true);
    for s in snap["services"].as_array().expect("services") {
        let name = s["name"].as_str().expect("name");
        if DEV_SERVICES.contains(&name) {
            assert_eq!(
                (&s["desired"], &s["state"], &s["health"]),
                (&Value::from(true), &"running".into(), &"healthy".into()),
                "{s}"
            );
            assert_eq!(s["containers"][0]["name"], stack.container(name));
        } else {
            assert_eq!((&s["desired"], &s["state"]), (&Value::from(false), &"notCreated".into()), "{s}");
        }
    }

    // Published ports are exactly what `docker port` says.
    for name in DEV_SERVICES {
        let docker: Vec<String> = run_ok(Command::new("docker").args(["port", &stack.container(name)]))
            .lines()
            .map(|l| {
                // "5432/tcp -> 127.0.0.1:20001"
                let (port, host) = l.split_once(" -> ").expect("docker port line");
                format!("{host}->{port}")
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let ours: Vec<String> = service(&snap, name)["ports"]
            .as_array()
            .expect("ports")
            .iter()
            .map(|p| {
                format!(
                    "{}:{}->{}/{}",
                    p["hostIp"].as_str().unwrap_or_default(),
                    p["hostPort"],
                    p["containerPort"],
                    p["protocol"].as_str().unwrap_or_default()
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert!(!ours.is_empty(), "{name} publishes ports");
        assert_eq!(ours, docker, "{name}: ports differ from `docker port`");
    }

    // Watch: the initial sync, then a health flip both ways (the healthcheck fetches /www/index.html).
    let mut w = stack.watch(&["development"]);
    let synced = w.wait_for("the first synced line", Duration::from_secs(15), |v| v["kind"] == "synced");
    assert_eq!(service(&synced["snapshot"], "gameserver")["health"], "healthy");
    let gameserver = stack.container("gameserver");
    run_ok(Command::new("docker").args(["exec", &gameserver, "rm", "/www/index.html"]));
    // interval 2 s × retries 10: the engine declares it unhealthy after ~20 s.
    let flip = w.wait_for("gameserver unhealthy", Duration::from_secs(60), |v| {
        is_service(v, "gameserver") && v["service"]["health"] == "unhealthy"
    });
    assert_eq!(flip["cause"], "health_status: unhealthy");
    assert_eq!(flip["container"], gameserver);
    let engine_ns: i128 = flip["engineTimeNano"].as_str().expect("engine time").parse().expect("number");
    let emitted_ns: i128 = flip["emittedAtNano"].as_str().expect("emit time").parse().expect("number");
    assert!(emitted_ns >= engine_ns - 1_000_000 && emitted_ns - engine_ns < 2_000_000_000, "{flip}");
    // The probe output arrives with the re-inspection (if the first line did not already carry it).
    let failing = |v: &Value| {
        v["service"]["containers"][0]["healthLog"]
            .as_array()
            .and_then(|l| l.last())
            .is_some_and(|p| p["exitCode"] != 0)
    };
    if !failing(&flip) {
        let with_log = w.wait_for("gameserver's failing probe output", Duration::from_secs(10), |v| {
            is_service(v, "gameserver") && failing(v)
        });
        assert_eq!(with_log["cause"], "inspect after health_status: unhealthy");
        assert_eq!(with_log["engineTimeNano"], flip["engineTimeNano"]);
    }
    let snap = json(&stack.dockmaster(&["status", "--json", "--profile", "development"]));
    let c = &service(&snap, "gameserver")["containers"][0];
    assert_eq!(c["health"], "unhealthy");
    assert!(c["failingStreak"].as_u64().unwrap_or_default() >= 1, "{c}");
    let human = stack.dockmaster(&["status", "--profile", "development"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains(&format!("{gameserver} is unhealthy: last probe exited 1")), "{text}");

    run_ok(Command::new("docker").args(["exec", &gameserver, "sh", "-c", "echo back >/www/index.html"]));
    let back = w.wait_for("gameserver healthy again", Duration::from_secs(30), |v| {
        is_service(v, "gameserver") && v["service"]["health"] == "healthy"
    });
    assert_eq!(back["cause"], "health_status: healthy");

    // A killed container shows its exit code (SIGKILL: 137), in the watch and in a fresh snapshot.
    let admin = stack.container("admin-ui");
    run_ok(Command::new("docker").args(["kill", &admin]));
    let died = w.wait_for("admin-ui exited", Duration::from_secs(15), |v| {
        is_service(v, "admin-ui") && v["service"]["state"] == "exited"
    });
    assert_eq!((&died["cause"], &died["service"]["exitCode"]), (&"die".into(), &137.into()), "{died}");
    let snap = json(&stack.dockmaster(&["status", "--json", "--profile", "development"]));
    let s = service(&snap, "admin-ui");
    assert_eq!(
        (&s["state"], &s["exitCode"], &s["desired"]),
        (&"exited".into(), &137.into(), &true.into()),
        "{s}"
    );
    assert_eq!(s["ports"], Value::Array(Vec::new()), "an exited container publishes nothing");

    // No exec_* noise: every service update has a known cause.
    for v in &w.seen {
        let cause = v["cause"].as_str().unwrap_or_default();
        assert!(!cause.contains("exec_"), "exec event leaked: {}", summary(v));
    }
}
