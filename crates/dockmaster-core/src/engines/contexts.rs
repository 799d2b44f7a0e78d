//! The Docker contexts on disk, as the docker CLI keeps them: `contexts/meta/<sha256(name)>/meta.json` and the
//! TLS files in `contexts/tls/<sha256(name)>/docker/`, under `$DOCKER_CONFIG` (else `~/.docker`). Endpoints are
//! resolved by `engine::endpoint` (one reader); this file lists, writes and removes.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::EnginesError;
use crate::engine::endpoint::{context_digest, EndpointEnv, SSH_KEY_FIELD};

/// The metadata field that marks a context Dockmaster created (the only ones it removes without asking).
pub const CREATED_FIELD: &str = "DockmasterCreated";

/// A context as listed: its name, `Endpoints.docker.Host` and metadata.
#[derive(Debug, Clone)]
pub struct Stored {
    pub name: String,
    pub host: String,
    pub description: String,
    pub created_by_dockmaster: bool,
    pub ssh_key: Option<String>,
}

/// The folder holding the contexts.
pub fn config_dir(env: &EndpointEnv) -> Result<PathBuf, EnginesError> {
    env.config_dir().ok_or_else(|| EnginesError::Write {
        what: "the Docker configuration folder".into(),
        message: "neither DOCKER_CONFIG nor HOME is set".into(),
    })
}

fn meta_dir(config: &Path, name: &str) -> PathBuf {
    config.join("contexts/meta").join(context_digest(name))
}

fn tls_dir(config: &Path, name: &str) -> PathBuf {
    config.join("contexts/tls").join(context_digest(name))
}

/// Every readable context, sorted by name (an unreadable one is skipped: `docker context ls` reports it).
pub fn list(env: &EndpointEnv) -> Vec<Stored> {
    let Some(config) = env.config_dir() else { return Vec::new() };
    let mut out: Vec<Stored> = std::fs::read_dir(config.join("contexts/meta"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let text = std::fs::read_to_string(entry.path().join("meta.json")).ok()?;
            let value: Value = serde_json::from_str(&text).ok()?;
            parse(&value)
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn parse(value: &Value) -> Option<Stored> {
    let text = |p: &str| value.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    let name = text("/Name");
    if name.is_empty() {
        return None;
    }
    Some(Stored {
        host: text("/Endpoints/docker/Host"),
        description: text("/Metadata/Description"),
        created_by_dockmaster: value.pointer(&format!("/Metadata/{CREATED_FIELD}")).and_then(Value::as_bool)
            == Some(true),
        ssh_key: Some(text(&format!("/Metadata/{SSH_KEY_FIELD}"))).filter(|k| !k.is_empty()),
        name,
    })
}

/// The context called `name`, if it exists.
pub fn find(env: &EndpointEnv, name: &str) -> Option<Stored> {
    let config = env.config_dir()?;
    let text = std::fs::read_to_string(meta_dir(&config, name).join("meta.json")).ok()?;
    parse(&serde_json::from_str(&text).ok()?)
}

/// TLS files to copy into a new context: (CA, client certificate, client key).
pub struct TlsSource<'a> {
    pub ca: &'a Path,
    pub cert: &'a Path,
    pub key: &'a Path,
}

/// Writes a new context (refused when one of that name exists): its TLS files first, then `meta.json` through a
/// temporary file renamed into place, so a context is never half-written. On failure nothing is left.
pub fn write(
    env: &EndpointEnv,
    name: &str,
    host: &str,
    description: &str,
    ssh_key: Option<&Path>,
    tls: Option<TlsSource<'_>>,
) -> Result<(), EnginesError> {
    let config = config_dir(env)?;
    let meta = meta_dir(&config, name);
    if meta.join("meta.json").exists() {
        return Err(EnginesError::Exists { name: name.to_string() });
    }
    let fail = |what: &Path, e: std::io::Error| EnginesError::Write {
        what: what.display().to_string(),
        message: e.to_string(),
    };
    let tls_root = tls_dir(&config, name);
    let result = (|| {
        if let Some(t) = &tls {
            let dir = tls_root.join("docker");
            create_private_dir(&dir).map_err(|e| fail(&dir, e))?;
            for (from, to) in [(t.ca, "ca.pem"), (t.cert, "cert.pem"), (t.key, "key.pem")] {
                let data = std::fs::read(from).map_err(|e| fail(from, e))?;
                write_private(&dir.join(to), &data).map_err(|e| fail(&dir.join(to), e))?;
            }
        }
        let mut metadata = json!({ "Description": description, CREATED_FIELD: true });
        if let Some(key) = ssh_key {
            metadata[SSH_KEY_FIELD] = json!(key.display().to_string());
        }
        let value = json!({
            "Name": name,
            "Metadata": metadata,
            "Endpoints": { "docker": { "Host": host, "SkipTLSVerify": false } },
        });
        std::fs::create_dir_all(&meta).map_err(|e| fail(&meta, e))?;
        let tmp = meta.join("meta.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec(&value).unwrap_or_default()).map_err(|e| fail(&tmp, e))?;
        std::fs::rename(&tmp, meta.join("meta.json")).map_err(|e| fail(&meta, e))?;
        ensure_config_file(&config).map_err(|e| fail(&config.join("config.json"), e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&meta);
        let _ = std::fs::remove_dir_all(&tls_root);
    }
    result
}

/// An empty `config.json` in the Docker config folder when there is none (the docker CLI writes the same on its
/// first `login` or `context use`): Compose v1's docker-py finds contexts only beside an existing config.json,
/// and says "Context 'NAME' not found" otherwise. An existing file is never touched.
fn ensure_config_file(config: &Path) -> std::io::Result<()> {
    match write_private(&config.join("config.json"), b"{}\n") {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Removes the context's metadata and TLS folders (nothing else).
pub fn remove(env: &EndpointEnv, name: &str) -> Result<(), EnginesError> {
    let config = config_dir(env)?;
    for dir in [meta_dir(&config, name), tls_dir(&config, name)] {
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(EnginesError::Write { what: dir.display().to_string(), message: e.to_string() })
            }
        }
    }
    Ok(())
}

/// `currentContext` of config.json, if set.
pub fn current_in_config(env: &EndpointEnv) -> Option<String> {
    let text = std::fs::read_to_string(env.config_dir()?.join("config.json")).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    value.get("currentContext").and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(data)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::engine::{Endpoint, Transport};

    fn env(dir: &Path) -> EndpointEnv {
        EndpointEnv { docker_config: Some(dir.to_path_buf()), ..Default::default() }
    }

    #[test]
    fn written_contexts_read_back_through_the_endpoint_reader() {
        let cfg = tempfile::tempdir().unwrap();
        let e = env(cfg.path());
        write(&e, "far", "ssh://ops@far.example:2222", "game host", Some(Path::new("/k/id")), None).unwrap();
        let ep = Endpoint::named(&e, "far").unwrap();
        let Transport::Ssh(t) = ep.transport else { panic!() };
        assert_eq!(t.port, Some(2222));
        assert_eq!(t.key_file.as_deref(), Some(Path::new("/k/id")));
        let stored = find(&e, "far").unwrap();
        assert!(stored.created_by_dockmaster);
        assert_eq!((stored.description.as_str(), stored.ssh_key.as_deref()), ("game host", Some("/k/id")));
        assert!(matches!(write(&e, "far", "ssh://x", "", None, None), Err(EnginesError::Exists { .. })));

        let src = tempfile::tempdir().unwrap();
        for f in ["ca", "cert", "key"] {
            std::fs::write(src.path().join(f), f).unwrap();
        }
        let p = |f: &str| src.path().join(f);
        let (ca, cert, key) = (p("ca"), p("cert"), p("key"));
        let tls = TlsSource { ca: &ca, cert: &cert, key: &key };
        write(&e, "secure", "tcp://127.0.0.1:2376", "", None, Some(tls)).unwrap();
        let Transport::Tcp { tls: Some(files), .. } = Endpoint::named(&e, "secure").unwrap().transport else {
            panic!()
        };
        assert_eq!(std::fs::read_to_string(files.key).unwrap(), "key");
        let names: Vec<String> = list(&e).into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["far", "secure"]);

        remove(&e, "secure").unwrap();
        assert!(find(&e, "secure").is_none());
        assert!(!cfg.path().join("contexts/tls").join(context_digest("secure")).exists());
        assert!(find(&e, "far").is_some());
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let cfg = tempfile::tempdir().unwrap();
        let e = env(cfg.path());
        let missing = Path::new("/nonexistent/ca.pem");
        let tls = TlsSource { ca: missing, cert: missing, key: missing };
        let err = write(&e, "broken", "tcp://h:2376", "", None, Some(tls)).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
        assert!(find(&e, "broken").is_none());
        assert!(!cfg.path().join("contexts/tls").join(context_digest("broken")).exists());
    }

    #[test]
    fn writing_a_context_leaves_a_config_json_for_compose_v1_and_never_changes_one() {
        let cfg = tempfile::tempdir().unwrap();
        let e = env(cfg.path());
        write(&e, "far", "ssh://deploy@far.example", "", None, None).unwrap();
        assert_eq!(std::fs::read_to_string(cfg.path().join("config.json")).unwrap(), "{}\n");
        let theirs = r#"{"auths":{"r.example":{}},"currentContext":"far"}"#;
        std::fs::write(cfg.path().join("config.json"), theirs).unwrap();
        write(&e, "near", "ssh://deploy@near.example", "", None, None).unwrap();
        assert_eq!(std::fs::read_to_string(cfg.path().join("config.json")).unwrap(), theirs);
    }

    #[test]
    fn foreign_contexts_are_not_marked() {
        let cfg = tempfile::tempdir().unwrap();
        let dir = cfg.path().join("contexts/meta").join(context_digest("theirs"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("meta.json"),
            r#"{"Name":"theirs","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///x"}}}"#,
        )
        .unwrap();
        std::fs::write(cfg.path().join("config.json"), r#"{"currentContext":"theirs"}"#).unwrap();
        let e = env(cfg.path());
        let s = find(&e, "theirs").unwrap();
        assert!(!s.created_by_dockmaster);
        assert_eq!(current_in_config(&e).as_deref(), Some("theirs"));
    }
}
