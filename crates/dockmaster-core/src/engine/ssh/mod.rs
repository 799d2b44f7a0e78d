//! The SSH transport: the engine API through the system's `ssh … docker system dial-stdio` (as the docker CLI
//! does), the host key checked strictly against `known_hosts` and never a prompt, and ssh's failures as sentences.

pub mod dial;
pub mod hostkey;
#[cfg(unix)]
pub mod relay;

use std::path::PathBuf;
use std::time::Duration;

use super::endpoint::SshTarget;

/// The program run for every SSH connection (found on `PATH`, like the docker CLI does).
pub const SSH: &str = "ssh";

/// The options every connection uses: no prompt of any kind (no password, no passphrase, no "are you sure"),
/// the host key checked strictly against `known_hosts`, no terminal, a bounded connect and liveness.
fn options(target: &SshTarget) -> Vec<String> {
    let mut args: Vec<String> = [
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "ConnectTimeout=10",
        "-o",
        "ServerAliveInterval=10",
        "-o",
        "ServerAliveCountMax=3",
        "-o",
        "ClearAllForwardings=yes",
        "-T",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(port) = target.port {
        args.extend(["-p".to_string(), port.to_string()]);
    }
    if let Some(key) = &target.key_file {
        args.extend(["-i".to_string(), key.display().to_string(), "-o".into(), "IdentitiesOnly=yes".into()]);
    }
    args
}

/// The whole argument vector of a connection to the engine: options, `--`, the destination, the remote
/// `docker [--host=unix://SOCKET] system dial-stdio`.
pub fn dial_args(target: &SshTarget) -> Vec<String> {
    let mut args = options(target);
    args.extend(["--".to_string(), target.destination(), "docker".to_string()]);
    if let Some(socket) = &target.socket {
        args.push(format!("--host=unix://{socket}"));
    }
    args.extend(["system".to_string(), "dial-stdio".to_string()]);
    args
}

/// What ssh's own configuration (`ssh -G`) makes of a target: the host name and port it really connects to,
/// and where it keeps the keys of known hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub hostname: String,
    pub port: u16,
    /// `HostKeyAlias`, when set: the name known_hosts files it under.
    pub host_key_alias: Option<String>,
    /// The first `UserKnownHostsFile`: where an accepted key is recorded.
    pub known_hosts: PathBuf,
}

impl Resolved {
    /// The name `known_hosts` files the host under: `host`, or `[host]:port` off port 22.
    pub fn known_hosts_name(&self) -> String {
        let host = self.host_key_alias.as_deref().unwrap_or(&self.hostname);
        if self.port == 22 {
            host.to_string()
        } else {
            format!("[{host}]:{}", self.port)
        }
    }
}

/// Parses `ssh -G` output.
pub fn parse_resolved(text: &str) -> Option<Resolved> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.split_once(' ').filter(|(k, _)| *k == name).map(|(_, v)| v.trim().to_string()))
    };
    let known_hosts = field("userknownhostsfile")?.split_whitespace().next()?.to_string();
    Some(Resolved {
        hostname: field("hostname")?,
        port: field("port")?.parse().ok()?,
        host_key_alias: field("hostkeyalias").filter(|a| !a.is_empty() && a != "none"),
        known_hosts: PathBuf::from(known_hosts),
    })
}

/// Asks ssh how it would connect to `target` (`ssh -G`: reads the configuration, connects nowhere).
pub async fn resolve(target: &SshTarget) -> Result<Resolved, String> {
    let mut args = options(target);
    args.extend(["-G".to_string(), "--".to_string(), target.destination()]);
    let run = tokio::process::Command::new(SSH).args(&args).stdin(std::process::Stdio::null()).output();
    let out = match tokio::time::timeout(Duration::from_secs(10), run).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(not_runnable(&e)),
        Err(_) => return Err("`ssh -G` did not answer within 10 s".into()),
    };
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("ssh cannot use this address: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    parse_resolved(&text).ok_or_else(|| "`ssh -G` printed no host, port or known_hosts file".into())
}

/// Why ssh could not be started, with the fix.
pub fn not_runnable(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        "the `ssh` program is not installed: install OpenSSH's client (Debian/Ubuntu: `openssh-client`)"
            .into()
    } else {
        format!("cannot run ssh: {e}")
    }
}

/// What went wrong on the SSH side of a connection, read from ssh's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No key of this host is known (strict checking refuses it); the type ssh asked for, e.g. `ssh-ed25519`.
    HostKeyUnknown { key_type: Option<String> },
    /// The host's key differs from the one recorded.
    HostKeyChanged,
    /// Anything else, as a sentence with what to do.
    Other(String),
}

/// Reads ssh's (and the remote `docker`'s) messages; `None` when they name no failure.
pub fn classify(stderr: &str, target: &SshTarget) -> Option<Failure> {
    let text = stderr.trim();
    if text.is_empty() {
        return None;
    }
    let lower = text.to_lowercase();
    if lower.contains("remote host identification has changed")
        || lower.contains("host key for") && lower.contains("has changed")
    {
        return Some(Failure::HostKeyChanged);
    }
    if lower.contains("host key verification failed") || lower.contains("host key is known for") {
        let key_type = text.split_whitespace().skip_while(|w| *w != "No").nth(1).and_then(key_type_of);
        return Some(Failure::HostKeyUnknown { key_type });
    }
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(text).trim();
    let dest = target.destination();
    let sentence = if lower.contains("permission denied") {
        match &target.key_file {
            Some(key) => format!(
                "{dest} refused the key {} ({last}). Add its public key to the remote user's ~/.ssh/authorized_keys, or \
                 give another key",
                key.display()
            ),
            None => format!(
                "{dest} refused every key the SSH agent and ~/.ssh offered ({last}). Load the key with `ssh-add`, give \
                 a key file, or add your public key to the remote user's ~/.ssh/authorized_keys"
            ),
        }
    } else if lower.contains("connection refused") {
        format!(
            "nothing answers SSH at {} ({last}). Check the host and port, and that sshd runs there",
            target.url()
        )
    } else if lower.contains("could not resolve hostname") || lower.contains("name or service not known") {
        format!("the host name `{}` cannot be resolved ({last}). Check its spelling or DNS", target.host)
    } else if lower.contains("timed out") {
        format!("SSH to {} timed out ({last}). Check the host, port and firewall", target.url())
    } else if lower.contains("docker: command not found") || lower.contains("docker: not found") {
        format!("the `docker` command is not installed on {dest} ({last}). Install the Docker CLI and engine there")
    } else if lower.contains("cannot connect to the docker daemon")
        || lower.contains("permission denied while trying to connect")
    {
        format!(
            "SSH works, but `docker` on {dest} cannot reach its engine ({last}). Start Docker there, or give the remote \
             user access to its socket (the `docker` group)"
        )
    } else {
        format!("SSH to {} failed: {last}", target.url())
    };
    Some(Failure::Other(sentence))
}

/// ssh's upper-case key name (`ED25519`, `ECDSA`, `RSA`, `DSA`) as a key type in `known_hosts`.
fn key_type_of(word: &str) -> Option<String> {
    Some(
        match word {
            "ED25519" => "ssh-ed25519",
            "ECDSA" => "ecdsa-sha2-nistp256",
            "RSA" => "ssh-rsa",
            "DSA" => "ssh-dss",
            _ => return None,
        }
        .to_string(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn target() -> SshTarget {
        SshTarget {
            user: Some("ops".into()),
            host: "game1.example".into(),
            port: Some(2222),
            socket: None,
            key_file: Some("/k/id".into()),
        }
    }

    #[test]
    fn dial_args_are_strict_batch_and_end_with_dial_stdio() {
        let mut t = target();
        let args = dial_args(&t);
        let joined = args.join(" ");
        assert!(joined.contains("-o BatchMode=yes -o StrictHostKeyChecking=yes"), "{joined}");
        assert!(joined.contains("-p 2222 -i /k/id -o IdentitiesOnly=yes"), "{joined}");
        assert!(joined.ends_with("-- ops@game1.example docker system dial-stdio"), "{joined}");
        t.socket = Some("/run/user/1000/docker.sock".into());
        t.key_file = None;
        let joined = dial_args(&t).join(" ");
        assert!(
            joined.ends_with("docker --host=unix:///run/user/1000/docker.sock system dial-stdio"),
            "{joined}"
        );
        assert!(!joined.contains("-i "), "{joined}");
    }

    #[test]
    fn ssh_g_output() {
        let text = "user ops\nhostname 10.0.0.5\nport 2222\nuserknownhostsfile /home/ops/.ssh/known_hosts /home/ops/.ssh/known_hosts2\n";
        let r = parse_resolved(text).unwrap();
        assert_eq!(r.known_hosts, PathBuf::from("/home/ops/.ssh/known_hosts"));
        assert_eq!(r.known_hosts_name(), "[10.0.0.5]:2222");
        let r = parse_resolved(&format!("{text}hostkeyalias box\n").replace("port 2222", "port 22")).unwrap();
        assert_eq!(r.known_hosts_name(), "box");
        assert_eq!(parse_resolved("hostname x\n"), None);
    }

    #[test]
    fn ssh_messages_are_classified() {
        let t = target();
        let unknown = "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n";
        assert_eq!(
            classify(unknown, &t),
            Some(Failure::HostKeyUnknown { key_type: Some("ssh-ed25519".into()) })
        );
        let changed = "@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@\nHost key verification failed.\n";
        assert_eq!(classify(changed, &t), Some(Failure::HostKeyChanged));
        for (stderr, want) in [
            ("ops@127.0.0.1: Permission denied (publickey).", "refused the key /k/id"),
            ("ssh: connect to host 127.0.0.1 port 2222: Connection refused", "nothing answers SSH at"),
            ("ssh: Could not resolve hostname nowhere.invalid: Name or service not known", "cannot be resolved"),
            ("bash: line 1: docker: command not found", "is not installed on ops@game1.example"),
            ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?", "cannot reach its engine"),
            ("something odd", "SSH to ssh://ops@game1.example:2222 failed: something odd"),
        ] {
            let Some(Failure::Other(text)) = classify(stderr, &t) else { panic!("{stderr}") };
            assert!(text.contains(want), "{stderr} → {text}");
        }
        assert_eq!(classify("  \n", &t), None);
    }
}
