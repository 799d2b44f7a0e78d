//! Preflight before `up`: the engine answers, Compose is there, every published host port is free (or the
//! holder and the variable that moves it are named), required variables are set and valid (the keychain
//! counts), the selection has no static error, and the host has the memory and disk the selection needs.
//!
//! Split by concern: `holders.rs` (who holds a published host port), `variables.rs` (required and valid
//! variables, with the remedies "Fix and start" applies), `resources.rs` (memory and disk; a remote engine's
//! memory from its `info`, its disk not measured), `remote.rs` (on a remote engine: bind sources that must exist
//! on its host, images that must be on it).

mod holders;
mod remote;
mod resources;
mod variables;

use std::time::Duration;

use super::types::{ComposeInfo, PreflightCode, PreflightIssue, PreflightReport};
use crate::engine::error::START_HINT;
use crate::engine::{DockerEngine, Endpoint};
use crate::project::{Project, Resolved};
use crate::report::{Severity, WarningCode};
use crate::secrets::catalog::{Catalog, VariableSource};
use crate::secrets::rules::Level;

pub use resources::{parse_mib, DISK_BLOCK_MIB, DISK_WARN_MIB, MEMORY_FLOOR_MIB};

const ENGINE_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything the preflight looks at, gathered by the caller.
pub struct Input<'a> {
    pub project: &'a Project,
    pub profiles: &'a [String],
    pub resolved: &'a Resolved,
    /// The services started (the ones asked for and their dependencies), in model order.
    pub involved: &'a [String],
    /// Services were named explicitly (else the whole selection is started).
    pub explicit: bool,
    pub compose: Result<ComposeInfo, String>,
    /// The engine's client, or why it cannot be reached.
    pub engine: Result<DockerEngine, String>,
    pub endpoint: &'a Endpoint,
    /// The variable catalog (with the keychain's view), if it could be built.
    pub catalog: Option<&'a Catalog>,
}

/// A problem whose fix reads the same in both faces.
fn issue(code: PreflightCode, message: String, fix: String) -> PreflightIssue {
    PreflightIssue {
        code,
        message,
        window_fix: fix.clone(),
        fix,
        remedy: None,
        service: None,
        variable: None,
        rule: None,
        port: None,
        holder: None,
    }
}

pub async fn check(input: Input<'_>) -> PreflightReport {
    let mut problems: Vec<PreflightIssue> = Vec::new();
    let mut warnings: Vec<PreflightIssue> = Vec::new();

    if let Err(why) = &input.engine {
        problems.push(issue(
            PreflightCode::EngineUnavailable,
            format!("The Docker engine is unavailable: {why}"),
            START_HINT.to_string(),
        ));
    }
    if let Err(why) = &input.compose {
        problems.push(issue(
            PreflightCode::ComposeMissing,
            why.clone(),
            super::error::INSTALL_HINT.to_string(),
        ));
    }
    selection(&input, &mut problems);
    let ports_checked = holders::check_ports(&input, &mut problems).await;
    remote::check(&input, &mut problems, &mut warnings).await;
    variables::check(&input, &mut problems, &mut warnings);
    let memory = resources::memory(&input, &mut problems, &mut warnings).await;
    let disk = resources::disk(&input, &mut problems, &mut warnings).await;

    PreflightReport {
        project: input.project.name().to_string(),
        profiles: input.profiles.to_vec(),
        services: input.involved.to_vec(),
        compose: input.compose.ok(),
        ok: problems.is_empty(),
        problems,
        warnings,
        ports_checked,
        memory,
        disk,
    }
}

/// The selection's error-level static warnings (dangling `depends_on`, `${VAR:?}` unset, two services on
/// one host port…): Compose would refuse them.
fn selection(input: &Input<'_>, problems: &mut Vec<PreflightIssue>) {
    // Variables the keychain holds reach Compose's child: the report must not call them unset.
    let held: Vec<String> = input
        .catalog
        .map(|c| {
            c.groups
                .iter()
                .flat_map(|g| &g.variables)
                .filter(|v| v.source == VariableSource::Keychain)
                .map(|v| v.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let Ok(report) = input.project.report_with_keychain(input.profiles, &held) else { return };
    for w in report.warnings.iter().filter(|w| w.severity == Severity::Error) {
        if !w.services.is_empty() && !w.services.iter().any(|s| input.involved.contains(s)) {
            continue;
        }
        // The variable checks below say the same with the rule and the fix.
        if w.code == WarningCode::RequiredVariableUnset
            && w.variables.iter().all(|v| {
                input
                    .catalog
                    .and_then(|c| c.variable(v))
                    .is_some_and(|v| v.findings.iter().any(|f| f.level == Level::Error))
            })
        {
            continue;
        }
        let mut i = issue(
            PreflightCode::SelectionInvalid,
            w.message.clone(),
            w.hint.clone().unwrap_or_else(|| "Fix the Compose file or the selection.".into()),
        );
        i.service = w.services.first().cloned();
        i.variable = w.variables.first().cloned();
        problems.push(i);
    }
}
