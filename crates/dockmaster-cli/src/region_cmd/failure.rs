//! A region failure as the CLI shows it: one JSON line (`{"kind":"error",…}`) with `--json`, the invalid
//! fields or the volumes a removal needs confirmed on stderr, and the exit status of its code.

use std::process::ExitCode;

use dockmaster_core::region;
use dockmaster_core::{ErrorCode, ErrorDetail, ErrorReport};
use serde::Serialize;

use super::print::json_line;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorJson<'a> {
    kind: &'static str,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    code: ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a [region::FieldError]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollback: Option<&'a region::Rollback>,
    #[serde(skip_serializing_if = "Option::is_none")]
    volumes: Option<&'a [String]>,
}

pub(super) fn error(json: bool, e: &ErrorReport) -> ExitCode {
    let detail = e.detail.as_deref();
    if json {
        let body = ErrorBody {
            code: e.code,
            message: &e.message,
            fields: match detail {
                Some(ErrorDetail::Fields { fields }) => Some(fields),
                _ => None,
            },
            rollback: match detail {
                Some(ErrorDetail::Rollback { rollback }) => Some(rollback),
                _ => None,
            },
            volumes: match detail {
                Some(ErrorDetail::RegionVolumes { volumes, .. }) => Some(volumes),
                _ => None,
            },
        };
        // One line, as every line of `region create --json`.
        json_line(&ErrorJson { kind: "error", error: body });
    }
    match detail {
        Some(ErrorDetail::Fields { fields }) => {
            eprintln!("dockmaster: the region request is invalid:");
            for f in fields {
                eprintln!("  {f}");
            }
        }
        Some(ErrorDetail::RegionVolumes { region, volumes, interrupted_apply, created_by_apply }) => {
            match interrupted_apply {
                Some(id) => eprintln!(
                    "dockmaster: region {region}'s creation (apply {id}) was interrupted; removing it deletes \
                     these volumes and their data:"
                ),
                None => eprintln!("dockmaster: removing region {region}'s volumes deletes their data:"),
            }
            for v in volumes {
                match interrupted_apply.as_deref().filter(|_| created_by_apply.contains(v)) {
                    Some(id) => eprintln!("  {v} ({})", region::error::created_reason(id)),
                    None => eprintln!("  {v}"),
                }
            }
            let only_its_own = volumes.iter().all(|v| created_by_apply.contains(v));
            eprintln!(
                "Nothing was removed. Run `dockmaster region rm {region} {}` to delete them.",
                if only_its_own { "--yes" } else { "--volumes --yes" }
            );
        }
        _ => eprintln!("dockmaster: {e}"),
    }
    ExitCode::from(crate::errors::exit_status(e.code))
}
