//! The doctor through the session: gathers the facts at once — the engine's answers and clock, both Compose
//! versions, the keychain, the preflight of the selection and its static findings — and lets
//! [`crate::doctor::assess`] judge them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Session;
use crate::doctor::{self, DoctorReport, EngineFacts, Facts};
use crate::engine::logs::parse_rfc3339;
use crate::engine::EngineOps;
use crate::error::ErrorReport;
use crate::face::Face;
use crate::lifecycle::{self, RunOptions};

/// How long the engine's `/info` may take.
const INFO_TIMEOUT: Duration = Duration::from_secs(5);

fn now_ms() -> i128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i128)
}

impl Session {
    /// Every check of the doctor for `profiles` (empty: the project's default selection), its fixes worded
    /// for `face`. Only an unknown profile is an error; anything wrong with the machine is a failing check.
    pub async fn doctor(&self, profiles: &[String], face: Face) -> Result<DoctorReport, ErrorReport> {
        let profiles = self.profiles(profiles)?;
        let endpoint = match self.endpoint() {
            Ok(e) => e.to_string(),
            Err(e) => e.message.clone(),
        };
        let options = self.endpoint().map(RunOptions::new);
        let compose = async {
            match &options {
                Ok(options) => lifecycle::compose_installed(options).await,
                Err(e) => lifecycle::ComposeInstalled {
                    v2: Err(e.message.clone()),
                    v1: Err(e.message.clone()),
                    chosen: Err(e.message.clone()),
                },
            }
        };
        let (engine, compose, environment, preflight, selection) = tokio::join!(
            self.engine_facts(),
            compose,
            self.environment(&profiles),
            self.preflight(&profiles, &[], None),
            self.report(&profiles),
        );
        let keychain = match environment {
            Ok(state) => state.catalog.keychain,
            Err(e) => crate::secrets::catalog::KeychainStatus {
                available: false,
                service: crate::secrets::keychain::service_for(self.project().root()),
                code: Some(e.code),
                message: Some(e.message),
                window_message: e.window,
            },
        };
        Ok(doctor::assess(&Facts {
            face,
            project: self.project().name().to_string(),
            profiles,
            endpoint,
            engine,
            compose_v2: compose.v2,
            compose_v1: compose.v1,
            compose_chosen: compose.chosen,
            keychain,
            preflight,
            selection: selection.map(|r| r.warnings),
        }))
    }

    /// The engine's versions, `/info` and clock skew, or why it cannot be reached.
    async fn engine_facts(&self) -> Result<EngineFacts, String> {
        let handle = self.engine_ready().await.map_err(|e| e.message)?;
        let connection = handle.snapshot().connection;
        let mut facts = EngineFacts {
            version: connection.engine_version,
            api_version: connection.api_version,
            ..EngineFacts::default()
        };
        let Ok(engine) = handle.connected().await else { return Ok(facts) };
        let sent = now_ms();
        if let Ok(info) = engine.with_timeout(INFO_TIMEOUT).info().await {
            let middle = (sent + now_ms()) / 2;
            facts.skew_ms = info
                .system_time
                .as_deref()
                .and_then(parse_rfc3339)
                .and_then(|nanos| i64::try_from(i128::from(nanos) / 1_000_000 - middle).ok());
            facts.info = Some(info);
        }
        Ok(facts)
    }
}
