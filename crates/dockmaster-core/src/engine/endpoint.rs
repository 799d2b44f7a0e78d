//! Where the Docker engine is: `DOCKER_HOST`, else the current Docker context, else the platform's default socket;
//! or a Docker context named by the user (`Endpoint::named`), read exactly as the docker CLI reads it.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::EngineError;

/// How to reach the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A Unix socket path.
    Unix(PathBuf),
    /// A Windows named pipe, e.g. `//./pipe/docker_engine`.
    NamedPipe(String),
    /// `host:port`, plain HTTP or TLS.
    Tcp { addr: String, tls: Option<TlsFiles> },
    /// `ssh://[user@]host[:port][/socket]`: the engine API through `ssh … docker system dial-stdio`.
    Ssh(SshTarget),
}

/// An SSH engine address, as a Docker context's `ssh://` host says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// The engine's socket on the remote host (`docker --host unix://PATH system dial-stdio`), if not the default.
    pub socket: Option<String>,
    /// A private key file Dockmaster's own connection uses (`-i`); `None`: the SSH agent and ssh's defaults.
    pub key_file: Option<PathBuf>,
}

impl SshTarget {
    /// `[user@]host`, as ssh takes it.
    pub fn destination(&self) -> String {
        match &self.user {
            Some(u) => format!("{u}@{}", self.host),
            None => self.host.clone(),
        }
    }

    /// The `ssh://` URL a Docker context stores.
    pub fn url(&self) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let user = self.user.as_ref().map(|u| format!("{u}@")).unwrap_or_default();
        format!("ssh://{user}{host}{port}{}", self.socket.as_deref().unwrap_or(""))
    }
}

/// Client certificate files for a TLS endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Which setting chose the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    DockerHost,
    Context(String),
    Default,
}

/// A resolved engine endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub transport: Transport,
    pub source: EndpointSource,
}

/// The settings endpoint resolution reads; [`EndpointEnv::from_process`] takes them from the environment.
#[derive(Debug, Clone, Default)]
pub struct EndpointEnv {
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    pub docker_config: Option<PathBuf>,
    pub docker_cert_path: Option<PathBuf>,
    pub docker_tls_verify: Option<String>,
    pub home: Option<PathBuf>,
}

/// The docker CLI's name for the engine `DOCKER_HOST` or the platform socket points at.
pub const DEFAULT_CONTEXT: &str = "default";

/// The variables by which the docker CLI (and Compose) picks an engine: a child pointed at one engine gets none
/// of the caller's, only the one that names that engine.
pub const ENGINE_VARS: &[&str] =
    &["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS"];

/// `process` without any of [`ENGINE_VARS`].
pub fn without_engine_vars(
    mut process: std::collections::HashMap<String, String>,
) -> std::collections::HashMap<String, String> {
    for var in ENGINE_VARS {
        process.remove(*var);
    }
    process
}

#[cfg(windows)]
const DEFAULT_HOST: &str = "npipe:////./pipe/docker_engine";
#[cfg(not(windows))]
const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

impl EndpointEnv {
    pub fn from_process() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self {
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            docker_config: var("DOCKER_CONFIG").map(PathBuf::from),
            docker_cert_path: var("DOCKER_CERT_PATH").map(PathBuf::from),
            docker_tls_verify: var("DOCKER_TLS_VERIFY"),
            home: var("HOME").or_else(|| var("USERPROFILE")).map(PathBuf::from),
        }
    }

    /// `$DOCKER_CONFIG`, else `~/.docker`.
    pub fn config_dir(&self) -> Option<PathBuf> {
        self.docker_config.clone().or_else(|| self.home.as_ref().map(|h| h.join(".docker")))
    }
}

impl Endpoint {
    /// Resolves the endpoint the way the Docker CLI does.
    pub fn resolve(env: &EndpointEnv) -> Result<Endpoint, EngineError> {
        if let Some(host) = &env.docker_host {
            let tls = if env.docker_tls_verify.is_some() {
                let dir = env.docker_cert_path.clone().or_else(|| env.config_dir());
                Some(tls_files(dir.as_deref(), host, "DOCKER_HOST")?)
            } else {
                None
            };
            let transport = parse_host(host, tls, "DOCKER_HOST")?;
            return Ok(Endpoint { transport, source: EndpointSource::DockerHost });
        }
        if let Some(name) = current_context(env)? {
            if name != DEFAULT_CONTEXT {
                return context_endpoint(env, &name);
            }
        }
        Ok(Endpoint {
            transport: parse_host(DEFAULT_HOST, None, "default")?,
            source: EndpointSource::Default,
        })
    }

    /// The endpoint as a URL (`unix:///var/run/docker.sock`, `tcp://h:2376`).
    pub fn url(&self) -> String {
        match &self.transport {
            Transport::Unix(p) => format!("unix://{}", p.display()),
            Transport::NamedPipe(p) => format!("npipe://{p}"),
            Transport::Tcp { addr, .. } => format!("tcp://{addr}"),
            Transport::Ssh(target) => target.url(),
        }
    }

    /// Whether the engine runs on this machine (its published ports are this host's): a socket or pipe, or TCP
    /// to a loopback address. An SSH engine counts as remote, wherever it is.
    pub fn is_local(&self) -> bool {
        match &self.transport {
            Transport::Unix(_) | Transport::NamedPipe(_) => true,
            Transport::Tcp { addr, .. } => {
                let host = addr.rsplit_once(':').map_or(addr.as_str(), |(h, _)| h).trim_matches(['[', ']']);
                host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
            }
            Transport::Ssh(_) => false,
        }
    }

    /// The endpoint of the engine called `name`: `default` is what the docker CLI's default context is
    /// (`DOCKER_HOST`, else the platform socket); any other name is a Docker context in the configuration folder.
    pub fn named(env: &EndpointEnv, name: &str) -> Result<Endpoint, EngineError> {
        if name == DEFAULT_CONTEXT {
            let env = EndpointEnv { docker_context: None, ..env.clone() };
            if env.docker_host.is_some() {
                return Endpoint::resolve(&env);
            }
            return Ok(Endpoint {
                transport: parse_host(DEFAULT_HOST, None, "default")?,
                source: EndpointSource::Default,
            });
        }
        context_endpoint(env, name)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tls = matches!(&self.transport, Transport::Tcp { tls: Some(_), .. });
        let origin = match &self.source {
            EndpointSource::DockerHost => "from DOCKER_HOST".to_string(),
            EndpointSource::Context(n) => format!("from Docker context `{n}`"),
            EndpointSource::Default => "default socket".to_string(),
        };
        write!(f, "{}{} ({origin})", self.url(), if tls { " with TLS" } else { "" })
    }
}

fn unsupported(host: &str, origin: &str, detail: impl Into<String>) -> EngineError {
    EngineError::UnsupportedEndpoint {
        host: host.to_string(),
        origin: origin.to_string(),
        detail: detail.into(),
        npipe: if cfg!(windows) { " or npipe:////./pipe/docker_engine" } else { "" },
    }
}

/// Parses a `DOCKER_HOST`-style URL.
fn parse_host(host: &str, tls: Option<TlsFiles>, origin: &str) -> Result<Transport, EngineError> {
    let Some((scheme, rest)) = host.split_once("://") else {
        return Err(unsupported(host, origin, "it has no scheme"));
    };
    match scheme {
        "unix" => {
            if rest.is_empty() {
                return Err(unsupported(host, origin, "the socket path is empty"));
            }
            Ok(Transport::Unix(PathBuf::from(rest)))
        }
        "npipe" if cfg!(windows) => Ok(Transport::NamedPipe(rest.to_string())),
        "npipe" => Err(unsupported(host, origin, "named pipes exist only on Windows")),
        "tcp" | "http" | "https" => {
            let authority = rest.split('/').next().unwrap_or_default();
            if authority.is_empty() {
                return Err(unsupported(host, origin, "the host is empty"));
            }
            if scheme == "https" && tls.is_none() {
                return Err(unsupported(
                    host,
                    origin,
                    "https:// needs DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH",
                ));
            }
            let has_port = authority.rsplit_once(':').is_some_and(|(h, p)| {
                !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(':')
            }) && !authority.ends_with(']');
            let addr = if has_port {
                authority.to_string()
            } else {
                format!("{authority}:{}", if tls.is_some() { 2376 } else { 2375 })
            };
            Ok(Transport::Tcp { addr, tls })
        }
        "ssh" => parse_ssh(rest).map(Transport::Ssh).map_err(|detail| unsupported(host, origin, detail)),
        other => Err(unsupported(host, origin, format!("the scheme `{other}://` is not supported"))),
    }
}

/// `[user@]host[:port][/socket]` after `ssh://`.
pub(crate) fn parse_ssh(rest: &str) -> Result<SshTarget, String> {
    let (authority, socket) = match rest.find('/') {
        Some(i) => (&rest[..i], Some(&rest[i..]).filter(|p| !p.trim_matches('/').is_empty())),
        None => (rest, None),
    };
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) if !u.is_empty() => (Some(u.to_string()), h),
        Some(_) => return Err("the user before `@` is empty".into()),
        None => (None, authority),
    };
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (h, after) = inner.split_once(']').ok_or("a `[` without its `]`")?;
        (h, after.strip_prefix(':'))
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err("the host is empty".into());
    }
    if host.starts_with('-') || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{host}` is not a host name"));
    }
    if user
        .as_deref()
        .is_some_and(|u| u.starts_with('-') || u.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err("the user name has a space or starts with `-`".into());
    }
    // The socket path becomes part of the remote command line: plain path characters only.
    if let Some(path) = socket {
        if !path.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)) {
            return Err(format!(
                "the socket path `{path}` may hold only letters, digits, `/`, `.`, `_` and `-`"
            ));
        }
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("the port `{p}` is not 1-65535"))?,
        ),
    };
    Ok(SshTarget { user, host: host.to_string(), port, socket: socket.map(String::from), key_file: None })
}

/// `ca.pem`, `cert.pem` and `key.pem` in `dir`, all present.
fn tls_files(dir: Option<&Path>, host: &str, origin: &str) -> Result<TlsFiles, EngineError> {
    let dir = dir.unwrap_or(Path::new("."));
    let files = TlsFiles { ca: dir.join("ca.pem"), cert: dir.join("cert.pem"), key: dir.join("key.pem") };
    for f in [&files.ca, &files.cert, &files.key] {
        if !f.is_file() {
            return Err(EngineError::TlsFilesMissing {
                host: host.to_string(),
                origin: origin.to_string(),
                missing: f.clone(),
            });
        }
    }
    Ok(files)
}

/// `DOCKER_CONTEXT`, else `currentContext` of the CLI's config.json.
fn current_context(env: &EndpointEnv) -> Result<Option<String>, EngineError> {
    if let Some(name) = &env.docker_context {
        return Ok(Some(name.clone()));
    }
    let Some(path) = env.config_dir().map(|d| d.join("config.json")) else { return Ok(None) };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(EngineError::ConfigInvalid { path, message: e.to_string() }),
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| EngineError::ConfigInvalid {
        path: path.clone(),
        message: format!("invalid JSON: {e}"),
    })?;
    Ok(value.get("currentContext").and_then(|v| v.as_str()).filter(|s| !s.is_empty()).map(String::from))
}

/// The context metadata field holding the SSH key file Dockmaster connects with (the docker CLI keeps metadata
/// fields it does not know).
pub const SSH_KEY_FIELD: &str = "DockmasterSshKey";

/// The folder of a context's files: `contexts/meta/<sha256(name)>` (and `contexts/tls/<sha256(name)>`).
pub fn context_digest(name: &str) -> String {
    format!("{:x}", Sha256::digest(name.as_bytes()))
}

/// The endpoint of a named context, from `contexts/meta/<sha256(name)>/meta.json` (and its TLS files).
fn context_endpoint(env: &EndpointEnv, name: &str) -> Result<Endpoint, EngineError> {
    let invalid = |message: String| EngineError::ContextInvalid { name: name.to_string(), message };
    let dir =
        env.config_dir().ok_or_else(|| invalid("no Docker configuration folder (HOME is not set)".into()))?;
    let digest = context_digest(name);
    let meta = dir.join("contexts/meta").join(&digest).join("meta.json");
    let text = std::fs::read_to_string(&meta).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => EngineError::ContextNotFound { name: name.to_string() },
        _ => invalid(format!("cannot read {}: {e}", meta.display())),
    })?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| invalid(format!("{} is not valid JSON: {e}", meta.display())))?;
    let host = value
        .pointer("/Endpoints/docker/Host")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid(format!("{} has no Endpoints.docker.Host", meta.display())))?;
    let tls_dir = dir.join("contexts/tls").join(&digest).join("docker");
    let origin = format!("Docker context `{name}`");
    let tls = if tls_dir.is_dir() { Some(tls_files(Some(&tls_dir), host, &origin)?) } else { None };
    let mut transport = parse_host(host, tls, &origin)?;
    if let Transport::Ssh(target) = &mut transport {
        target.key_file = value
            .pointer(&format!("/Metadata/{SSH_KEY_FIELD}"))
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
    }
    Ok(Endpoint { transport, source: EndpointSource::Context(name.to_string()) })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(home: &Path) -> EndpointEnv {
        EndpointEnv { home: Some(home.to_path_buf()), ..Default::default() }
    }

    fn write_context(config: &Path, name: &str, host: &str) -> PathBuf {
        let digest = format!("{:x}", Sha256::digest(name.as_bytes()));
        let dir = config.join("contexts/meta").join(&digest);
        std::fs::create_dir_all(&dir).unwrap();
        let meta = serde_json::json!({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}});
        std::fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
        config.join("contexts/tls").join(digest).join("docker")
    }

    #[test]
    fn docker_host_unix_wins() {
        let home = tempfile::tempdir().unwrap();
        let mut e = env(home.path());
        e.docker_host = Some("unix:///tmp/x.sock".into());
        e.docker_context = Some("other".into());
        let ep = Endpoint::resolve(&e).unwrap();
        assert_eq!(ep.transport, Transport::Unix("/tmp/x.sock".into()));
        assert_eq!(ep.source, EndpointSource::DockerHost);
        assert_eq!(ep.to_string(), "unix:///tmp/x.sock (from DOCKER_HOST)");
    }

    #[test]
    fn tcp_default_ports_and_explicit_port() {
        let t = parse_host("tcp://10.0.0.1", None, "x").unwrap();
        assert_eq!(t, Transport::Tcp { addr: "10.0.0.1:2375".into(), tls: None });
        let t = parse_host("tcp://example.com:1234/", None, "x").unwrap();
        assert_eq!(t, Transport::Tcp { addr: "example.com:1234".into(), tls: None });
        let t = parse_host("tcp://[::1]", None, "x").unwrap();
        assert_eq!(t, Transport::Tcp { addr: "[::1]:2375".into(), tls: None });
    }

    #[test]
    fn tls_uses_cert_path_and_2376() {
        let certs = tempfile::tempdir().unwrap();
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(certs.path().join(f), "x").unwrap();
        }
        let e = EndpointEnv {
            docker_host: Some("tcp://engine.example".into()),
            docker_tls_verify: Some("1".into()),
            docker_cert_path: Some(certs.path().to_path_buf()),
            ..Default::default()
        };
        let ep = Endpoint::resolve(&e).unwrap();
        let Transport::Tcp { addr, tls: Some(tls) } = &ep.transport else { panic!("{ep:?}") };
        assert_eq!(addr, "engine.example:2376");
        assert_eq!(tls.key, certs.path().join("key.pem"));
        assert!(ep.to_string().contains("with TLS"));
    }

    #[test]
    fn tls_missing_files_say_which() {
        let certs = tempfile::tempdir().unwrap();
        std::fs::write(certs.path().join("ca.pem"), "x").unwrap();
        let e = EndpointEnv {
            docker_host: Some("tcp://engine.example:2376".into()),
            docker_tls_verify: Some("1".into()),
            docker_cert_path: Some(certs.path().to_path_buf()),
            ..Default::default()
        };
        let err = Endpoint::resolve(&e).unwrap_err().to_string();
        assert!(err.contains("cert.pem is missing"), "{err}");
        assert!(err.contains("DOCKER_CERT_PATH"), "{err}");
    }

    #[test]
    fn ssh_hosts() {
        let t = parse_ssh("ops@game1.example:2222").unwrap();
        assert_eq!((t.user.as_deref(), t.host.as_str(), t.port), (Some("ops"), "game1.example", Some(2222)));
        assert_eq!(t.url(), "ssh://ops@game1.example:2222");
        assert_eq!(t.destination(), "ops@game1.example");
        let t = parse_ssh("[::1]:22/run/docker.sock").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.socket.as_deref()),
            ("::1", Some(22), Some("/run/docker.sock"))
        );
        assert_eq!(t.url(), "ssh://[::1]:22/run/docker.sock");
        let t = parse_ssh("box/").unwrap();
        assert_eq!((t.user, t.port, t.socket), (None, None, None));
        for (bad, want) in [
            ("@box", "user before `@` is empty"),
            ("", "host is empty"),
            ("me@:22", "host is empty"),
            ("-oProxyCommand=x", "is not a host name"),
            ("box:0", "not 1-65535"),
            ("box:http", "not 1-65535"),
            ("box/run/$(reboot).sock", "socket path"),
        ] {
            let err = parse_ssh(bad).unwrap_err();
            assert!(err.contains(want), "{bad}: {err}");
        }
        let e = EndpointEnv { docker_host: Some("ssh://me@box:2200".into()), ..Default::default() };
        let ep = Endpoint::resolve(&e).unwrap();
        assert!(matches!(&ep.transport, Transport::Ssh(t) if t.port == Some(2200)));
        assert!(!ep.is_local());
    }

    #[test]
    fn local_or_remote() {
        let ep = |t: Transport| Endpoint { transport: t, source: EndpointSource::Default };
        assert!(ep(Transport::Unix("/s".into())).is_local());
        assert!(ep(Transport::Tcp { addr: "127.0.0.1:2376".into(), tls: None }).is_local());
        assert!(ep(Transport::Tcp { addr: "[::1]:2375".into(), tls: None }).is_local());
        assert!(ep(Transport::Tcp { addr: "localhost:2375".into(), tls: None }).is_local());
        assert!(!ep(Transport::Tcp { addr: "10.0.0.5:2376".into(), tls: None }).is_local());
    }

    #[test]
    fn named_engines() {
        let cfg = tempfile::tempdir().unwrap();
        write_context(cfg.path(), "far", "ssh://ops@far.example");
        let mut e = EndpointEnv { docker_config: Some(cfg.path().to_path_buf()), ..Default::default() };
        let ep = Endpoint::named(&e, "far").unwrap();
        assert_eq!(ep.source, EndpointSource::Context("far".into()));
        assert!(matches!(ep.transport, Transport::Ssh(ref t) if t.key_file.is_none()));
        // `default` is DOCKER_HOST when set, else the socket; DOCKER_CONTEXT does not redirect it.
        e.docker_context = Some("far".into());
        assert_eq!(Endpoint::named(&e, "default").unwrap().source, EndpointSource::Default);
        e.docker_host = Some("tcp://127.0.0.1:2375".into());
        assert_eq!(Endpoint::named(&e, "default").unwrap().source, EndpointSource::DockerHost);
        let err = Endpoint::named(&e, "nope").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::EngineNotFound);
        assert!(err.to_string().contains("dockmaster engine ls"), "{err}");
    }

    #[test]
    fn unsupported_schemes_are_clear() {
        for (host, want) in [
            ("ssh://@box", "user before `@` is empty"),
            ("fd://", "`fd://` is not supported"),
            ("/var/run/docker.sock", "no scheme"),
            ("unix://", "socket path is empty"),
        ] {
            let e = EndpointEnv { docker_host: Some(host.into()), ..Default::default() };
            let err = Endpoint::resolve(&e).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(want), "{host}: {text}");
            assert!(text.contains("unix:///path/to/docker.sock"), "{text}");
            assert_eq!(err.code(), crate::ErrorCode::EngineEndpointInvalid);
        }
    }

    #[cfg(not(windows))]
    #[test]
    fn npipe_is_windows_only() {
        let e =
            EndpointEnv { docker_host: Some("npipe:////./pipe/docker_engine".into()), ..Default::default() };
        assert!(Endpoint::resolve(&e).unwrap_err().to_string().contains("only on Windows"));
    }

    #[test]
    fn default_socket_without_config() {
        let home = tempfile::tempdir().unwrap();
        let ep = Endpoint::resolve(&env(home.path())).unwrap();
        assert_eq!(ep.source, EndpointSource::Default);
        assert_eq!(ep.url(), DEFAULT_HOST);
    }

    #[test]
    fn current_context_from_config_json() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        write_context(&config, "remote", "tcp://10.1.2.3:2375");
        std::fs::write(config.join("config.json"), r#"{"auths":{},"currentContext":"remote"}"#).unwrap();
        let ep = Endpoint::resolve(&env(home.path())).unwrap();
        assert_eq!(ep.transport, Transport::Tcp { addr: "10.1.2.3:2375".into(), tls: None });
        assert_eq!(ep.source, EndpointSource::Context("remote".into()));
    }

    #[test]
    fn docker_config_and_docker_context_override() {
        let cfg = tempfile::tempdir().unwrap();
        write_context(cfg.path(), "rootless", "unix:///run/user/1000/docker.sock");
        std::fs::write(cfg.path().join("config.json"), r#"{"currentContext":"missing"}"#).unwrap();
        let e = EndpointEnv {
            docker_config: Some(cfg.path().to_path_buf()),
            docker_context: Some("rootless".into()),
            ..Default::default()
        };
        let ep = Endpoint::resolve(&e).unwrap();
        assert_eq!(ep.transport, Transport::Unix("/run/user/1000/docker.sock".into()));
    }

    #[test]
    fn context_tls_files() {
        let cfg = tempfile::tempdir().unwrap();
        let tls = write_context(cfg.path(), "secure", "tcp://h:2376");
        std::fs::create_dir_all(&tls).unwrap();
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(tls.join(f), "x").unwrap();
        }
        let e = EndpointEnv {
            docker_config: Some(cfg.path().to_path_buf()),
            docker_context: Some("secure".into()),
            ..Default::default()
        };
        let Transport::Tcp { tls: Some(files), .. } = Endpoint::resolve(&e).unwrap().transport else {
            panic!()
        };
        assert_eq!(files.ca, tls.join("ca.pem"));
    }

    #[test]
    fn default_context_means_default_socket() {
        let cfg = tempfile::tempdir().unwrap();
        std::fs::write(cfg.path().join("config.json"), r#"{"currentContext":"default"}"#).unwrap();
        let e = EndpointEnv { docker_config: Some(cfg.path().to_path_buf()), ..Default::default() };
        assert_eq!(Endpoint::resolve(&e).unwrap().source, EndpointSource::Default);
    }

    #[test]
    fn missing_context_and_bad_config_are_clear() {
        let cfg = tempfile::tempdir().unwrap();
        std::fs::write(cfg.path().join("config.json"), r#"{"currentContext":"gone"}"#).unwrap();
        let e = EndpointEnv { docker_config: Some(cfg.path().to_path_buf()), ..Default::default() };
        let text = Endpoint::resolve(&e).unwrap_err().to_string();
        assert!(text.contains("Docker context `gone`") && text.contains("docker context ls"), "{text}");

        std::fs::write(cfg.path().join("config.json"), "{not json").unwrap();
        let text = Endpoint::resolve(&e).unwrap_err().to_string();
        assert!(text.contains("config.json") && text.contains("invalid JSON"), "{text}");
    }
}
