//! Engine errors: each says what is wrong and what to do, and maps to a stable code.

use std::path::PathBuf;

use crate::error::ErrorCode;

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
    /// `ENGINE_UNAVAILABLE` when no engine answers, `ENGINE_ENDPOINT_INVALID` when the endpoint cannot be used.
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::Unavailable { .. } => ErrorCode::EngineUnavailable,
            _ => ErrorCode::EngineEndpointInvalid,
        }
    }
}
