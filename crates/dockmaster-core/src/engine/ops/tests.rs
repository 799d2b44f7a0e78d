//! The bollard mapping (errors, inspect, list, the create request), label filters, the fake's engine-like
//! behaviour, and the invariant that no bollard type is used outside `engine/`.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use bollard::models::ContainerInspectResponse;

use super::convert::{container_info, container_summary, create_body, op_error};
use super::fake::{labels_of, AfterStart, FakeEngine, Fault, Op};
use super::*;
use crate::engine::{Health, RunState};
use crate::secrets::{Masker, Sensitive};

#[test]
fn engine_errors_keep_the_engines_words_and_map_404_304_409_once() {
    let e = |code: u16, message: &str| {
        op_error(&bollard::errors::Error::DockerResponseServerError {
            status_code: code,
            message: message.into(),
        })
    };
    let missing = e(404, "No such image: x\n");
    assert_eq!(missing.kind, OpErrorKind::NotFound);
    assert!(missing.is_not_found());
    assert_eq!(missing.to_string(), "No such image: x (HTTP 404)");
    assert_eq!(e(304, "").kind, OpErrorKind::NotModified);
    assert_eq!(e(409, "name in use").kind, OpErrorKind::Conflict);
    assert_eq!(e(500, "boom").kind, OpErrorKind::Failed);
    let late = OpError::timed_out(Duration::from_secs(7));
    assert_eq!(
        (late.kind, late.message.as_str()),
        (OpErrorKind::TimedOut, "the engine did not answer within 7 s")
    );
}

fn inspect(v: serde_json::Value) -> ContainerInspectResponse {
    serde_json::from_value(v).unwrap()
}

#[test]
fn an_inspect_becomes_a_container_info_with_every_field_the_callers_read() {
    let c = inspect(serde_json::json!({
        "Id": "abc123", "Name": "/p-region-r-server",
        "State": {"Status": "running", "StartedAt": "2024-01-01T00:00:00Z",
            "Health": {"Status": "unhealthy", "Log": [{"ExitCode": 1, "Output": "pw=region-secret-123456"}]}},
        "Config": {
            "Image": "img:1", "User": "", "WorkingDir": "/app", "StopTimeout": 3,
            "Env": ["A=1", "DB_PASSWORD=region-secret-123456", "EMPTY="],
            "Cmd": ["sh", "-c", "run"], "Labels": {"dev.dockmaster.region": "r", "service": "server"},
            "Healthcheck": {"Test": ["CMD", "true"], "Interval": 2000000000, "Retries": 5}
        },
        "HostConfig": {
            "Binds": ["vol:/data:rw", "/host:/bind:ro"],
            "Mounts": [{"Type": "volume", "Source": "named", "Target": "/named"}, {"Type": "volume", "Target": "/anon"}],
            "PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8217"}]},
            "NanoCpus": 1500000000, "Memory": 536870912, "Init": true,
            "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}
        },
        "Mounts": [
            {"Type": "volume", "Name": "vol", "Source": "/var/lib/docker/volumes/vol/_data", "Destination": "/data", "RW": true},
            {"Type": "bind", "Source": "/host", "Destination": "/bind", "RW": false}
        ],
        "NetworkSettings": {"Networks": {
            "z-net": {"Aliases": ["abc123", "srv"]},
            "a-net": {"Aliases": null}
        }}
    }));
    let i = container_info(&c, TextMask::OwnEnvironment).unwrap();
    assert_eq!((i.id.as_str(), i.name.as_str(), i.image.as_str()), ("abc123", "p-region-r-server", "img:1"));
    assert_eq!(i.labels.get("service").map(String::as_str), Some("server"));
    let env: Vec<(&str, &str)> = i.env.iter().map(|(k, v)| (k.as_str(), v.expose().as_str())).collect();
    assert_eq!(env, [("A", "1"), ("DB_PASSWORD", "region-secret-123456"), ("EMPTY", "")]);
    assert_eq!(i.cmd.as_ref().map(|w| w.expose().len()), Some(3));
    assert_eq!((i.status.state, i.status.health), (RunState::Running, Health::Unhealthy));
    assert!(!i.status.health_log[0].output.contains("region-secret"), "own environment masks probe output");
    assert!(!format!("{i:?}").contains("region-secret-123456"), "Debug shows no environment value");
    assert_eq!(i.mounts.len(), 2);
    assert_eq!(i.mounts[0].name.as_deref(), Some("vol"));
    assert!(i.mounts[1].read_only && i.mounts[1].kind == "bind");
    assert_eq!(i.binds, ["vol:/data:rw", "/host:/bind:ro"]);
    assert_eq!(
        i.spec_mounts[0],
        SpecMount { kind: "volume".into(), source: Some("named".into()), target: Some("/named".into()) }
    );
    assert_eq!(i.spec_mounts[1].source, None);
    assert_eq!(
        i.ports,
        [PortBind {
            container_port: 8080,
            protocol: "tcp".into(),
            host_ip: "127.0.0.1".into(),
            host_port: 8217
        }]
    );
    let nets: Vec<&str> = i.networks.iter().map(|n| n.network.as_str()).collect();
    assert_eq!(nets, ["a-net", "z-net"]);
    assert_eq!(i.networks[1].aliases, ["abc123", "srv"]);
    assert_eq!(i.restart, Some(RestartPolicy { name: "on-failure".into(), max_retries: Some(3) }));
    assert_eq!(i.limits, ResourceLimits { nano_cpus: 1_500_000_000, memory_bytes: 512 << 20 });
    let h = i.healthcheck.unwrap();
    assert_eq!((h.interval, h.retries, h.timeout), (Some(Duration::from_secs(2)), Some(5), None));
    assert_eq!(
        (i.user, i.working_dir.as_deref(), i.init, i.stop_timeout_s),
        (None, Some("/app"), true, Some(3))
    );

    let masker = Masker::new([("DB_PASSWORD", &Sensitive::new("region-secret-123456".to_string()))]);
    let with = container_info(&c, TextMask::With(&masker)).unwrap();
    assert!(with.status.health_log[0].output.contains("[DB_PASSWORD hidden]"));
}

#[test]
fn a_list_entry_keeps_name_labels_state_and_published_ports() {
    let c: bollard::models::ContainerSummary = serde_json::from_value(serde_json::json!({
        "Id": "x1", "Names": ["/web"], "State": "running", "Labels": {"k": "v"},
        "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}, {"PrivatePort": 53, "Type": "udp"}]
    }))
    .unwrap();
    let s = container_summary(c);
    assert_eq!((s.id.as_str(), s.name.as_str(), s.running), ("x1", "web", true));
    assert_eq!(s.labels.get("k").map(String::as_str), Some("v"));
    assert_eq!(
        s.ports[0],
        ListedPort { ip: Some("0.0.0.0".into()), public_port: Some(8080), protocol: "tcp".into() }
    );
    assert_eq!((s.ports[1].public_port, s.ports[1].protocol.as_str()), (None, "udp"));
}

#[test]
fn a_spec_becomes_the_engines_create_request() {
    let spec = ContainerSpec {
        name: "c".into(),
        image: "img".into(),
        cmd: Some(Sensitive::new(vec!["run".into()])),
        env: vec![("PW".into(), Sensitive::new("value-123456".into()))],
        labels: labels_of(&[("a", "b")]),
        binds: vec!["vol:/data".into()],
        tmpfs: vec!["/tmp".into()],
        anonymous_volumes: vec!["/anon".into()],
        ports: vec![PortBind {
            container_port: 80,
            protocol: "tcp".into(),
            host_ip: "127.0.0.1".into(),
            host_port: 9000,
        }],
        healthcheck: Some(Healthcheck {
            test: Sensitive::new(vec!["CMD".into(), "true".into()]),
            interval: Some(Duration::from_millis(1500)),
            timeout: None,
            retries: Some(3),
            start_period: None,
        }),
        limits: ResourceLimits { nano_cpus: 500_000_000, memory_bytes: 1 << 20 },
        init: true,
        restart: Some(RestartPolicy { name: "unless-stopped".into(), max_retries: None }),
        network: Some(NetworkAttachment { network: "n".into(), aliases: vec!["db".into()] }),
        stop_timeout_s: Some(4),
        ..Default::default()
    };
    assert!(!format!("{spec:?}").contains("value-123456"), "Debug shows no secret");
    let body = serde_json::to_value(create_body(&spec)).unwrap();
    assert_eq!(body["Env"], serde_json::json!(["PW=value-123456"]));
    assert_eq!(body["Cmd"], serde_json::json!(["run"]));
    assert_eq!(body["Volumes"], serde_json::json!({"/anon": {}}));
    assert_eq!(body["ExposedPorts"], serde_json::json!({"80/tcp": {}}));
    assert_eq!(body["Healthcheck"]["Interval"], 1_500_000_000_i64);
    assert_eq!(body["StopTimeout"], 4);
    let host = &body["HostConfig"];
    assert_eq!(host["Binds"], serde_json::json!(["vol:/data"]));
    assert_eq!(host["Tmpfs"], serde_json::json!({"/tmp": ""}));
    assert_eq!(host["PortBindings"]["80/tcp"][0]["HostPort"], "9000");
    assert_eq!(
        (host["NanoCpus"].as_i64(), host["Memory"].as_i64(), host["Init"].as_bool()),
        (Some(500_000_000), Some(1 << 20), Some(true))
    );
    assert_eq!(host["RestartPolicy"]["Name"], "unless-stopped");
    assert_eq!(body["NetworkingConfig"]["EndpointsConfig"]["n"]["Aliases"], serde_json::json!(["db"]));
}

#[test]
fn label_filters_match_like_the_engine_and_spell_its_terms() {
    let l = labels_of(&[("p", "demo"), ("r", "eu")]);
    assert!(LabelFilter::all().matches(&l));
    assert!(LabelFilter::all().is("p", "demo").has("r").matches(&l));
    assert!(!LabelFilter::all().is("p", "demo").is("r", "us").matches(&l));
    assert!(!LabelFilter::all().has("x").matches(&l));
    assert_eq!(LabelFilter::all().is("p", "demo").has("r").engine_terms(), ["p=demo", "r"]);
}

#[tokio::test]
async fn the_fake_behaves_like_the_engine_where_dockmaster_relies_on_it() {
    let fake = FakeEngine::new();
    fake.add_image("img", ImageInfo { volumes: vec!["/image-data".into()], ..Default::default() });
    fake.add_network("net", Some("10.0.0.0/24"), labels_of(&[]));
    let spec = ContainerSpec {
        name: "c".into(),
        image: "img".into(),
        binds: vec!["named:/data".into()],
        network: Some(NetworkAttachment { network: "net".into(), aliases: vec![] }),
        ..Default::default()
    };
    let id = fake.create_container(&spec).await.unwrap();
    assert_eq!(fake.create_container(&spec).await.unwrap_err().kind, OpErrorKind::Conflict);
    // The volume's users, stopped ones too (the engine's `volume=` filter).
    let users = fake.volume_users("named").await.unwrap();
    assert_eq!(users.iter().map(|c| (c.name.as_str(), c.running)).collect::<Vec<_>>(), [("c", false)]);
    assert!(fake.volume_users("other").await.unwrap().is_empty());
    let missing = ContainerSpec { name: "d".into(), image: "nope".into(), ..Default::default() };
    assert!(fake.create_container(&missing).await.unwrap_err().is_not_found());
    // The bind's volume was made on the fly; the image's VOLUME got an anonymous one.
    assert_eq!(fake.objects().volumes.len(), 2);
    assert_eq!(fake.remove_volume("named").await.unwrap_err().kind, OpErrorKind::Conflict, "in use");
    assert!(fake.remove_network("net").await.is_err(), "a network with endpoints stays");
    fake.start_container(&id).await.unwrap();
    assert_eq!(fake.start_container(&id).await.unwrap_err().kind, OpErrorKind::NotModified);
    let info = fake.inspect_container("c", TextMask::OwnEnvironment).await.unwrap();
    assert_eq!((info.status.state, info.status.health), (RunState::Running, Health::None));
    fake.stop_container(&id, Duration::ZERO).await.unwrap();
    assert_eq!(fake.stop_container(&id, Duration::ZERO).await.unwrap_err().kind, OpErrorKind::NotModified);
    fake.remove_container(&id, true).await.unwrap();
    assert_eq!(
        fake.objects().volumes.keys().collect::<Vec<_>>(),
        ["named"],
        "the anonymous one went with it"
    );

    fake.after_start("e", AfterStart::Exits(3));
    let e = fake
        .create_container(&ContainerSpec { name: "e".into(), image: "img".into(), ..Default::default() })
        .await
        .unwrap();
    fake.start_container(&e).await.unwrap();
    let info = fake.inspect_container(&e, TextMask::OwnEnvironment).await.unwrap();
    assert_eq!((info.status.state, info.status.exit_code), (RunState::Exited, Some(3)));

    fake.fail(Op::CreateVolume, 1, Fault::Refuse);
    fake.fail(Op::CreateVolume, 2, Fault::TimeOutAfterDoing);
    let v = VolumeSpec { name: "v".into(), driver: "local".into(), labels: labels_of(&[]) };
    assert_eq!(fake.create_volume(&v).await.unwrap_err().kind, OpErrorKind::Failed);
    assert!(!fake.objects().volumes.contains_key("v"), "a refused call does nothing");
    assert_eq!(fake.create_volume(&v).await.unwrap_err().kind, OpErrorKind::TimedOut);
    assert!(fake.objects().volumes.contains_key("v"), "a timed-out call did it anyway");
    assert_eq!(fake.calls(Op::CreateVolume), 2);
}

/// The invariant "no bollard type outside `engine/`" (ARCHITECTURE.md), checked on the sources.
#[test]
fn no_bollard_outside_the_engine_module() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path != src.join("engine") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    if line.contains("bollard") {
                        offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "bollard used outside engine/ (use engine::ops):\n{}",
        offenders.join("\n")
    );
}
