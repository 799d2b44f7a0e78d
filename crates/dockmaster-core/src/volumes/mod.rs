//! Volume backup and restore: the project's named volumes (which services mount each), the archives on this
//! machine (`archive.rs`), the helper containers that read and write a volume (`helper.rs`), and the pure rules a
//! restore checks first (typed confirmation, containers outside the project).

pub mod archive;
pub mod helper;
pub mod purpose;

use serde::Serialize;

use crate::compose::model::ComposeModel;
use crate::engine::ops::ContainerSummary;
use crate::error::{ErrorCode, ErrorReport};
use crate::labels;
use crate::report::MountKind;

/// One of the project's named volumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProjectVolume {
    /// Its name on the engine (`<project>_<key>`, or its `name:`).
    pub name: String,
    /// Its key under `volumes:` in the Compose files.
    pub declared_as: String,
    /// The services that mount it (every profile's).
    pub services: Vec<String>,
    pub external: bool,
    /// Whether the engine has it now (`None`: not asked).
    pub exists: Option<bool>,
}

/// How far a backup or restore is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VolumeProgress {
    /// Bytes of tar read from (backup) or sent to (restore) the volume so far.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes: u64,
    /// The restore's total bytes of tar (a backup's is not known in advance).
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub total: Option<u64>,
}

/// A finished backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BackupReport {
    pub volume: String,
    pub archive: String,
    pub checksum_file: String,
    pub sha256: String,
    /// Bytes of the compressed archive.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes: u64,
    /// Bytes of tar read from the volume.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub tar_bytes: u64,
    /// The image the helper container ran.
    pub image: String,
}

/// A finished restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RestoreReport {
    pub volume: String,
    pub archive: String,
    pub sha256: String,
    /// Files, folders and links restored.
    pub entries: u32,
    /// The project's services stopped first (and started again).
    pub stopped: Vec<String>,
    /// Those started again afterwards (all of `stopped`, unless starting one failed: see `warnings`).
    pub restarted: Vec<String>,
    pub image: String,
    pub warnings: Vec<String>,
}

/// The named volumes the merged model of every profile declares, each with the services that mount it. Sorted by
/// engine name.
pub fn project_volumes(project: &str, model: &ComposeModel) -> Vec<ProjectVolume> {
    let mut out: Vec<ProjectVolume> = model
        .volumes
        .iter()
        .map(|(key, decl)| {
            let mut services: Vec<String> = model
                .services
                .values()
                .filter(|s| {
                    s.mounts.iter().any(|m| m.kind == MountKind::Volume && m.source.as_deref() == Some(key))
                })
                .map(|s| s.name.clone())
                .collect();
            services.sort();
            ProjectVolume {
                name: crate::project::engine_name(project, key, decl.name.as_deref(), decl.external),
                declared_as: key.clone(),
                services,
                external: decl.external,
                exists: None,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The volume `asked` names (its engine name or its key), or `VOLUME_NOT_FOUND` listing the project's.
pub fn find(volumes: &[ProjectVolume], asked: &str) -> Result<ProjectVolume, ErrorReport> {
    let found =
        volumes.iter().find(|v| v.name == asked).or_else(|| volumes.iter().find(|v| v.declared_as == asked));
    found.cloned().ok_or_else(|| {
        let names: Vec<&str> = volumes.iter().map(|v| v.name.as_str()).collect();
        ErrorReport::new(
            ErrorCode::VolumeNotFound,
            if names.is_empty() {
                format!(
                    "`{asked}` is not a volume of this project: its Compose files declare no named volume"
                )
            } else {
                format!(
                    "`{asked}` is not a volume of this project: use one of {} (`dockmaster volume ls`)",
                    names.join(", ")
                )
            },
        )
    })
}

/// A restore goes ahead only when `confirm` is the volume's exact name (what the user typed).
pub fn confirmed(volume: &str, confirm: &str) -> Result<(), ErrorReport> {
    if confirm == volume {
        return Ok(());
    }
    Err(ErrorReport::new(
        ErrorCode::RestoreUnconfirmed,
        format!(
            "restoring replaces everything in `{volume}`: confirm with its exact name (`--confirm {volume}`){} — \
             nothing was changed",
            if confirm.is_empty() { String::new() } else { format!(", not `{confirm}`") }
        ),
    ))
}

/// The containers mounting a volume, split into the project's (its Compose project label) and the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Users {
    pub ours: Vec<ContainerSummary>,
    pub foreign: Vec<ContainerSummary>,
}

impl Users {
    /// Splits `users` by whether they carry `project`'s Compose label; Dockmaster's own helpers count as
    /// neither (they are removed by whoever started them).
    pub fn split(project: &str, users: Vec<ContainerSummary>) -> Users {
        let mut split = Users::default();
        for c in users {
            if c.labels.contains_key(labels::HELPER) {
                continue;
            }
            if c.labels.get(labels::COMPOSE_PROJECT).map(String::as_str) == Some(project) {
                split.ours.push(c);
            } else {
                split.foreign.push(c);
            }
        }
        split
    }

    /// `VOLUME_IN_USE` when a container outside the project mounts `volume`, naming them.
    pub fn refuse_foreign(&self, volume: &str) -> Result<(), ErrorReport> {
        if self.foreign.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = self
            .foreign
            .iter()
            .map(|c| format!("`{}` ({})", c.name, if c.running { "running" } else { "stopped" }))
            .collect();
        Err(ErrorReport::new(
            ErrorCode::VolumeInUse,
            format!(
                "`{volume}` is mounted by {} outside this project: a restore would change its data under it — \
                 remove that container (or restore into another volume) first; nothing was changed",
                names.join(", ")
            ),
        ))
    }

    /// The project's services whose containers mount the volume and run now (to stop, then start again).
    pub fn running_services(&self) -> Vec<String> {
        let mut services: Vec<String> = self
            .ours
            .iter()
            .filter(|c| c.running)
            .filter_map(|c| c.labels.get(labels::COMPOSE_SERVICE).cloned())
            .collect();
        services.sort();
        services.dedup();
        services
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
