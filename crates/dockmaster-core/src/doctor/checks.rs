//! One function per check: facts in, a [`Check`] out.

use super::{Check, CheckId, CheckStatus, EngineFacts, Facts, SKEW_FAIL_MS, SKEW_WARN_MS};
use crate::error::{ErrorCode, ErrorReport};
use crate::face::{Face, Step};
use crate::lifecycle::{ComposeInfo, PreflightCode, PreflightIssue, PreflightReport, ResourceCheck};
use crate::report::{Severity, Warning};
use crate::secrets::catalog::KeychainStatus;

fn check(id: CheckId, status: CheckStatus, summary: impl Into<String>) -> Check {
    Check { id, status, summary: summary.into(), details: Vec::new(), fix: None, code: None }
}

/// A check that could not be made because the preflight itself could not run (unknown profile, …).
fn not_checked(id: CheckId, error: &ErrorReport) -> Check {
    Check {
        code: Some(error.code),
        ..check(id, CheckStatus::Failing, format!("Not checked: {}", error.message))
    }
}

/// The preflight's issues of `codes`, problems first: the status they give, one detail line each and the
/// distinct fixes joined, worded for `face` (the window's buttons, the terminal's commands).
fn from_issues(mut base: Check, report: &PreflightReport, codes: &[PreflightCode], face: Face) -> Check {
    let fix_of = |i: &PreflightIssue| match face {
        Face::Cli => i.fix.clone(),
        Face::Window => i.window_fix.clone(),
    };
    let problems: Vec<&PreflightIssue> = report.problems.iter().filter(|i| codes.contains(&i.code)).collect();
    let warnings: Vec<&PreflightIssue> = report.warnings.iter().filter(|i| codes.contains(&i.code)).collect();
    base.status = if !problems.is_empty() {
        CheckStatus::Failing
    } else if !warnings.is_empty() {
        CheckStatus::Warning
    } else {
        return base;
    };
    let issues: Vec<&PreflightIssue> = problems.into_iter().chain(warnings).collect();
    let shared = issues.iter().all(|i| fix_of(i) == fix_of(issues[0]));
    for issue in &issues {
        let holder =
            issue.holder.as_ref().map(|h| format!(" (held by {})", h.description)).unwrap_or_default();
        let fix = if shared { String::new() } else { format!(" Fix: {}", fix_of(issue)) };
        base.details.push(format!("{}{holder}{fix}", issue.message));
    }
    base.fix = Some(if shared { fix_of(issues[0]) } else { "Each line above says how to fix it.".into() });
    base
}

/// How the reader runs the doctor again.
fn again(face: Face) -> &'static str {
    match face {
        Face::Cli => "run `dockmaster doctor` again",
        Face::Window => "press Check again",
    }
}

pub(super) fn engine(facts: &Facts) -> Check {
    match &facts.engine {
        Ok(EngineFacts { version, api_version, info, .. }) => {
            let unknown = || "?".to_string();
            let mut c = check(
                CheckId::Engine,
                CheckStatus::Ok,
                format!(
                    "Docker {} (API {}) at {}",
                    version.clone().unwrap_or_else(unknown),
                    api_version.clone().unwrap_or_else(unknown),
                    facts.endpoint
                ),
            );
            if let Some(info) = info {
                let driver = info.storage_driver.clone().unwrap_or_else(unknown);
                let root = info.data_root.clone().unwrap_or_else(unknown);
                c.details.push(format!("storage driver {driver}, data root {root}"));
                if let Some(os) = &info.operating_system {
                    let kernel =
                        info.kernel_version.as_deref().map(|k| format!(", kernel {k}")).unwrap_or_default();
                    c.details.push(format!("host {os}{kernel}"));
                }
                if let (Some(cpus), Some(mem)) = (info.cpus, info.memory_bytes) {
                    c.details.push(format!("{cpus} CPUs, {} MiB of memory", mem / (1024 * 1024)));
                }
            }
            c
        }
        Err(reason) => Check {
            fix: Some(format!(
                "Start the Docker engine (or choose one that runs), then {}.",
                again(facts.face)
            )),
            code: Some(ErrorCode::EngineUnavailable),
            ..check(
                CheckId::Engine,
                CheckStatus::Failing,
                format!("No engine at {}: {reason}", facts.endpoint),
            )
        },
    }
}

fn compose_line(name: &str, found: &Result<ComposeInfo, String>) -> String {
    match found {
        Ok(info) => format!("{name} {} ({})", info.version, info.command.join(" ")),
        Err(_) => format!("{name} not installed"),
    }
}

pub(super) fn compose(facts: &Facts) -> Check {
    let details =
        vec![compose_line("Compose v2", &facts.compose_v2), compose_line("Compose v1", &facts.compose_v1)];
    match &facts.compose_chosen {
        Ok(info) => Check {
            details,
            ..check(
                CheckId::Compose,
                CheckStatus::Ok,
                format!("Compose {} runs the stack ({}, {})", info.version, flavor(info), info.chosen_by),
            )
        },
        Err(reason) => Check {
            details,
            fix: Some(
                "Install Docker Compose: the `docker-compose-plugin` (v2, `docker compose`) or `docker-compose` (v1) \
                 package."
                    .into(),
            ),
            code: Some(ErrorCode::ComposeNotFound),
            ..check(CheckId::Compose, CheckStatus::Failing, format!("No usable Compose: {reason}"))
        },
    }
}

fn flavor(info: &ComposeInfo) -> &'static str {
    match info.flavor {
        crate::lifecycle::Flavor::V1 => "v1",
        crate::lifecycle::Flavor::V2 => "v2",
    }
}

pub(super) fn keychain(status: &KeychainStatus, face: Face) -> Check {
    if status.available {
        return check(
            CheckId::Keychain,
            CheckStatus::Ok,
            format!("Reachable and unlocked (secrets under `{}`)", status.service),
        );
    }
    let message = status.message.clone().unwrap_or_else(|| "it cannot be read".into());
    let step = match status.code {
        Some(ErrorCode::KeychainLocked) => Some(Step::UnlockKeychain),
        Some(ErrorCode::KeychainNoCollection) => Some(Step::CreateKeychain),
        _ => None,
    };
    let fix = match step {
        Some(step) => format!("{}, then {}.", crate::face::capitalized(&step.run(face)), again(face)),
        None => format!("Start a Secret Service (e.g. gnome-keyring) and unlock it, then {}.", again(face)),
    };
    Check {
        fix: Some(fix),
        code: status.code,
        ..check(CheckId::Keychain, CheckStatus::Failing, format!("Not usable: {message}"))
    }
}

fn resource(id: CheckId, what: &str, found: Option<&ResourceCheck>) -> Check {
    match found {
        Some(r) => Check {
            details: vec![r.basis.clone()],
            ..check(
                id,
                CheckStatus::Ok,
                format!(
                    "{} MiB {what} available, the selection needs about {} MiB",
                    r.available_mib, r.needed_mib
                ),
            )
        },
        None => check(id, CheckStatus::Warning, format!("The {what} could not be measured")),
    }
}

/// Memory and disk.
pub(super) fn resources(preflight: &Result<PreflightReport, ErrorReport>, face: Face) -> [Check; 2] {
    match preflight {
        Ok(p) => [
            from_issues(
                resource(CheckId::Memory, "memory", p.memory.as_ref()),
                p,
                &[PreflightCode::MemoryLow],
                face,
            ),
            disk(p, face),
        ],
        Err(e) => [not_checked(CheckId::Memory, e), not_checked(CheckId::Disk, e)],
    }
}

/// The disk: measured on this machine, or said to be not measured on a remote engine.
fn disk(p: &PreflightReport, face: Face) -> Check {
    let c = from_issues(
        resource(CheckId::Disk, "disk", p.disk.as_ref()),
        p,
        &[PreflightCode::DiskLow, PreflightCode::DiskUnmeasured],
        face,
    );
    if p.disk.is_none() && p.warnings.iter().any(|w| w.code == PreflightCode::DiskUnmeasured) {
        return Check { summary: "Free disk space is not measured on a remote engine".into(), ..c };
    }
    c
}

/// The engine's clock against this machine's; only when the engine answered with its time.
pub(super) fn clock(engine: &Result<EngineFacts, String>) -> Option<Check> {
    let skew = engine.as_ref().ok()?.skew_ms?;
    let off = skew.unsigned_abs();
    let side = if skew > 0 { "ahead of" } else { "behind" };
    let (status, summary) = if off < SKEW_WARN_MS {
        (CheckStatus::Ok, format!("The engine's clock agrees with this machine's ({skew:+} ms)"))
    } else {
        let status = if off < SKEW_FAIL_MS { CheckStatus::Warning } else { CheckStatus::Failing };
        (status, format!("The engine's clock is {:.1} s {side} this machine's", off as f64 / 1000.0))
    };
    let mut c = check(CheckId::Clock, status, summary);
    if status != CheckStatus::Ok {
        c.fix = Some(
            "Synchronise both clocks (e.g. enable NTP with `timedatectl set-ntp true` on the machine that is off)."
                .into(),
        );
    }
    Some(c)
}

pub(super) fn ports(preflight: &Result<PreflightReport, ErrorReport>, face: Face) -> Check {
    match preflight {
        Ok(p) => {
            let summary = match p.ports_checked.len() {
                0 => "The selection publishes no host port".to_string(),
                1 => "The selection's host port is free".to_string(),
                n => format!("The selection's {n} host ports are free"),
            };
            let mut free = check(CheckId::Ports, CheckStatus::Ok, summary);
            free.details = vec![p.ports_checked.join(", ")];
            let c = from_issues(free, p, &[PreflightCode::PortTaken], face);
            if c.status == CheckStatus::Ok {
                return c;
            }
            let taken = c.details.len() - 1;
            Check {
                summary: format!("{taken} of {} host ports are taken", p.ports_checked.len()),
                details: c.details[1..].to_vec(),
                ..c
            }
        }
        Err(e) => not_checked(CheckId::Ports, e),
    }
}

/// What the preflight found on a remote engine: images missing there, bind sources that do not exist on that
/// host (or could not be checked). Only when it found something: a local engine has nothing to say here.
pub(super) fn remote(preflight: &Result<PreflightReport, ErrorReport>, face: Face) -> Option<Check> {
    let p = preflight.as_ref().ok()?;
    let codes =
        [PreflightCode::ImageMissing, PreflightCode::BindSourceMissing, PreflightCode::BindSourceUnchecked];
    let base = check(CheckId::Remote, CheckStatus::Ok, "");
    let c = from_issues(base, p, &codes, face);
    (c.status != CheckStatus::Ok).then(|| Check {
        summary: format!("{} problem(s) with images or bind sources on the engine", c.details.len()),
        ..c
    })
}

pub(super) fn selection(found: &Result<Vec<Warning>, ErrorReport>) -> Check {
    let warnings = match found {
        Ok(w) => w,
        Err(e) => return not_checked(CheckId::Selection, e),
    };
    let errors: Vec<&Warning> = warnings.iter().filter(|w| w.severity == Severity::Error).collect();
    let cautions: Vec<&Warning> = warnings.iter().filter(|w| w.severity == Severity::Warning).collect();
    let (status, summary) = match (errors.len(), cautions.len()) {
        (0, 0) => (CheckStatus::Ok, "No problem in the Compose files for this selection".to_string()),
        (0, n) => (CheckStatus::Warning, format!("{n} warning(s) in the Compose files for this selection")),
        (n, _) => (CheckStatus::Failing, format!("{n} error(s) in the Compose files for this selection")),
    };
    let shown: Vec<&Warning> = errors.iter().chain(&cautions).copied().collect();
    let mut fixes: Vec<String> = Vec::new();
    for hint in shown.iter().filter_map(|w| w.hint.clone()) {
        if !fixes.contains(&hint) {
            fixes.push(hint);
        }
    }
    Check {
        details: shown.iter().map(|w| w.message.clone()).collect(),
        fix: (!fixes.is_empty()).then(|| fixes.join(" ")),
        ..check(CheckId::Selection, status, summary)
    }
}

pub(super) fn variables(preflight: &Result<PreflightReport, ErrorReport>, face: Face) -> Check {
    match preflight {
        Ok(p) => {
            let c = from_issues(
                check(CheckId::Variables, CheckStatus::Ok, "Every required variable is set and valid"),
                p,
                &[PreflightCode::VariableInvalid, PreflightCode::KeychainUnavailable],
                face,
            );
            match c.status {
                CheckStatus::Ok => c,
                _ => Check { summary: format!("{} variable problem(s)", c.details.len()), ..c },
            }
        }
        Err(e) => not_checked(CheckId::Variables, e),
    }
}
