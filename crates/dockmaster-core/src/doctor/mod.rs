//! Doctor: what stands between this machine and the project's stack — engine, Compose, keychain, memory, disk,
//! the engine's clock, host ports, the selection's static problems and its variables — each check ok, warning or
//! failing with the fix in words. The session gathers the facts (`session/doctor.rs`); this module only judges
//! them, so every rule is a unit test.

mod checks;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::engine::ops::EngineInfo;
use crate::error::{ErrorCode, ErrorReport};
use crate::face::Face;
use crate::lifecycle::{ComposeInfo, PreflightReport};
use crate::report::Warning;
use crate::secrets::catalog::KeychainStatus;

/// A clock this far from the engine's is worth a warning (TLS certificates, tokens and log times disagree)…
pub const SKEW_WARN_MS: u64 = 2_000;
/// …and this far, a failure (signed tokens are refused, TLS handshakes fail).
pub const SKEW_FAIL_MS: u64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum CheckStatus {
    Ok,
    Warning,
    Failing,
}

/// What a check looks at, in the order the report lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum CheckId {
    Engine,
    Compose,
    Keychain,
    Memory,
    Disk,
    Clock,
    Ports,
    /// Images and bind sources on a remote engine (present only when the preflight found a problem there).
    Remote,
    Selection,
    Variables,
}

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Check {
    pub id: CheckId,
    pub status: CheckStatus,
    /// One line: what was found (`Docker 24.0.7, API 1.43, overlay2 at unix:///var/run/docker.sock`).
    pub summary: String,
    /// One line per problem found, or further facts.
    pub details: Vec<String>,
    /// How to fix it, in words (warning and failing only).
    pub fix: Option<String>,
    /// The error behind a failure when the window offers a button for it (`KEYCHAIN_LOCKED`: Unlock).
    pub code: Option<ErrorCode>,
}

/// Every check, and the counts a script or a badge needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DoctorReport {
    pub project: String,
    pub profiles: Vec<String>,
    pub checks: Vec<Check>,
    pub failing: u32,
    pub warnings: u32,
}

impl DoctorReport {
    /// No check is failing (warnings allowed).
    pub fn ok(&self) -> bool {
        self.failing == 0
    }
}

/// What the engine said, when it answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineFacts {
    pub version: Option<String>,
    pub api_version: Option<String>,
    pub info: Option<EngineInfo>,
    /// Engine clock minus this machine's (ms), measured at the middle of the request.
    pub skew_ms: Option<i64>,
}

/// Everything the doctor judges, gathered by the session.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Who reads the report: fixes name the window's buttons or the terminal's commands.
    pub face: Face,
    pub project: String,
    pub profiles: Vec<String>,
    /// The endpoint as shown (`unix:///var/run/docker.sock (default socket)`).
    pub endpoint: String,
    /// The engine's answers, or why it cannot be reached (with what to start).
    pub engine: Result<EngineFacts, String>,
    /// Each Compose version on this machine, and the one a lifecycle operation would run.
    pub compose_v2: Result<ComposeInfo, String>,
    pub compose_v1: Result<ComposeInfo, String>,
    pub compose_chosen: Result<ComposeInfo, String>,
    pub keychain: KeychainStatus,
    /// What `up` would check first (ports, variables, memory, disk), or why it could not be checked.
    pub preflight: Result<PreflightReport, ErrorReport>,
    /// The selection's static findings (the Compose files as written).
    pub selection: Result<Vec<Warning>, ErrorReport>,
}

/// Judges the facts: one check per [`CheckId`] (the clock only when the engine answered).
pub fn assess(facts: &Facts) -> DoctorReport {
    let face = facts.face;
    let mut list =
        vec![checks::engine(facts), checks::compose(facts), checks::keychain(&facts.keychain, face)];
    list.extend(checks::resources(&facts.preflight, face));
    list.extend(checks::clock(&facts.engine));
    list.push(checks::ports(&facts.preflight, face));
    list.extend(checks::remote(&facts.preflight, face));
    list.push(checks::selection(&facts.selection));
    list.push(checks::variables(&facts.preflight, face));
    let count =
        |s: CheckStatus| u32::try_from(list.iter().filter(|c| c.status == s).count()).unwrap_or(u32::MAX);
    DoctorReport {
        project: facts.project.clone(),
        profiles: facts.profiles.clone(),
        failing: count(CheckStatus::Failing),
        warnings: count(CheckStatus::Warning),
        checks: list,
    }
}
