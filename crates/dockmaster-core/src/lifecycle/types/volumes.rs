//! The volume plan of `down --volumes`: exactly what it would delete, and why each volume is listed.

use serde::Serialize;

use super::Flavor;

/// What `down --volumes` would delete, exactly as Compose acts on it (see `lifecycle/volumes.rs` for the
/// rules): the declared, non-external volumes of the project's files that exist on the engine now, by their
/// engine names, plus the anonymous volumes of the project's containers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VolumePlan {
    pub project: String,
    /// The Compose version whose rules made the list (v1 also deletes declared volumes no service uses).
    pub compose: Flavor,
    /// Engine names, sorted. Pass exactly this list back to confirm.
    pub volumes: Vec<String>,
    /// One entry per volume, in `volumes` order: why it is on the list, and whether it may hold data from
    /// elsewhere.
    pub details: Vec<VolumeToDelete>,
}

/// Why a volume is on the list `down --volumes` deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum VolumeKind {
    /// Declared in the project's files (top-level `volumes:`): Compose deletes it by name, whoever made it.
    Declared,
    /// Created by the engine for one of the project's containers (`- /data`, or the image's `VOLUME`):
    /// removing the container with `-v` deletes it.
    Anonymous,
}

/// One volume `down --volumes` would delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VolumeToDelete {
    /// The engine's name.
    pub name: String,
    pub kind: VolumeKind,
    /// For a declared volume: its key in the files (`keepme` for `vt2_keepme`).
    pub declared_as: Option<String>,
    /// For an anonymous volume: the project's containers that mount it.
    pub containers: Vec<String>,
    /// Created for this project by Compose: a declared volume whose `com.docker.compose.project` label names this
    /// project, or an anonymous volume the engine made for one of the project's containers. `false`: made by
    /// hand, restored from a backup, left by another tool or another project; it may hold data from elsewhere.
    pub created_by_compose: bool,
    /// The Compose project the volume's labels name, when it has that label.
    pub labelled_project: Option<String>,
    /// Why it is on the list, e.g. "declared as `keepme`" or "anonymous volume of container `web-1`".
    pub reason: String,
    /// Set when `created_by_compose` is false: what to beware of, loudly.
    pub warning: Option<String>,
}
