//! Engine restart, against a PRIVATE second dockerd on its own socket (the shared engine is never touched):
//! while `status --watch` runs, the engine is killed by PID → the stream reports unavailable/reconnecting; a
//! container is started while Dockmaster cannot see the engine; once the engine answers again Dockmaster
//! reconnects within 2 s, its state equals a fresh snapshot, and the new container is there.

mod engine_support;

use std::time::Duration;

use engine_support::*;
use serde_json::Value;

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
    require_dockerd();

    let project = format!("dmtest-restart-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    let mut engine = PrivateEngine::new();
    engine.start("sock");
    engine.wait_answers("sock");
    let host = engine.host("sock");
    engine.load_demo_image("sock");
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
