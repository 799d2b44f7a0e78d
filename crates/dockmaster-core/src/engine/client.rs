//! Opens a bollard client for an [`Endpoint`] and probes it (version negotiation), with clear reasons on failure
//! (for SSH, read from ssh's own messages).

use std::time::Duration;

use bollard::{Docker, API_DEFAULT_VERSION};

use super::endpoint::{Endpoint, Transport};
use super::error::START_HINT;
use super::ssh;

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
        Transport::Ssh(target) => ssh::dial::client(target, CLIENT_TIMEOUT_S).map(|(docker, _)| docker),
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
    connect_detailed(endpoint, timeout).await.map_err(|(reason, _)| reason)
}

/// [`connect`], and for an SSH engine what ssh said went wrong (an unknown or changed host key is for the
/// caller to handle).
pub async fn connect_detailed(
    endpoint: &Endpoint,
    timeout: Duration,
) -> Result<Connected, (String, Option<ssh::Failure>)> {
    let (docker, stderr) = match &endpoint.transport {
        Transport::Ssh(target) => {
            let (docker, stderr) = ssh::dial::client(target, CLIENT_TIMEOUT_S).map_err(|e| (e, None))?;
            (docker, Some(stderr))
        }
        _ => (client(endpoint).map_err(|e| (e, None))?, None),
    };
    let probe = async {
        let docker = docker.negotiate_version().await?;
        let version = docker.version().await?;
        Ok::<_, bollard::errors::Error>((docker, version))
    };
    let result = tokio::time::timeout(timeout, probe).await;
    if let (Transport::Ssh(target), Some(stderr), false) =
        (&endpoint.transport, &stderr, matches!(result, Ok(Ok(_))))
    {
        // ssh's messages arrive on their own pipe: give them a moment after the connection closed.
        let mut text = stderr.text();
        for _ in 0..20 {
            if !text.trim().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
            text = stderr.text();
        }
        if let Some(failure) = ssh::classify(&text, target) {
            return Err((ssh_reason(target, &failure), Some(failure)));
        }
    }
    match result {
        Err(_) => Err((format!("no answer within {} ms. {}", timeout.as_millis(), hint(endpoint)), None)),
        Ok(Err(e)) => Err((connect_reason(endpoint, &e), None)),
        Ok(Ok((docker, version))) => Ok(Connected {
            api_version: docker.client_version().to_string(),
            engine_version: version.version.unwrap_or_default(),
            docker,
        }),
    }
}

/// What to do when an engine does not answer: start Docker here, or check the remote host.
fn hint(endpoint: &Endpoint) -> &'static str {
    match endpoint.transport {
        Transport::Ssh(_) => "Check that the host is up and that Docker runs there",
        _ => START_HINT,
    }
}

/// An SSH failure as the supervisor shows it.
pub(crate) fn ssh_reason(target: &super::endpoint::SshTarget, failure: &ssh::Failure) -> String {
    match failure {
        ssh::Failure::HostKeyUnknown { .. } => format!(
            "the SSH host key of {} is not known yet. Check it and accept it: `dockmaster engine test NAME` shows \
             its fingerprint, `--accept-host-key SHA256:…` records it",
            target.url()
        ),
        ssh::Failure::HostKeyChanged => format!(
            "the SSH host key of {} has CHANGED since it was recorded: refused (someone may be intercepting the \
             connection). If the host was reinstalled, remove the old key with `ssh-keygen -R HOST`",
            target.url()
        ),
        ssh::Failure::Other(text) => text.clone(),
    }
}

/// The error with its sources: the interesting part ("Connection refused") is often a source, not the message.
pub(crate) fn full_text(e: &bollard::errors::Error) -> String {
    let mut text = e.to_string().trim_end().to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text = format!("{text}: {part}");
        }
        source = s.source();
    }
    text
}

/// A failed first contact as a sentence that says what to do, with what to check for this endpoint: TLS
/// problems name the certificate file at fault and are never "start Docker".
pub fn connect_reason(endpoint: &Endpoint, e: &bollard::errors::Error) -> String {
    let text = full_text(e);
    let lower = text.to_lowercase();
    match &endpoint.transport {
        Transport::Tcp { addr, tls: Some(files) } => {
            let (ca, cert) = (files.ca.display(), files.cert.display());
            if lower.contains("unknownissuer") {
                return format!(
                    "TLS: the engine's certificate is not signed by the CA in {ca} ({text}). Put the CA that signed \
                     the engine's certificate (dockerd --tlscacert) there, or point DOCKER_CERT_PATH at the right folder"
                );
            }
            if lower.contains("notvalidforname") {
                return format!(
                    "TLS: the engine's certificate is not valid for {addr} ({text}). Connect with a name or address \
                     the certificate lists (DOCKER_HOST), or reissue it with that subjectAltName"
                );
            }
            if lower.contains("expired") || lower.contains("notvalidyet") {
                return format!(
                    "TLS: a certificate is expired or not valid yet ({text}). Check the system clock, or renew the \
                     engine's certificate or {cert}"
                );
            }
            if lower.contains("alert") {
                return format!(
                    "TLS: the engine refused the client certificate {cert} ({text}). Use a client certificate signed \
                     by the CA the engine trusts (dockerd --tlscacert), with its key.pem, in DOCKER_CERT_PATH"
                );
            }
            if ["cert", "tls", "parse key", "multiple keys"].iter().any(|w| lower.contains(w)) {
                return format!(
                    "TLS: cannot talk to the engine ({text}). Check ca.pem, cert.pem and key.pem in {}",
                    files.ca.parent().map(|p| p.display().to_string()).unwrap_or_default()
                );
            }
        }
        Transport::Tcp { addr, tls: None } if lower.contains("http request to an https server") => {
            return format!(
                "the engine at {addr} requires TLS ({text}). Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to a \
                 folder with ca.pem, cert.pem and key.pem"
            );
        }
        _ => {}
    }
    reason(e)
}

/// A request error as a sentence that says what to do.
pub fn reason(e: &bollard::errors::Error) -> String {
    let text = full_text(e);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::endpoint::{EndpointSource, TlsFiles};

    fn tcp(tls: Option<TlsFiles>) -> Endpoint {
        Endpoint {
            transport: Transport::Tcp { addr: "127.0.0.1:2376".into(), tls },
            source: EndpointSource::DockerHost,
        }
    }

    #[test]
    fn plain_http_to_a_tls_engine_says_to_turn_tls_on() {
        let e = bollard::errors::Error::DockerResponseServerError {
            status_code: 400,
            message: "Client sent an HTTP request to an HTTPS server.\n".into(),
        };
        let text = connect_reason(&tcp(None), &e);
        assert!(text.starts_with("the engine at 127.0.0.1:2376 requires TLS"), "{text}");
        assert!(text.contains("DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"), "{text}");
        assert!(!text.contains(START_HINT), "{text}");
    }

    #[test]
    fn other_errors_keep_the_generic_reason() {
        let e =
            bollard::errors::Error::DockerResponseServerError { status_code: 500, message: "boom".into() };
        let files = TlsFiles { ca: "/c/ca.pem".into(), cert: "/c/cert.pem".into(), key: "/c/key.pem".into() };
        assert_eq!(connect_reason(&tcp(Some(files)), &e), reason(&e));
        assert!(reason(&e).ends_with(START_HINT), "{}", reason(&e));
    }
}
