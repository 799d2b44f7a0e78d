//! The engines Dockmaster can use: the Docker contexts (read as the docker CLI reads them) plus the local
//! `default`; listed with reachability and version, added (SSH or TCP+TLS, the connection tested before the
//! context is written), removed (only what the user names; one Dockmaster did not create only when confirmed),
//! and the engine each project remembers (`choice`).

mod add;
pub mod choice;
pub mod contexts;
mod copy;
mod error;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use add::{add, EngineAdded};
pub use copy::{copy_between, copy_image, CopyError, ImageCopied, ImageCopyEvent};
pub use error::EnginesError;

use crate::engine::client::connect_detailed;
use crate::engine::endpoint::{EndpointEnv, DEFAULT_CONTEXT};
use crate::engine::{ssh, Endpoint, EngineError, Transport};
use crate::error::{ErrorCode, ErrorReport};

/// How an engine is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum EngineKind {
    Socket,
    Ssh,
    Tls,
    Tcp,
}

/// One engine as listed (no secret: paths and addresses only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EngineInfo {
    pub name: String,
    pub kind: EngineKind,
    /// `unix:///var/run/docker.sock`, `ssh://ops@game1:2222`, `tcp://10.0.0.5:2376`.
    pub host: String,
    pub description: String,
    /// The Docker CLI's current context (DOCKER_HOST / DOCKER_CONTEXT / config.json).
    pub current: bool,
    /// Dockmaster wrote this context (removing one it did not needs an explicit confirmation).
    pub created_by_dockmaster: bool,
    /// The key file Dockmaster's own SSH connection uses (else the SSH agent and ssh's defaults).
    pub ssh_key: Option<String>,
    /// Why the context cannot be used as it is written, if it cannot.
    pub invalid: Option<String>,
}

/// An engine with what a connection to it found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EngineStatus {
    pub engine: EngineInfo,
    pub reachable: bool,
    /// The engine's version when reachable.
    pub version: Option<String>,
    /// Why not, when not, with what to do.
    pub error: Option<ErrorReport>,
}

/// What a new engine is.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum EngineSpec {
    /// `user@host[:port]`; the key from the SSH agent (and ssh's defaults), or from `keyFile`.
    #[serde(rename_all = "camelCase")]
    Ssh { destination: String, key_file: Option<String> },
    /// `host:port` of an engine listening with `--tlsverify`, and the client's CA, certificate and key files.
    #[serde(rename_all = "camelCase")]
    Tls { address: String, ca: String, cert: String, key: String },
}

/// A request to add an engine.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EngineAddRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub spec: EngineSpec,
    /// The SSH host key fingerprint (`SHA256:…`) the user accepted after seeing it.
    #[serde(default)]
    pub accept_host_key: Option<String>,
}

/// The name the docker CLI would pick now: DOCKER_HOST means `default`, then DOCKER_CONTEXT, then config.json.
pub fn current_name(env: &EndpointEnv) -> String {
    if env.docker_host.is_some() {
        return DEFAULT_CONTEXT.to_string();
    }
    env.docker_context
        .clone()
        .or_else(|| contexts::current_in_config(env))
        .unwrap_or_else(|| DEFAULT_CONTEXT.to_string())
}

fn kind_of(endpoint: &Endpoint) -> EngineKind {
    match &endpoint.transport {
        Transport::Unix(_) | Transport::NamedPipe(_) => EngineKind::Socket,
        Transport::Ssh(_) => EngineKind::Ssh,
        Transport::Tcp { tls: Some(_), .. } => EngineKind::Tls,
        Transport::Tcp { tls: None, .. } => EngineKind::Tcp,
    }
}

fn info(env: &EndpointEnv, current: &str, stored: Option<&contexts::Stored>, name: &str) -> EngineInfo {
    let endpoint = Endpoint::named(env, name);
    let (kind, host, invalid) = match &endpoint {
        Ok(ep) => (kind_of(ep), ep.url(), None),
        Err(e) => {
            let host = stored.map(|s| s.host.clone()).unwrap_or_default();
            let kind = if host.starts_with("ssh://") { EngineKind::Ssh } else { EngineKind::Tcp };
            (kind, host, Some(e.to_string()))
        }
    };
    EngineInfo {
        name: name.to_string(),
        kind,
        host,
        description: stored.map(|s| s.description.clone()).unwrap_or_else(|| "the local engine".into()),
        current: current == name,
        created_by_dockmaster: stored.is_some_and(|s| s.created_by_dockmaster),
        ssh_key: stored.and_then(|s| s.ssh_key.clone()),
        invalid,
    }
}

/// Every engine, `default` first, without connecting.
pub fn list(env: &EndpointEnv) -> Vec<EngineInfo> {
    let current = current_name(env);
    let mut out = vec![info(env, &current, None, DEFAULT_CONTEXT)];
    out.extend(
        contexts::list(env)
            .iter()
            .filter(|s| s.name != DEFAULT_CONTEXT)
            .map(|s| info(env, &current, Some(s), &s.name)),
    );
    out
}

/// How long a reachability probe may take (an SSH handshake and a remote process need more than a socket).
pub fn probe_timeout(endpoint: &Endpoint) -> Duration {
    Duration::from_secs(if matches!(endpoint.transport, Transport::Ssh(_)) { 15 } else { 5 })
}

/// Connects to one engine: its version, or why not. An SSH engine whose host key is unknown answers
/// `HOST_KEY_UNKNOWN` with the fingerprint to check.
pub async fn probe(env: &EndpointEnv, engine: EngineInfo) -> EngineStatus {
    let unreachable = |engine: EngineInfo, error: ErrorReport| EngineStatus {
        engine,
        reachable: false,
        version: None,
        error: Some(error),
    };
    let endpoint = match Endpoint::named(env, &engine.name) {
        Ok(ep) => ep,
        Err(e) => return unreachable(engine, e.into()),
    };
    match connect_detailed(&endpoint, probe_timeout(&endpoint)).await {
        Ok(c) => EngineStatus { engine, reachable: true, version: Some(c.engine_version), error: None },
        Err((reason, failure)) => {
            let error = match (failure, &endpoint.transport) {
                (Some(ssh::Failure::HostKeyUnknown { key_type }), Transport::Ssh(target)) => {
                    add::unknown_host_key(target, key_type.as_deref()).await
                }
                (Some(ssh::Failure::HostKeyChanged), Transport::Ssh(target)) => {
                    add::changed_host_key(target).await
                }
                _ => EngineError::Unavailable { endpoint: endpoint.url(), reason }.into(),
            };
            unreachable(engine, error)
        }
    }
}

/// Every engine with its reachability and version, probed at the same time.
pub async fn status(env: &EndpointEnv) -> Vec<EngineStatus> {
    let probes = list(env).into_iter().map(|e| probe(env, e));
    futures_util::future::join_all(probes).await
}

/// Tests one engine by name; for an SSH engine whose host key is unknown, `accept` (the fingerprint the user
/// checked) records that key, then it is tested again. Unreachable is a status, not an error; an unknown or
/// changed host key, or an engine that does not exist, is an error.
pub async fn test(env: &EndpointEnv, name: &str, accept: Option<&str>) -> Result<EngineStatus, ErrorReport> {
    let engine = list(env)
        .into_iter()
        .find(|e| e.name == name)
        .ok_or_else(|| ErrorReport::from(EngineError::ContextNotFound { name: name.to_string() }))?;
    let mut status = probe(env, engine.clone()).await;
    if let (
        Some(fingerprint),
        Some(ErrorCode::HostKeyUnknown),
        Ok(Endpoint { transport: Transport::Ssh(target), .. }),
    ) = (accept, status.error.as_ref().map(|e| e.code), Endpoint::named(env, name))
    {
        add::accept_host_key(&target, fingerprint).await?;
        status = probe(env, engine).await;
    }
    match &status.error {
        Some(e) if e.code != ErrorCode::EngineUnavailable => Err(e.clone()),
        _ => Ok(status),
    }
}

/// Removes the engine `name`: only a context Dockmaster created, unless `confirmed` (the user said yes to removing
/// one it did not); never `default`, never the Docker CLI's current context. Its TLS files go with it; keys
/// recorded in known_hosts stay (they belong to the host, not the context).
pub fn remove(env: &EndpointEnv, name: &str, confirmed: bool) -> Result<(), ErrorReport> {
    if name == DEFAULT_CONTEXT {
        return Err(EnginesError::DefaultFixed.into());
    }
    let stored = contexts::find(env, name)
        .ok_or_else(|| ErrorReport::from(EngineError::ContextNotFound { name: name.into() }))?;
    if env.docker_context.as_deref() == Some(name) {
        return Err(EnginesError::InUse { name: name.into(), origin: "DOCKER_CONTEXT".into() }.into());
    }
    if contexts::current_in_config(env).as_deref() == Some(name) {
        return Err(EnginesError::InUse {
            name: name.into(),
            origin: "currentContext in config.json".into(),
        }
        .into());
    }
    if !stored.created_by_dockmaster && !confirmed {
        return Err(EnginesError::NotOurs { name: name.into() }.into());
    }
    Ok(contexts::remove(env, name)?)
}

/// Whether `name` can name a new engine (the docker CLI's rule; `default` is taken).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name != DEFAULT_CONTEXT
        && name.len() >= 2
        && name.len() <= 100
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env(dir: &Path) -> EndpointEnv {
        EndpointEnv { docker_config: Some(dir.to_path_buf()), ..Default::default() }
    }

    #[test]
    fn names() {
        for ok in ["far", "game-1", "a.b_c+d", "x1"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["default", "x", "-far", ".far", "far away", "far/x", ""] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn list_marks_current_and_ours() {
        let cfg = tempfile::tempdir().unwrap();
        let mut e = env(cfg.path());
        contexts::write(&e, "far", "ssh://ops@far.example", "", None, None).unwrap();
        let all = list(&e);
        assert_eq!(all.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["default", "far"]);
        assert!(all[0].current && !all[1].current);
        assert_eq!((all[1].kind, all[1].created_by_dockmaster), (EngineKind::Ssh, true));
        e.docker_context = Some("far".into());
        assert!(list(&e)[1].current);
        e.docker_host = Some("unix:///x.sock".into());
        assert_eq!(current_name(&e), "default");
    }

    #[test]
    fn remove_only_what_may_go() {
        let cfg = tempfile::tempdir().unwrap();
        let mut e = env(cfg.path());
        contexts::write(&e, "ours", "tcp://10.0.0.5:2375", "", None, None).unwrap();
        let theirs = cfg.path().join("contexts/meta").join(crate::engine::endpoint::context_digest("theirs"));
        std::fs::create_dir_all(&theirs).unwrap();
        std::fs::write(
            theirs.join("meta.json"),
            r#"{"Name":"theirs","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///x"}}}"#,
        )
        .unwrap();

        assert_eq!(remove(&e, "default", true).unwrap_err().code, ErrorCode::EngineNameInvalid);
        assert_eq!(remove(&e, "nope", true).unwrap_err().code, ErrorCode::EngineNotFound);
        let err = remove(&e, "theirs", false).unwrap_err();
        assert_eq!(err.code, ErrorCode::EngineNotOurs);
        assert!(err.message.contains("--yes"), "{}", err.message);
        let window = err.window.as_deref().unwrap_or_default();
        assert!(window.contains("confirming the removal") && !window.contains("dockmaster "), "{window}");
        assert!(contexts::find(&e, "theirs").is_some(), "refused = untouched");
        e.docker_context = Some("ours".into());
        assert_eq!(remove(&e, "ours", false).unwrap_err().code, ErrorCode::EngineInUse);
        e.docker_context = None;
        remove(&e, "ours", false).unwrap();
        remove(&e, "theirs", true).unwrap();
        assert_eq!(list(&e).len(), 1);
    }
}
