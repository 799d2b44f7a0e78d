//! Adding an engine: check the address and files, connect (for SSH: the host key strictly checked, an unknown one
//! recorded only when the user accepted exactly its fingerprint, a changed one refused), and only then write the
//! Docker context, so `docker --context NAME` reaches the same engine.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{contexts, info, valid_name, EngineAddRequest, EngineInfo, EngineSpec, EnginesError};
use crate::engine::client::connect_detailed;
use crate::engine::endpoint::{parse_ssh, EndpointEnv, SshTarget, TlsFiles};
use crate::engine::ssh::{self, hostkey};
use crate::engine::{Endpoint, EndpointSource, EngineError, Transport};
use crate::error::ErrorReport;

/// What adding an engine did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EngineAdded {
    pub engine: EngineInfo,
    pub version: String,
    /// The host key recorded in known_hosts because the user accepted it (`SHA256:…`), if one was.
    pub recorded_host_key: Option<String>,
    /// Something the user should know (e.g. what a terminal needs to use the same key file).
    pub note: Option<String>,
}

fn expand(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(rest),
        None => PathBuf::from(path),
    }
}

fn key_file(path: &str) -> Result<PathBuf, EngineError> {
    let p = expand(path.trim());
    let problem = if path.trim().is_empty() {
        Some("is empty")
    } else if !p.exists() {
        Some("does not exist")
    } else if !p.is_file() {
        Some("is not a file")
    } else if std::fs::File::open(&p).is_err() {
        Some("cannot be read")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(EngineError::SshKeyMissing { path: p, problem: problem.into() }),
        None => Ok(std::fs::canonicalize(&p).unwrap_or(p)),
    }
}

fn tls_file(what: &'static str, path: &str) -> Result<PathBuf, EnginesError> {
    let p = expand(path.trim());
    if p.is_file() {
        Ok(p)
    } else {
        Err(EnginesError::TlsFileMissing { what, path: p.display().to_string() })
    }
}

/// The endpoint a spec describes (not yet a context).
fn endpoint_of(spec: &EngineSpec) -> Result<Endpoint, ErrorReport> {
    let transport = match spec {
        EngineSpec::Ssh { destination, key_file: key } => {
            let dest = destination.trim();
            let mut target = parse_ssh(dest.strip_prefix("ssh://").unwrap_or(dest)).map_err(|detail| {
                EnginesError::AddressInvalid {
                    address: dest.into(),
                    detail,
                    form: "user@host or user@host:port",
                }
            })?;
            target.key_file = key.as_deref().filter(|k| !k.trim().is_empty()).map(key_file).transpose()?;
            Transport::Ssh(target)
        }
        EngineSpec::Tls { address, ca, cert, key } => {
            let addr = address.trim().trim_start_matches("tcp://").trim_end_matches('/');
            let ok = addr
                .rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0));
            if !ok {
                return Err(EnginesError::AddressInvalid {
                    address: address.clone(),
                    detail: "it needs a host and a port".into(),
                    form: "host:port (e.g. 10.0.0.5:2376)",
                }
                .into());
            }
            let tls = TlsFiles {
                ca: tls_file("the CA", ca)?,
                cert: tls_file("the client certificate", cert)?,
                key: tls_file("the client key", key)?,
            };
            Transport::Tcp { addr: addr.to_string(), tls: Some(tls) }
        }
    };
    Ok(Endpoint { transport, source: EndpointSource::DockerHost })
}

/// `HOST_KEY_UNKNOWN` with the fingerprint of the key ssh asked for (as the host offers it now).
pub(super) async fn unknown_host_key(target: &SshTarget, key_type: Option<&str>) -> ErrorReport {
    let found = async {
        let resolved = ssh::resolve(target).await?;
        let keys = hostkey::scan(&resolved).await?;
        let key = hostkey::pick(&keys, key_type).ok_or("the host offered no key")?.clone();
        Ok::<_, String>((resolved, key))
    };
    match found.await {
        Ok((resolved, key)) => EngineError::HostKeyUnknown {
            host: resolved.known_hosts_name(),
            key_type: key.key_type.clone(),
            fingerprint: key.fingerprint().unwrap_or_default(),
        }
        .into(),
        Err(reason) => EngineError::Unavailable {
            endpoint: target.url(),
            reason: format!("the SSH host key is unknown and cannot be read: {reason}"),
        }
        .into(),
    }
}

/// `HOST_KEY_CHANGED`, naming the known_hosts file.
pub(super) async fn changed_host_key(target: &SshTarget) -> ErrorReport {
    let (host, known_hosts) = match ssh::resolve(target).await {
        Ok(r) => (r.known_hosts_name(), r.known_hosts.display().to_string()),
        Err(_) => (target.host.clone(), "known_hosts".into()),
    };
    EngineError::HostKeyChanged { host, known_hosts }.into()
}

/// The keys known_hosts already holds for `name` (`ssh-keygen -F`, which also finds hashed names).
async fn known_keys(file: &Path, name: &str) -> Vec<hostkey::HostKey> {
    let out = tokio::process::Command::new("ssh-keygen")
        .arg("-F")
        .arg(name)
        .arg("-f")
        .arg(file)
        .stdin(std::process::Stdio::null())
        .output()
        .await;
    out.map(|o| hostkey::parse_scan(&String::from_utf8_lossy(&o.stdout))).unwrap_or_default()
}

/// Records the host's key in the known_hosts file ssh reads, if and only if its fingerprint is `accepted` and no
/// other key is recorded for that host (that would be a changed key, which is refused). Returns the fingerprint.
pub(super) async fn accept_host_key(target: &SshTarget, accepted: &str) -> Result<String, ErrorReport> {
    let unavailable =
        |reason: String| ErrorReport::from(EngineError::Unavailable { endpoint: target.url(), reason });
    let resolved = ssh::resolve(target).await.map_err(unavailable)?;
    let keys = hostkey::scan(&resolved).await.map_err(unavailable)?;
    let name = resolved.known_hosts_name();
    let accepted = accepted.trim();
    let Some(key) = keys.iter().find(|k| k.fingerprint().as_deref() == Some(accepted)) else {
        let found = hostkey::pick(&keys, None).and_then(hostkey::HostKey::fingerprint).unwrap_or_default();
        return Err(EngineError::HostKeyMismatch { host: name, accepted: accepted.into(), found }.into());
    };
    let known = known_keys(&resolved.known_hosts, &name).await;
    if known.contains(key) {
        return Ok(accepted.to_string());
    }
    if !known.is_empty() {
        return Err(EngineError::HostKeyChanged {
            host: name,
            known_hosts: resolved.known_hosts.display().to_string(),
        }
        .into());
    }
    hostkey::record(&resolved.known_hosts, &name, key).map_err(|e| {
        ErrorReport::from(EnginesError::Write {
            what: resolved.known_hosts.display().to_string(),
            message: e.to_string(),
        })
    })?;
    Ok(accepted.to_string())
}

/// Connects to `endpoint`; an unknown SSH host key is recorded first when the user accepted its fingerprint.
async fn connect(endpoint: &Endpoint, accept: Option<&str>) -> Result<(String, Option<String>), ErrorReport> {
    let timeout = super::probe_timeout(endpoint);
    let mut recorded = None;
    loop {
        match connect_detailed(endpoint, timeout).await {
            Ok(c) => return Ok((c.engine_version, recorded)),
            Err((reason, failure)) => {
                let Transport::Ssh(target) = &endpoint.transport else {
                    return Err(EngineError::Unavailable { endpoint: endpoint.url(), reason }.into());
                };
                match failure {
                    Some(ssh::Failure::HostKeyUnknown { key_type }) => match accept {
                        Some(fingerprint) if recorded.is_none() => {
                            recorded = Some(accept_host_key(target, fingerprint).await?);
                        }
                        _ => return Err(unknown_host_key(target, key_type.as_deref()).await),
                    },
                    Some(ssh::Failure::HostKeyChanged) => return Err(changed_host_key(target).await),
                    _ => return Err(EngineError::Unavailable { endpoint: endpoint.url(), reason }.into()),
                }
            }
        }
    }
}

/// Adds an engine: name and files checked, the connection tested (see [`connect`]), then the Docker context
/// written. Nothing is written when any step fails (except the accepted host key, which is the user's decision).
pub async fn add(env: &EndpointEnv, request: EngineAddRequest) -> Result<EngineAdded, ErrorReport> {
    let name = request.name.trim().to_string();
    if !valid_name(&name) {
        return Err(EnginesError::NameInvalid { name }.into());
    }
    if contexts::find(env, &name).is_some() {
        return Err(EnginesError::Exists { name }.into());
    }
    let endpoint = endpoint_of(&request.spec)?;
    let (version, recorded) = connect(&endpoint, request.accept_host_key.as_deref()).await?;
    let (ssh_key, tls) = match &endpoint.transport {
        Transport::Ssh(t) => (t.key_file.clone(), None),
        Transport::Tcp { tls, .. } => (None, tls.clone()),
        _ => (None, None),
    };
    let source = tls.as_ref().map(|t| contexts::TlsSource { ca: &t.ca, cert: &t.cert, key: &t.key });
    contexts::write(env, &name, &endpoint.url(), request.description.trim(), ssh_key.as_deref(), source)?;
    let stored = contexts::find(env, &name);
    let engine = info(env, &super::current_name(env), stored.as_ref(), &name);
    let note = match (&endpoint.transport, &ssh_key) {
        (Transport::Ssh(t), Some(key)) => Some(format!(
            "Dockmaster's own starts (Compose too) use {} through its own SSH connection. In a terminal, \
             `docker --context {name}` runs ssh itself and uses that key only if the SSH agent holds it \
             (`ssh-add {}`) or ~/.ssh/config names it for {} (`IdentityFile`)",
            key.display(),
            key.display(),
            t.host
        )),
        _ => None,
    };
    Ok(EngineAdded { engine, version, recorded_host_key: recorded, note })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn ssh(destination: &str, key: Option<&str>) -> EngineSpec {
        EngineSpec::Ssh { destination: destination.into(), key_file: key.map(String::from) }
    }

    #[test]
    fn specs_are_checked_before_any_connection() {
        let Transport::Ssh(t) = endpoint_of(&ssh("ssh://ops@h:2222", None)).unwrap().transport else {
            panic!()
        };
        assert_eq!((t.user.as_deref(), t.port), (Some("ops"), Some(2222)));
        let err = endpoint_of(&ssh("ops@", None)).unwrap_err();
        assert_eq!(err.code, ErrorCode::EngineEndpointInvalid);
        assert!(err.message.contains("user@host"), "{}", err.message);
        let err = endpoint_of(&ssh("ops@h", Some("/nonexistent/id_ed25519"))).unwrap_err();
        assert_eq!(err.code, ErrorCode::SshKeyMissing);
        assert!(err.message.contains("/nonexistent/id_ed25519 does not exist"), "{}", err.message);
        let dir = tempfile::tempdir().unwrap();
        let err = endpoint_of(&ssh("ops@h", Some(&dir.path().display().to_string()))).unwrap_err();
        assert!(err.message.contains("is not a file"), "{}", err.message);

        let tls = |address: &str, ca: &str| EngineSpec::Tls {
            address: address.into(),
            ca: ca.into(),
            cert: ca.into(),
            key: ca.into(),
        };
        let err = endpoint_of(&tls("10.0.0.5", "/x")).unwrap_err();
        assert!(err.message.contains("host:port"), "{}", err.message);
        let err = endpoint_of(&tls("10.0.0.5:2376", "/nonexistent/ca.pem")).unwrap_err();
        assert!(err.message.contains("the CA /nonexistent/ca.pem is missing"), "{}", err.message);
    }

    #[tokio::test]
    async fn names_and_duplicates_are_refused_before_connecting() {
        let cfg = tempfile::tempdir().unwrap();
        let env = EndpointEnv { docker_config: Some(cfg.path().to_path_buf()), ..Default::default() };
        let req = |name: &str| EngineAddRequest {
            name: name.into(),
            description: String::new(),
            spec: ssh("ops@h", None),
            accept_host_key: None,
        };
        assert_eq!(add(&env, req("default")).await.unwrap_err().code, ErrorCode::EngineNameInvalid);
        contexts::write(&env, "taken", "ssh://x", "", None, None).unwrap();
        assert_eq!(add(&env, req("taken")).await.unwrap_err().code, ErrorCode::EngineExists);
    }
}
