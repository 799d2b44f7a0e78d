//! Volumes by purpose: the selection's named volumes grouped as the stack descriptor's `volume_groups` say
//! (those no group names under "other"), each with the services that mount it and its size on disk as the
//! engine measures it, plus the selection's bind mounts with the engine's socket marked privileged.

use serde::Serialize;

use crate::descriptor::{VolumeGroup, OTHER_VOLUMES};
use crate::engine::ops::{EngineOps, VolumeUsage};
use crate::report::{MountKind, SelectionReport};

/// What a bind mount of the engine's socket is marked with.
pub const SOCKET_PRIVILEGE: &str = "privileged: controls the Docker engine";

/// The selection's volumes by purpose and its bind mounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VolumesByPurpose {
    pub profiles: Vec<String>,
    /// The descriptor's groups in its order (those the selection uses), then `other`.
    pub groups: Vec<PurposeGroup>,
    pub binds: Vec<BindMount>,
    /// Why no size is known, when the engine could not be asked or its answer could not be read.
    pub sizes_unknown: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PurposeGroup {
    /// `dev persistence`, `multi-regional`, `monitoring`… or `other`.
    pub name: String,
    pub description: Option<String>,
    pub volumes: Vec<PurposeVolume>,
    /// The sum of the sizes known (`None` when none is).
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub total_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PurposeVolume {
    /// Its key under `volumes:`.
    pub name: String,
    pub engine_name: String,
    pub driver: String,
    pub external: bool,
    /// The selection's services that mount it.
    pub services: Vec<String>,
    /// Whether the engine has it (`None`: the engine was not asked or did not answer).
    pub exists: Option<bool>,
    /// Bytes on disk, as the engine measured them.
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub size_bytes: Option<u64>,
    /// Why the size is unknown (with `size_bytes` `None`).
    pub size_unknown: Option<String>,
}

/// A host path a service of the selection mounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BindMount {
    pub service: String,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    /// [`SOCKET_PRIVILEGE`] for the engine's socket (`…/docker.sock`, `…/podman.sock`).
    pub privileged: Option<String>,
}

/// The index of the group that names the volume `key` (none: it is under `other`).
fn group_index(groups: &[VolumeGroup], key: &str) -> Option<usize> {
    groups.iter().position(|g| g.volumes.iter().any(|v| v == key))
}

/// The name of the group the volume `key` is in: the descriptor's, else [`OTHER_VOLUMES`].
pub fn group_of<'a>(groups: &'a [VolumeGroup], key: &str) -> &'a str {
    group_index(groups, key).map_or(OTHER_VOLUMES, |i| groups[i].name.as_str())
}

/// Whether the engine has the volume, its size, and why the size is unknown, from the engine's answer (`Err`:
/// why there is none).
pub fn measured(
    sizes: Result<&[VolumeUsage], &str>,
    engine_name: &str,
) -> (Option<bool>, Option<u64>, Option<String>) {
    match sizes {
        Err(why) => (None, None, Some(why.to_string())),
        Ok(list) => match list.iter().find(|u| u.name == engine_name) {
            None => {
                (Some(false), None, Some("not on the engine yet (no service mounting it has run)".into()))
            }
            Some(VolumeUsage { size: Some(bytes), .. }) => (Some(true), Some(*bytes), None),
            Some(_) => {
                (Some(true), None, Some("the engine did not measure it (its driver does not say)".into()))
            }
        },
    }
}

/// The engine's disk usage answer, or why there is none (worded for the user: `size unknown: …`).
pub async fn sizes<E: EngineOps>(engine: Result<&E, String>) -> Result<Vec<VolumeUsage>, String> {
    match engine {
        Ok(engine) => engine
            .volume_sizes()
            .await
            .map_err(|e| format!("size unknown: the engine's disk usage could not be read ({e})")),
        Err(why) => Err(format!("size unknown: {why}")),
    }
}

/// The volumes of `report` by `groups`, sized by the engine's answer (`Err`: why it could not be asked).
pub fn by_purpose(
    report: &SelectionReport,
    groups: &[VolumeGroup],
    sizes: Result<&[VolumeUsage], &str>,
) -> VolumesByPurpose {
    let mut out: Vec<PurposeGroup> = groups
        .iter()
        .map(|g| PurposeGroup {
            name: g.name.clone(),
            description: g.description.clone(),
            volumes: Vec::new(),
            total_bytes: None,
        })
        .collect();
    let mut other = PurposeGroup {
        name: OTHER_VOLUMES.into(),
        description: Some("Volumes the stack descriptor does not group.".into()),
        volumes: Vec::new(),
        total_bytes: None,
    };
    for v in &report.volumes {
        let (exists, size_bytes, size_unknown) = measured(sizes, &v.engine_name);
        let volume = PurposeVolume {
            name: v.name.clone(),
            engine_name: v.engine_name.clone(),
            driver: v.driver.clone(),
            external: v.external,
            services: v.services.clone(),
            exists,
            size_bytes,
            size_unknown,
        };
        match group_index(groups, &v.name) {
            Some(i) => out[i].volumes.push(volume),
            None => other.volumes.push(volume),
        }
    }
    out.push(other);
    out.retain(|g| !g.volumes.is_empty());
    for g in &mut out {
        let known: Vec<u64> = g.volumes.iter().filter_map(|v| v.size_bytes).collect();
        g.total_bytes = (!known.is_empty()).then(|| known.iter().sum());
    }
    let binds = report
        .services
        .iter()
        .flat_map(|s| {
            s.mounts.iter().filter(|m| m.kind == MountKind::Bind).map(|m| {
                let source = m.source.clone().unwrap_or_default();
                let socket = source.ends_with("docker.sock") || source.ends_with("podman.sock");
                BindMount {
                    service: s.name.clone(),
                    privileged: socket.then(|| SOCKET_PRIVILEGE.to_string()),
                    source,
                    target: m.target.clone(),
                    read_only: m.read_only,
                }
            })
        })
        .collect();
    VolumesByPurpose {
        profiles: report.profiles.clone(),
        groups: out,
        binds,
        sizes_unknown: sizes.err().map(|why| why.to_string()),
    }
}

/// [`by_purpose`] with the sizes `engine` measures (`Err`: why there is no engine to ask).
pub async fn gather<E: EngineOps>(
    engine: Result<&E, String>,
    report: &SelectionReport,
    groups: &[VolumeGroup],
) -> VolumesByPurpose {
    match &sizes(engine).await {
        Ok(list) => by_purpose(report, groups, Ok(list)),
        Err(why) => by_purpose(report, groups, Err(why)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
