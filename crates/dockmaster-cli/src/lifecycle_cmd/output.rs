//! Output shared by the lifecycle subcommands: JSON lines, the preflight and drift reports, the volumes
//! `down --volumes` deletes.

use std::io::Write;

use dockmaster_core::lifecycle::{DriftReport, OperationResult, PreflightReport, VolumeToDelete};
use dockmaster_core::ErrorReport;
use serde::Serialize;

/// One JSON line that is not an event: the result, or why there is none.
#[derive(Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub(super) enum Line<'a> {
    Result {
        result: &'a OperationResult,
    },
    Error {
        error: ErrorReport,
        #[serde(skip_serializing_if = "Option::is_none")]
        preflight: Option<&'a PreflightReport>,
        #[serde(skip_serializing_if = "Option::is_none")]
        volumes: Option<&'a [String]>,
        /// With `volumes`: why each is listed, in the same order.
        #[serde(skip_serializing_if = "Option::is_none")]
        details: Option<&'a [VolumeToDelete]>,
    },
}

pub(super) fn json_line(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    let text = serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"kind\":\"error\",\"error\":{{\"code\":\"INTERNAL\",\"message\":\"cannot encode JSON: {e}\"}}}}"));
    let _ = writeln!(out, "{text}").and_then(|_| out.flush());
}

pub(super) fn plain(v: &impl Serialize) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// A report as one JSON line, or `print`'s text.
pub(super) fn answer<T: Serialize>(report: &T, json: bool, print: fn(&T)) {
    if json {
        json_line(report);
    } else {
        print(report);
    }
}

/// The volumes `down --volumes` deletes, one per line with why, those not created by the project's Compose
/// flagged loudly (on stderr: it goes with a refusal or a confirmation).
pub(super) fn print_volumes(details: &[VolumeToDelete]) {
    let width = details.iter().map(|d| d.name.len()).max().unwrap_or(0);
    for d in details {
        eprintln!("  {:<width$}  {}", d.name, d.reason);
        if let Some(w) = &d.warning {
            eprintln!("  {:<width$}  ⚠ {w}", "");
        }
    }
}

pub(super) fn print_preflight(r: &PreflightReport) {
    println!(
        "Preflight for {} ({}): {} service(s){}",
        r.project,
        if r.profiles.is_empty() { "no profile".to_string() } else { r.profiles.join(", ") },
        r.services.len(),
        r.compose.as_ref().map(|c| format!(", Compose {} {}", c.flavor, c.version)).unwrap_or_default()
    );
    for p in &r.problems {
        println!("  ✖ {}", p.message);
        println!("      fix: {}", p.fix);
    }
    for w in &r.warnings {
        println!("  ! {}", w.message);
        println!("      fix: {}", w.fix);
    }
    if !r.ports_checked.is_empty() {
        println!("  host ports checked: {}", r.ports_checked.join(", "));
    }
    if let Some(m) = &r.memory {
        println!("  memory: needs ~{} MiB, {} MiB available ({})", m.needed_mib, m.available_mib, m.basis);
    }
    if let Some(d) = &r.disk {
        println!("  disk: {} MiB free ({})", d.available_mib, d.basis);
    }
    println!("{}", if r.ok { "✔ ready to start" } else { "✖ blocked" });
}

pub(super) fn print_drift(r: &DriftReport) {
    println!("Drift for {} (Compose {} {}):", r.project, r.compose.flavor, r.compose.version);
    if r.services.is_empty() {
        println!("  no running containers");
    }
    let header = ["SERVICE", "NEEDS RECREATE", "CONTAINERS", "NOTE"];
    let rows: Vec<Vec<String>> = r
        .services
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                if s.drift { "yes".into() } else { "no".into() },
                s.containers.join(", "),
                s.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        crate::table::print_table(&header, &rows);
    }
}
