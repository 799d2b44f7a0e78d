//! What a finished operation says in a notification: a Start/Stop/Restart/Remove… (through Compose) or a region
//! apply, succeeded or failed. The texts name the operation, what it was about and, on failure, the failing
//! service or the error's message (written for the window, secret-free); never Compose's own output.

use std::time::Duration;

use crate::error::{ErrorCode, ErrorReport};
use crate::lifecycle::{OpKind, OperationResult, Outcome};
use crate::region::AppliedRegion;

/// How an operation of the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationEnd {
    Succeeded {
        title: String,
        body: String,
    },
    Failed {
        title: String,
        body: String,
    },
    /// Cancelled on request: nothing to tell.
    Cancelled,
}

/// The operation as a verb: under way ("Starting") and done ("Started"), as the window says it.
fn verbs(op: OpKind) -> (&'static str, &'static str) {
    match op {
        OpKind::Up | OpKind::Start => ("Starting", "Started"),
        OpKind::Stop => ("Stopping", "Stopped"),
        OpKind::Restart => ("Restarting", "Restarted"),
        OpKind::Down => ("Removing", "Removed"),
        OpKind::Pull => ("Pulling", "Pulled"),
        OpKind::Build => ("Building", "Built"),
    }
}

/// "42 s", "2 min 05 s".
fn took(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s} s")
    } else {
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

/// The first line of an error message, at most 160 characters.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= 160 {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(159).collect::<String>())
    }
}

impl OperationEnd {
    /// A lifecycle operation on `profiles` (or just `services`) of `project`.
    pub fn of_lifecycle(
        project: &str,
        op: OpKind,
        profiles: &[String],
        services: &[String],
        result: &Result<OperationResult, ErrorReport>,
    ) -> OperationEnd {
        let (doing, done) = verbs(op);
        let target = if op == OpKind::Down {
            "the project".to_string()
        } else if !services.is_empty() {
            services.join(", ")
        } else if !profiles.is_empty() {
            profiles.join(", ")
        } else {
            "the default services".to_string()
        };
        let failed = |body: String| OperationEnd::Failed { title: format!("{doing} {target} failed"), body };
        match result {
            Err(e) => failed(format!("{project}: {}", first_line(&e.message))),
            Ok(r) => match r.outcome {
                Outcome::Cancelled => OperationEnd::Cancelled,
                Outcome::Succeeded => {
                    let volumes = match r.removed_volumes.len() {
                        0 => String::new(),
                        1 => " and its volume".to_string(),
                        n => format!(" and its {n} volumes"),
                    };
                    OperationEnd::Succeeded {
                        title: format!("{done} {target}{volumes}"),
                        body: format!(
                            "{project}: took {}",
                            took(Duration::from_millis(r.duration_ms.into()))
                        ),
                    }
                }
                Outcome::TimedOut => failed(match r.failure.as_ref().and_then(|f| f.service.as_deref()) {
                    Some(service) => format!("{project}: {service} was not healthy in time"),
                    None => format!("{project}: the services were not healthy in time"),
                }),
                Outcome::Failed => failed(match r.failure.as_ref() {
                    Some(f) if f.service.is_some() => {
                        let service = f.service.as_deref().unwrap_or_default();
                        let what = match (f.health, f.state) {
                            (Some(crate::engine::Health::Unhealthy), _) => "is unhealthy".to_string(),
                            (_, Some(crate::engine::RunState::Exited)) => "exited".to_string(),
                            (_, Some(crate::engine::RunState::Dead)) => "is dead".to_string(),
                            _ => "failed".to_string(),
                        };
                        format!("{project}: {service} {what}")
                    }
                    _ => match r.exit_code {
                        Some(code) => format!("{project}: Compose failed (exit code {code})"),
                        None => format!("{project}: Compose failed"),
                    },
                }),
            },
        }
    }

    /// A region apply of `region` in `project` (a failed one was rolled back).
    pub fn of_region_apply(
        project: &str,
        region: &str,
        result: &Result<AppliedRegion, ErrorReport>,
    ) -> OperationEnd {
        match result {
            Ok(applied) => OperationEnd::Succeeded {
                title: format!("Created region {region}"),
                body: format!("{project}: took {}", took(Duration::from_millis(applied.elapsed_ms.into()))),
            },
            Err(e) if e.code == ErrorCode::RegionApplyCancelled => OperationEnd::Cancelled,
            Err(e) => OperationEnd::Failed {
                title: format!("Creating region {region} failed"),
                body: format!("{project}: {}", first_line(&e.message)),
            },
        }
    }
}

#[cfg(test)]
#[path = "operation_tests.rs"]
mod tests;
