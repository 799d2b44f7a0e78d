//! Volumes by purpose through the session: the selection's volumes grouped as the stack descriptor says, sized
//! by the project's engine (`system df`), with the bind mounts; and the CLI's list of every profile's volumes
//! with their purpose and size. An engine that cannot be reached leaves the sizes unknown, with why.

use std::time::Duration;

use serde::Serialize;

use super::Session;
use crate::engine::ops::{EngineOps, VolumeUsage};
use crate::engine::DockerEngine;
use crate::error::ErrorReport;
use crate::volumes::purpose::{self, VolumesByPurpose};
use crate::volumes::ProjectVolume;

/// How long the engine may take to measure its volumes (it walks each one).
const DF_TIMEOUT: Duration = Duration::from_secs(60);

/// One of the project's volumes as `dockmaster volume ls` lists it: the volume, its purpose and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedVolume {
    #[serde(flatten)]
    pub volume: ProjectVolume,
    /// The descriptor's group for it, else `other`.
    pub purpose: String,
    /// Bytes on disk, as the engine measured them.
    pub size_bytes: Option<u64>,
    /// Why the size is unknown.
    pub size_unknown: Option<String>,
}

impl Session {
    /// The project's engine for one read, or why there is none (a sentence).
    async fn engine_for_sizes(&self) -> Result<DockerEngine, String> {
        let handle = self.engine().await.map_err(|e| e.message)?;
        let engine = handle.connected().await.map_err(|e| ErrorReport::from(e).message)?;
        Ok(engine.with_timeout(DF_TIMEOUT))
    }

    async fn volume_sizes(&self) -> Result<Vec<VolumeUsage>, String> {
        let engine = self.engine_for_sizes().await;
        purpose::sizes(engine.as_ref().map_err(Clone::clone)).await
    }

    fn volume_groups(&self) -> Vec<crate::descriptor::VolumeGroup> {
        self.project().descriptor().map(|d| d.volume_groups.clone()).unwrap_or_default()
    }

    /// The selection's (`profiles`) named volumes grouped by purpose, each with its services and size on
    /// disk, and its bind mounts. Fails only when the selection cannot be read; the engine's absence or
    /// failure leaves the sizes unknown, with why.
    pub async fn volumes_by_purpose(&self, profiles: &[String]) -> Result<VolumesByPurpose, ErrorReport> {
        let report = self.report(profiles).await?;
        let sizes = self.volume_sizes().await;
        Ok(purpose::by_purpose(&report, &self.volume_groups(), sizes.as_deref().map_err(String::as_str)))
    }

    /// Every profile's named volumes ([`Session::volumes`]) with their purpose and size on disk, in the
    /// descriptor's group order (then `other`), by name within a group.
    pub async fn volume_listing(&self) -> Result<Vec<ListedVolume>, ErrorReport> {
        let list = self.volumes().await?;
        let sizes = self.volume_sizes().await;
        let groups = self.volume_groups();
        let mut listed: Vec<ListedVolume> = list
            .into_iter()
            .map(|volume| {
                let (_, size_bytes, size_unknown) =
                    purpose::measured(sizes.as_deref().map_err(String::as_str), &volume.name);
                ListedVolume {
                    purpose: purpose::group_of(&groups, &volume.declared_as).to_string(),
                    volume,
                    size_bytes,
                    size_unknown,
                }
            })
            .collect();
        let rank = |l: &ListedVolume| groups.iter().position(|g| g.name == l.purpose).unwrap_or(groups.len());
        listed.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.volume.name.cmp(&b.volume.name)));
        Ok(listed)
    }
}
