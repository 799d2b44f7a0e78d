//! The diagnostics bundle through the session: versions, the doctor's checks, the selection's configuration
//! (secret-named values removed), the project's engine events of the last hour and each container's last log
//! lines — masked with every secret the project knows (see [`crate::diagnostics`]).

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
