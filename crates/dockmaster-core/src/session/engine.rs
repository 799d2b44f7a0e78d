//! The session's one supervisor: started when something first needs the engine, then borrowed by every live
//! view (the dashboard's updates, stats, logs) and one-off read (lifecycle, regions); its selection follows the
//! profiles on screen and its masker the project's secrets.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast::error::RecvError;

use super::stats_batch::{Batcher, BATCH_EVERY};
use super::{blocking, lock, Session};
use crate::engine::stats::{StatsConfig, StatsUpdate, StatsWatcher};
use crate::engine::{
    ConnectionView, EngineConfig, EngineHandle, EngineSnapshot, ServiceSelection, StoreUpdate, UpdateKind,
};
use crate::error::ErrorReport;
use crate::secrets::Masker;

#[derive(Default)]
pub(super) struct EngineSlot {
    live: Mutex<Option<Live>>,
    /// The profiles whose services are desired (`None`: the project's default selection).
    profiles: Mutex<Option<Vec<String>>>,
}

struct Live {
    handle: Arc<EngineHandle>,
    /// The task sending the dashboard its updates.
    follow: Option<tokio::task::JoinHandle<()>>,
    /// The stats stream: the watcher, and the batches it feeds (replaced sink by sink by `watch_stats`).
    stats: Option<(StatsWatcher, Batcher)>,
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(task) = self.follow.take() {
            task.abort();
        }
    }
}

/// What the session streams to a window now: whether engine updates are followed, and how many container stats
/// streams are open (none while the dashboard is not on screen or the window is hidden).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EngineActivity {
    pub following: bool,
    pub stats_watching: bool,
    pub stats_streams: u32,
}

/// A whole snapshot as a `synced`-kind update (seq 0: not one of the supervisor's own updates).
fn snapshot_update(snapshot: EngineSnapshot, cause: &str) -> StoreUpdate {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    StoreUpdate {
        seq: 0,
        kind: UpdateKind::Synced,
        cause: cause.to_string(),
        container: None,
        engine_time_nano: None,
        emitted_at_nano: now.as_nanos().to_string(),
        connection: None,
        service: None,
        region: None,
        snapshot: Some(snapshot),
    }
}

impl Session {
    /// The selection of `profiles` and the masker of the project's secrets (reads the keychain: blocks).
    async fn selection_and_masker(
        &self,
        profiles: Vec<String>,
    ) -> Result<(ServiceSelection, Arc<Masker>), ErrorReport> {
        let project = self.project();
        blocking(move || {
            let selection = ServiceSelection::for_project(&project, &profiles)?;
            let masker = Arc::new(Masker::gathered(&project));
            crate::ownlog::mask_with(&masker);
            Ok((selection, masker))
        })
        .await
    }

    /// The profiles whose services are desired: the last ones asked for that still exist, else the default.
    pub(super) fn desired_profiles(&self) -> Vec<String> {
        let project = self.project();
        match lock(&self.inner.engine.profiles).as_ref() {
            Some(asked) => {
                let known = project.profile_names();
                asked.iter().filter(|p| known.contains(p)).cloned().collect()
            }
            None => project.default_selection(),
        }
    }

    /// The supervisor, started on first use with the desired profiles' selection.
    pub async fn engine(&self) -> Result<Arc<EngineHandle>, ErrorReport> {
        if let Some(live) = lock(&self.inner.engine.live).as_ref() {
            return Ok(Arc::clone(&live.handle));
        }
        let endpoint = self.endpoint()?;
        let (selection, masker) = self.selection_and_masker(self.desired_profiles()).await?;
        let mut slot = lock(&self.inner.engine.live);
        if let Some(live) = slot.as_ref() {
            return Ok(Arc::clone(&live.handle)); // started meanwhile
        }
        let project = self.project();
        let config = EngineConfig::new(project.name(), selection, endpoint).with_masker(masker);
        let (handle, _first) = EngineHandle::spawn(config);
        let handle = Arc::new(handle);
        *slot = Some(Live { handle: Arc::clone(&handle), follow: None, stats: None });
        Ok(handle)
    }

    /// Sends the engine state of the project to `sink`: first the current snapshot (a `synced`-kind update
    /// with cause `snapshot`), then every update of the supervisor, and a fresh snapshot (cause `lagged`) when
    /// `sink`'s side falls behind; `profiles` decide which services are desired. Replaces an earlier follow.
    /// An endpoint that cannot be used is not an error: `sink` gets a snapshot saying so, with what to do.
    pub async fn follow_engine(
        &self,
        profiles: &[String],
        sink: impl Fn(StoreUpdate) -> bool + Send + 'static,
    ) -> Result<(), ErrorReport> {
        let profiles = self.profiles(profiles)?;
        if let Err(e) = self.endpoint() {
            let project = self.project();
            let connection = ConnectionView::unavailable("the configured Docker endpoint", e.message);
            let snapshot = EngineSnapshot {
                project: project.name().to_string(),
                connection,
                synced: false,
                services: Vec::new(),
                regions: Vec::new(),
            };
            sink(snapshot_update(snapshot, "snapshot"));
            return Ok(());
        }
        self.set_engine_selection(&profiles).await?;
        let handle = self.engine().await?;
        // Subscribe before reading the snapshot: an update in between arrives twice, which is harmless.
        let mut updates = handle.subscribe();
        let snapshots = handle.watch();
        let task = tokio::spawn(async move {
            if !sink(snapshot_update(snapshots.borrow().clone(), "snapshot")) {
                return;
            }
            loop {
                let update = match updates.recv().await {
                    Ok(update) => update,
                    Err(RecvError::Lagged(_)) => snapshot_update(snapshots.borrow().clone(), "lagged"),
                    Err(RecvError::Closed) => return,
                };
                if !sink(update) {
                    return;
                }
            }
        });
        if let Some(live) = lock(&self.inner.engine.live).as_mut() {
            if let Some(old) = live.follow.replace(task) {
                old.abort();
            }
        }
        Ok(())
    }

    /// Stops sending engine updates and stats (the window closed the project or is hidden). The supervisor
    /// keeps following the engine for the session's other users.
    pub fn stop_following_engine(&self) {
        if let Some(live) = lock(&self.inner.engine.live).as_mut() {
            if let Some(task) = live.follow.take() {
                task.abort();
            }
            live.stats = None;
        }
    }

    /// Which services are desired: those `profiles` start (a supervisor started later starts with them).
    pub async fn set_engine_selection(&self, profiles: &[String]) -> Result<(), ErrorReport> {
        let profiles = self.profiles(profiles)?;
        *lock(&self.inner.engine.profiles) = Some(profiles.clone());
        let Some(handle) = lock(&self.inner.engine.live).as_ref().map(|l| Arc::clone(&l.handle)) else {
            return Ok(());
        };
        let project = self.project();
        let selection = blocking(move || Ok(ServiceSelection::for_project(&project, &profiles)?)).await?;
        handle.set_selection(selection);
        Ok(())
    }

    /// The supervisor once it has synced with the engine, or why the engine is unavailable
    /// (`ENGINE_UNAVAILABLE`: the message says what to start).
    pub async fn engine_ready(&self) -> Result<Arc<EngineHandle>, ErrorReport> {
        let handle = self.engine().await?;
        handle.first_contact().await?;
        Ok(handle)
    }

    /// The project's containers on the engine now, the services `profiles` start marked desired.
    pub async fn status(&self, profiles: &[String]) -> Result<EngineSnapshot, ErrorReport> {
        self.set_engine_selection(profiles).await?;
        Ok(self.engine_ready().await?.snapshot())
    }

    /// Streams CPU and memory of the running containers of `services` (those on screen) and the host's usage
    /// to `sink`, the samples of every two seconds in one batch; a later call changes the services and moves the
    /// stream to its sink.
    pub async fn watch_stats(
        &self,
        services: Vec<String>,
        sink: impl FnMut(Vec<StatsUpdate>) -> bool + Send + 'static,
    ) -> Result<(), ErrorReport> {
        let handle = self.engine().await?;
        let services: BTreeSet<String> = services.into_iter().collect();
        let mut slot = lock(&self.inner.engine.live);
        let Some(live) = slot.as_mut() else { return Ok(()) };
        match &live.stats {
            Some((watcher, batcher)) if watcher.is_running() && batcher.is_open() => {
                batcher.replace_sink(Box::new(sink));
                watcher.set_services(services);
            }
            _ => {
                let batcher = Batcher::spawn(Box::new(sink), BATCH_EVERY);
                let watcher =
                    StatsWatcher::spawn(&handle, services, StatsConfig::default(), batcher.collector());
                live.stats = Some((watcher, batcher));
            }
        }
        Ok(())
    }

    /// Stops the supervisor with the dashboard's follow and the stats streams (the engine was switched): the
    /// next follow or read starts a new one.
    pub(super) fn stop_engine(&self) {
        let live = lock(&self.inner.engine.live).take();
        drop(live);
    }

    /// Stops every stats stream (the dashboard is not on screen).
    pub fn unwatch_stats(&self) {
        if let Some(live) = lock(&self.inner.engine.live).as_mut() {
            live.stats = None;
        }
    }

    /// What runs for the window now (the window tests check that a hidden window streams no stats).
    pub fn engine_activity(&self) -> EngineActivity {
        let slot = lock(&self.inner.engine.live);
        let Some(live) = slot.as_ref() else {
            return EngineActivity { following: false, stats_watching: false, stats_streams: 0 };
        };
        let watcher = live.stats.as_ref().map(|(w, _)| w).filter(|w| w.is_running());
        EngineActivity {
            following: live.follow.as_ref().is_some_and(|t| !t.is_finished()),
            stats_watching: watcher.is_some(),
            stats_streams: watcher.map_or(0, |w| u32::try_from(w.open_streams()).unwrap_or(u32::MAX)),
        }
    }

    /// After the files or the secrets changed: the supervisor's selection and masker follow.
    pub(super) async fn project_changed(&self) {
        let Some(handle) = lock(&self.inner.engine.live).as_ref().map(|l| Arc::clone(&l.handle)) else {
            return;
        };
        if let Ok((selection, masker)) = self.selection_and_masker(self.desired_profiles()).await {
            handle.set_selection(selection);
            handle.set_masker(masker);
        }
    }
}
