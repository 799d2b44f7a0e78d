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

    #[error(
        "Docker context `{name}` does not exist. See the engines with `dockmaster engine ls` (or `docker context \
         ls`); add it with `dockmaster engine add {name} …`, or choose another with --engine"
    )]
    ContextNotFound { name: String },

    #[error(
        "the SSH host key of {host} is not known yet: its {key_type} key has the fingerprint {fingerprint}. Check \
         that fingerprint with the host's administrator (on the host: `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub`), \
         then accept it: `dockmaster engine add … --accept-host-key {fingerprint}` (or confirm it in the window)"
    )]
    HostKeyUnknown { host: String, key_type: String, fingerprint: String },

    #[error(
        "the SSH host key of {host} has CHANGED since it was recorded in {known_hosts}: someone may be intercepting \
         the connection, or the host was reinstalled. Nothing was sent. If the administrator confirms the new key, \
         remove the old one (`ssh-keygen -R '{host}'`) and add the engine again"
    )]
    HostKeyChanged { host: String, known_hosts: String },

    #[error(
        "the SSH host key of {host} has the fingerprint {found}, not the {accepted} you accepted; nothing was \
         recorded. Check the fingerprint again with the host's administrator"
    )]
    HostKeyMismatch { host: String, accepted: String, found: String },

    #[error("the SSH key file {path} {problem}. Give the private key's path (e.g. ~/.ssh/id_ed25519), or leave it out to use the SSH agent")]
    SshKeyMissing { path: PathBuf, problem: String },
}

impl EngineError {
    /// `ENGINE_UNAVAILABLE` when no engine answers, `ENGINE_ENDPOINT_INVALID` when the endpoint cannot be used.
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::Unavailable { .. } => ErrorCode::EngineUnavailable,
            EngineError::ContextNotFound { .. } => ErrorCode::EngineNotFound,
            EngineError::HostKeyUnknown { .. } => ErrorCode::HostKeyUnknown,
            EngineError::HostKeyChanged { .. } => ErrorCode::HostKeyChanged,
            EngineError::HostKeyMismatch { .. } => ErrorCode::HostKeyMismatch,
            EngineError::SshKeyMissing { .. } => ErrorCode::SshKeyMissing,
            _ => ErrorCode::EngineEndpointInvalid,
        }
    }
}
