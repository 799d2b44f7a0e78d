//! Differential tests against real Compose: for each selection of the demo project, Dockmaster's report must
//! agree with what `docker compose config` (v2) resolves (services, published ports, networks, environment),
//! and Compose must refuse exactly the selections Dockmaster flags with an error. Compose v1 must accept the
//! same files. Both Compose versions are installed by `scripts/setup.sh`; a missing one fails the test.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

/// `docker compose … config --format json` for a selection, as Dockmaster would call it.
fn compose_v2(
    project: &Path,
    files: &[String],
    profiles: &[&str],
    env: &[(&str, &str)],
) -> Result<Value, String> {
    let mut cmd = Command::new("docker");
    cmd.arg("compose").current_dir(project);
    for f in files {
        cmd.args(["-f", f]);
    }
    for p in profiles {
        cmd.args(["--profile", p]);
    }
    cmd.args(["config", "--format", "json"]);
    isolated(&mut cmd).envs(env.iter().copied());
    let out =
        cmd.output().expect("`docker compose` must be installed (scripts/setup.sh installs Compose v2)");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("compose prints JSON"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn report(project: &Path, profiles: &[&str], env: &[(&str, &str)]) -> Value {
    let mut args = vec!["--project", project.to_str().expect("utf-8"), "config", "--json"];
    for p in profiles {
        args.extend(["--profile", p]);
    }
    let mut cmd = dockmaster_command(&args);
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

type PortKey = (String, Option<String>, Option<u64>, u64, String);

fn compose_ports(config: &Value) -> BTreeSet<PortKey> {
    let mut set = BTreeSet::new();
    for (name, svc) in config["services"].as_object().expect("services") {
        for p in svc["ports"].as_array().cloned().unwrap_or_default() {
            set.insert((
                name.clone(),
                p["host_ip"].as_str().map(String::from),
                p["published"].as_str().and_then(|s| s.parse().ok()),
                p["target"].as_u64().expect("target"),
                p["protocol"].as_str().unwrap_or("tcp").to_string(),
            ));
        }
    }
    set
}

fn dockmaster_ports(report: &Value) -> BTreeSet<PortKey> {
    let mut set = BTreeSet::new();
    for svc in report["services"].as_array().expect("services") {
        for p in svc["ports"].as_array().expect("ports") {
            set.insert((
                svc["name"].as_str().expect("name").to_string(),
                p["hostIp"].as_str().map(String::from),
                p["hostPort"].as_u64(),
                p["containerPort"].as_u64().expect("port"),
                p["protocol"].as_str().expect("protocol").to_string(),
            ));
        }
    }
    set
}

fn has_error(report: &Value) -> bool {
    report["warnings"].as_array().expect("warnings").iter().any(|w| w["severity"] == "error")
}

fn files(report: &Value) -> Vec<String> {
    report["composeFiles"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().expect("str").into())
        .collect()
}

#[test]
fn demo_selections_match_compose_v2() {
    let demo = demo();
    let moved_port = [("GAMESERVER_PORT", "18080"), ("NEXUS_SUBNET", "10.99.0.0/16")];
    type Selection<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let selections: &[Selection] = &[
        (&["development"], &[]),
        (&["development"], &moved_port),
        (&["default"], &[]),
        (&["multi-regional"], &[]),
        (&["monitoring"], &[]),
        (&["development", "monitoring"], &[]),
        (&["multi-regional", "monitoring"], &[]),
        (&["regional-template"], &[]),
        (&["production"], &[]),
        (&[], &[]),
    ];
    for (profiles, env) in selections {
        let ours = report(&demo, profiles, env);
        // With no --profile, Dockmaster uses the stack's default selection: ask Compose for that one.
        let used: Vec<&str> =
            ours["profiles"].as_array().expect("profiles").iter().map(|p| p.as_str().expect("s")).collect();
        let profiles = &used;
        match compose_v2(&demo, &files(&ours), profiles, env) {
            Ok(config) => {
                assert!(
                    !has_error(&ours),
                    "{profiles:?}: Compose accepts it but Dockmaster reports an error"
                );
                let theirs: BTreeSet<String> =
                    config["services"].as_object().expect("services").keys().cloned().collect();
                let mine: BTreeSet<String> = names(&ours["services"]).into_iter().collect();
                assert_eq!(mine, theirs, "{profiles:?}: services");
                assert_eq!(dockmaster_ports(&ours), compose_ports(&config), "{profiles:?}: ports");
                for svc in ours["services"].as_array().expect("services") {
                    let name = svc["name"].as_str().expect("name");
                    let theirs: BTreeSet<String> = config["services"][name]["networks"]
                        .as_object()
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default();
                    let mine: BTreeSet<String> = svc["networks"]
                        .as_array()
                        .expect("nets")
                        .iter()
                        .map(|n| n.as_str().expect("s").into())
                        .collect();
                    assert_eq!(mine, theirs, "{profiles:?}: networks of {name}");
                    // Non-secret environment values agree after interpolation and override merging.
                    for var in svc["environment"].as_array().expect("env") {
                        if var["masked"] == true || var["value"].is_null() {
                            continue;
                        }
                        let key = var["name"].as_str().expect("name");
                        assert_eq!(
                            config["services"][name]["environment"][key].as_str(),
                            var["value"].as_str(),
                            "{profiles:?}: {name}.{key}"
                        );
                    }
                }
                for net in ours["networks"].as_array().expect("networks") {
                    let key = net["name"].as_str().expect("name");
                    assert_eq!(
                        config["networks"][key]["name"], net["engineName"],
                        "{profiles:?}: {key} name"
                    );
                    let subnets: Vec<&str> = config["networks"][key]["ipam"]["config"]
                        .as_array()
                        .map(|c| c.iter().filter_map(|x| x["subnet"].as_str()).collect())
                        .unwrap_or_default();
                    let mine: Vec<&str> = net["subnets"]
                        .as_array()
                        .expect("subnets")
                        .iter()
                        .map(|s| s.as_str().expect("s"))
                        .collect();
                    assert_eq!(mine, subnets, "{profiles:?}: {key} subnets");
                }
            }
            Err(stderr) => {
                assert!(
                    has_error(&ours),
                    "{profiles:?}: Compose refuses it ({stderr}) but Dockmaster reports no error"
                );
                if stderr.contains("depends on undefined service") {
                    assert!(
                        ours["warnings"]
                            .as_array()
                            .expect("w")
                            .iter()
                            .any(|w| w["code"] == "DANGLING_DEPENDS_ON"),
                        "{profiles:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn compose_v1_accepts_the_demo_files() {
    let demo = demo();
    for files in [&["docker-compose.yml"][..], &["docker-compose.yml", "docker-compose.dev.yml"][..]] {
        let mut cmd = Command::new("docker-compose");
        cmd.current_dir(&demo);
        for f in files {
            cmd.args(["-f", f]);
        }
        let out = cmd
            .args(["config", "--services"])
            .output()
            .expect("`docker-compose` (v1) must be installed (scripts/setup.sh installs it)");
        assert!(out.status.success(), "{files:?}: {}", String::from_utf8_lossy(&out.stderr));
        let services: BTreeSet<String> =
            String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect();
        let ours = report(
            &demo,
            &["development", "multi-regional", "monitoring", "regional-template", "production"],
            &[],
        );
        let mine: BTreeSet<String> = names(&ours["services"]).into_iter().collect();
        assert_eq!(mine, services, "v1 sees the same 14 services");
    }
}
