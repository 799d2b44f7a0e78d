//! A local relay to an SSH engine for the programs Dockmaster starts (Compose, v1 and v2): a Unix socket in a
//! private folder whose every connection is one `ssh … docker system dial-stdio` child with the same arguments
//! as Dockmaster's own API client (key file, strict host key, no prompt), so the child needs neither the agent nor
//! paramiko. The relay lives as long as its [`Relay`] guard: dropped, the listener closes, the ssh children are
//! killed and the socket and its folder are removed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::{JoinHandle, JoinSet};

use super::super::endpoint::{context_digest, SshTarget};
use super::dial::Stderr;

/// The socket's file name inside the relay's folder.
const SOCKET: &str = "docker.sock";

/// One running relay (see the module doc). Not `Clone`: one owner, whose drop ends it.
pub struct Relay {
    dir: PathBuf,
    socket: PathBuf,
    stderr: Stderr,
    target: SshTarget,
    task: JoinHandle<()>,
}

impl Relay {
    /// Listens on a new socket for `target` (named `engine` for the folder's name) and relays every connection.
    /// Must be called inside a Tokio runtime. `process` is the caller's environment (for `XDG_RUNTIME_DIR`).
    pub fn start(
        target: &SshTarget,
        engine: &str,
        process: &HashMap<String, String>,
    ) -> Result<Relay, String> {
        let parent = parent_dir(process);
        create_private(&parent, true)?;
        let dir = parent.join(folder_name(std::process::id(), engine, fastrand::u32(..)));
        create_private(&dir, false)?;
        let socket = dir.join(SOCKET);
        let listener = match UnixListener::bind(&socket) {
            Ok(l) => l,
            Err(e) => {
                let _ = std::fs::remove_dir(&dir);
                return Err(format!("cannot listen on {}: {e}", socket.display()));
            }
        };
        let stderr = Stderr::default();
        let args = Arc::new(super::dial_args(target));
        let task = tokio::spawn(serve(listener, args, stderr.clone()));
        Ok(Relay { dir, socket, stderr, target: target.clone(), task })
    }

    /// The socket the child is given.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// What went wrong on the SSH side of the last relayed connection, as a sentence (`None`: nothing).
    pub fn failure(&self) -> Option<String> {
        let text = self.stderr.text();
        super::classify(&text, &self.target).map(|f| crate::engine::client::ssh_reason(&self.target, &f))
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet: every connection task is aborted and its ssh child killed.
        self.task.abort();
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// `process` pointed at the relay: `DOCKER_HOST=unix://SOCKET`, and no context or TLS setting that could
/// point it elsewhere.
pub fn point_at_relay(process: HashMap<String, String>, socket: &Path) -> HashMap<String, String> {
    let mut process = super::super::endpoint::without_engine_vars(process);
    process.insert("DOCKER_HOST".into(), format!("unix://{}", socket.display()));
    process
}

/// Where relay folders go: `$XDG_RUNTIME_DIR/dockmaster` when that is an absolute folder, else the temp dir
/// itself (each relay's own folder is private either way).
pub fn parent_dir(process: &HashMap<String, String>) -> PathBuf {
    process
        .get("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute() && d.is_dir())
        .map(|d| d.join("dockmaster"))
        .unwrap_or_else(std::env::temp_dir)
}

/// A relay folder's name: unique per process (`pid`) and engine (a digest of its name, never the name or a
/// secret), and per relay (`nonce`).
pub fn folder_name(pid: u32, engine: &str, nonce: u32) -> String {
    let digest = context_digest(engine);
    format!("dm-relay-{pid}-{}-{nonce:08x}", &digest[..12])
}

/// Creates `dir` readable by its owner only (0700). `shared`: it may exist already (the parent), and is then
/// left as it is unless it is ours to tighten.
fn create_private(dir: &Path, shared: bool) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let made = std::fs::DirBuilder::new().mode(0o700).create(dir);
    match made {
        Ok(()) => Ok(()),
        Err(e) if shared && e.kind() == std::io::ErrorKind::AlreadyExists => {
            if dir == std::env::temp_dir() {
                return Ok(());
            }
            let meta = std::fs::metadata(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            if meta.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
                    format!("{} is readable by other users and cannot be made private: {e}", dir.display())
                })?;
            }
            Ok(())
        }
        Err(e) => Err(format!("cannot create the private folder {}: {e}", dir.display())),
    }
}

/// Accepts connections until aborted; each is relayed on its own task (aborted with this one).
async fn serve(listener: UnixListener, args: Arc<Vec<String>>, stderr: Stderr) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(relay_one(stream, args.clone(), stderr.clone()));
                }
                Err(e) => {
                    stderr.replace(&format!("the local relay stopped accepting connections: {e}"));
                    break;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Keep the established connections until the guard aborts this task.
    while connections.join_next().await.is_some() {}
}

/// One connection: byte for byte to and from a fresh ssh child, until ssh's output ends (the engine's side is
/// done, or ssh failed); ssh's messages are kept as they come.
async fn relay_one(stream: UnixStream, args: Arc<Vec<String>>, stderr: Stderr) {
    let spawned = tokio::process::Command::new(super::SSH)
        .args(args.iter())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            stderr.replace(&super::not_runnable(&e));
            return;
        }
    };
    let (Some(mut stdin), Some(mut stdout), Some(err)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return;
    };
    tokio::spawn(keep_messages(err, stderr));
    let (mut from_client, mut to_client) = stream.into_split();
    let downstream = async {
        let _ = tokio::io::copy(&mut stdout, &mut to_client).await;
        let _ = to_client.shutdown().await;
    };
    let upstream = async move {
        let _ = tokio::io::copy(&mut from_client, &mut stdin).await;
        // The client is done writing: closing ssh's input tells dial-stdio so; its output still comes.
        drop(stdin);
        std::future::pending::<()>().await;
    };
    tokio::select! {
        () = downstream => {}
        () = upstream => {}
    }
    // ssh's output ended: let it exit by itself (its last messages are read), else end it.
    if tokio::time::timeout(Duration::from_secs(2), child.wait()).await.is_err() {
        let _ = child.kill().await;
    }
}

/// ssh's messages of one connection, as they come, in place of an earlier connection's.
async fn keep_messages(mut err: tokio::process::ChildStderr, stderr: Stderr) {
    let mut buf = [0u8; 1024];
    let mut first = true;
    while let Ok(n) = err.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let chunk = String::from_utf8_lossy(&buf[..n]);
        if first {
            stderr.replace(&chunk);
            first = false;
        } else {
            stderr.push(&chunk);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn children_are_pointed_at_the_socket_only() {
        let process: HashMap<String, String> = [
            ("DOCKER_HOST", "ssh://ops@far"),
            ("DOCKER_CONTEXT", "far"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/certs"),
            ("DOCKER_CONFIG", "/cfg"),
            ("PATH", "/bin"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let env = point_at_relay(process, Path::new("/run/user/1/dockmaster/r/docker.sock"));
        assert_eq!(
            env.get("DOCKER_HOST").map(String::as_str),
            Some("unix:///run/user/1/dockmaster/r/docker.sock")
        );
        for gone in ["DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"] {
            assert!(!env.contains_key(gone), "{gone}");
        }
        assert_eq!(env.get("DOCKER_CONFIG").map(String::as_str), Some("/cfg"));
        assert_eq!(env.get("PATH").map(String::as_str), Some("/bin"));
    }

    #[test]
    fn folder_names_are_unique_per_process_and_engine_and_name_no_engine() {
        let a = folder_name(42, "far", 1);
        assert!(a.starts_with("dm-relay-42-") && a.ends_with("-00000001"), "{a}");
        assert!(!a.contains("far"), "{a}");
        assert_ne!(a, folder_name(43, "far", 1));
        assert_ne!(a, folder_name(42, "near", 1));
        assert_ne!(a, folder_name(42, "far", 2));
    }

    #[test]
    fn the_folder_is_under_the_runtime_dir_else_the_temp_dir() {
        let dir = std::env::temp_dir();
        let with: HashMap<String, String> =
            [("XDG_RUNTIME_DIR".to_string(), dir.display().to_string())].into_iter().collect();
        assert_eq!(parent_dir(&with), dir.join("dockmaster"));
        let relative: HashMap<String, String> =
            [("XDG_RUNTIME_DIR".to_string(), "run".to_string())].into_iter().collect();
        assert_eq!(parent_dir(&relative), std::env::temp_dir());
        assert_eq!(parent_dir(&HashMap::new()), std::env::temp_dir());
    }

    /// A relay with a private folder, whose connection runs `ssh` (here: to nowhere, so ssh fails): its words
    /// come back as the failure, and dropping the guard removes the socket and its folder.
    #[tokio::test]
    async fn relays_ssh_failure_in_words_and_cleans_up() {
        use std::os::unix::fs::PermissionsExt;
        use tokio::io::AsyncWriteExt;
        // Removed when dropped, also when an assertion fails.
        let tmp = tempfile::tempdir().unwrap();
        let runtime = tmp.path().to_path_buf();
        let process: HashMap<String, String> =
            [("XDG_RUNTIME_DIR".to_string(), runtime.display().to_string())].into_iter().collect();
        let target = SshTarget {
            user: Some("nobody".into()),
            host: "127.0.0.1".into(),
            port: Some(1), // nothing listens there
            socket: None,
            key_file: None,
        };
        let relay = Relay::start(&target, "far", &process).unwrap();
        let socket = relay.socket().to_path_buf();
        let dir = socket.parent().unwrap().to_path_buf();
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(
            std::fs::metadata(runtime.join("dockmaster")).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let mut conn = UnixStream::connect(&socket).await.unwrap();
        let _ = conn.write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n").await;
        let mut answer = Vec::new();
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(30), conn.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the relay hung instead of closing the connection");
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
        let mut failure = None;
        for _ in 0..50 {
            failure = relay.failure();
            if failure.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let failure = failure.unwrap();
        assert!(failure.contains("nothing answers SSH at ssh://nobody@127.0.0.1:1"), "{failure}");
        drop(relay);
        assert!(!socket.exists() && !dir.exists(), "the relay's socket or folder is left");
        assert_eq!(std::fs::read_dir(runtime.join("dockmaster")).unwrap().count(), 0, "nothing else left");
    }
}
