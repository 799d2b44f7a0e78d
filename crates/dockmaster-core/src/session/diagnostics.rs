//! The diagnostics bundle through the session: versions, the doctor's checks, the selection's configuration
//! (secret-named values removed), the project's engine events of the last hour and each container's last log
//! lines, and the end of Dockmaster's own log — masked with every secret the project knows (see
//! [`crate::diagnostics`]).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{blocking, Session};
use crate::diagnostics::{redact_report, Bundle};
use crate::engine::ops::LabelFilter;
use crate::engine::{DockerEngine, EngineOps};
use crate::error::ErrorReport;
use crate::labels;
use crate::secrets::Masker;

/// How far back the engine's events go.
const EVENTS_SINCE: Duration = Duration::from_secs(3600);
/// How much of Dockmaster's own log goes in (its end).
pub const OWN_LOG_BYTES: usize = 256 * 1024;
/// How long each engine request may take.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(10);

impl Session {
    /// Gathers the bundle for `profiles` with the last `log_lines` lines of each of the project's containers.
    /// What cannot be gathered (no engine, a locked keychain) is said in the bundle's notes, never an error.
    pub async fn diagnostics(&self, profiles: &[String], log_lines: usize) -> Result<Bundle, ErrorReport> {
        let profiles = self.profiles(profiles)?;
        let project = self.project();
        let masker = blocking(move || Ok(Masker::gathered(&project))).await?;
        let mut bundle = Bundle::new(masker);

        let doctor = self.doctor(&profiles, crate::face::Face::Cli).await?;
        bundle.add_text(
            "versions.txt",
            "Dockmaster, this machine and the engine's address",
            &self.versions(),
        );
        bundle.add_json("doctor.json", "the doctor's checks (dockmaster doctor --json)", &doctor);
        let project = self.project();
        match self.report(&profiles).await {
            Ok(report) => bundle.add_json(
                "configuration.json",
                "the selection's merged Compose configuration, secret-named values removed",
                &redact_report(report, project.secret_policy()),
            ),
            Err(e) => bundle.note(format!("configuration: {}", e.message)),
        }
        own_log(&mut bundle);
        match self.engine_ready().await {
            Ok(handle) => match handle.connected().await {
                Ok(engine) => {
                    self.engine_entries(&engine.with_timeout(ENGINE_TIMEOUT), log_lines, &mut bundle).await
                }
                Err(e) => bundle.note(format!("engine events and logs: {e}")),
            },
            Err(e) => bundle.note(format!("engine events and logs: {}", e.message)),
        }
        Ok(bundle)
    }

    /// Builds the bundle as [`Session::diagnostics`] does and keeps it, so that what the window listed is
    /// exactly what [`Session::save_diagnostics`] writes.
    pub async fn prepare_diagnostics(
        &self,
        profiles: &[String],
        log_lines: usize,
    ) -> Result<crate::diagnostics::BundleContents, ErrorReport> {
        let bundle = self.diagnostics(profiles, log_lines).await?;
        let contents = bundle.contents();
        tracing::info!(
            project = self.project().name(),
            entries = contents.entries.len(),
            notes = contents.notes.len(),
            "diagnostics bundle built"
        );
        *super::lock(&self.inner.diagnostics) = Some(Arc::new(bundle));
        Ok(contents)
    }

    /// Writes the bundle [`Session::prepare_diagnostics`] built last to `path` (atomically).
    pub async fn save_diagnostics(
        &self,
        path: std::path::PathBuf,
    ) -> Result<crate::diagnostics::SavedBundle, ErrorReport> {
        let Some(bundle) = super::lock(&self.inner.diagnostics).clone() else {
            return Err(ErrorReport::new(
                crate::error::ErrorCode::DiagnosticsFailed,
                "no diagnostics bundle was prepared: build it first (Diagnostics bundle), then save it",
            ));
        };
        let saved = blocking(move || bundle.save(&path)).await?;
        tracing::info!(file = %saved.path, entries = saved.contents.entries.len(), "diagnostics bundle saved");
        Ok(saved)
    }

    fn versions(&self) -> String {
        let mut out = format!(
            "dockmaster {}\nos: {} {}\n",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        match self.endpoint() {
            Ok(endpoint) => out.push_str(&format!("endpoint: {endpoint}\n")),
            Err(e) => out.push_str(&format!("endpoint: {}\n", e.message)),
        }
        out
    }

    async fn engine_entries(&self, engine: &DockerEngine, log_lines: usize, bundle: &mut Bundle) {
        let project = self.project();
        let filter = LabelFilter::all().is(labels::COMPOSE_PROJECT, project.name());
        let since = SystemTime::now()
            .checked_sub(EVENTS_SINCE)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        match engine.recent_events(&filter, since).await {
            Ok(events) => {
                bundle.add_json("events.json", "the project's engine events of the last hour", &events)
            }
            Err(e) => bundle.note(format!("engine events: {}", e.message)),
        }
        let containers = match engine.list_containers(&filter, true).await {
            Ok(list) => list,
            Err(e) => {
                return bundle.note(format!("logs: the containers could not be listed ({})", e.message))
            }
        };
        if containers.is_empty() {
            bundle.note("logs: the project has no container on the engine");
        }
        for container in containers {
            let about = format!("the last {log_lines} log lines of container {}", container.name);
            match engine.container_logs(&container.id, log_lines).await {
                Ok(text) => bundle.add_container_text(&format!("logs/{}.log", container.name), &about, &text),
                Err(e) => bundle.note(format!("logs of {}: {}", container.name, e.message)),
            }
        }
    }
}

/// The end of Dockmaster's own log (masked again by the bundle), or a note saying why it is not there.
fn own_log(bundle: &mut Bundle) {
    let Some(dir) = crate::ownlog::folder() else {
        return bundle.note("Dockmaster's own log: no log folder (HOME is not set)");
    };
    match crate::ownlog::tail(&dir, OWN_LOG_BYTES) {
        Ok(Some(text)) => bundle.add_text(
            "dockmaster.log",
            &format!(
                "the end of Dockmaster's own log (at most {} KiB, from {})",
                OWN_LOG_BYTES / 1024,
                dir.display()
            ),
            &text,
        ),
        Ok(None) => bundle.note(format!("Dockmaster's own log: none yet in {}", dir.display())),
        Err(e) => bundle.note(format!("Dockmaster's own log: {} could not be read ({e})", dir.display())),
    }
}
