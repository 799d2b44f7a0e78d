//! The pure planner on the demo project's real template, with hand-written engine inputs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::compose::mask::MASK;
use crate::project::{OpenOptions, Project};
use crate::region::error::RegionError;
use crate::region::request::RegionRequest;
use crate::region::template::RegionTemplate;
use crate::ErrorCode as RegionErrorCode;

const OWNER: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
const IMAGE: &str = "dockmaster/demo-busybox:latest";

fn demo() -> Project {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../demo");
    Project::open(OpenOptions {
        dir,
        project_name: Some("demo".into()),
        process_env: Some(Default::default()),
        ..Default::default()
    })
    .expect("demo opens")
}

fn inputs() -> PlanInputs {
    PlanInputs {
        networks: vec![
            ExistingNetwork {
                name: "bridge".into(),
                subnets: vec!["172.17.0.0/16".into()],
                ..Default::default()
            },
            ExistingNetwork {
                name: "demo_nexus-network".into(),
                subnets: vec!["172.20.0.0/16".into()],
                ..Default::default()
            },
            ExistingNetwork {
                name: "demo_regional-network".into(),
                subnets: vec!["172.21.0.0/16".into()],
                ..Default::default()
            },
        ],
        images: BTreeMap::from([(IMAGE.to_string(), ImageFacts { present: true, volumes: Vec::new() })]),
        keychain_service: "dockmaster:/x/.dockmaster/regions/demo/alpha".into(),
        ..Default::default()
    }
}

fn options() -> PlanOptions {
    PlanOptions {
        subnet_pools: vec!["10.99.0.0/23".into()],
        port_first: 9100,
        port_last: 9101,
        ..Default::default()
    }
}

fn make(
    request: &RegionRequest,
    inputs: &PlanInputs,
    options: &PlanOptions,
) -> Result<RegionPlan, RegionError> {
    let project = demo();
    let template = RegionTemplate::from_project(&project).expect("template");
    plan(&template, request, inputs, options, project.secret_policy())
}

fn env<'a>(c: &'a PlannedContainer, name: &str) -> &'a str {
    &c.env.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("{name} in {:?}", c.env)).value.shown
}

#[test]
fn demo_template_renders_into_a_concrete_region() {
    let request = RegionRequest { cpu_cores: 2.5, memory_gb: 4, ..RegionRequest::new("alpha", OWNER) };
    let p = make(&request, &inputs(), &options()).expect("plan");
    assert_eq!(p.template_profile, "regional-template");
    let names: Vec<&str> = p.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["demo-region-alpha-db", "demo-region-alpha-server"]);
    let (db, server) = (&p.containers[0], &p.containers[1]);
    assert_eq!((db.role, server.role), (RegionRole::Db, RegionRole::Server));
    assert_eq!(
        (db.template.as_str(), server.template.as_str()),
        ("regional-db-template", "regional-server-template")
    );
    assert_eq!(server.image, IMAGE);

    // Region variables in, secrets masked, game settings added.
    assert_eq!(env(db, "POSTGRES_DB"), "alpha");
    assert_eq!(env(db, "POSTGRES_USER"), "region_alpha_user");
    assert_eq!(env(db, "POSTGRES_PASSWORD"), MASK);
    // The stack descriptor makes DATABASE_URL a secret as a whole.
    assert_eq!(env(server, "DATABASE_URL"), MASK);
    assert_eq!(env(server, "REGION_ID"), "alpha");
    assert_eq!(env(server, "REGION_OWNER_ID"), OWNER);
    assert_eq!(env(server, "REGION_NAME"), "alpha");
    assert_eq!(env(server, "MAX_PLAYERS"), "100");
    assert_eq!(env(server, "GOVERNANCE_TYPE"), "autocracy");
    assert_eq!(env(server, "ECONOMIC_SPECIALIZATION"), "balanced");
    assert_eq!(env(server, "STARTING_CREDITS"), "1000");
    assert_eq!(env(server, "STARTING_SHIP"), "scout");
    assert_eq!(env(server, "REDIS_URL"), format!("redis://:{MASK}@redis-nexus:6379/1"));
    let json = serde_json::to_string(&p).expect("json");
    assert!(!json.contains("dev_only_not_for_production"), "no secret value in the plan: {json}");

    // The server reaches its database under DATABASE_URL's host, on the region's own network.
    assert_eq!((p.db_host.as_str(), p.db_port), ("alpha-db", 5432));
    assert_eq!(db.networks[0].network, "demo-region-alpha-network");
    assert_eq!(db.networks[0].aliases, ["alpha-db"]);
    assert_eq!(
        db.networks.iter().map(|n| n.network.as_str()).collect::<Vec<_>>(),
        ["demo-region-alpha-network", "demo_nexus-network"]
    );
    assert_eq!(
        server.networks.iter().map(|n| n.network.as_str()).collect::<Vec<_>>(),
        ["demo-region-alpha-network", "demo_nexus-network", "demo_regional-network"]
    );
    let created: Vec<&PlannedNetwork> =
        p.networks.iter().filter(|n| n.action == NetworkAction::Create).collect();
    assert_eq!(created.len(), 1);
    let subnet = created[0].subnet.as_deref().expect("subnet");
    assert!(["10.99.0.0/24", "10.99.1.0/24"].contains(&subnet), "{subnet}");
    assert_eq!(p.networks.iter().filter(|n| n.action == NetworkAction::Join).count(), 2);

    // One free port of the range, published on loopback to the server's 8080.
    assert_eq!(p.ports.len(), 1);
    let port = &p.ports[0];
    assert!((9100..=9101).contains(&port.host_port));
    assert_eq!((port.host_ip.as_str(), port.container_port), ("127.0.0.1", 8080));
    assert_eq!(p.server_url, format!("http://127.0.0.1:{}", port.host_port));

    // Limits: the server gets the request, the database 30 %.
    assert_eq!(server.limits, Limits { cpus: 2.5, memory_mb: 4096 });
    assert_eq!(db.limits, Limits { cpus: 0.75, memory_mb: 1228 });

    // Labels on containers, networks and volumes.
    for c in &p.containers {
        assert_eq!(c.labels["region"], "alpha");
        assert_eq!(c.labels["owner"], OWNER);
        assert_eq!(c.labels["dev.dockmaster.region"], "alpha");
        assert_eq!(c.labels["dev.dockmaster.project"], "demo");
        let back: RegionRequest =
            serde_json::from_str(&c.labels["dev.dockmaster.region.request"]).expect("json");
        assert_eq!(back, request);
    }
    assert_eq!((db.labels["service"].as_str(), server.labels["service"].as_str()), ("db", "server"));
    assert_eq!(created[0].labels["dev.dockmaster.region"], "alpha");

    // Volumes per region, binds absolute, healthcheck and the rest carried over.
    assert_eq!(p.volumes.len(), 1);
    assert_eq!(p.volumes[0].name, "demo-region-alpha-regional_assets");
    assert_eq!(p.volumes[0].action, VolumeAction::Create);
    assert_eq!(p.volumes[0].mounted_by, ["demo-region-alpha-server"]);
    let bind = db.mounts.iter().find(|m| m.kind == "bind").expect("bind");
    assert!(bind
        .source
        .as_deref()
        .is_some_and(|s| s.ends_with("demo/services/gameserver/sql/init-region.sql")));
    assert!(bind.source.as_deref().is_some_and(|s| s.starts_with('/')));
    let h = server.healthcheck.as_ref().expect("healthcheck");
    assert_eq!(
        (h.interval_ms, h.timeout_ms, h.retries, h.start_period_ms),
        (Some(2000), Some(2000), Some(10), Some(10_000))
    );
    assert_eq!(h.test[0].shown, "CMD-SHELL");
    assert!(db.init && server.init);
    assert_eq!(db.stop_grace_seconds, Some(1));
    assert_eq!(db.restart.as_deref(), Some("unless-stopped"));
    assert_eq!(db.command.as_ref().expect("command")[0].shown, "sh");

    assert_eq!(p.password.action, SecretAction::Generate);
    assert_eq!(p.password.shown, MASK);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn ports_and_subnets_avoid_what_is_taken() {
    let request = RegionRequest::new("alpha", OWNER);
    let first = make(&request, &inputs(), &options()).expect("plan");
    let (port, subnet) = (first.ports[0].host_port, first.networks[0].subnet.clone().expect("subnet"));

    // The first choice's port is busy on the host; its subnet belongs to another network.
    let mut busy = inputs();
    busy.busy_host_ports.insert(port);
    busy.networks.push(ExistingNetwork {
        name: "other".into(),
        subnets: vec![subnet.clone()],
        ..Default::default()
    });
    let second = make(&request, &busy, &options()).expect("plan");
    assert_ne!(second.ports[0].host_port, port);
    assert_ne!(second.networks[0].subnet.as_deref(), Some(subnet.as_str()));

    // A port a stopped container keeps counts as taken too; nothing left is an error that says what to do.
    let mut full = busy.clone();
    full.container_ports.insert(second.ports[0].host_port);
    let e = make(&request, &full, &options()).expect_err("no port");
    assert_eq!(e.code(), RegionErrorCode::RegionNoFreePort);
    assert!(e.to_string().contains("--port-range"), "{e}");
    let mut full = busy.clone();
    full.networks.push(ExistingNetwork {
        name: "big".into(),
        subnets: vec!["10.0.0.0/8".into()],
        ..Default::default()
    });
    let e = make(&request, &full, &options()).expect_err("no subnet");
    assert_eq!(e.code(), RegionErrorCode::RegionNoFreeSubnet);
}

#[test]
fn preflight_says_what_to_start_when_the_stack_is_down() {
    let mut down = inputs();
    down.networks.retain(|n| n.name == "bridge");
    let e = make(&RegionRequest::new("alpha", OWNER), &down, &options()).expect_err("preflight");
    assert_eq!(e.code(), RegionErrorCode::RegionPreflight);
    let text = e.to_string();
    assert!(text.contains("demo_nexus-network") && text.contains("demo_regional-network"), "{text}");
    assert!(text.contains("dockmaster up --profile multi-regional"), "{text}");
}

#[test]
fn a_standalone_region_needs_none_of_the_stacks_networks_and_joins_only_its_own() {
    let mut bare = inputs();
    bare.networks.retain(|n| n.name == "bridge");
    let standalone = PlanOptions { standalone: true, ..options() };
    let p = make(&RegionRequest::new("alpha", OWNER), &bare, &standalone).expect("a standalone plan");
    let names: Vec<(&str, &NetworkAction)> =
        p.networks.iter().map(|n| (n.name.as_str(), &n.action)).collect();
    assert_eq!(names, [("demo-region-alpha-network", &NetworkAction::Create)], "only its own, created");
    let own = &p.networks[0];
    assert_eq!(
        own.labels.get("dev.dockmaster.region").map(String::as_str),
        Some("alpha"),
        "labelled as the region's"
    );
    assert_eq!(own.containers, ["demo-region-alpha-db", "demo-region-alpha-server"]);
    for c in &p.containers {
        let joined: Vec<&str> = c.networks.iter().map(|n| n.network.as_str()).collect();
        assert_eq!(joined, ["demo-region-alpha-network"], "{}", c.name);
    }
    let db = p.containers.iter().find(|c| c.role == RegionRole::Db).unwrap();
    assert!(db.networks[0].aliases.contains(&"alpha-db".to_string()), "the server still finds its database");
    let warning = p.warnings.iter().find(|w| w.starts_with("standalone:")).expect("what it gives up is said");
    assert!(warning.contains("demo_nexus-network, demo_regional-network"), "{warning}");
    assert!(
        warning.contains("REDIS_URL (redis-nexus)") && warning.contains("CENTRAL_NEXUS_URL"),
        "{warning}"
    );
    assert!(!warning.contains("DATABASE_URL"), "its own database resolves: {warning}");

    assert!(is_standalone(&p));
    // With the stack's networks there a standalone region still joins none of them.
    let p = make(&RegionRequest::new("alpha", OWNER), &inputs(), &standalone).expect("plan");
    assert_eq!(p.networks.len(), 1, "{:?}", p.networks);
    // And without `standalone` nothing changed: the stack's networks are required and joined.
    let p = make(&RegionRequest::new("alpha", OWNER), &inputs(), &options()).expect("plan");
    assert_eq!(p.networks.iter().filter(|n| n.action == NetworkAction::Join).count(), 2);
    assert!(p.warnings.iter().all(|w| !w.starts_with("standalone:")), "{:?}", p.warnings);
    assert!(!is_standalone(&p));
}

#[test]
fn invalid_requests_and_existing_regions_are_refused_before_anything_else() {
    let mut with_region = inputs();
    with_region.regions = vec!["Alpha".into()];
    let e = make(&RegionRequest::new("alpha", OWNER), &with_region, &options()).expect_err("exists");
    match e {
        RegionError::Invalid { errors } => {
            assert_eq!((errors[0].field.as_str(), errors[0].value.as_str()), ("name", "alpha"))
        }
        other => panic!("{other}"),
    }
}

#[test]
fn kept_volumes_and_passwords_are_reused_and_foreign_objects_conflict() {
    let request = RegionRequest::new("alpha", OWNER);
    let mut kept = inputs();
    kept.volumes.insert(
        "demo-region-alpha-regional_assets".into(),
        BTreeMap::from([
            ("dev.dockmaster.region".to_string(), "alpha".to_string()),
            ("dev.dockmaster.project".to_string(), "demo".to_string()),
        ]),
    );
    kept.password_stored = true;
    let p = make(&request, &kept, &options()).expect("plan");
    assert_eq!(p.volumes[0].action, VolumeAction::Reuse);
    assert_eq!(p.password.action, SecretAction::Reuse);

    let mut foreign = inputs();
    foreign.volumes.insert("demo-region-alpha-regional_assets".into(), BTreeMap::new());
    assert_eq!(
        make(&request, &foreign, &options()).expect_err("conflict").code(),
        RegionErrorCode::RegionConflict
    );
    let mut foreign = inputs();
    foreign.container_names.insert("demo-region-alpha-db".into());
    assert_eq!(
        make(&request, &foreign, &options()).expect_err("conflict").code(),
        RegionErrorCode::RegionConflict
    );
    let mut foreign = inputs();
    foreign.networks.push(ExistingNetwork { name: "demo-region-alpha-network".into(), ..Default::default() });
    assert_eq!(
        make(&request, &foreign, &options()).expect_err("conflict").code(),
        RegionErrorCode::RegionConflict
    );
}

#[test]
fn missing_images_are_a_warning_with_the_command_that_fixes_it() {
    let mut no_image = inputs();
    no_image.images.clear();
    let p = make(&RegionRequest::new("alpha", OWNER), &no_image, &options()).expect("plan");
    assert!(!p.containers[1].image_present);
    assert!(
        p.warnings.iter().any(|w| w.contains("docker compose --profile regional-template build")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn url_hosts() {
    assert_eq!(url_host_port("postgresql://u:p@db-1:5433/x"), Some(("db-1".into(), 5433)));
    assert_eq!(url_host_port("postgresql://db/x"), Some(("db".into(), 5432)));
    assert_eq!(url_host_port("postgresql://u:p@h?x=1"), Some(("h".into(), 5432)));
    assert_eq!(url_host_port("nope"), None);
}
