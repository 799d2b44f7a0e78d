//! A running Compose child: its own process group (so a cancel reaches `docker` and its `docker-compose`
//! plugin alike), its stdout and stderr as lines, and a termination that always ends in a reaped child —
//! SIGTERM to the group, SIGKILL after the grace period. It inherits the operation lock's descriptor, so the
//! lock is held as long as any process of Compose lives, even when Dockmaster itself is killed.

use std::process::{ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use super::compose::Invocation;
use super::env::ChildEnv;
use super::error::{LifecycleError, Result};
use super::lock::OperationLock;

/// Compose spawns one at a time: while one lock's descriptor is inheritable, no other Compose (of another
/// project, in the app) may start and take it along.
static SPAWN: Mutex<()> = Mutex::new(());

/// Which stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

pub struct ComposeChild {
    child: Child,
    /// The process group (= the child's PID) on Unix.
    pgid: Option<i32>,
}

/// The child's output, line by line, until both streams close.
pub type Lines = mpsc::UnboundedReceiver<(Stream, String)>;

impl ComposeChild {
    /// Starts Compose. With `lock`, the child inherits the lock's descriptor (it is inheritable only for
    /// the spawn) and the lock file records the child's PID.
    pub fn spawn(
        inv: &Invocation,
        env: &ChildEnv,
        lock: Option<&mut OperationLock>,
    ) -> Result<(ComposeChild, Lines)> {
        let mut cmd = Command::new(&inv.program);
        cmd.args(&inv.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A backstop only: the owner terminates the group and reaps the child itself.
            .kill_on_drop(true);
        env.apply(&mut cmd);
        #[cfg(unix)]
        cmd.process_group(0);
        let spawn_error = |detail: String| LifecycleError::Spawn { command: inv.display(), detail };
        let spawned = {
            let _one_at_a_time = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
            #[cfg(unix)]
            if let Some(lock) = lock.as_deref() {
                lock.set_inheritable(true)
                    .map_err(|e| spawn_error(format!("cannot pass the operation lock on: {e}")))?;
            }
            let spawned = cmd.spawn();
            #[cfg(unix)]
            if let Some(lock) = lock.as_deref() {
                // Failing to restore only means a later child could inherit the lock too; never fatal.
                let _ = lock.set_inheritable(false);
            }
            spawned
        };
        let mut child = spawned.map_err(|e| LifecycleError::Spawn {
            command: inv.display(),
            detail: if e.kind() == std::io::ErrorKind::NotFound {
                format!("`{}` is not on PATH. {}", inv.program, super::error::INSTALL_HINT)
            } else {
                e.to_string()
            },
        })?;
        if let (Some(lock), Some(pid)) = (lock, child.id()) {
            // Diagnostics only: a refused operation names Compose's PID.
            let _ = lock.record_child(pid);
        }
        let pgid = child.id().and_then(|id| i32::try_from(id).ok());
        let (tx, lines) = mpsc::unbounded_channel();
        if let Some(out) = child.stdout.take() {
            tokio::spawn(read_lines(out, Stream::Stdout, tx.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(read_lines(err, Stream::Stderr, tx));
        }
        Ok((ComposeChild { child, pgid }, lines))
    }

    /// The child's PID (for diagnostics).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Waits for the child to exit by itself.
    pub async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        let status = self.child.wait().await;
        // The plugin process may outlive `docker` for a moment: give the group the same end.
        self.reap_group(Duration::from_secs(2)).await;
        status
    }

    /// SIGTERM to the process group; SIGKILL after `grace`; always reaped. `None` if waiting failed.
    pub async fn terminate(&mut self, grace: Duration) -> Option<ExitStatus> {
        self.signal(Signal::Term);
        let status = match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(Ok(status)) => Some(status),
            Ok(Err(_)) | Err(_) => {
                self.signal(Signal::Kill);
                let _ = self.child.start_kill();
                self.child.wait().await.ok()
            }
        };
        self.reap_group(grace).await;
        status
    }

    /// After the leader exited: waits up to `grace` for the rest of its group, then kills what is left.
    async fn reap_group(&mut self, grace: Duration) {
        #[cfg(unix)]
        {
            let Some(pgid) = self.pgid else { return };
            let deadline = tokio::time::Instant::now() + grace;
            while group_alive(pgid) {
                if tokio::time::Instant::now() >= deadline {
                    self.signal(Signal::Kill);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        #[cfg(not(unix))]
        let _ = grace;
    }

    fn signal(&self, signal: Signal) {
        #[cfg(unix)]
        if let Some(pid) = self.pgid.and_then(rustix::process::Pid::from_raw) {
            let sig = match signal {
                Signal::Term => rustix::process::Signal::TERM,
                Signal::Kill => rustix::process::Signal::KILL,
            };
            // ESRCH: the group is gone already.
            let _ = rustix::process::kill_process_group(pid, sig);
        }
        #[cfg(not(unix))]
        let _ = signal;
    }
}

#[derive(Clone, Copy)]
enum Signal {
    Term,
    Kill,
}

/// Whether a live (not zombie) process of the group remains. Linux reads `/proc/*/stat`, where a zombie
/// that waits for its new parent to reap it does not count; elsewhere a null signal tells.
#[cfg(unix)]
fn group_alive(pgid: i32) -> bool {
    #[cfg(target_os = "linux")]
    if let Ok(entries) = std::fs::read_dir("/proc") {
        return entries.flatten().any(|e| {
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { return false };
            // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
            let Some((_, rest)) = stat.rsplit_once(") ") else { return false };
            let mut fields = rest.split_whitespace();
            let state = fields.next();
            let pgrp = fields.nth(1).and_then(|p| p.parse::<i32>().ok());
            pgrp == Some(pgid) && state != Some("Z") && state != Some("X")
        });
    }
    rustix::process::Pid::from_raw(pgid)
        .is_some_and(|pid| rustix::process::test_kill_process_group(pid).is_ok())
}

async fn read_lines(
    stream: impl AsyncRead + Unpin,
    which: Stream,
    tx: mpsc::UnboundedSender<(Stream, String)>,
) {
    let mut reader = BufReader::new(stream);
    let mut buf: Vec<u8> = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&buf);
                // v1 ends progress lines with `\r`; several can share one `\n`.
                for part in text.trim_end_matches('\n').split('\r') {
                    if !part.trim().is_empty() && tx.send((which, part.to_string())).is_err() {
                        return;
                    }
                }
            }
        }
    }
}
