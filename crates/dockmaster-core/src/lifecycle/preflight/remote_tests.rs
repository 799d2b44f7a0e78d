//! The remote engine's checks over an in-memory engine: what the selection needs (images Compose does not
//! build, absolute bind sources), images missing there (with the copy as the fix), bind sources missing on its
//! host (checked by creating a container that is never started and is removed), and no image to check with.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use super::*;
use crate::engine::ops::fake::FakeEngine;
use crate::engine::ops::ImageInfo;
use crate::engine::EndpointEnv;
use crate::project::{OpenOptions, Project};

const COMPOSE: &str = r#"
services:
  api:
    image: shop/api:1
    volumes:
      - ./config:/etc/api:ro
      - data:/data
  web:
    build: ./web
    volumes:
      - type: bind
        source: /srv/shared
        target: /shared
  tools:
    image: shop/api:1
    profiles: [tools]
volumes:
  data: {}
"#;

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn needs_of(dir: &Path) -> Needs {
    std::fs::write(dir.join("compose.yaml"), COMPOSE).unwrap();
    let p = Project::open(OpenOptions { process_env: Some(Default::default()), ..OpenOptions::new(dir) })
        .unwrap();
    let resolved = p.resolve(&[]).unwrap();
    let involved = vec!["api".to_string(), "web".to_string()];
    let endpoint = Endpoint::resolve(&EndpointEnv::default()).unwrap();
    let input = Input {
        project: &p,
        profiles: &[],
        resolved: &resolved,
        involved: &involved,
        explicit: false,
        compose: Err("not looked for".into()),
        engine: Err("not looked for".into()),
        endpoint: &endpoint,
        catalog: None,
    };
    needs(&input)
}

fn needs_here() -> (tempfile::TempDir, Needs) {
    let dir = tempfile::tempdir().unwrap();
    let needs = needs_of(dir.path());
    (dir, needs)
}

fn checked(engine: &FakeEngine, needs: &Needs) -> (Vec<PreflightIssue>, Vec<PreflightIssue>) {
    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    run(check_on(engine, "far", needs, &mut problems, &mut warnings));
    (problems, warnings)
}

#[test]
fn the_selection_needs_images_compose_does_not_build_and_absolute_bind_sources() {
    let (dir, needs) = needs_here();
    assert_eq!(needs.images.into_iter().collect::<Vec<_>>(), vec![("shop/api:1".into(), "api".into())]);
    let binds: Vec<(String, String)> = needs.binds.into_iter().collect();
    assert_eq!(binds.len(), 2, "{binds:?}");
    assert_eq!(binds[0], ("/srv/shared".to_string(), "web".to_string()), "long syntax; no named volume");
    let config = Path::new(&binds[1].0);
    assert!(
        config.is_absolute()
            && config.ends_with("config")
            && config.parent().is_some_and(|p| p.ends_with(dir.path().file_name().unwrap())),
        "made absolute in the project folder: {binds:?}"
    );
    assert_eq!(binds[1].1, "api");
}

#[test]
fn a_missing_image_is_named_with_the_copy_as_its_fix() {
    let (_dir, needs) = needs_here();
    let engine = FakeEngine::new();
    engine.add_image("busybox:probe", ImageInfo { id: "sha256:b".into(), ..Default::default() });
    for path in needs.binds.keys() {
        engine.add_host_path(path);
    }
    let (problems, warnings) = checked(&engine, &needs);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p.code, PreflightCode::ImageMissing);
    assert!(p.message.contains("shop/api:1") && p.message.contains("`far`"), "{}", p.message);
    assert!(p.fix.contains("`dockmaster image copy shop/api:1 --to far`"), "{}", p.fix);
    assert!(p.window_fix.starts_with("Press Copy to engine"), "{}", p.window_fix);
    assert_eq!(p.remedy, Some(Remedy::CopyImage { image: "shop/api:1".into(), engine: "far".into() }));
    assert_eq!(p.service.as_deref(), Some("api"));
    assert!(engine.objects().containers.is_empty(), "the check containers were removed");
}

#[test]
fn a_bind_source_missing_on_the_engines_host_is_named_and_nothing_is_left() {
    let (_dir, needs) = needs_here();
    let engine = FakeEngine::new();
    engine.add_image("shop/api:1", ImageInfo { id: "sha256:a".into(), ..Default::default() });
    engine.add_host_path("/srv/shared");
    let (problems, warnings) = checked(&engine, &needs);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(problems.len(), 1, "only the missing one: {problems:?}");
    let p = &problems[0];
    assert_eq!(p.code, PreflightCode::BindSourceMissing);
    assert!(
        p.message.contains("/config, which api bind-mounts, does not exist on the host of the engine `far`"),
        "{}",
        p.message
    );
    assert!(p.fix.contains("Dockmaster does not copy files"), "{}", p.fix);
    let spec_image = engine.calls(crate::engine::ops::fake::Op::CreateContainer);
    assert_eq!(spec_image, 2, "one check container per source");
    assert!(engine.objects().containers.is_empty(), "the check containers were removed");
    assert!(engine.objects().volumes.is_empty(), "and nothing else was made");
}

#[test]
fn with_no_image_on_the_engine_the_bind_check_is_not_possible_and_says_so() {
    let (_dir, needs) = needs_here();
    let engine = FakeEngine::new();
    let (problems, warnings) = checked(&engine, &needs);
    assert_eq!(problems.iter().map(|p| p.code).collect::<Vec<_>>(), vec![PreflightCode::ImageMissing]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].code, PreflightCode::BindSourceUnchecked);
    assert!(warnings[0].message.contains("could not be checked"), "{}", warnings[0].message);
    assert!(warnings[0].message.contains("/srv/shared"), "{}", warnings[0].message);
    assert_eq!(engine.calls(crate::engine::ops::fake::Op::CreateContainer), 0, "no guess");
}

#[test]
fn the_engine_is_named_by_its_context() {
    let endpoint = Endpoint::named(&EndpointEnv::default(), "default").unwrap();
    assert_eq!(engine_name(&endpoint), endpoint.url());
    let far = Endpoint { source: EndpointSource::Context("far".into()), ..endpoint };
    assert_eq!(engine_name(&far), "far");
}
