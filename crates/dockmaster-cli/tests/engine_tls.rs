//! A TLS engine endpoint, as `DOCKER_HOST=tcp://…` + `DOCKER_TLS_VERIFY=1` + `DOCKER_CERT_PATH` set it, against a
//! PRIVATE second dockerd listening on `tcp://127.0.0.1:PORT` with `--tlsverify` (the shared engine is never
//! touched). Certificates (a CA, the engine's and the client's) are made with `openssl` for this run. Through TLS,
//! `status --json` reports `connected` with the engine's version and the project's container, and `status --watch`
//! sees a container started over there, and `preflight` reports the engine's memory (its MemTotal) with its disk
//! not measured; a wrong CA, or a client certificate the engine does not trust, gives a
//! clear error and exit status 4 within seconds, never a hang.

mod engine_support;

use std::process::Command;
use std::time::{Duration, Instant};

use engine_support::tls::{ca, cert_path, dockerd_tls_args, leaf};
use engine_support::*;

fn tls_env<'a>(host: &'a str, certs: &'a str) -> [(&'a str, &'a str); 4] {
    [("DOCKER_HOST", host), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", certs), ("DOCKER_CONTEXT", "")]
}

/// `status --json` with `env`: must fail with exit status 4, quickly; returns stderr.
fn fails_quickly(project: &str, env: &[(&str, &str)]) -> String {
    let started = Instant::now();
    let out = dockmaster(project, &["status", "--json"], env);
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(4),
        "stdout:\n{}\nstderr:\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(took < Duration::from_secs(5), "took {took:?}: {stderr}");
    assert_eq!(json(&out)["error"]["code"], "ENGINE_UNAVAILABLE", "{stderr}");
    stderr
}

#[test]
fn tls_endpoint_with_cert_path() {
    require_engine();
    require_dockerd();

    // Certificates: the engine's CA signs the engine and the client; a stranger CA signs nothing we use.
    let certs = tempfile::tempdir().expect("tempdir");
    let dir = certs.path();
    ca(dir, "ca");
    ca(dir, "stranger");
    leaf(dir, "server", "ca", "serverAuth");
    leaf(dir, "client", "ca", "clientAuth");
    leaf(dir, "rogue", "stranger", "clientAuth");
    let good = cert_path(dir, "good", "ca", "client");
    let wrong_ca = cert_path(dir, "wrong-ca", "stranger", "client");
    let untrusted_client = cert_path(dir, "untrusted-client", "ca", "rogue");

    // The private engine: its own unix socket (for setup) and a TLS-verifying TCP listener.
    let port = free_port();
    let mut engine = PrivateEngine::new();
    engine.start_with("sock", &dockerd_tls_args(dir, port));
    engine.wait_answers("sock");
    let version = engine.docker("sock", &["version", "--format", "{{.Server.Version}}"]).trim().to_string();
    engine.load_demo_image("sock");

    let project = format!("dmtest-tls-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    let run_database = || {
        engine.docker(
            "sock",
            &[
                "run",
                "-d",
                "--network",
                "none",
                "--label",
                &format!("com.docker.compose.project={project}"),
                "--label",
                "com.docker.compose.service=database",
                "--label",
                "com.docker.compose.oneoff=False",
                "--name",
                &format!("{project}-database"),
                IMAGE,
                "sleep",
                "100000",
            ],
        )
    };

    let host = format!("tcp://127.0.0.1:{port}");
    let good_s = good.display().to_string();
    let env = tls_env(&host, &good_s);

    // Through TLS: connected, with the engine's version; nothing of the project there yet.
    let out = dockmaster(&project, &["status", "--json"], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let snap = json(&out);
    assert_eq!(snap["connection"]["status"], "connected", "{snap}");
    assert_eq!(snap["connection"]["engineVersion"], version.as_str(), "{snap}");
    let endpoint = snap["connection"]["endpoint"].as_str().expect("endpoint");
    assert_eq!(endpoint, format!("{host} with TLS (from DOCKER_HOST)"));
    assert_eq!(service(&snap, "database")["state"], "notCreated");

    // Preflight over TLS: the engine's memory (its MemTotal, as the docker CLI reads it through the same
    // endpoint), its disk not measured (TCP, even to loopback, may reach another machine).
    let mem_total = run(Command::new("docker").envs(env).args(["info", "--format", "{{.MemTotal}}"]));
    assert!(mem_total.status.success(), "{}", String::from_utf8_lossy(&mem_total.stderr));
    let mem_total: u64 = String::from_utf8_lossy(&mem_total.stdout).trim().parse().expect("MemTotal bytes");
    let out = dockmaster(&project, &["--json", "preflight", "--profile", "development"], &env);
    let r = json(&out);
    assert_eq!(r["memory"]["availableMib"].as_u64(), Some(mem_total / (1024 * 1024)), "{r}");
    assert!(r["memory"]["basis"].as_str().unwrap_or_default().contains("memory in all on the engine"), "{r}");
    assert!(r["disk"].is_null(), "this machine's disk is not reported: {r}");
    assert!(r["warnings"].as_array().into_iter().flatten().any(|w| w["code"] == "DISK_UNMEASURED"), "{r}");

    // Events over TLS: a container started on that engine reaches `status --watch`.
    let mut w = Watcher::start(&project, &["status", "--watch", "--json"], &env);
    w.wait_for("the first sync", Duration::from_secs(15), |v| v["kind"] == "synced");
    run_database();
    let up = w.wait_for("database running", Duration::from_secs(15), |v| {
        is_service(v, "database") && v["service"]["state"] == "running"
    });
    assert_eq!(up["container"], format!("{project}-database"), "{up}");
    w.stop();
    // And the list + inspect of a fresh snapshot, over TLS too.
    let snap = json(&dockmaster(&project, &["status", "--json"], &env));
    assert_eq!(service(&snap, "database")["state"], "running", "{snap}");

    // A CA that did not sign the engine's certificate: refused, clearly, at once.
    let wrong_s = wrong_ca.display().to_string();
    let stderr = fails_quickly(&project, &tls_env(&host, &wrong_s));
    assert!(stderr.contains("TLS"), "{stderr}");
    assert!(stderr.contains("not signed by the CA"), "{stderr}");
    assert!(!stderr.contains("Start Docker"), "not an engine-down hint: {stderr}");
    assert!(stderr.contains(&format!("{}/ca.pem", wrong_s)), "{stderr}");

    // A client certificate the engine does not trust: the engine refuses it, clearly, at once.
    let untrusted_s = untrusted_client.display().to_string();
    let stderr = fails_quickly(&project, &tls_env(&host, &untrusted_s));
    assert!(stderr.contains("TLS"), "{stderr}");
    assert!(stderr.contains("client certificate"), "{stderr}");
    assert!(stderr.contains(&format!("{}/cert.pem", untrusted_s)), "{stderr}");

    // Plain HTTP to the TLS port (DOCKER_TLS_VERIFY unset): a clear error too.
    let plain = [("DOCKER_HOST", host.as_str()), ("DOCKER_TLS_VERIFY", ""), ("DOCKER_CONTEXT", "")];
    let stderr = fails_quickly(&project, &plain);
    assert!(stderr.contains("DOCKER_TLS_VERIFY"), "{stderr}");

    engine.stop();
}
