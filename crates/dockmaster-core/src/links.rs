//! Which links the window may open in the browser: `http(s)` URLs to this machine (loopback) only, judged on
//! the parsed URL — never on a pattern of its text (`http://localhost:1@evil.example/` is a link to
//! `evil.example`).

use std::net::IpAddr;

/// Why a link is not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url}: {reason}. Dockmaster opens only http:// and https:// links to this machine (localhost, 127.0.0.1, [::1])")]
pub struct LinkError {
    pub url: String,
    pub reason: String,
}

/// The URL, normalised, when it is an `http`/`https` link to a loopback host without user information.
pub fn check_local_link(text: &str) -> Result<String, LinkError> {
    let refuse = |reason: &str| LinkError { url: shown(text), reason: reason.to_string() };
    let url = url::Url::parse(text).map_err(|e| refuse(&format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse(&format!("the scheme `{}` is not http or https", url.scheme())));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it carries a user name or password"));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    if !loopback {
        return Err(refuse(&format!("its host `{}` is not this machine", url.host_str().unwrap_or(""))));
    }
    Ok(url.to_string())
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
            assert!(check_local_link(ok).is_ok(), "{ok}");
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
            let e = check_local_link(bad).expect_err(bad);
            assert!(e.to_string().contains("only http:// and https:// links to this machine"), "{e}");
        }
    }
}
