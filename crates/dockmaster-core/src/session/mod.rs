//! [`Session`]: the one owner of an open project, held by both faces (the desktop app and the CLI) so that
//! they only map arguments and results.
//!
//! A session owns what lives as long as the project is open: the [`Project`] as its files are now (reopened
//! when they change on disk, see [`files`]), the engine endpoint (resolved at open, switched in place by the engine choice), the one supervisor every
//! live view and one-off engine read borrows (`engine.rs`), the masker of the project's secrets, the running
//! operation and its cancel token (one per project: a lifecycle operation or a region apply; across
//! processes the operation lock still rules), the log follow and the stats watch, and the region plan the user
//! reviewed last. Every method returns the core's [`ErrorReport`], so the CLI's `--json` and the window
//! carry the same code for the same failure.

mod attention;
mod diagnostics;
mod doctor;
mod engine;
mod engine_choice;
mod environment;
pub mod files;
mod fix;
mod lifecycle;
mod logs;
mod operation;
mod region_target;
mod regions;
mod registry;
mod stats_batch;
mod terminals;
mod volume_purposes;
mod volumes;

use std::sync::{Arc, Mutex, RwLock};

use serde::Serialize;
use tokio::sync::broadcast;

use crate::error::{ErrorCode, ErrorReport};
use crate::project::{OpenOptions, Project};
use crate::report::{ProjectOverview, SelectionReport};

pub use attention::{AttentionFollower, AttentionUpdate};
pub use engine::EngineActivity;
pub use engine_choice::{point_at, ChildProcess, ProjectEngine};
pub use fix::automatic_fixes;
pub use lifecycle::OperationRequest;
pub use logs::LogFollowInfo;
pub use regions::RegionValidation;
pub use registry::Sessions;
pub use volume_purposes::ListedVolume;
pub use volumes::Progress as VolumeProgressSink;

/// What a session tells whoever listens (the window reloads on `projectChanged`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SessionEvent {
    /// The project's files changed on disk and were read again: ask for the overview and reports anew.
    ProjectChanged {
        #[cfg_attr(feature = "specta", specta(type = u32))]
        generation: u64,
    },
    /// The files changed but cannot be read now (a save half-way, a typo): the last good state stays, and
    /// `error` says what is wrong.
    ProjectInvalid { error: ErrorReport },
    /// A secret was stored, generated, removed or imported.
    SecretsChanged,
}

/// The one owner of an open project. Cheap to clone (shared).
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("root", &self.project().root()).finish_non_exhaustive()
    }
}

struct Inner {
    options: OpenOptions,
    current: RwLock<Current>,
    /// The engine the session runs on; switched in place by `switch_engine` (the window's engine choice).
    target: RwLock<engine_choice::EngineTarget>,
    engine: engine::EngineSlot,
    operation: operation::OperationSlot,
    logs: logs::LogsSlot,
    terminals: terminals::TerminalsSlot,
    volume_job: volumes::VolumeJobSlot,
    reviewed_plan: Mutex<Option<crate::region::RegionPlan>>,
    /// The diagnostics bundle built last (masked), kept until it is saved or built again.
    diagnostics: Mutex<Option<Arc<crate::diagnostics::Bundle>>>,
    events: broadcast::Sender<SessionEvent>,
    watcher: Mutex<Option<files::FileWatcher>>,
    /// The task sending this session's events to the window (replaced by each `forward_events`).
    forward: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Operations starting and ending, for the attention follow.
    operations: broadcast::Sender<operation::OperationNote>,
    /// The attention follow (the tray and notifications), replaced by each `follow_attention`.
    attention: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.forward).take() {
            task.abort();
        }
        if let Some(task) = lock(&self.attention).take() {
            task.abort();
        }
    }
}

struct Current {
    project: Arc<Project>,
    generation: u64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs blocking work (files, the keychain) off the async runtime's threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ErrorReport> + Send + 'static,
) -> Result<T, ErrorReport> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        ErrorReport::new(
            ErrorCode::Internal,
            format!("the request stopped unexpectedly ({e}): nothing more was done"),
        )
    })?
}

impl Session {
    /// Opens the project (reads its files; blocks) and resolves the engine endpoint once. Nothing is started:
    /// the supervisor starts when something first needs the engine.
    pub fn open(options: OpenOptions) -> Result<Session, ErrorReport> {
        Session::open_on(options, None)
    }

    /// [`Session::open`] on the engine named `engine` (a Docker context, or `default`); `None`: the engine the
    /// project remembers (`engines::choice`), else the Docker CLI's current context.
    pub fn open_on(options: OpenOptions, engine: Option<String>) -> Result<Session, ErrorReport> {
        let started = std::time::Instant::now();
        let project = Project::open(options.clone())?;
        let engine_name = engine.or_else(|| crate::engines::choice::remembered(project.root()));
        let target = engine_choice::EngineTarget::resolve(engine_name);
        tracing::debug!(
            project = project.name(),
            root = %project.root().display(),
            ms = started.elapsed().as_millis(),
            "project opened"
        );
        let (events, _) = broadcast::channel(64);
        Ok(Session {
            inner: Arc::new(Inner {
                options,
                current: RwLock::new(Current { project: Arc::new(project), generation: 0 }),
                target: RwLock::new(target),
                engine: engine::EngineSlot::default(),
                operation: operation::OperationSlot::default(),
                logs: logs::LogsSlot::default(),
                terminals: terminals::TerminalsSlot::default(),
                volume_job: volumes::VolumeJobSlot::default(),
                reviewed_plan: Mutex::new(None),
                diagnostics: Mutex::new(None),
                events,
                watcher: Mutex::new(None),
                forward: Mutex::new(None),
                operations: broadcast::channel(16).0,
                attention: Mutex::new(None),
            }),
        })
    }

    /// The project as its files are now.
    pub fn project(&self) -> Arc<Project> {
        Arc::clone(&self.inner.current.read().unwrap_or_else(|e| e.into_inner()).project)
    }

    /// How many times the files were read again since the session opened.
    pub fn generation(&self) -> u64 {
        self.inner.current.read().unwrap_or_else(|e| e.into_inner()).generation
    }

    /// Listens to what the session tells (file changes, secret changes).
    pub fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.inner.events.subscribe()
    }

    /// Sends every event from now on to `sink` (until it returns false), replacing an earlier forward.
    /// Needs a Tokio runtime.
    pub fn forward_events(&self, sink: impl Fn(SessionEvent) -> bool + Send + 'static) {
        let mut events = self.subscribe();
        let task = tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => {
                        if !sink(event) {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                }
            }
        });
        if let Some(old) = lock(&self.inner.forward).replace(task) {
            old.abort();
        }
    }

    fn tell(&self, event: SessionEvent) {
        let _ = self.inner.events.send(event);
    }

    pub fn overview(&self) -> ProjectOverview {
        self.project().overview()
    }

    /// The profiles a request works on: exactly the ones asked for, each of which must exist
    /// (`UNKNOWN_PROFILE`). None asked for means none: only the services without a profile (as Compose does, and
    /// as the window means when every chip is off).
    pub fn profiles(&self, requested: &[String]) -> Result<Vec<String>, ErrorReport> {
        let project = self.project();
        let known = project.profile_names();
        if let Some(unknown) = requested.iter().find(|p| !known.contains(p)) {
            return Err(ErrorReport::new(
                ErrorCode::UnknownProfile,
                format!("unknown profile `{unknown}`; this project's profiles are: {}", known.join(", ")),
            ));
        }
        Ok(requested.to_vec())
    }

    /// The CLI's reading of `--profile`: the profiles given, else the project's default selection
    /// (`COMPOSE_PROFILES`, then the stack's defaults). Checked later by [`Session::profiles`].
    pub fn requested_or_default(&self, requested: &[String]) -> Vec<String> {
        if requested.is_empty() {
            self.project().default_selection()
        } else {
            requested.to_vec()
        }
    }

    /// What a selection starts (see [`Project::report_with_keychain`]): variables held in the project's
    /// keychain count as set; an unreadable keychain keeps the warnings and never fails the report.
    pub async fn report(&self, profiles: &[String]) -> Result<SelectionReport, ErrorReport> {
        let profiles = self.profiles(profiles)?;
        let project = self.project();
        let started = std::time::Instant::now();
        let report = blocking(move || {
            let held = crate::secrets::held_names(crate::secrets::Keychain::open(project.root()));
            Ok(project.report_with_keychain(&profiles, &held)?)
        })
        .await;
        tracing::debug!(ms = started.elapsed().as_millis(), "selection report made");
        report
    }

    /// Starts watching the project's files: on a change the project is read again and every listener gets
    /// [`SessionEvent::ProjectChanged`] (or `ProjectInvalid`, keeping the last good state). Needs a Tokio
    /// runtime. Watching again replaces the watch (the files in use may have changed).
    pub fn watch_files(&self) -> Result<(), ErrorReport> {
        let project = self.project();
        let mut in_use: std::collections::BTreeSet<_> = project.compose_files().into_iter().collect();
        for profile in project.profile_names() {
            in_use.extend(project.files_for(&[profile]).0);
        }
        if let Some(env) = &project.environment().env_file().path {
            in_use.insert(env.clone());
        }
        let weak = Arc::downgrade(&self.inner);
        let watcher = files::FileWatcher::start(project.root(), in_use, move || {
            if let Some(inner) = weak.upgrade() {
                let session = Session { inner };
                tokio::spawn(async move { session.reload().await });
            }
        })
        .map_err(|message| ErrorReport::new(ErrorCode::FileUnreadable, message))?;
        *lock(&self.inner.watcher) = Some(watcher);
        Ok(())
    }

    /// Reads the project's files again (what the watch does on a change; the window's Reload too).
    pub async fn reload(&self) {
        let options = self.inner.options.clone();
        match blocking(move || Ok(Project::open(options)?)).await {
            Ok(project) => {
                let generation = {
                    let mut current = self.inner.current.write().unwrap_or_else(|e| e.into_inner());
                    current.project = Arc::new(project);
                    current.generation += 1;
                    current.generation
                };
                self.project_changed().await;
                if lock(&self.inner.watcher).is_some() {
                    // The files in use may be others now (a new override file, COMPOSE_FILE in .env).
                    let _ = self.watch_files();
                }
                self.tell(SessionEvent::ProjectChanged { generation });
            }
            Err(error) => self.tell(SessionEvent::ProjectInvalid { error }),
        }
    }
}

#[cfg(test)]
mod tests;
