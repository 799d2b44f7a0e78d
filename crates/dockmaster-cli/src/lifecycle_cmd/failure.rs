//! A refused or failed lifecycle request as the CLI shows it: one JSON line (with the preflight's problems,
//! or the volumes and why each is listed), or the problems and the way out in words; its exit status.

use std::process::ExitCode;

use dockmaster_core::{ErrorDetail, ErrorReport};

use super::output::{json_line, print_preflight, print_volumes, Line};

/// A refusal: one JSON line (with the preflight's problems, or the volumes and why each is listed), or the
/// problems and the way out in words.
pub(super) fn error(json: bool, e: &ErrorReport) -> ExitCode {
    let (preflight, volumes, details, confirmed) = match e.detail.as_deref() {
        Some(ErrorDetail::Preflight { report }) => (Some(report), None, None, None),
        Some(ErrorDetail::Volumes { volumes, details, confirmed }) => {
            (None, Some(volumes.as_slice()), Some(details.as_slice()), confirmed.as_ref())
        }
        _ => (None, None, None, None),
    };
    if json {
        let error = ErrorReport::new(e.code, e.message.clone());
        json_line(&Line::Error { error, preflight, volumes, details });
    } else if let Some(report) = preflight {
        print_preflight(report);
        eprintln!("dockmaster: preflight blocked the start; fix the problems above (or use --no-preflight)");
    } else if let (Some(volumes), Some(details)) = (volumes, details) {
        if volumes.is_empty() {
            eprintln!("dockmaster: `down --volumes` would delete no volume now.");
        } else {
            eprintln!("dockmaster: `down --volumes` would delete these volumes (their data is lost):");
            print_volumes(details);
        }
        if confirmed.is_some() {
            eprintln!("dockmaster: {e}");
        } else {
            eprintln!(
                "Nothing was done. Run `dockmaster down --volumes --yes` to delete them (or confirm exactly \
                 this list with --confirm NAME…)."
            );
        }
    } else {
        eprintln!("dockmaster: {e}");
    }
    ExitCode::from(crate::errors::exit_status(e.code))
}
