//! Bad engine endpoints give a clear error and exit status 4 quickly, never a hang: a missing socket, an
//! unsupported scheme, an SSH host where nothing answers, a refused TCP port, and a TCP peer that accepts but
//! never answers. No engine needed.

mod engine_support;

use std::time::{Duration, Instant};

use engine_support::*;

/// Runs `status` (and `status --watch`) with DOCKER_HOST set; returns (stderr, JSON error) of the one-shot run.
fn fails(host: &str, within: Duration) -> (String, serde_json::Value) {
    let env = [("DOCKER_HOST", host), ("DOCKER_TLS_VERIFY", ""), ("DOCKER_CONTEXT", "")];
    for args in [&["status"][..], &["status", "--watch", "--json"][..]] {
        let started = Instant::now();
        let out = dockmaster("dmtest-endpoints", args, &env);
        let took = started.elapsed();
        assert_eq!(
            out.status.code(),
            Some(4),
            "{args:?} with {host}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(took < within, "{args:?} with {host} took {took:?}");
    }
    let out = dockmaster("dmtest-endpoints", &["status", "--json"], &env);
    assert_eq!(out.status.code(), Some(4));
    (String::from_utf8_lossy(&out.stderr).into_owned(), json(&out))
}

#[test]
fn missing_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("docker.sock");
    let (stderr, j) = fails(&format!("unix://{}", sock.display()), Duration::from_secs(3));
    assert_eq!(j["error"]["code"], "ENGINE_UNAVAILABLE");
    assert!(stderr.contains(&format!("there is no Docker socket at {}", sock.display())), "{stderr}");
    assert!(stderr.contains("Start Docker") && stderr.contains("DOCKER_HOST"), "{stderr}");
}

#[test]
fn unsupported_scheme() {
    let (stderr, j) = fails("fd://", Duration::from_secs(3));
    assert_eq!(j["error"]["code"], "ENGINE_ENDPOINT_INVALID");
    assert!(stderr.contains("unsupported Docker endpoint `fd://` (DOCKER_HOST)"), "{stderr}");
    assert!(stderr.contains("the scheme `fd://` is not supported"), "{stderr}");
    assert!(stderr.contains("unix:///path/to/docker.sock"), "{stderr}");
}

#[test]
fn ssh_host_refusing() {
    // ssh:// is supported (through the system ssh); a host where nothing answers SSH fails fast and says so.
    let port = free_port();
    let host = format!("ssh://someone@127.0.0.1:{port}");
    let (stderr, j) = fails(&host, Duration::from_secs(5));
    assert_eq!(j["error"]["code"], "ENGINE_UNAVAILABLE");
    assert!(stderr.contains(&format!("nothing answers SSH at {host}")), "{stderr}");
    assert!(stderr.contains("sshd runs there"), "{stderr}");
}

#[test]
fn tcp_refused() {
    // A port nothing listens on (bound, then released).
    let port = free_port();
    let (stderr, j) = fails(&format!("tcp://127.0.0.1:{port}"), Duration::from_secs(3));
    assert_eq!(j["error"]["code"], "ENGINE_UNAVAILABLE");
    assert!(stderr.contains(&format!("tcp://127.0.0.1:{port}")), "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");
}

#[test]
fn tcp_peer_that_never_answers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Accept connections and hold them open without a byte of answer.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let (stderr, _) = fails(&format!("tcp://127.0.0.1:{port}"), Duration::from_secs(5));
    assert!(stderr.contains("no answer within 2000 ms"), "{stderr}");
}
