//! Certificates for the TLS engine tests, made with `openssl` for the run: CAs, engine and client leaves, and
//! `DOCKER_CERT_PATH`-style folders.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `openssl ARGS` in `dir`, failing with its output.
pub fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl (install it: scripts/setup.sh): {e}"));
    assert!(out.status.success(), "openssl {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// A self-signed CA `NAME.pem` with its key `NAME-key.pem`.
pub fn ca(dir: &Path, name: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN=dockmaster test {name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout",
            &format!("{name}-key.pem"),
            "-out",
            &format!("{name}.pem"),
        ],
    );
}

/// A leaf certificate `NAME-cert.pem` (key `NAME-key.pem`) signed by the CA `CA.pem`, for `usage`
/// (`serverAuth` with 127.0.0.1 as its address, or `clientAuth`).
pub fn leaf(dir: &Path, name: &str, ca: &str, usage: &str) {
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            &format!("{name}-key.pem"),
            "-out",
            &format!("{name}.csr"),
        ],
    );
    let ext = format!(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage={usage}\n{}",
        if usage == "serverAuth" { "subjectAltName=IP:127.0.0.1,DNS:localhost\n" } else { "" }
    );
    std::fs::write(dir.join(format!("{name}.ext")), ext).expect("write ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}-key.pem"),
            "-CAcreateserial",
            "-extfile",
            &format!("{name}.ext"),
            "-out",
            &format!("{name}-cert.pem"),
        ],
    );
}

/// A `DOCKER_CERT_PATH` folder: `ca.pem`, `cert.pem`, `key.pem` copied from `dir`.
pub fn cert_path(dir: &Path, name: &str, ca: &str, client: &str) -> PathBuf {
    let out = dir.join(name);
    std::fs::create_dir_all(&out).expect("cert dir");
    for (from, to) in [
        (format!("{ca}.pem"), "ca.pem"),
        (format!("{client}-cert.pem"), "cert.pem"),
        (format!("{client}-key.pem"), "key.pem"),
    ] {
        std::fs::copy(dir.join(&from), out.join(to)).unwrap_or_else(|e| panic!("copy {from}: {e}"));
    }
    out
}

/// dockerd's arguments to listen on `127.0.0.1:port` with TLS verification, with the `ca`, `server` leaf made in
/// `dir` (`ca.pem`, `server-cert.pem`, `server-key.pem`).
pub fn dockerd_tls_args(dir: &Path, port: u16) -> Vec<String> {
    let file = |n: &str| dir.join(n).display().to_string();
    vec![
        "-H".into(),
        format!("tcp://127.0.0.1:{port}"),
        "--tlsverify".into(),
        "--tlscacert".into(),
        file("ca.pem"),
        "--tlscert".into(),
        file("server-cert.pem"),
        "--tlskey".into(),
        file("server-key.pem"),
    ]
}
