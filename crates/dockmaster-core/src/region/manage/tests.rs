//! Managing regions against the in-memory engine: removal keeps volumes unless exactly confirmed, an
//! interrupted apply is shown and removed completely once its own volumes are confirmed (nothing else
//! touched), a region being created is not removed; the networks region containers are on, as inspected.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use super::list::list_in;
use super::remove::remove_in;
use super::*;
use crate::engine::ops::fake::{Fault, Op};
use crate::region::apply::{apply, ApplyEvent};
use crate::region::journal::{Journal, Record};
use crate::region::testing::{World, DB, KEPT, SERVER};
use crate::region::CancellationToken;

/// Applies region alpha (its plan made now); the apply's outcome.
async fn apply_alpha(w: &World) -> Result<crate::region::AppliedRegion, RegionError> {
    let plan = w.plan().await;
    apply(&w.fake, &w.project, &plan, &w.options(), &CancellationToken::new(), &|_: ApplyEvent| {}).await
}

async fn remove(w: &World, confirm: Option<&[String]>) -> Result<RemoveReport, RegionError> {
    remove_in(&w.fake, &w.stores(), w.project.root(), "demo", "alpha", confirm).await
}

fn volumes_of_alpha(w: &World) -> Vec<String> {
    w.fake.objects().volumes.into_keys().filter(|v| v.starts_with("demo-region-alpha-")).collect()
}

#[tokio::test]
async fn a_regions_volumes_and_password_go_only_when_exactly_confirmed() {
    let w = World::new(false);
    let before = w.fake.objects();
    apply_alpha(&w).await.unwrap();
    let volumes = volumes_of_alpha(&w);
    assert_eq!(volumes.len(), 3, "{volumes:?}");

    let report = remove(&w, None).await.unwrap();
    assert_eq!(report.containers, [SERVER, DB], "server first");
    assert_eq!(report.networks, ["demo-region-alpha-network"]);
    assert!(report.volumes.is_empty() && !report.password_removed);
    assert_eq!(report.kept_volumes, volumes);
    assert!(w.password().is_some(), "the password stays with the kept data");
    let listed = list_in(&w.fake, &w.stores(), "demo").await.unwrap();
    let alpha = listed.iter().find(|r| r.name == "alpha").unwrap();
    assert_eq!((alpha.state, &alpha.volumes), (RunState::NotCreated, &volumes));
    assert!(listed.iter().any(|r| r.name == "beta"), "the other region is listed too");

    let kept = w.fake.objects();
    let subset = vec![volumes[0].clone()];
    match remove(&w, Some(&subset)).await {
        Err(RegionError::ConfirmVolumes { volumes: asked, interrupted_apply: None, .. }) => {
            assert_eq!(asked, volumes)
        }
        other => panic!("expected a confirmation request, got {other:?}"),
    }
    assert_eq!(w.fake.objects(), kept, "a wrong confirmation removes nothing");

    let report = remove(&w, Some(&volumes)).await.unwrap();
    assert_eq!(report.volumes, volumes);
    assert!(report.password_removed && w.password().is_none());
    assert_eq!(w.fake.objects(), before, "only the region's objects went; the others are untouched");
}

/// An apply whose rollback could not remove the database container (the engine refused): its journal stays,
/// so the region shows as interrupted.
async fn interrupted_alpha(w: &World) -> String {
    let plan = w.plan().await;
    w.fake.fail(Op::CreateContainer, 2, Fault::Refuse);
    w.fake.fail(Op::RemoveContainer, 1, Fault::Refuse);
    let result =
        apply(&w.fake, &w.project, &plan, &w.options(), &CancellationToken::new(), &|_: ApplyEvent| {}).await;
    match result {
        Err(RegionError::ApplyFailed { rollback, .. }) => {
            assert!(!rollback.left_behind.is_empty(), "{rollback:?}")
        }
        other => panic!("expected a failed apply, got {other:?}"),
    }
    assert_eq!(w.journals(), 1, "a rollback that left something keeps the journal");
    w.fake.objects().containers.get(DB).unwrap().get(crate::labels::REGION_APPLY).cloned().unwrap()
}

#[tokio::test]
async fn an_interrupted_apply_is_shown_and_removed_completely_once_its_own_volumes_are_confirmed() {
    for kept in [false, true] {
        let w = World::new(kept);
        let before = w.fake.objects();
        let password_before = w.password();
        let apply_id = interrupted_alpha(&w).await;

        let listed = list_in(&w.fake, &w.stores(), "demo").await.unwrap();
        let alpha = listed.into_iter().find(|r| r.name == "alpha").unwrap();
        let interrupted = alpha.interrupted.clone().unwrap();
        assert_eq!(interrupted.apply_id, apply_id);
        assert_eq!(
            interrupted.volumes,
            ["demo-region-alpha-db-data"],
            "kept: {kept}: only what it created and left"
        );
        assert_eq!(interrupted.password_generated, !kept);
        assert_eq!(alpha.volumes.contains(&KEPT.to_string()), kept);

        let left = w.fake.objects();
        match remove(&w, None).await {
            Err(RegionError::ConfirmVolumes { volumes, interrupted_apply, created_by_apply, .. }) => {
                assert_eq!(volumes, interrupted.volumes);
                assert_eq!(created_by_apply, interrupted.volumes);
                assert_eq!(interrupted_apply.as_deref(), Some(apply_id.as_str()));
            }
            other => panic!("expected a confirmation request, got {other:?}"),
        }
        assert_eq!(w.fake.objects(), left, "unconfirmed: nothing removed");
        assert_eq!(w.journals(), 1);

        let report = remove(&w, Some(&interrupted.volumes)).await.unwrap();
        assert_eq!(report.containers, [DB]);
        assert_eq!(report.volumes, interrupted.volumes);
        assert_eq!(report.kept_volumes.contains(&KEPT.to_string()), kept);
        assert_eq!(w.fake.objects(), before, "kept: {kept}: exactly the apply's objects are gone");
        assert_eq!(
            w.password(),
            password_before,
            "kept: {kept}: the password goes only if the apply made it"
        );
        assert_eq!(w.journals(), 0, "the journal goes last");
        assert!(list_in(&w.fake, &w.stores(), "demo").await.unwrap().iter().all(|r| r.interrupted.is_none()));
    }
}

#[tokio::test]
async fn a_region_being_created_is_not_removed() {
    let w = World::new(false);
    apply_alpha(&w).await.unwrap();
    let record = Record {
        apply_id: "beef0002".into(),
        project: "demo".into(),
        root: w.project.root().to_path_buf(),
        region: "alpha".into(),
        pid: std::process::id(),
        ..Default::default()
    };
    let running = Journal::begin(&w.journal_dir(), record).unwrap();
    let before = w.fake.objects();
    match remove(&w, None).await {
        Err(RegionError::Busy { message }) => assert!(message.contains("beef0002"), "{message}"),
        other => panic!("expected busy, got {other:?}"),
    }
    assert_eq!(w.fake.objects(), before);
    running.finish().unwrap();
    let stopped = control::stop_in(&w.fake, &w.stores(), "demo", "alpha").await.unwrap();
    assert_eq!(stopped.state, RunState::Exited);
    let started =
        control::start_in(&w.fake, &w.stores(), "demo", "alpha", Duration::from_secs(5)).await.unwrap();
    assert_eq!((started.state, started.health), (RunState::Running, Health::Healthy));
    match remove_in(&w.fake, &w.stores(), w.project.root(), "demo", "nope", None).await {
        Err(RegionError::NotFound { known, .. }) => assert_eq!(known, ["alpha", "beta"]),
        other => panic!("expected not found, got {other:?}"),
    }
}

#[tokio::test]
async fn describe_rebuilds_the_plan_that_was_applied_with_secrets_masked() {
    let w = World::new(false);
    let plan = w.plan().await;
    apply(&w.fake, &w.project, &plan, &w.options(), &CancellationToken::new(), &|_: ApplyEvent| {})
        .await
        .unwrap();
    let shown = describe::describe_in(
        &w.fake,
        &w.stores(),
        w.project.root(),
        "demo",
        "alpha",
        w.project.secret_policy(),
    )
    .await
    .unwrap();
    assert_eq!(shown.request, plan.request);
    assert_eq!(shown.server_url, plan.server_url);
    assert_eq!(shown.ports, plan.ports);
    assert_eq!((shown.db_host.as_str(), shown.db_port), (plan.db_host.as_str(), plan.db_port));
    for (got, want) in shown.containers.iter().zip(&plan.containers) {
        assert_eq!((&got.name, got.role, &got.image), (&want.name, want.role, &want.image));
        assert_eq!(got.networks, want.networks, "{}: own network first, aliases kept", got.name);
        assert_eq!(got.limits, want.limits);
        assert_eq!(
            (&got.restart, got.init, got.stop_grace_seconds),
            (&want.restart, want.init, want.stop_grace_seconds)
        );
        assert_eq!(
            got.healthcheck.as_ref().map(|h| h.interval_ms),
            want.healthcheck.as_ref().map(|h| h.interval_ms)
        );
        let kinds = |c: &crate::region::plan::PlannedContainer| {
            let mut m: Vec<(String, Option<String>, String)> =
                c.mounts.iter().map(|m| (m.kind.clone(), m.source.clone(), m.target.clone())).collect();
            m.sort();
            m
        };
        assert_eq!(kinds(got), kinds(want));
        let password = w.password().unwrap();
        assert!(!serde_json::to_string(got).unwrap().contains(&password), "no secret in what is shown");
    }
    let names = |p: &crate::region::RegionPlan| {
        p.networks.iter().map(|n| (n.name.clone(), n.action)).collect::<Vec<_>>()
    };
    assert_eq!(names(&shown), names(&plan));
    assert_eq!(shown.networks[0].subnet, plan.networks[0].subnet);
    assert!(shown.warnings.is_empty(), "{:?}", shown.warnings);
}

#[tokio::test]
async fn the_networks_of_region_containers_come_with_the_driver_and_subnets_the_engine_gave_them() {
    let w = World::new(false);
    apply_alpha(&w).await.unwrap();
    // Beta's server: on its own network, the stack's regional network alpha is on too, and one that is gone by
    // the time it is inspected.
    w.fake.connect_network("demo-region-beta-network", "demo-region-beta-server", &[]).await.unwrap();
    w.fake.connect_network("demo_regional-network", "demo-region-beta-server", &[]).await.unwrap();
    w.fake.connect_network("someone-else", "demo-region-beta-server", &[]).await.unwrap();
    w.fake.drop_network("someone-else");
    let networks = super::networks_in(&w.fake, "demo").await.unwrap();
    let net = |name: &str, region: &str, subnet: &str| RegionNetwork {
        name: name.into(),
        regions: vec![region.into()],
        driver: "bridge".into(),
        subnets: vec![subnet.into()],
    };
    // Alpha's own network with the subnet picked for it, the stack networks its containers joined (the regional
    // one with beta), beta's own; by name, the network gone meanwhile left out.
    assert_eq!(
        networks,
        [
            net("demo-region-alpha-network", "alpha", "10.99.0.0/24"),
            net("demo-region-beta-network", "beta", "10.99.1.0/24"),
            net("demo_nexus-network", "alpha", "172.20.0.0/16"),
            RegionNetwork {
                regions: vec!["alpha".into(), "beta".into()],
                ..net("demo_regional-network", "alpha", "172.21.0.0/16")
            },
        ]
    );

    w.fake.fail(Op::InspectNetwork, 1, Fault::Refuse);
    match super::networks_in(&w.fake, "demo").await {
        Err(RegionError::Engine { action, .. }) => {
            assert!(action.starts_with("inspect network "), "{action}")
        }
        other => panic!("expected the engine's refusal, got {other:?}"),
    }
    assert!(
        super::networks_in(&w.fake, "other").await.unwrap().is_empty(),
        "another project's regions: none"
    );
}
