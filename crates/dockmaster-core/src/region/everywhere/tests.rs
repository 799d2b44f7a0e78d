//! Regions across engines on in-memory engines: every engine listed at once with its name on each region, an
//! engine that does not answer within the bound marked unknown (with what was last seen there) while the
//! others stay live, apply journals read on the session's engine only, port links on the engine's host.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::*;
use crate::engine::endpoint::{EndpointSource, SshTarget};
use crate::engine::ops::fake::{labels_of, region_labels, FakeEngine};
use crate::engine::ops::fake::{Fault, Op};
use crate::engine::ops::ImageInfo;
use crate::region::apply::{apply, ApplyEvent};
use crate::region::plan::PlanOptions;
use crate::region::request::RegionRequest;
use crate::region::testing::{plan_options, World, OWNER};
use crate::region::CancellationToken;

const BOUND: Duration = Duration::from_millis(300);

fn place(name: &str, home: bool) -> Place {
    Place { name: name.into(), host: format!("tcp://{name}:2376"), link_host: None, home }
}

/// An engine with region `gamma` of project demo, and someone else's project's region.
fn far_engine() -> FakeEngine {
    let far = FakeEngine::new();
    far.add_container("demo-region-gamma-server", region_labels("demo", "gamma"));
    far.add_network("demo-region-gamma-network", Some("10.99.3.0/24"), region_labels("demo", "gamma"));
    far.add_container("other-region-x-server", region_labels("other", "x"));
    far.add_volume("plain", labels_of(&[]));
    far
}

/// Connects `default` to the world's engine, `far` to `far` while `far_up`, and never answers for `hung`
/// (nor for anything else).
async fn across(w: &World, far: &FakeEngine, far_up: bool, places: &[Place]) -> RegionsEverywhere {
    let connect = |name: &str| {
        let engine = match name {
            "default" => Some(Ok(w.fake.clone())),
            "far" if far_up => Some(Ok(far.clone())),
            "far" => Some(Err("cannot connect to tcp://far:2376: connection refused".to_string())),
            _ => None,
        };
        async move {
            match engine {
                Some(result) => result,
                None => std::future::pending().await,
            }
        }
    };
    list_across_in(places, connect, &w.stores(), "demo", BOUND).await
}

fn names(r: &RegionsEverywhere) -> Vec<(String, String, Reach)> {
    r.regions.iter().map(|r| (r.engine.clone(), r.name.clone(), r.reach)).collect()
}

#[tokio::test]
async fn every_engine_is_listed_at_once_and_one_that_hangs_is_unknown() {
    let w = World::new(false);
    let far = far_engine();
    let places = [place("default", true), place("far", false), place("hung", false), place("hung2", false)];
    let started = Instant::now();
    let all = across(&w, &far, true, &places).await;
    let took = started.elapsed();
    assert!(took < BOUND * 2, "two hung engines are waited on together, not one after the other: {took:?}");
    assert_eq!(
        names(&all),
        [("default".into(), "beta".into(), Reach::Live), ("far".into(), "gamma".into(), Reach::Live)],
        "each region with its engine; another project's region is not listed"
    );
    let reach: Vec<_> = all.engines.iter().map(|e| (e.engine.as_str(), e.reach)).collect();
    assert_eq!(
        reach,
        [("default", Reach::Live), ("far", Reach::Live), ("hung", Reach::Unknown), ("hung2", Reach::Unknown)]
    );
    let why = all.engines[2].reason.as_deref().unwrap();
    assert!(why.contains("did not answer") && why.contains("docker --context hung version"), "{why}");
    assert_eq!(all.engines[0].reason, None);
    assert_eq!(all.engines[1].host, "tcp://far:2376");
}

#[tokio::test]
async fn an_engine_that_goes_away_shows_its_last_seen_regions_as_unknown_and_comes_back_live() {
    let w = World::new(false);
    let far = far_engine();
    let places = [place("default", true), place("far", false)];
    across(&w, &far, true, &places).await;

    let down = across(&w, &far, false, &places).await;
    assert_eq!(
        names(&down),
        [("default".into(), "beta".into(), Reach::Live), ("far".into(), "gamma".into(), Reach::Unknown)]
    );
    assert_eq!(
        down.engines[1].reason.as_deref(),
        Some("cannot connect to tcp://far:2376: connection refused")
    );
    let gamma = &down.regions[1];
    assert!(gamma.containers.is_empty() && gamma.request.is_none(), "nothing live is made up");

    // Forgotten by nobody: a second listing while it is down still knows gamma.
    assert_eq!(names(&across(&w, &far, false, &places).await), names(&down));

    let back = across(&w, &far, true, &places).await;
    assert_eq!(back.regions[1].reach, Reach::Live);
    assert_eq!(back.regions[1].containers.len(), 1);
}

#[tokio::test]
async fn an_engine_never_seen_and_unreachable_lists_no_region_but_says_why() {
    let w = World::new(false);
    let far = far_engine();
    let all = across(&w, &far, false, &[place("default", true), place("far", false)]).await;
    assert_eq!(names(&all), [("default".into(), "beta".into(), Reach::Live)]);
    assert_eq!(all.engines[1].reach, Reach::Unknown);
    assert!(all.engines[1].reason.is_some());
}

#[tokio::test]
async fn an_interrupted_apply_counts_on_the_sessions_engine_only() {
    let w = World::new(false);
    // An apply whose rollback could not remove its database container: its journal stays (interrupted).
    let plan = w.plan().await;
    w.fake.fail(Op::CreateContainer, 2, Fault::Refuse);
    w.fake.fail(Op::RemoveContainer, 1, Fault::Refuse);
    let (options, cancel) = (w.options(), CancellationToken::new());
    assert!(apply(&w.fake, &w.project, &plan, &options, &cancel, &|_: ApplyEvent| {}).await.is_err());
    assert_eq!(w.journals(), 1);
    let far = FakeEngine::new();
    let all = across(&w, &far, true, &[place("default", true), place("far", false)]).await;
    let alpha: Vec<_> = all.regions.iter().filter(|r| r.name == "alpha").collect();
    assert_eq!(alpha.len(), 1, "{:?}", names(&all));
    assert_eq!(alpha[0].engine, "default");
    assert!(alpha[0].interrupted.is_some());
}

#[tokio::test]
async fn an_interrupted_apply_counts_on_the_engine_it_ran_on() {
    let w = World::new(false);
    // The far engine's apply fails the same way; its journal names the engine.
    let far = FakeEngine::new();
    let compose = labels_of(&[("com.docker.compose.project", "demo")]);
    far.add_network("demo_nexus-network", Some("172.20.0.0/16"), compose);
    far.add_network("demo_regional-network", Some("172.21.0.0/16"), labels_of(&[]));
    let image = ImageInfo { id: "sha256:0123".into(), labels: labels_of(&[]), volumes: Vec::new() };
    far.add_image(crate::region::testing::IMAGE, image);
    let options = plan_options();
    let request = RegionRequest::new("alpha", OWNER);
    let plan =
        crate::region::prepare_in(&far, &w.keychains, false, &w.project, &request, &options).await.unwrap();
    far.fail(Op::CreateContainer, 2, Fault::Refuse);
    far.fail(Op::RemoveContainer, 1, Fault::Refuse);
    let mut options = w.options();
    options.keychains = options.keychains.on_engine("far");
    let cancel = CancellationToken::new();
    assert!(apply(&far, &w.project, &plan, &options, &cancel, &|_: ApplyEvent| {}).await.is_err());
    assert_eq!(w.journals(), 1);

    let all = across(&w, &far, true, &[place("default", true), place("far", false)]).await;
    let alpha: Vec<_> = all.regions.iter().filter(|r| r.name == "alpha").collect();
    assert_eq!(alpha.len(), 1, "{:?}", names(&all));
    assert_eq!(alpha[0].engine, "far");
    assert!(alpha[0].interrupted.is_some());

    // A new alpha on far is refused until that one is removed (the fix names the engine); on default it is not.
    match apply(&far, &w.project, &plan, &options, &cancel, &|_: ApplyEvent| {}).await {
        Err(crate::region::RegionError::Conflict { message }) => {
            assert!(message.contains("dockmaster --engine far region rm alpha"), "{message}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let local = w.plan().await;
    let local_options = w.options();
    apply(&w.fake, &w.project, &local, &local_options, &cancel, &|_: ApplyEvent| {}).await.unwrap();
}

#[tokio::test]
async fn a_server_published_on_every_interface_is_linked_at_its_engines_host() {
    let w = World::new(false);
    let options = PlanOptions { host_ip: "0.0.0.0".into(), ..plan_options() };
    let request = RegionRequest::new("alpha", OWNER);
    let mut plan = crate::region::prepare_in(&w.fake, &w.keychains, false, &w.project, &request, &options)
        .await
        .unwrap();
    place_plan(&mut plan, "far", Some("game1.example"));
    let port = plan.ports[0].host_port;
    assert_eq!(plan.server_url, format!("http://game1.example:{port}"));
    let (apply_options, cancel) = (w.options(), CancellationToken::new());
    apply(&w.fake, &w.project, &plan, &apply_options, &cancel, &|_: ApplyEvent| {}).await.unwrap();

    let far = FakeEngine::new();
    let mut home = place("default", true);
    home.link_host = Some("game1.example".into());
    let listed = across(&w, &far, true, &[home]).await;
    let alpha = listed.regions.iter().find(|r| r.name == "alpha").unwrap();
    assert_eq!(alpha.server_url, Some(format!("http://game1.example:{port}")));
    let here = across(&w, &far, true, &[place("default", true)]).await;
    let alpha = here.regions.iter().find(|r| r.name == "alpha").unwrap();
    assert_eq!(alpha.server_url, Some(format!("http://127.0.0.1:{port}")), "a local engine's ports are here");
}

#[tokio::test]
async fn a_server_on_a_remote_loopback_is_not_linked_elsewhere_and_a_warning_says_how_to_reach_it() {
    let w = World::new(false);
    let mut plan = w.plan().await;
    let before = plan.server_url.clone();
    place_plan(&mut plan, "far", Some("game1.example"));
    assert_eq!(plan.server_url, before);
    let port = plan.ports[0].host_port;
    let warning = plan.warnings.last().unwrap();
    let tunnel = format!("ssh -L {port}:127.0.0.1:{port} game1.example");
    assert!(warning.contains(&tunnel) && warning.contains("0.0.0.0"), "{warning}");

    let mut local = w.plan().await;
    place_plan(&mut local, "default", None);
    assert_eq!(local, w.plan().await, "nothing changes for a local engine");
}

#[test]
fn link_hosts() {
    let at = |transport| Endpoint { transport, source: EndpointSource::Default };
    assert_eq!(link_host(&at(Transport::Unix(PathBuf::from("/var/run/docker.sock")))), None);
    assert_eq!(link_host(&at(Transport::Tcp { addr: "127.0.0.1:2376".into(), tls: None })), None);
    assert_eq!(
        link_host(&at(Transport::Tcp { addr: "game1.example:2376".into(), tls: None })).as_deref(),
        Some("game1.example")
    );
    let ssh = SshTarget {
        user: Some("ops".into()),
        host: "game2".into(),
        port: Some(2222),
        socket: None,
        key_file: None,
    };
    assert_eq!(link_host(&at(Transport::Ssh(ssh))).as_deref(), Some("game2"));
}

#[tokio::test]
async fn a_port_taken_on_this_machine_is_free_on_an_engine_elsewhere() {
    let w = World::new(false);
    let request = RegionRequest::new("alpha", OWNER);
    let options = PlanOptions { host_ip: "127.0.0.1".into(), ..plan_options() };
    let plan =
        |local| crate::region::prepare_in(&w.fake, &w.keychains, local, &w.project, &request, &options);
    let wanted = plan(true).await.unwrap().ports[0].host_port;
    // Something on this machine listens on the port the region would get.
    let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", wanted)) else {
        panic!("port {wanted} is taken on this machine already: free it to run this test")
    };
    assert_ne!(plan(true).await.unwrap().ports[0].host_port, wanted, "this machine's listener counts here");
    assert_eq!(plan(false).await.unwrap().ports[0].host_port, wanted, "but not on an engine elsewhere");
    drop(listener);
}

#[tokio::test]
async fn a_place_is_ready_where_the_stacks_networks_exist_and_says_what_to_start_elsewhere() {
    let w = World::new(false);
    let template = crate::region::RegionTemplate::from_project(&w.project).unwrap();
    let bare = FakeEngine::new();
    let connect = |name: &str| {
        let engine = match name {
            "default" => Some(w.fake.clone()),
            "bare" => Some(bare.clone()),
            _ => None,
        };
        async move {
            match engine {
                Some(e) => Ok(e),
                None => std::future::pending().await,
            }
        }
    };
    let places = [place("default", true), place("bare", false), place("hung", false)];
    let found = places_in(&places, connect, &template.networks, "demo", BOUND).await;
    let summary: Vec<_> = found.iter().map(|p| (p.engine.as_str(), p.current, p.reach, p.ready)).collect();
    assert_eq!(
        summary,
        [
            ("default", true, Reach::Live, true),
            ("bare", false, Reach::Live, false),
            ("hung", false, Reach::Unknown, false)
        ]
    );
    assert!(found[0].note.contains("the region joins them"), "{}", found[0].note);
    assert_eq!(found[1].missing_networks, ["demo_nexus-network", "demo_regional-network"]);
    let note = &found[1].note;
    assert!(
        note.contains("dockmaster --engine bare -p demo up --profile") && note.contains("--standalone"),
        "{note}"
    );
    assert!(found[2].note.contains("did not answer"), "{}", found[2].note);
}

#[tokio::test]
async fn a_standalone_region_goes_on_an_engine_without_the_stack_with_a_network_of_its_own() {
    let w = World::new(false);
    let bare = FakeEngine::new();
    let image = ImageInfo { id: "sha256:0123".into(), labels: labels_of(&[]), volumes: Vec::new() };
    bare.add_image(crate::region::testing::IMAGE, image);
    let request = RegionRequest::new("alpha", OWNER);
    let refused =
        crate::region::prepare_in(&bare, &w.keychains, false, &w.project, &request, &plan_options())
            .await
            .unwrap_err();
    assert_eq!(
        refused.code(),
        crate::ErrorCode::RegionPreflight,
        "without the stack a joining region is refused"
    );

    let standalone = PlanOptions { standalone: true, ..plan_options() };
    let keychains = w.keychains.clone().on_engine("bare");
    let plan =
        crate::region::prepare_in(&bare, &keychains, false, &w.project, &request, &standalone).await.unwrap();
    let mut options = w.options();
    options.keychains = keychains.clone();
    apply(&bare, &w.project, &plan, &options, &CancellationToken::new(), &|_: ApplyEvent| {}).await.unwrap();
    let made = bare.objects();
    assert_eq!(
        made.networks.keys().collect::<Vec<_>>(),
        ["demo-region-alpha-network"],
        "only its own network"
    );
    assert_eq!(
        made.networks["demo-region-alpha-network"].get(crate::labels::REGION).map(String::as_str),
        Some("alpha"),
        "labelled as the region's"
    );
    assert_eq!(made.containers.len(), 2, "{:?}", made.containers);

    // Removed with the region (containers and its network; its volumes confirmed by name).
    let stores = crate::region::manage::Stores { keychains, ..w.stores() };
    let volumes: Vec<String> = made.volumes.into_keys().collect();
    crate::region::manage::remove_in(&bare, &stores, w.project.root(), "demo", "alpha", Some(&volumes))
        .await
        .unwrap();
    let left = bare.objects();
    assert!(left.containers.is_empty() && left.networks.is_empty() && left.volumes.is_empty(), "{left:?}");
}
