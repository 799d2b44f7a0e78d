//! Which links the window may open in the browser: `http(s)` URLs to this machine (loopback) or to the host of
//! one of the user's Docker engines (where a remote engine's published ports are), judged on the parsed URL —
//! never on a pattern of its text (`http://localhost:1@evil.example/` is a link to `evil.example`).

use std::net::IpAddr;

use crate::engine::{Endpoint, EndpointEnv};
use crate::engines;
use crate::region::everywhere::link_host;

/// Why a link is not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{url}: {reason}. Dockmaster opens only http:// and https:// links to this machine (localhost, 127.0.0.1, \
     [::1]) or to the host of one of your Docker engines (the Engines page)"
)]
pub struct LinkError {
    pub url: String,
    pub reason: String,
}

/// The hosts of the user's remote engines (their Docker contexts' SSH or TCP hosts), where their published
/// ports are reached from here.
pub fn engine_hosts(env: &EndpointEnv) -> Vec<String> {
    engines::list(env)
        .iter()
        .filter_map(|e| Endpoint::named(env, &e.name).ok())
        .filter_map(|endpoint| link_host(&endpoint))
        .collect()
}

/// The URL, normalised, when it is an `http`/`https` link to a loopback host, or to one of the user's engine
/// hosts (`engine_hosts`), without user information.
pub fn check_link(text: &str, env: &EndpointEnv) -> Result<String, LinkError> {
    check_link_to(text, &engine_hosts(env))
}

/// `check_link` against a given list of engine hosts (names compared without case, addresses as addresses).
pub fn check_link_to(text: &str, engine_hosts: &[String]) -> Result<String, LinkError> {
    let refuse = |reason: &str| LinkError { url: shown(text), reason: reason.to_string() };
    let url = url::Url::parse(text).map_err(|e| refuse(&format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse(&format!("the scheme `{}` is not http or https", url.scheme())));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it carries a user name or password"));
    }
    let allowed = match url.host() {
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || engine_hosts.iter().any(|h| h.eq_ignore_ascii_case(d))
        }
        Some(url::Host::Ipv4(ip)) => is_loopback_or_engine(IpAddr::V4(ip), engine_hosts),
        Some(url::Host::Ipv6(ip)) => is_loopback_or_engine(IpAddr::V6(ip), engine_hosts),
        None => false,
    };
    if !allowed {
        let host = url.host_str().unwrap_or("");
        return Err(refuse(&format!(
            "its host `{host}` is neither this machine nor one of your engines' hosts"
        )));
    }
    Ok(url.to_string())
}

fn is_loopback_or_engine(ip: IpAddr, engine_hosts: &[String]) -> bool {
    ip.is_loopback() || engine_hosts.iter().any(|h| h.parse::<IpAddr>().is_ok_and(|h| h == ip))
}

/// A refused text as shown in the error: at most 200 characters.
fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(200).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Issue 14, finding 7: the opener's glob patterns let `http://localhost:1@evil.example/` through, and the
    /// `[::1]` pattern was read as a character class.
    #[test]
    fn only_loopback_http_links_open() {
        for ok in [
            "http://localhost:8080/",
            "http://LOCALHOST:3000/x?y=1#z",
            "https://127.0.0.1:8443/",
            "http://127.1.2.3:80",
            "http://[::1]:9090/graph",
        ] {
            assert!(check_link_to(ok, &[]).is_ok(), "{ok}");
        }
        for bad in [
            "http://localhost:1@evil.example/",
            "http://localhost@evil.example/",
            "http://user:pw@localhost:8080/",
            "http://evil.example/?http://localhost:1",
            "http://localhost.evil.example:80/",
            "http://127.0.0.1.nip.io/",
            "http://[::2]:80/",
            "http://1:80/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "ftp://localhost/",
            "http://0.0.0.0:8080/",
            "not a url",
        ] {
            let e = check_link_to(bad, &[]).expect_err(bad);
            assert!(e.to_string().contains("only http:// and https:// links to this machine"), "{e}");
        }
    }

    /// Issue 11: a region on a remote engine is linked at that engine's host; only the hosts of the user's own
    /// engines open, compared as the parsed URL's host.
    #[test]
    fn links_to_an_engines_host_open() {
        let hosts = ["game1.example".to_string(), "10.0.0.5".to_string(), "fd00::5".to_string()];
        for ok in [
            "http://game1.example:18080/",
            "http://GAME1.example:1/x",
            "http://10.0.0.5:8080",
            "http://[fd00::5]:80/",
        ] {
            assert!(check_link_to(ok, &hosts).is_ok(), "{ok}");
        }
        for bad in [
            "http://game1.example.evil:80/",
            "http://evil.example/?game1.example",
            "http://game1.example@evil.example/",
            "http://user@game1.example/",
            "http://10.0.0.6:8080/",
            "http://[fd00::6]/",
            "ftp://game1.example/",
        ] {
            let e = check_link_to(bad, &hosts).expect_err(bad);
            assert!(e.to_string().contains("one of your Docker engines"), "{e}");
        }
    }

    /// The engine hosts come from the Docker contexts as the docker CLI stores them: remote SSH and TCP hosts,
    /// not the local socket.
    #[test]
    fn engine_hosts_are_the_contexts_remote_hosts() {
        use sha2::{Digest, Sha256};
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        for (name, host) in [
            ("game1", "ssh://ops@game1.example:2222"),
            ("tls1", "tcp://10.0.0.5:2376"),
            ("sock", "unix:///run/x.sock"),
        ] {
            let dir = config.join("contexts/meta").join(format!("{:x}", Sha256::digest(name.as_bytes())));
            std::fs::create_dir_all(&dir).unwrap();
            let meta = serde_json::json!({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}});
            std::fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
        }
        let env = EndpointEnv { home: Some(home.path().to_path_buf()), ..Default::default() };
        let mut hosts = engine_hosts(&env);
        hosts.sort();
        assert_eq!(hosts, ["10.0.0.5", "game1.example"]);
        assert!(check_link("http://game1.example:18080/", &env).is_ok());
        assert!(check_link("http://game2.example:18080/", &env).is_err());
    }
}
