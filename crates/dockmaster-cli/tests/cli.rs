//! The `dockmaster` CLI on the demo project and on broken projects: output, exit codes and messages.

mod common;

use common::*;

const DEVELOPMENT: [&str; 7] =
    ["database", "redis-cache", "gameserver", "player-client", "admin-ui", "nginx-gateway", "region-manager"];

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn demo_config(profiles: &[&str]) -> serde_json::Value {
    let demo = demo();
    let mut args = vec!["--project", demo.to_str().expect("utf-8"), "config", "--json"];
    for p in profiles {
        args.extend(["--profile", p]);
    }
    let out = dockmaster(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    json(&out)
}

#[test]
fn development_lists_exactly_the_seed_services() {
    let report = demo_config(&["development"]);
    let mut want: Vec<String> = DEVELOPMENT.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(sorted(names(&report["services"])), want);
    assert_eq!(report["composeFiles"], serde_json::json!(["docker-compose.yml", "docker-compose.dev.yml"]));
}

#[test]
fn seed_profile_service_sets() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["multi-regional"],
            &[
                "central-nexus-db",
                "redis-cache",
                "redis-nexus",
                "central-nexus-server",
                "player-client",
                "admin-ui",
                "nginx-gateway",
                "region-manager",
            ],
        ),
        (&["monitoring"], &["prometheus", "grafana"]),
        (&["regional-template"], &["regional-db-template", "regional-server-template"]),
    ];
    for (profiles, want) in cases {
        let report = demo_config(profiles);
        let want = sorted(want.iter().map(|s| s.to_string()).collect());
        assert_eq!(sorted(names(&report["services"])), want, "{profiles:?}");
    }
    let combined = demo_config(&["development", "monitoring"]);
    assert_eq!(names(&combined["services"]).len(), 9);
}

#[test]
fn ports_report_the_variable_that_moves_them() {
    let demo = demo();
    let out = dockmaster(&[
        "--project",
        demo.to_str().expect("utf-8"),
        "ports",
        "--profile",
        "development",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = json(&out);
    let gameserver = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["service"] == "gameserver")
        .expect("gameserver publishes a port");
    assert_eq!(gameserver["hostPort"], 8080);
    assert_eq!(gameserver["containerPort"], 8080);
    assert_eq!(gameserver["hostIp"], "127.0.0.1");
    assert_eq!(gameserver["variable"], "GAMESERVER_PORT");
}

#[test]
fn port_variable_from_the_environment_is_applied() {
    let demo = demo();
    let out = dockmaster_command(&[
        "--project",
        demo.to_str().expect("utf-8"),
        "ports",
        "--profile",
        "development",
        "--json",
    ])
    .env("GAMESERVER_PORT", "18080")
    .output()
    .expect("runs");
    let rows = json(&out);
    let gameserver =
        rows.as_array().expect("rows").iter().find(|r| r["service"] == "gameserver").expect("row");
    assert_eq!(gameserver["hostPort"], 18080);
}

#[test]
fn secrets_never_appear_in_the_report() {
    let demo = demo();
    let secret = "s3cr3t-value-that-must-not-leak-0123456789";
    let out = dockmaster_command(&[
        "--project",
        demo.to_str().expect("utf-8"),
        "config",
        "--profile",
        "development",
        "--json",
    ])
    .env("JWT_SECRET", secret)
    .env("REDIS_PASSWORD", secret)
    .output()
    .expect("runs");
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(!text.contains(secret), "a secret leaked into the report");
    let report = json(&out);
    let gameserver =
        report["services"].as_array().expect("services").iter().find(|s| s["name"] == "gameserver");
    let env = gameserver.expect("gameserver")["environment"].as_array().expect("env").clone();
    let jwt = env.iter().find(|e| e["name"] == "JWT_SECRET").expect("JWT_SECRET listed");
    assert_eq!(jwt["masked"], true);
}

#[test]
fn production_reports_the_dangling_dependency() {
    let report = demo_config(&["production"]);
    let dangling: Vec<&serde_json::Value> = report["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w["code"] == "DANGLING_DEPENDS_ON")
        .collect();
    assert!(!dangling.is_empty(), "expected a dangling depends_on warning: {report}");
    assert!(dangling
        .iter()
        .any(|w| w["services"].as_array().expect("services").contains(&"gameserver".into())));
    assert_eq!(dangling[0]["severity"], "error");
}

#[test]
fn dangling_dependency_fixture_and_strict_mode() {
    let dir = fixture("dangling-depends-on");
    let dir = dir.to_str().expect("utf-8");
    let out = dockmaster(&["--project", dir, "config", "--profile", "web", "--json"]);
    assert!(out.status.success());
    let warnings = json(&out)["warnings"].clone();
    let codes: Vec<(&str, &str)> = warnings
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| (w["code"].as_str().expect("code"), w["severity"].as_str().expect("severity")))
        .collect();
    assert!(codes.contains(&("DANGLING_DEPENDS_ON", "error")), "{codes:?}");
    assert!(codes.contains(&("DANGLING_DEPENDS_ON", "info")), "required: false is only a note: {codes:?}");
    let strict = dockmaster(&["--project", dir, "config", "--profile", "web", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stdout(&strict).contains("web depends on db"), "{}", stdout(&strict));
    let full = dockmaster(&["--project", dir, "config", "--profile", "full", "--strict"]);
    assert_eq!(full.status.code(), Some(0), "{}", stdout(&full));
}

#[test]
fn conflicts_overlaps_and_required_variables() {
    let dir = fixture("port-conflict");
    let out = dockmaster(&["--project", dir.to_str().expect("utf-8"), "config", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    let warnings = report["warnings"].as_array().expect("warnings");
    let find = |code: &str| {
        warnings.iter().find(|w| w["code"] == code).unwrap_or_else(|| panic!("{code}: {report}"))
    };
    let conflict = find("PORT_CONFLICT");
    assert_eq!(conflict["variables"], serde_json::json!(["WEB_PORT"]));
    assert!(conflict["hint"].as_str().expect("hint").contains("WEB_PORT"));
    assert!(find("SUBNET_OVERLAP")["message"].as_str().expect("message").contains("10.10.5.0/24"));
    let required = find("REQUIRED_VARIABLE_UNSET");
    assert!(required["message"].as_str().expect("message").contains("set API_TOKEN to the API's token"));
}

#[test]
fn profiles_lists_templates_and_aliases() {
    let demo = demo();
    let out = dockmaster(&["--project", demo.to_str().expect("utf-8"), "profiles", "--json"]);
    assert!(out.status.success());
    let overview = json(&out);
    assert_eq!(overview["stack"]["id"], "sectorwars2102");
    assert_eq!(overview["defaultSelection"], serde_json::json!(["development"]));
    let profiles = overview["profiles"].as_array().expect("profiles");
    let dev = profiles.iter().find(|p| p["name"] == "development").expect("development");
    assert_eq!(dev["aliases"], serde_json::json!(["default"]));
    assert!(dev["description"].as_str().is_some());
    let template = profiles.iter().find(|p| p["name"] == "regional-template").expect("template");
    assert_eq!(template["template"], true);
    assert!(profiles.iter().all(|p| p["name"] != "default"), "aliases are not separate profiles");
    let human = dockmaster(&["--project", demo.to_str().expect("utf-8"), "profiles"]);
    assert!(stdout(&human).contains("regional-template [template]"));
}

#[test]
fn missing_project_fails_clearly() {
    let empty = tempfile::tempdir().expect("tmp");
    let out = dockmaster(&["--project", empty.path().to_str().expect("utf-8"), "config"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("no Compose file in"), "{err}");
    assert!(err.contains("docker-compose.yml"), "{err}");
    let out = dockmaster(&["--project", "/nonexistent/dockmaster-test", "profiles", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(json(&out)["error"]["code"], "PROJECT_NOT_FOUND");
}

#[test]
fn yaml_error_names_file_and_line() {
    let dir = fixture("yaml-error");
    let out = dockmaster(&["--project", dir.to_str().expect("utf-8"), "config", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(json(&out)["error"]["code"], "COMPOSE_INVALID");
    let err = stderr(&out);
    assert!(err.contains("yaml-error/docker-compose.yml:"), "{err}");
}

#[test]
fn invalid_template_names_file_line_and_template() {
    let dir = fixture("invalid-template");
    let out = dockmaster(&["--project", dir.to_str().expect("utf-8"), "config"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("invalid-template/docker-compose.yml:6:"), "{err}");
    assert!(err.contains("${API_PORT:-8080/api"), "{err}");
    assert!(err.contains("services.web.environment[1]"), "{err}");
}

#[test]
fn unknown_profile_is_a_usage_error() {
    let demo = demo();
    let out = dockmaster(&["--project", demo.to_str().expect("utf-8"), "config", "--profile", "developmnet"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown profile `developmnet`"), "{err}");
    assert!(err.contains("development"), "lists the known profiles: {err}");
    // Every command that takes --profile checks it the same way, before touching the engine or keychain.
    for command in ["ports", "status", "env"] {
        let out = dockmaster(&[
            "--project",
            demo.to_str().expect("utf-8"),
            command,
            "--profile",
            "developmnet",
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert_eq!(json(&out)["error"]["code"], "UNKNOWN_PROFILE", "{command}");
    }
}
