//! The core's error type: every variant says what is wrong and how to fix it, and maps to a stable code.

use std::path::{Path, PathBuf};

use crate::fsutil::{ReadError, Refusal};

/// Declares [`ErrorCode`] and the list of all its values ([`ErrorCode::ALL`]) from one list of names.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $code:ident,)*) => {
        /// Every failure Dockmaster reports has one of these codes: the CLI's `--json` errors and the
        /// window's `{code, message}` carry the same code for the same failure, and the UI branches on it
        /// (never on the message). The TypeScript union and the list `ERROR_CODES` are generated from it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        pub enum ErrorCode {
            $($(#[$doc])* $code,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order (exported to the UI as `ERROR_CODES`).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$code),*];
        }
    };
}

error_codes! {
    // The project's files.
    ProjectNotFound,
    FileUnreadable,
    /// Not a regular file, or over its size limit: not read.
    FileRefused,
    ComposeInvalid,
    InvalidTemplate,
    DescriptorInvalid,
    EnvFileInvalid,
    UnknownProfile,
    // The engine.
    EngineEndpointInvalid,
    EngineUnavailable,
    // Engines (Docker contexts) and SSH.
    EngineNotFound,
    EngineExists,
    EngineNameInvalid,
    /// Removing a Docker context Dockmaster did not create, without the user's explicit confirmation.
    EngineNotOurs,
    /// Removing the Docker CLI's current context.
    EngineInUse,
    EngineWriteFailed,
    HostKeyUnknown,
    HostKeyChanged,
    HostKeyMismatch,
    SshKeyMissing,
    /// The image to copy is not on the source engine.
    ImageNotFound,
    /// Copying an image between engines failed (the target is left as it was, or the message names what is
    /// left).
    ImageCopyFailed,
    // Compose and operations.
    ComposeNotFound,
    ComposeUnavailable,
    ComposeFlavorInvalid,
    ComposeSpawnFailed,
    OperationBusy,
    OperationLockFailed,
    PreflightBlocked,
    VolumesUnconfirmed,
    UnknownService,
    NoServicesAllowed,
    // The keychain.
    KeychainNoSessionBus,
    KeychainNoProvider,
    KeychainLocked,
    KeychainNoCollection,
    KeychainUnavailable,
    KeychainVerifyFailed,
    /// The desktop's password prompt (create or unlock the keychain) was cancelled.
    KeychainPromptDismissed,
    // Variables and secret values.
    VariableNameInvalid,
    VariableNotFound,
    UnknownVariable,
    ReservedName,
    ValueInvalid,
    SecretEmpty,
    SecretNotUtf8,
    NoGenerator,
    // `.env` edits.
    EnvFileConflict,
    EnvFileWrite,
    EnvFileSymlink,
    // Logs.
    LogTimeInvalid,
    LogPatternInvalid,
    LogExportFailed,
    // Diagnostics.
    DiagnosticsFailed,
    // Regions.
    RegionInvalid,
    RegionOptionsInvalid,
    RegionTemplate,
    RegionPreflight,
    RegionConflict,
    RegionNoFreePort,
    RegionNoFreeSubnet,
    RegionNotFound,
    RegionApplyFailed,
    RegionApplyCancelled,
    RegionEngine,
    // The demo project.
    DemoFolderTaken,
    DemoCopyFailed,
    BusyboxMissing,
    DemoImageFailed,
    // Service tools: terminals, database and cache shells.
    /// The service has no running container to open a terminal in.
    ServiceNotRunning,
    /// The container has neither bash nor sh.
    NoShell,
    /// The stack descriptor names no database or cache client for the service.
    NoClient,
    /// The terminal was closed (or never opened).
    TerminalNotFound,
    // Volume backup and restore.
    /// The volume is not one of the project's named volumes, or the engine does not have it.
    VolumeNotFound,
    /// A container outside the project uses the volume: a restore would change its data under it.
    VolumeInUse,
    /// A restore was not confirmed with the volume's exact name.
    RestoreUnconfirmed,
    /// A backup archive (or its checksum file) is missing, truncated or corrupted.
    ArchiveInvalid,
    BackupFailed,
    RestoreFailed,
    /// A backup or restore was interrupted (Ctrl-C, SIGTERM, SIGHUP) and its helper removed.
    VolumeJobCancelled,
    // The shells' own.
    SettingsFailed,
    LinkRefused,
    /// Dockmaster's own log folder could not be opened in the file manager.
    LogFolderFailed,
    Usage,
    InputUnreadable,
    ExecFailed,
    Internal,
}

impl ErrorCode {
    /// The code as written on the wire (`ENGINE_UNAVAILABLE`).
    pub fn as_str(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// A failure as both faces show it: the code to branch on, the sentence that says what is wrong and how to
/// fix it, and, for some failures, what a face needs to show the fix (never a secret value).
#[derive(Debug, Clone, PartialEq, serde::Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[error("{message}")]
pub struct ErrorReport {
    pub code: ErrorCode,
    pub message: String,
    /// The sentence as the window says it, when it differs from `message`: it names the window's buttons
    /// where `message` names `dockmaster` commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Box<ErrorDetail>>,
}

/// What some failures carry besides their sentence.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ErrorDetail {
    /// `PREFLIGHT_BLOCKED`: the problems, each with its fix.
    Preflight { report: crate::lifecycle::PreflightReport },
    /// `VOLUMES_UNCONFIRMED` from `down`: what it would delete now, each volume with why.
    Volumes {
        volumes: Vec<String>,
        details: Vec<crate::lifecycle::VolumeToDelete>,
        /// The list that was confirmed, when one was and it differs.
        confirmed: Option<Vec<String>>,
    },
    /// `VOLUMES_UNCONFIRMED` from a region's removal: exactly the volumes to confirm, and for a region whose
    /// creation was interrupted, that apply and the volumes it created.
    RegionVolumes {
        region: String,
        volumes: Vec<String>,
        interrupted_apply: Option<String>,
        created_by_apply: Vec<String>,
    },
    /// `REGION_INVALID`: every broken rule (field, rule, value).
    Fields { fields: Vec<crate::region::FieldError> },
    /// A failed or cancelled region apply: what it removed again, and what it could not.
    Rollback { rollback: crate::region::Rollback },
    /// "Fix and start" stopped half-way: what it did before the failure (names only).
    Fixed { fixed: crate::secrets::fix::FixReport },
    /// `HOST_KEY_UNKNOWN`: the key to show for the user's confirmation (accepted by giving the fingerprint back).
    HostKey {
        host: String,
        #[serde(rename = "keyType")]
        key_type: String,
        fingerprint: String,
    },
}

impl ErrorReport {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorReport { code, message: message.into(), window: None, detail: None }
    }

    fn with(mut self, detail: Option<ErrorDetail>) -> Self {
        self.detail = detail.map(Box::new);
        self
    }

    fn worded(mut self, window: Option<String>) -> Self {
        self.window = window;
        self
    }

    /// The sentence the window shows: its own wording when there is one, else `message`.
    pub fn window_message(&self) -> &str {
        self.window.as_deref().unwrap_or(&self.message)
    }
}

impl From<&crate::lifecycle::LifecycleError> for Option<ErrorDetail> {
    fn from(e: &crate::lifecycle::LifecycleError) -> Self {
        use crate::lifecycle::LifecycleError;
        match e {
            LifecycleError::PreflightBlocked(report) => {
                Some(ErrorDetail::Preflight { report: (**report).clone() })
            }
            LifecycleError::ConfirmVolumes { volumes, details, confirmed } => Some(ErrorDetail::Volumes {
                volumes: volumes.clone(),
                details: details.clone(),
                confirmed: confirmed.clone(),
            }),
            _ => None,
        }
    }
}

impl From<&crate::region::RegionError> for Option<ErrorDetail> {
    fn from(e: &crate::region::RegionError) -> Self {
        use crate::region::RegionError;
        match e {
            RegionError::Invalid { errors } => Some(ErrorDetail::Fields { fields: errors.clone() }),
            RegionError::ApplyFailed { rollback, .. } | RegionError::Cancelled { rollback, .. } => {
                Some(ErrorDetail::Rollback { rollback: rollback.clone() })
            }
            RegionError::ConfirmVolumes { region, volumes, interrupted_apply, created_by_apply } => {
                Some(ErrorDetail::RegionVolumes {
                    region: region.clone(),
                    volumes: volumes.clone(),
                    interrupted_apply: interrupted_apply.clone(),
                    created_by_apply: created_by_apply.clone(),
                })
            }
            _ => None,
        }
    }
}

/// Every error type of the core has a `code()` and a message that holds no secret: it becomes an
/// [`ErrorReport`], by value or by reference (with its detail, for the types that have one).
macro_rules! reported {
    ($($t:ty => $detail:expr, $window:expr);* $(;)?) => {$(
        impl From<&$t> for ErrorReport {
            fn from(e: &$t) -> Self {
                ErrorReport::new(e.code(), e.to_string()).with($detail(e)).worded($window(e))
            }
        }
        impl From<$t> for ErrorReport {
            fn from(e: $t) -> Self {
                ErrorReport::from(&e)
            }
        }
    )*};
}

fn no_detail<T>(_: &T) -> Option<ErrorDetail> {
    None
}

/// The same sentence for both faces.
fn same_words<T>(_: &T) -> Option<String> {
    None
}

fn host_key_detail(e: &crate::engine::EngineError) -> Option<ErrorDetail> {
    match e {
        crate::engine::EngineError::HostKeyUnknown { host, key_type, fingerprint } => {
            Some(ErrorDetail::HostKey {
                host: host.clone(),
                key_type: key_type.clone(),
                fingerprint: fingerprint.clone(),
            })
        }
        _ => None,
    }
}

reported!(
    CoreError => no_detail, same_words;
    crate::engine::EngineError => host_key_detail, same_words;
    crate::engine::logs::LogError => no_detail, same_words;
    crate::env::EnvEditError => no_detail, same_words;
    crate::secrets::SecretsError => no_detail, crate::secrets::SecretsError::window_text;
    crate::lifecycle::LifecycleError => Option::<ErrorDetail>::from, crate::lifecycle::LifecycleError::window_text;
    crate::region::RegionError => Option::<ErrorDetail>::from, same_words;
    crate::demo::DemoError => no_detail, same_words;
    crate::engines::EnginesError => no_detail, crate::engines::EnginesError::window_text;
    crate::engines::CopyError => no_detail, same_words;
);

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(
        "no Compose file in {dir}: looked for compose.yaml, compose.yml, docker-compose.yaml and \
         docker-compose.yml. Open the folder that holds your docker-compose.yml, or set COMPOSE_FILE."
    )]
    ProjectNotFound { dir: PathBuf },

    #[error("cannot read {path}: {source}")]
    FileUnreadable { path: PathBuf, source: std::io::Error },

    /// A file of the project that exists but is not read: not a regular file, or over its size limit
    /// ([`crate::fsutil`]).
    #[error("{path} was not read: {refusal}")]
    FileRefused { path: PathBuf, refusal: Refusal },

    #[error("{path}{}: {message}", location(*.line, *.column))]
    ComposeInvalid { path: PathBuf, line: Option<usize>, column: Option<usize>, message: String },

    #[error(
        "{path}{}: invalid interpolation `{template}` at `{at}`: {reason}. \
         Write `$$` for a literal `$`.",
        location(*.line, None)
    )]
    InvalidTemplate { path: PathBuf, line: Option<usize>, at: String, template: String, reason: String },

    #[error("stack descriptor {origin}: {message}")]
    DescriptorInvalid { origin: String, message: String },

    #[error("{path}:{line}: {message}")]
    EnvFileInvalid { path: PathBuf, line: usize, message: String },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl CoreError {
    /// The failure's code: the same in the CLI's `--json` and the window.
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::ProjectNotFound { .. } => ErrorCode::ProjectNotFound,
            // FILE_UNREADABLE until the app has a code of its own for refused files.
            CoreError::FileUnreadable { .. } => ErrorCode::FileUnreadable,
            CoreError::FileRefused { .. } => ErrorCode::FileRefused,
            CoreError::ComposeInvalid { .. } => ErrorCode::ComposeInvalid,
            CoreError::InvalidTemplate { .. } => ErrorCode::InvalidTemplate,
            CoreError::DescriptorInvalid { .. } => ErrorCode::DescriptorInvalid,
            CoreError::EnvFileInvalid { .. } => ErrorCode::EnvFileInvalid,
        }
    }
}

impl CoreError {
    /// The error for a project file [`crate::fsutil::read_text`] did not return.
    pub(crate) fn read(path: &Path, e: ReadError) -> Self {
        match e {
            ReadError::Io(source) => CoreError::FileUnreadable { path: path.to_path_buf(), source },
            ReadError::Refused(refusal) => CoreError::FileRefused { path: path.to_path_buf(), refusal },
        }
    }

    pub(crate) fn schema(path: &Path, at: &str, message: impl std::fmt::Display) -> Self {
        CoreError::ComposeInvalid {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("{at}: {message}"),
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
