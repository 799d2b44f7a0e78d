//! How the CLI reports a failure: `{"error": {code, message}}` with `--json`, the sentence on stderr, and the
//! documented exit status of its code (`--help` lists them). Codes are the core's [`ErrorCode`]s: the window
//! gets the same code for the same failure.

use std::process::ExitCode;

use dockmaster_core::{ErrorCode, ErrorReport};
use serde::Serialize;

/// The `Ok` value of a result, or: print the failure and return its exit status from the calling function.
macro_rules! or_fail {
    ($json:expr, $result:expr) => {
        match $result {
            Ok(value) => value,
            Err(e) => return $crate::errors::fail($json, e),
        }
    };
}

/// Exit statuses scripts can rely on.
pub mod status {
    pub const STRICT_FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const PROJECT: u8 = 3;
    pub const UNAVAILABLE: u8 = 4;
    pub const OPERATION_FAILED: u8 = 5;
    pub const BUSY: u8 = 6;
    pub const PREFLIGHT_BLOCKED: u8 = 7;
    pub const CANCELLED: u8 = 130;
}

/// The exit status of a failure with `code`.
pub fn exit_status(code: ErrorCode) -> u8 {
    use ErrorCode::*;
    match code {
        UnknownProfile | UnknownService | NoServicesAllowed | VolumesUnconfirmed | ComposeFlavorInvalid
        | DemoFolderTaken | LogTimeInvalid | LogPatternInvalid | RegionInvalid | RegionOptionsInvalid
        | EngineNotFound | EngineExists | EngineNameInvalid | EngineNotOurs | EngineInUse
        | HostKeyUnknown | HostKeyMismatch | SshKeyMissing | NoClient | TerminalNotFound | ImageNotFound
        | VolumeNotFound | RestoreUnconfirmed | Usage => status::USAGE,
        ProjectNotFound | FileUnreadable | FileRefused | ComposeInvalid | InvalidTemplate
        | DescriptorInvalid | EnvFileInvalid => status::PROJECT,
        EngineEndpointInvalid
        | EngineUnavailable
        | HostKeyChanged
        | ComposeNotFound
        | ComposeUnavailable
        | KeychainNoSessionBus
        | KeychainNoProvider
        | KeychainLocked
        | KeychainNoCollection
        | KeychainUnavailable
        | KeychainVerifyFailed
        | KeychainPromptDismissed
        | VariableNameInvalid
        | VariableNotFound
        | UnknownVariable
        | ReservedName
        | ValueInvalid
        | SecretEmpty
        | SecretNotUtf8
        | NoGenerator
        | EnvFileConflict
        | EnvFileWrite
        | EnvFileSymlink
        | InputUnreadable
        | SettingsFailed
        | BusyboxMissing
        | Internal => status::UNAVAILABLE,
        OperationBusy => status::BUSY,
        PreflightBlocked | RegionPreflight => status::PREFLIGHT_BLOCKED,
        RegionApplyCancelled | VolumeJobCancelled => status::CANCELLED,
        LogExportFailed | DiagnosticsFailed => status::STRICT_FAILED,
        // As a shell does for a command it cannot run.
        ExecFailed => 127,
        ComposeSpawnFailed | OperationLockFailed | RegionTemplate | RegionConflict | RegionNoFreePort
        | RegionNoFreeSubnet | RegionNotFound | RegionApplyFailed | RegionEngine | LinkRefused
        | LogFolderFailed | DemoCopyFailed | DemoImageFailed | EngineWriteFailed | ServiceNotRunning
        | NoShell | ImageCopyFailed | VolumeInUse | ArchiveInvalid | BackupFailed | RestoreFailed => {
            status::OPERATION_FAILED
        }
    }
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    error: &'a ErrorReport,
}

/// Prints `error` (JSON on stdout with `--json`; always the sentence on stderr) and returns its exit status.
pub fn fail(json: bool, error: impl Into<ErrorReport>) -> ExitCode {
    let error = error.into();
    tracing::warn!(code = %error.code, "{}", error.message);
    if json {
        crate::print_json(&ErrorJson { error: &error });
    }
    eprintln!("dockmaster: {}", error.message);
    ExitCode::from(exit_status(error.code))
}

/// A failure of the CLI itself (no async runtime).
pub fn internal(message: impl Into<String>) -> ErrorReport {
    ErrorReport::new(ErrorCode::Internal, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statuses `--help` documents, for one code of each kind.
    #[test]
    fn documented_exit_statuses() {
        for (code, want) in [
            (ErrorCode::UnknownProfile, 2),
            (ErrorCode::VolumesUnconfirmed, 2),
            (ErrorCode::ComposeInvalid, 3),
            (ErrorCode::EngineUnavailable, 4),
            (ErrorCode::KeychainLocked, 4),
            (ErrorCode::ComposeNotFound, 4),
            (ErrorCode::RegionApplyFailed, 5),
            (ErrorCode::OperationBusy, 6),
            (ErrorCode::PreflightBlocked, 7),
            (ErrorCode::RegionApplyCancelled, 130),
        ] {
            assert_eq!(exit_status(code), want, "{code}");
        }
    }
}
