//! Memory and disk: what the started services declare (or a floor each) against what the host has available,
//! and the free space where images and volumes live. On an engine reached over the network (SSH, TCP) the memory
//! is the engine's (its `info`), and the disk is not measured (its API does not say what is free).

use std::path::{Path, PathBuf};

use super::remote::engine_name;
use super::{issue, Input, ENGINE_TIMEOUT};
use crate::compose::merge::merge_all;
use crate::compose::node::Node;
use crate::engine::ops::EngineOps;
use crate::engine::Transport;
use crate::lifecycle::types::{PreflightCode, PreflightIssue, ResourceCheck};

/// Memory assumed for a service that declares no limit or reservation.
pub const MEMORY_FLOOR_MIB: u32 = 64;
/// Free disk below which the preflight warns / blocks.
pub const DISK_WARN_MIB: u32 = 1024;
pub const DISK_BLOCK_MIB: u32 = 100;

/// `512m`, `1g`, `1.5GB`, `268435456` → MiB.
pub fn parse_mib(text: &str) -> Option<u32> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.trim_end_matches('b');
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    let bytes = match unit.trim() {
        "" => value,
        "k" => value * 1024.0,
        "m" => value * 1024.0 * 1024.0,
        "g" => value * 1024.0 * 1024.0 * 1024.0,
        "t" => value * 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let mib = (bytes / (1024.0 * 1024.0)).ceil();
    (mib.is_finite() && mib >= 0.0).then(|| mib.min(f64::from(u32::MAX)) as u32)
}

/// A service's declared memory (reservation first, then limit), from the merged Compose tree.
fn declared_memory(service: &Node) -> Option<u32> {
    let text = |n: Option<&Node>| n.and_then(Node::scalar_text).and_then(|t| parse_mib(&t));
    let resources = service.get("deploy").and_then(|d| d.get("resources"));
    text(resources.and_then(|r| r.get("reservations")).and_then(|r| r.get("memory")))
        .or_else(|| text(service.get("mem_reservation")))
        .or_else(|| text(resources.and_then(|r| r.get("limits")).and_then(|r| r.get("memory"))))
        .or_else(|| text(service.get("mem_limit")))
}

/// Whether the engine is reached through a socket or pipe on this machine, so its memory and data root are this
/// machine's. Over the network (SSH, or TCP even to a loopback port, which may be forwarded into a VM) they are
/// the engine host's: memory comes from the engine's `info`, and the disk is not measured.
fn measured_here(input: &Input<'_>) -> bool {
    matches!(input.endpoint.transport, Transport::Unix(_) | Transport::NamedPipe(_))
}

/// The memory the involved services need: the declared reservation or limit of each, else the floor.
fn needed_memory(input: &Input<'_>) -> (u32, String) {
    let merged = merge_all(input.resolved.loaded.iter().map(|f| f.root.clone()));
    let services = merged.get("services");
    let (mut needed, mut declared, mut floored) = (0u32, 0u32, 0u32);
    for name in input.involved {
        match services.and_then(|s| s.get(name)).and_then(declared_memory) {
            Some(mib) => {
                needed = needed.saturating_add(mib);
                declared += 1;
            }
            None => {
                needed = needed.saturating_add(MEMORY_FLOOR_MIB);
                floored += 1;
            }
        }
    }
    let basis = format!(
        "{declared} service(s) with a declared memory reservation or limit, {floored} at a {MEMORY_FLOOR_MIB} MiB floor"
    );
    (needed, basis)
}

/// Where the memory figure comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum MemorySource {
    /// This machine's available memory.
    Here,
    /// The total memory (`MemTotal`) the remote engine named reports: the API gives no available figure.
    Engine(String),
}

pub(super) async fn memory(
    input: &Input<'_>,
    problems: &mut Vec<PreflightIssue>,
    warnings: &mut Vec<PreflightIssue>,
) -> Option<ResourceCheck> {
    let (needed, basis) = needed_memory(input);
    let (available, source) = if measured_here(input) {
        let mut sys = sysinfo::System::new();
        sys.refresh_memory();
        (u32::try_from(sys.available_memory() / (1024 * 1024)).unwrap_or(u32::MAX), MemorySource::Here)
    } else {
        let engine = input.engine.as_ref().ok()?.with_timeout(ENGINE_TIMEOUT);
        (engine_memory_mib(&engine).await?, MemorySource::Engine(engine_name(input.endpoint)))
    };
    judge_memory(needed, basis, available, &source, problems, warnings)
}

/// The total memory the engine reports, in MiB (`None`: it did not answer or does not say).
pub(super) async fn engine_memory_mib<E: EngineOps>(engine: &E) -> Option<u32> {
    let bytes = engine.info().await.ok()?.memory_bytes?;
    Some(u32::try_from(bytes / (1024 * 1024)).unwrap_or(u32::MAX))
}

/// The memory check from what is needed and what there is.
pub(super) fn judge_memory(
    needed: u32,
    basis: String,
    available: u32,
    source: &MemorySource,
    problems: &mut Vec<PreflightIssue>,
    warnings: &mut Vec<PreflightIssue>,
) -> Option<ResourceCheck> {
    if available == 0 {
        return None; // the platform (or the engine) does not say
    }
    let (has, basis) = match source {
        MemorySource::Here => (format!("The host has {available} MiB of memory available"), basis),
        MemorySource::Engine(name) => (
            format!("The engine `{name}` has {available} MiB of memory in all"),
            format!(
                "{basis}; memory in all on the engine `{name}`'s host (its MemTotal: the engine's API gives no \
                 available figure)"
            ),
        ),
    };
    let check = ResourceCheck { needed_mib: needed, available_mib: available, basis };
    if available < needed / 2 {
        problems.push(issue(
            PreflightCode::MemoryLow,
            format!("{has}; the selection needs about {needed} MiB."),
            "Stop other containers or programs, or start fewer profiles.".into(),
        ));
    } else if available < needed {
        warnings.push(issue(
            PreflightCode::MemoryLow,
            format!("{has}; the selection may need about {needed} MiB."),
            "Close other programs or start fewer profiles if services get killed (OOM).".into(),
        ));
    }
    Some(check)
}

pub(super) async fn disk(
    input: &Input<'_>,
    problems: &mut Vec<PreflightIssue>,
    warnings: &mut Vec<PreflightIssue>,
) -> Option<ResourceCheck> {
    if !measured_here(input) {
        // The engine's API says how much its images and volumes use, never how much is free where they live:
        // this machine's disk would be the wrong answer.
        warnings.push(disk_unmeasured(&engine_name(input.endpoint)));
        return None;
    }
    // Images and volumes live in the engine's data root: measure it when it is on this machine.
    let mut path: PathBuf = input.project.root().to_path_buf();
    let mut what = "the project folder".to_string();
    if let Ok(engine) = &input.engine {
        if let Ok(info) = engine.with_timeout(ENGINE_TIMEOUT).info().await {
            if let Some(root) = info.data_root.filter(|r| Path::new(r).exists()) {
                what = format!("Docker's data root {root}");
                path = PathBuf::from(root);
            }
        }
    }
    let disks = sysinfo::Disks::new_with_refreshed_list();
    let disk = disks
        .list()
        .iter()
        .filter(|d| path.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())?;
    let available = u32::try_from(disk.available_space() / (1024 * 1024)).unwrap_or(u32::MAX);
    let basis =
        format!("free space for {what} (on {}); {DISK_WARN_MIB} MiB floor", disk.mount_point().display());
    if available < DISK_BLOCK_MIB {
        problems.push(issue(
            PreflightCode::DiskLow,
            format!("Only {available} MiB are free for {what}."),
            "Free disk space (e.g. `docker system prune` removes unused images and containers).".into(),
        ));
    } else if available < DISK_WARN_MIB {
        warnings.push(issue(
            PreflightCode::DiskLow,
            format!("Only {available} MiB are free for {what}."),
            "Free disk space before pulling or building images (`docker system prune`).".into(),
        ));
    }
    Some(ResourceCheck { needed_mib: DISK_WARN_MIB, available_mib: available, basis })
}

/// The disk of a remote engine's host is not measured: said, not guessed.
pub(super) fn disk_unmeasured(engine: &str) -> PreflightIssue {
    issue(
        PreflightCode::DiskUnmeasured,
        format!(
            "Free disk space is not measured on a remote engine: the engine `{engine}`'s API does not say how much \
             is free where its images and volumes live."
        ),
        format!(
            "Check it on that host if in doubt (e.g. `df -h` there on the folder `docker --context {engine} info \
             --format '{{{{.DockerRootDir}}}}'` names)."
        ),
    )
}

#[cfg(test)]
#[path = "resources_tests.rs"]
mod tests;
