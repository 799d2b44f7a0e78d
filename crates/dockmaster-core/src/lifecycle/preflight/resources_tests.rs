//! Memory and disk: sizes as Compose writes them, and what a remote engine changes — its memory from its `info`
//! (never this machine's), its disk said to be not measured.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::engine::ops::fake::{FakeEngine, Fault, Op};
use crate::engine::ops::EngineInfo;
use crate::engine::{Endpoint, EndpointEnv, EndpointSource};
use crate::project::{OpenOptions, Project};

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

#[test]
fn memory_sizes() {
    for (text, want) in [
        ("512m", Some(512)),
        ("512M", Some(512)),
        ("1g", Some(1024)),
        ("1.5GB", Some(1536)),
        ("268435456", Some(256)),
        ("64mb", Some(64)),
        ("100k", Some(1)),
        ("lots", None),
    ] {
        assert_eq!(parse_mib(text), want, "{text}");
    }
}

#[test]
fn a_remote_engines_memory_is_its_memtotal() {
    let engine = FakeEngine::new();
    engine.set_info(EngineInfo { memory_bytes: Some(3 << 30), ..Default::default() });
    assert_eq!(run(engine_memory_mib(&engine)), Some(3072));
    assert_eq!(engine.calls(Op::Info), 1);

    engine.set_info(EngineInfo::default());
    assert_eq!(run(engine_memory_mib(&engine)), None, "an engine that does not say gives no figure");
    engine.set_info(EngineInfo { memory_bytes: Some(3 << 30), ..Default::default() });
    engine.fail(Op::Info, 1, Fault::Refuse);
    assert_eq!(run(engine_memory_mib(&engine)), None, "nor one that does not answer");
}

#[test]
fn the_memory_check_names_the_engine_whose_memory_it_counted() {
    let source = MemorySource::Engine("far".into());
    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    let check =
        judge_memory(4096, "4 service(s)".into(), 1024, &source, &mut problems, &mut warnings).unwrap();
    assert_eq!((check.needed_mib, check.available_mib), (4096, 1024));
    assert!(
        check.basis.starts_with("4 service(s); memory in all on the engine `far`'s host"),
        "{}",
        check.basis
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(problems.len(), 1, "less than half of what is needed blocks: {problems:?}");
    assert_eq!(problems[0].code, PreflightCode::MemoryLow);
    assert_eq!(
        problems[0].message,
        "The engine `far` has 1024 MiB of memory in all; the selection needs about 4096 MiB."
    );

    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    judge_memory(1500, "b".into(), 1024, &source, &mut problems, &mut warnings).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(warnings.len(), 1, "short but more than half warns");

    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    let here =
        judge_memory(256, "b".into(), 8192, &MemorySource::Here, &mut problems, &mut warnings).unwrap();
    assert_eq!((here.basis.as_str(), problems.len(), warnings.len()), ("b", 0, 0));
    assert_eq!(judge_memory(256, "b".into(), 0, &source, &mut problems, &mut warnings), None);
}

const COMPOSE: &str = "services:\n  api:\n    image: shop/api:1\n    mem_limit: 256m\n";

/// Memory and disk for a project whose engine is `endpoint`, with no engine client to ask.
fn resources_on(endpoint: &Endpoint) -> (Option<ResourceCheck>, Option<ResourceCheck>, Vec<PreflightIssue>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).unwrap();
    let p =
        Project::open(OpenOptions { process_env: Some(Default::default()), ..OpenOptions::new(dir.path()) })
            .unwrap();
    let resolved = p.resolve(&[]).unwrap();
    let involved = vec!["api".to_string()];
    let input = Input {
        project: &p,
        profiles: &[],
        resolved: &resolved,
        involved: &involved,
        explicit: false,
        compose: Err("not looked for".into()),
        engine: Err("not reachable".into()),
        endpoint,
        catalog: None,
    };
    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    let memory = run(memory(&input, &mut problems, &mut warnings));
    let disk = run(disk(&input, &mut problems, &mut warnings));
    assert!(problems.is_empty(), "{problems:?}");
    (memory, disk, warnings)
}

#[test]
fn on_a_remote_engine_this_machines_memory_and_disk_are_not_reported() {
    let env = EndpointEnv { docker_host: Some("ssh://deploy@far.example".into()), ..Default::default() };
    let endpoint =
        Endpoint { source: EndpointSource::Context("far".into()), ..Endpoint::resolve(&env).unwrap() };
    let (memory, disk, warnings) = resources_on(&endpoint);
    assert_eq!(memory, None, "the engine could not be asked: no figure, and never this machine's");
    assert_eq!(disk, None);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].code, PreflightCode::DiskUnmeasured);
    assert!(warnings[0].message.starts_with("Free disk space is not measured on a remote engine"));
    assert!(warnings[0].message.contains("`far`"), "{}", warnings[0].message);
    assert!(
        warnings[0].fix.contains("docker --context far info --format '{{.DockerRootDir}}'"),
        "{}",
        warnings[0].fix
    );

    let tcp = EndpointEnv { docker_host: Some("tcp://127.0.0.1:2376".into()), ..Default::default() };
    let (_, disk, warnings) = resources_on(&Endpoint::resolve(&tcp).unwrap());
    assert_eq!(disk, None, "TCP, even to loopback, may reach another machine (a VM)");
    assert_eq!(warnings.iter().map(|w| w.code).collect::<Vec<_>>(), [PreflightCode::DiskUnmeasured]);
}

#[test]
fn on_the_local_socket_this_machine_is_measured() {
    let env =
        EndpointEnv { docker_host: Some("unix:///nonexistent/docker.sock".into()), ..Default::default() };
    let (memory, disk, warnings) = resources_on(&Endpoint::resolve(&env).unwrap());
    let memory = memory.unwrap();
    assert_eq!(memory.needed_mib, 256);
    assert!(memory.available_mib > 0);
    assert!(!memory.basis.contains("engine"), "{}", memory.basis);
    assert!(disk.unwrap().basis.starts_with("free space for the project folder"));
    assert!(warnings.iter().all(|w| w.code != PreflightCode::DiskUnmeasured), "{warnings:?}");
}
