//! Engine errors: each says what is wrong and what to do, and maps to a stable code.

use std::path::PathBuf;

/// Stable machine-readable codes for engine errors (the CLI's JSON output, the desktop app).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum EngineErrorCode {
    /// The configured endpoint cannot be used (scheme, context, TLS files).
    EngineEndpointInvalid,
    /// The endpoint is fine but no engine answers there.
    EngineUnavailable,
}

/// The hint every "cannot reach the engine" message ends with.
pub const START_HINT: &str =
    "Start Docker (e.g. `sudo systemctl start docker`, or Docker Desktop), or point DOCKER_HOST at a running engine";

#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    #[error(
        "unsupported Docker endpoint `{host}` ({origin}): {detail}. Use unix:///path/to/docker.sock, \
         tcp://HOST:PORT (with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH for TLS){npipe}"
    )]
    UnsupportedEndpoint { host: String, origin: String, detail: String, npipe: &'static str },

    #[error("Docker context `{name}`: {message}. Run `docker context ls`, or `docker context use default`")]
    ContextInvalid { name: String, message: String },

    #[error("cannot read the Docker CLI configuration {path}: {message}. Fix or remove the file, or set DOCKER_HOST")]
    ConfigInvalid { path: PathBuf, message: String },

    #[error(
        "TLS is required for {host} ({origin}) but {missing} is missing. Put ca.pem, cert.pem and key.pem in \
         DOCKER_CERT_PATH (or ~/.docker), or unset DOCKER_TLS_VERIFY for a plain TCP endpoint"
    )]
    TlsFilesMissing { host: String, origin: String, missing: PathBuf },

    #[error("the Docker engine at {endpoint} is unavailable: {reason}")]
    Unavailable { endpoint: String, reason: String },
}

impl EngineError {
    pub fn code(&self) -> EngineErrorCode {
        match self {
            EngineError::Unavailable { .. } => EngineErrorCode::EngineUnavailable,
            _ => EngineErrorCode::EngineEndpointInvalid,
        }
    }
}
