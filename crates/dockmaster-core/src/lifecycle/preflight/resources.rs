//! Memory and disk: what the started services declare (or a floor each) against what the host has available,
//! and the free space where images and volumes live.

use std::path::{Path, PathBuf};

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

pub(super) fn memory(
    input: &Input<'_>,
    problems: &mut Vec<PreflightIssue>,
    warnings: &mut Vec<PreflightIssue>,
) -> Option<ResourceCheck> {
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
    let mut sys = sysinfo::System::new();
    sys.refresh_memory();
    let available = u32::try_from(sys.available_memory() / (1024 * 1024)).unwrap_or(u32::MAX);
    if available == 0 {
        return None; // the platform does not say
    }
    let basis = format!(
        "{declared} service(s) with a declared memory reservation or limit, {floored} at a {MEMORY_FLOOR_MIB} MiB floor"
    );
    let check = ResourceCheck { needed_mib: needed, available_mib: available, basis };
    if available < needed / 2 {
        problems.push(issue(
            PreflightCode::MemoryLow,
            format!(
                "The host has {available} MiB of memory available; the selection needs about {needed} MiB."
            ),
            "Stop other containers or programs, or start fewer profiles.".into(),
        ));
    } else if available < needed {
        warnings.push(issue(
            PreflightCode::MemoryLow,
            format!("The host has {available} MiB of memory available; the selection may need about {needed} MiB."),
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
    // Images and volumes live in the engine's data root: measure it when the engine is on this machine.
    let mut path: PathBuf = input.project.root().to_path_buf();
    let mut what = "the project folder".to_string();
    if let (Ok(engine), Transport::Unix(_)) = (&input.engine, &input.endpoint.transport) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
