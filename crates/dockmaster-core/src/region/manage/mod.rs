//! Regions that exist: found by their labels (so they survive a Dockmaster restart), listed with health,
//! stopped, started, removed (volumes only when confirmed by name) and their plan shown again from inspect.
//! A region whose apply was interrupted (its journal left, held by nobody) is marked so, and removing it
//! removes everything that apply created, its volumes (once confirmed) and password included.
//!
//! `mod.rs` finds a region's objects and journals; `list.rs` lists and summarises, `control.rs` starts and
//! stops, `remove.rs` removes, `describe.rs` rebuilds the plan, `networks.rs` the networks their containers
//! are on as the engine has them.

mod control;
mod describe;
mod list;
mod networks;
mod remove;

use std::path::PathBuf;

use serde::Serialize;

pub use control::{start, stop};
pub(crate) use control::{start_in, stop_in};
pub use describe::describe;
pub(crate) use describe::describe_in;
pub use list::{get, list};
pub(crate) use list::{get_in, list_in};
pub(crate) use networks::networks_in;
pub use networks::RegionNetwork;
pub use remove::remove;
pub(crate) use remove::remove_in;

use super::error::RegionError;
use super::journal::{self, Claimed, Found as Journaled};
use super::plan::RegionRole;
use super::request::RegionRequest;
use super::secret::Keychains;
use crate::engine::ops::{ContainerInfo, EngineOps, LabelFilter, Labels, NetworkInfo, TextMask, VolumeInfo};
use crate::engine::{ContainerStatus, Health, RunState};
use crate::labels;

/// One region of the project, as the engine has it now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegionInfo {
    pub name: String,
    /// The engine it runs on (a Docker context, or `default`).
    pub engine: String,
    /// `live`: read from its engine now; `unknown`: its engine could not be reached, so this is what was
    /// last seen of it there (its engine's entry in the listing says why).
    pub reach: Reach,
    pub owner: Option<String>,
    /// The worst state of its containers; `notCreated` when only its kept volumes (or network) are left.
    pub state: RunState,
    /// The worst health of its running containers.
    pub health: Health,
    /// Where its server answers, from the server's port binding.
    pub server_url: Option<String>,
    /// The request it was created from (its label), when readable.
    pub request: Option<RegionRequest>,
    /// Database first, then the server.
    pub containers: Vec<ContainerStatus>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    /// Set when the apply that created the region was interrupted (killed before it finished or rolled
    /// back): the region is not usable, and removing it cleans up everything that apply created.
    pub interrupted: Option<InterruptedApply>,
}

/// Whether a listed region was read from its engine now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Reach {
    #[default]
    Live,
    Unknown,
}

/// An interrupted region apply: what it left, and how to clean it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct InterruptedApply {
    /// The apply's ID (the `dev.dockmaster.region.apply` label of what it created).
    pub apply_id: String,
    /// The volumes it created: removed with the region, once confirmed (the region's other volumes, kept
    /// from an earlier region of the same name, follow the usual rule).
    pub volumes: Vec<String>,
    /// It generated the region's database password (or was about to): removed with the region.
    pub password_generated: bool,
    /// What to do about it.
    pub fix: String,
}

/// What `remove` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemoveReport {
    pub region: String,
    pub containers: Vec<String>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    /// Volumes left in place (remove them with the volumes confirmed).
    pub kept_volumes: Vec<String>,
    /// The region's password was removed from the keychain (only with its volumes).
    pub password_removed: bool,
}

/// Where region state outside the engine lives: apply journals and the keychain (tests point both at
/// private ones).
#[derive(Debug, Clone, Default)]
pub(crate) struct Stores {
    /// `None`: `$XDG_STATE_HOME/dockmaster/region-applies`.
    pub journal_dir: Option<PathBuf>,
    pub keychains: Keychains,
    /// Leave out apply journals written before journals named their engine (a listing across engines counts
    /// those on the session's engine only). Journals that name one count on that engine (`keychains`' engine).
    pub no_journals: bool,
    /// `None`: `$XDG_STATE_HOME/dockmaster/regions-seen` (what each engine's listing last showed).
    pub seen_dir: Option<PathBuf>,
    /// The host name the engine's published ports are reached at from here (`None`: this machine).
    pub link_host: Option<String>,
}

/// The region label's value (empty when it has none).
fn region_of(l: &Labels) -> String {
    l.get(labels::REGION).cloned().unwrap_or_default()
}

/// A region's engine objects, found by label.
struct Found {
    /// Database first, then the server.
    containers: Vec<ContainerInfo>,
    networks: Vec<NetworkInfo>,
    volumes: Vec<VolumeInfo>,
}

impl Found {
    fn volumes_of(&self, region: &str) -> Vec<String> {
        self.volumes.iter().filter(|v| region_of(&v.labels) == region).map(|v| v.name.clone()).collect()
    }
}

/// The objects of the project's regions (of `region` only, when given).
async fn find<E: EngineOps>(engine: &E, project: &str, region: Option<&str>) -> Result<Found, RegionError> {
    let filter = LabelFilter::all().is(labels::PROJECT, project);
    let filter = match region {
        Some(r) => filter.is(labels::REGION, r),
        None => filter.has(labels::REGION),
    };
    let list = engine
        .list_containers(&filter, true)
        .await
        .map_err(|e| RegionError::engine("list region containers", e))?;
    let mut containers = Vec::new();
    for c in list {
        match engine.inspect_container(&c.id, TextMask::OwnEnvironment).await {
            Ok(i) => containers.push(i),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(RegionError::engine(format!("inspect container {}", c.id), e)),
        }
    }
    containers.sort_by_key(role_of);
    let networks =
        engine.list_networks(&filter).await.map_err(|e| RegionError::engine("list region networks", e))?;
    let volumes =
        engine.list_volumes(&filter).await.map_err(|e| RegionError::engine("list region volumes", e))?;
    Ok(Found { containers, networks, volumes })
}

fn role_of(c: &ContainerInfo) -> Option<RegionRole> {
    c.labels.get(labels::MANAGER_SERVICE).and_then(|s| RegionRole::from_label(s))
}

/// The project's apply journals: interrupted ones (claimed while they are looked at) and running ones. No
/// state folder (no HOME) means none.
fn journals(stores: &Stores, project: &str) -> Result<(Vec<Claimed>, Vec<journal::Record>), RegionError> {
    let dir = match &stores.journal_dir {
        Some(dir) => dir.clone(),
        None => match journal::default_dir() {
            Ok(dir) => dir,
            Err(_) => return Ok((Vec::new(), Vec::new())),
        },
    };
    let mut interrupted = Vec::new();
    let mut running = Vec::new();
    let engine = stores.keychains.engine();
    let here = |r: &journal::Record| match &r.engine {
        Some(e) => e == engine,
        None => !stores.no_journals,
    };
    for found in journal::find(&dir, project)? {
        match found {
            Journaled::Interrupted(c) if !here(&c.record) => {}
            Journaled::Running(r) if !here(&r) => {}
            Journaled::Interrupted(c) => interrupted.push(c),
            Journaled::Running(r) => running.push(r),
        }
    }
    Ok((interrupted, running))
}

/// What an interrupted apply left of region `name`: the volumes it created (by its label, or its journal).
fn interrupted_of(name: &str, record: &journal::Record, volumes: &[VolumeInfo]) -> InterruptedApply {
    let created = volumes
        .iter()
        .filter(|v| {
            let apply = v.labels.get(labels::REGION_APPLY);
            region_of(&v.labels) == name
                && (apply == Some(&record.apply_id) || record.volumes.contains(&v.name))
        })
        .map(|v| v.name.clone())
        .collect();
    InterruptedApply {
        apply_id: record.apply_id.clone(),
        volumes: created,
        password_generated: record.owns_password(),
        fix: format!(
            "its creation (apply {}) was interrupted before it finished: remove it (`dockmaster region rm {name}`, \
             or Remove on the Regions page), then create it again",
            record.apply_id
        ),
    }
}

/// One region's apply journals.
#[derive(Default)]
struct RegionJournals {
    /// Its interrupted apply's journal, claimed (held by this process until dropped).
    interrupted: Option<Claimed>,
    /// An apply of it that runs now.
    running: Option<journal::Record>,
}

/// One region: its engine objects, what the window shows of it, and its apply journals.
async fn one<E: EngineOps>(
    engine: &E,
    stores: &Stores,
    project: &str,
    name: &str,
) -> Result<(Found, RegionInfo, RegionJournals), RegionError> {
    let found = find(engine, project, Some(name)).await?;
    let (interrupted, running) = journals(stores, project)?;
    let claimed = interrupted.into_iter().find(|c| c.record.region == name);
    let running = running.into_iter().find(|r| r.region == name);
    if found.containers.is_empty()
        && found.networks.is_empty()
        && found.volumes.is_empty()
        && claimed.is_none()
    {
        let known = list::list_in(engine, stores, project).await?.into_iter().map(|r| r.name).collect();
        return Err(RegionError::NotFound { project: project.into(), name: name.into(), known });
    }
    let mut info = list::info(name, &found, stores.link_host.as_deref());
    info.interrupted = claimed.as_ref().map(|c| interrupted_of(name, &c.record, &found.volumes));
    Ok((found, info, RegionJournals { interrupted: claimed, running }))
}

/// The refusal that lists what removing `region` with its volumes needs confirmed: every volume, those its
/// interrupted apply created marked so.
pub fn confirmation_needed(region: &RegionInfo) -> RegionError {
    RegionError::ConfirmVolumes {
        region: region.name.clone(),
        volumes: region.volumes.clone(),
        interrupted_apply: region.interrupted.as_ref().map(|i| i.apply_id.clone()),
        created_by_apply: region.interrupted.as_ref().map(|i| i.volumes.clone()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests;
