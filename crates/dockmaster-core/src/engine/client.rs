//! Opens a bollard client for an [`Endpoint`] and probes it (version negotiation), with clear reasons on failure.

use std::time::Duration;

use bollard::{Docker, API_DEFAULT_VERSION};

use super::endpoint::{Endpoint, Transport};
use super::error::START_HINT;

/// bollard's own per-request timeout (seconds); Dockmaster's probes use much shorter ones of their own.
const CLIENT_TIMEOUT_S: u64 = 120;

/// A connected client with what the engine said about itself.
pub struct Connected {
    pub docker: Docker,
    pub api_version: String,
    pub engine_version: String,
}

/// Builds the client (no I/O) — the socket must exist.
pub fn client(endpoint: &Endpoint) -> Result<Docker, String> {
    match &endpoint.transport {
        Transport::Unix(path) => {
            if !path.exists() {
                return Err(format!("there is no Docker socket at {}. {START_HINT}", path.display()));
            }
            Docker::connect_with_unix(&endpoint.url(), CLIENT_TIMEOUT_S, API_DEFAULT_VERSION)
                .map_err(|e| format!("{e}. {START_HINT}"))
        }
        #[cfg(windows)]
        Transport::NamedPipe(pipe) => {
            Docker::connect_with_named_pipe(pipe, CLIENT_TIMEOUT_S, API_DEFAULT_VERSION)
                .map_err(|e| format!("{e}. {START_HINT}"))
        }
        #[cfg(not(windows))]
        Transport::NamedPipe(_) => Err("named pipes exist only on Windows".to_string()),
        Transport::Tcp { addr, tls: None } => {
            Docker::connect_with_http(&format!("tcp://{addr}"), CLIENT_TIMEOUT_S, API_DEFAULT_VERSION)
                .map_err(|e| format!("{e}. {START_HINT}"))
        }
        Transport::Tcp { addr, tls: Some(t) } => Docker::connect_with_ssl(
            &format!("tcp://{addr}"),
            &t.key,
            &t.cert,
            &t.ca,
            CLIENT_TIMEOUT_S,
            API_DEFAULT_VERSION,
        )
        .map_err(|e| format!("cannot set up TLS for {addr}: {e}. Check the files in DOCKER_CERT_PATH")),
    }
}

/// Opens the client, negotiates the API version and reads the engine version, all within `timeout`.
pub async fn connect(endpoint: &Endpoint, timeout: Duration) -> Result<Connected, String> {
    let docker = client(endpoint)?;
    let probe = async {
        let docker = docker.negotiate_version().await?;
        let version = docker.version().await?;
        Ok::<_, bollard::errors::Error>((docker, version))
    };
    match tokio::time::timeout(timeout, probe).await {
        Err(_) => Err(format!("no answer within {} ms. {START_HINT}", timeout.as_millis())),
        Ok(Err(e)) => Err(reason(&e)),
        Ok(Ok((docker, version))) => Ok(Connected {
            api_version: docker.client_version().to_string(),
            engine_version: version.version.unwrap_or_default(),
            docker,
        }),
    }
}

/// A request error as a sentence that says what to do.
pub fn reason(e: &bollard::errors::Error) -> String {
    // The interesting part ("Connection refused") is often a source of the error, not its message.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text = format!("{text}: {part}");
        }
        source = s.source();
    }
    let lower = text.to_lowercase();
    if lower.contains("permission denied") {
        format!(
            "permission denied ({text}). Add your user to the `docker` group (then log in again) or run as root"
        )
    } else if lower.contains("connection refused") {
        format!("connection refused: nothing answers there. {START_HINT}")
    } else if lower.contains("no such file") {
        format!("the socket is gone. {START_HINT}")
    } else {
        format!("{text}. {START_HINT}")
    }
}
