//! Unit tests of volumes by purpose: grouping by the descriptor (never a built-in list; unnamed volumes under
//! "other"), sizes from a `FakeEngine` (known, not measured, not created, the engine failing), the bind mounts
//! with the engine's socket marked.

use super::*;
use crate::descriptor::Descriptor;
use crate::engine::ops::fake::{FakeEngine, Fault, Op};
use crate::engine::ops::Labels;
use crate::project::{OpenOptions, Project};

const FILES: &str = "services:
  db:
    image: x
    volumes: [pg:/var/lib/pg, ./init:/docker-entrypoint-initdb.d]
  agent:
    image: x
    volumes: [/var/run/docker.sock:/var/run/docker.sock, logs:/logs:ro]
  prom:
    image: x
    profiles: [monitoring]
    volumes: [tsdb:/prometheus, pg:/also]
volumes:
  pg: {}
  logs: {}
  tsdb: {name: custom-tsdb}
";

const GROUPS: &str = "[stack]
id = 't'
name = 'T'
[[volume_groups]]
name = 'metrics'
description = 'Time series.'
volumes = ['tsdb']
[[volume_groups]]
name = 'data'
volumes = ['pg', 'never-used']
";

fn selection(descriptor: Option<&str>, profiles: &[&str]) -> (SelectionReport, Vec<VolumeGroup>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), FILES).unwrap();
    if let Some(d) = descriptor {
        std::fs::write(dir.path().join(crate::descriptor::PROJECT_DESCRIPTOR), d).unwrap();
    }
    let project = Project::open(OpenOptions {
        process_env: Some(Default::default()),
        project_name: Some("p".into()),
        ..OpenOptions::new(dir.path())
    })
    .unwrap();
    let profiles: Vec<String> = profiles.iter().map(|p| p.to_string()).collect();
    let groups = project.descriptor().map(|d: &Descriptor| d.volume_groups.clone()).unwrap_or_default();
    (project.report(&profiles).unwrap(), groups)
}

/// Each group as `name: volume(service,service) volume(…)`.
fn shape(v: &VolumesByPurpose) -> Vec<String> {
    v.groups
        .iter()
        .map(|g| {
            let vs: Vec<String> =
                g.volumes.iter().map(|v| format!("{}({})", v.engine_name, v.services.join(","))).collect();
            format!("{}: {}", g.name, vs.join(" "))
        })
        .collect()
}

#[tokio::test]
async fn grouped_in_the_descriptors_order_with_the_rest_under_other_and_sized_by_the_engine() {
    let (report, groups) = selection(Some(GROUPS), &["monitoring"]);
    let engine = FakeEngine::new();
    engine.add_volume("p_pg", Labels::new());
    engine.set_volume_size("p_pg", 4096);
    engine.add_volume("custom-tsdb", Labels::new()); // there, but not measured
    let got = gather(Ok(&engine), &report, &groups).await;
    assert_eq!(shape(&got), ["metrics: custom-tsdb(prom)", "data: p_pg(db,prom)", "other: p_logs(agent)"]);
    assert_eq!(got.groups[0].description.as_deref(), Some("Time series."));
    let pg = &got.groups[1].volumes[0];
    assert_eq!((pg.exists, pg.size_bytes, pg.size_unknown.as_deref()), (Some(true), Some(4096), None));
    assert_eq!(got.groups[1].total_bytes, Some(4096));
    let tsdb = &got.groups[0].volumes[0];
    assert_eq!((tsdb.exists, tsdb.size_bytes), (Some(true), None));
    assert!(tsdb.size_unknown.as_deref().unwrap().contains("did not measure"), "{tsdb:?}");
    assert_eq!(got.groups[0].total_bytes, None);
    let logs = &got.groups[2].volumes[0];
    assert_eq!(logs.exists, Some(false));
    assert!(logs.size_unknown.as_deref().unwrap().contains("not on the engine yet"), "{logs:?}");
    assert_eq!(got.sizes_unknown, None);
    assert_eq!(engine.calls(Op::VolumeSizes), 1);
}

#[tokio::test]
async fn without_a_descriptor_every_volume_is_other_and_a_group_the_selection_does_not_use_is_left_out() {
    let (report, groups) = selection(None, &[]);
    assert!(groups.is_empty());
    let got = gather(Ok(&FakeEngine::new()), &report, &groups).await;
    assert_eq!(shape(&got), ["other: p_pg(db) p_logs(agent)"]);
    // With the descriptor but without `monitoring`: `metrics` has no volume of the selection and is not shown.
    let (report, groups) = selection(Some(GROUPS), &[]);
    let got = gather(Ok(&FakeEngine::new()), &report, &groups).await;
    assert_eq!(got.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["data", "other"]);
}

#[tokio::test]
async fn an_engine_that_fails_or_is_missing_leaves_every_size_unknown_with_the_reason() {
    let (report, groups) = selection(Some(GROUPS), &[]);
    let engine = FakeEngine::new();
    engine.fail(Op::VolumeSizes, 1, Fault::Refuse);
    let got = gather(Ok(&engine), &report, &groups).await;
    let why = got.sizes_unknown.clone().unwrap();
    assert!(
        why.starts_with("size unknown: the engine's disk usage could not be read (injected failure"),
        "{why}"
    );
    for v in got.groups.iter().flat_map(|g| &g.volumes) {
        assert_eq!((v.exists, v.size_bytes, v.size_unknown.as_deref()), (None, None, Some(why.as_str())));
    }
    let got = gather::<FakeEngine>(Err("the engine is not reachable".into()), &report, &groups).await;
    assert_eq!(got.sizes_unknown.as_deref(), Some("size unknown: the engine is not reachable"));
    assert_eq!(shape(&got).len(), 2, "the grouping does not need the engine");
}

#[tokio::test]
async fn bind_mounts_are_listed_and_the_engine_socket_is_marked_privileged() {
    let (report, groups) = selection(Some(GROUPS), &[]);
    let got = gather(Ok(&FakeEngine::new()), &report, &groups).await;
    let binds: Vec<(&str, &str, &str, bool, Option<&str>)> = got
        .binds
        .iter()
        .map(|b| {
            (b.service.as_str(), b.source.as_str(), b.target.as_str(), b.read_only, b.privileged.as_deref())
        })
        .collect();
    assert_eq!(binds.len(), 2, "{binds:?}");
    assert_eq!(binds[0].0, "db");
    assert!(binds[0].1.ends_with("/init"), "{binds:?}");
    assert_eq!((binds[0].2, binds[0].4), ("/docker-entrypoint-initdb.d", None));
    assert_eq!(
        binds[1],
        ("agent", "/var/run/docker.sock", "/var/run/docker.sock", false, Some(SOCKET_PRIVILEGE))
    );
}
