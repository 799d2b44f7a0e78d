//! Host keys: what a host offers (`ssh-keyscan`), their SHA256 fingerprints as ssh prints them, and recording
//! the one key the user accepted in the `known_hosts` file ssh reads (nothing else is ever written there).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::Resolved;

/// A public host key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKey {
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`…
    pub key_type: String,
    /// The key blob, base64 as in `known_hosts`.
    pub blob: String,
}

impl HostKey {
    /// `SHA256:…` as `ssh-keygen -l` and ssh's prompts print it (unpadded base64 of the blob's SHA-256).
    pub fn fingerprint(&self) -> Option<String> {
        let raw = base64::engine::general_purpose::STANDARD.decode(self.blob.as_bytes()).ok()?;
        Some(format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(raw))
        ))
    }
}

/// The keys in `ssh-keyscan` output (comment lines and malformed ones skipped).
pub fn parse_scan(text: &str) -> Vec<HostKey> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut fields = l.split_whitespace();
            let (_host, key_type, blob) = (fields.next()?, fields.next()?, fields.next()?);
            let key = HostKey { key_type: key_type.to_string(), blob: blob.to_string() };
            key.fingerprint().map(|_| key)
        })
        .collect()
}

/// The keys `host:port` offers now.
pub async fn scan(resolved: &Resolved) -> Result<Vec<HostKey>, String> {
    let run = tokio::process::Command::new("ssh-keyscan")
        .args(["-T", "5", "-p", &resolved.port.to_string(), &resolved.hostname])
        .stdin(std::process::Stdio::null())
        .output();
    let out = match tokio::time::timeout(Duration::from_secs(15), run).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("`ssh-keyscan` is not installed: install OpenSSH's client (`openssh-client`)".into())
        }
        Ok(Err(e)) => return Err(format!("cannot run ssh-keyscan: {e}")),
        Err(_) => return Err("ssh-keyscan did not answer within 15 s".into()),
    };
    let keys = parse_scan(&String::from_utf8_lossy(&out.stdout));
    if keys.is_empty() {
        return Err(format!(
            "{}:{} offered no host key ({})",
            resolved.hostname,
            resolved.port,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(keys)
}

/// The key ssh will check: the type it asked for when that is offered, else the strongest offered.
pub fn pick<'a>(keys: &'a [HostKey], wanted: Option<&str>) -> Option<&'a HostKey> {
    if let Some(w) = wanted {
        let family = |t: &str| if t.starts_with("ecdsa-sha2-") { "ecdsa" } else { t }.to_string();
        if let Some(k) = keys.iter().find(|k| family(&k.key_type) == family(w)) {
            return Some(k);
        }
    }
    ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"]
        .iter()
        .find_map(|t| keys.iter().find(|k| k.key_type == *t))
        .or_else(|| keys.first())
}

/// Appends `name type blob` to `file` (created with its folder, owner-only, when missing).
pub fn record(file: &Path, name: &str, key: &HostKey) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        if !dir.exists() {
            std::fs::create_dir_all(dir)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            }
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(file)?;
    let existing = std::fs::read(file)?;
    let sep = if existing.is_empty() || existing.ends_with(b"\n") { "" } else { "\n" };
    writeln!(f, "{sep}{name} {} {}", key.key_type, key.blob)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // A real ed25519 public key and the fingerprint `ssh-keygen -lf` prints for it.
    const BLOB: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIGKhuM4cD2Wb6gdaQPdG+efRVRK618WzrPEDU98mIBx9";

    #[test]
    fn fingerprint_is_sha256_unpadded() {
        let k = HostKey { key_type: "ssh-ed25519".into(), blob: BLOB.into() };
        assert_eq!(k.fingerprint().unwrap(), "SHA256:rhS0iwWL4WNZsIEZcumUebRs6oa31TXNJvnjNk0n0Yw");
        assert_eq!(HostKey { key_type: "x".into(), blob: "not base64!".into() }.fingerprint(), None);
    }

    #[test]
    fn scan_output_and_pick() {
        let text = format!(
            "# 127.0.0.1:2222 SSH-2.0-OpenSSH_9.2p1\n[127.0.0.1]:2222 ssh-rsa {BLOB}\n[127.0.0.1]:2222 ecdsa-sha2-nistp256 {BLOB}\n[127.0.0.1]:2222 ssh-ed25519 {BLOB}\ngarbage\n"
        );
        let keys = parse_scan(&text);
        assert_eq!(keys.len(), 3);
        assert_eq!(pick(&keys, None).unwrap().key_type, "ssh-ed25519");
        assert_eq!(pick(&keys, Some("ecdsa-sha2-nistp256")).unwrap().key_type, "ecdsa-sha2-nistp256");
        assert_eq!(pick(&keys, Some("ssh-rsa")).unwrap().key_type, "ssh-rsa");
        assert_eq!(pick(&[], None), None);
    }

    #[test]
    fn record_appends_one_line_in_a_private_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ssh/known_hosts");
        let k = HostKey { key_type: "ssh-ed25519".into(), blob: BLOB.into() };
        record(&file, "[h]:2222", &k).unwrap();
        std::fs::OpenOptions::new().append(true).open(&file).unwrap().write_all(b"other line").unwrap();
        record(&file, "h", &k).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text, format!("[h]:2222 ssh-ed25519 {BLOB}\nother line\nh ssh-ed25519 {BLOB}\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.parent().unwrap()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}
