//! A bollard client whose every HTTP connection is one `ssh … docker system dial-stdio` child: its stdin and
//! stdout carry the engine API, its stderr is kept (the last lines) to say why a connection failed. The child is
//! killed when its connection is dropped; hyper's pool keeps idle connections for reuse.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bollard::{BollardRequest, Docker, API_DEFAULT_VERSION};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, ChildStdin, ChildStdout};

use super::super::endpoint::SshTarget;

/// How much of ssh's messages is kept (the end).
const STDERR_KEEP: usize = 4096;

/// ssh's last messages, shared by every connection of one client.
#[derive(Clone, Default)]
pub struct Stderr(Arc<Mutex<String>>);

impl Stderr {
    pub fn text(&self) -> String {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn push(&self, chunk: &str) {
        let mut text = self.0.lock().unwrap_or_else(|e| e.into_inner());
        text.push_str(chunk);
        if text.len() > STDERR_KEEP {
            let mut cut = text.len() - STDERR_KEEP;
            while !text.is_char_boundary(cut) {
                cut += 1;
            }
            text.drain(..cut);
        }
    }

    fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The messages of one connection, in place of an earlier one's.
    pub(crate) fn replace(&self, text: &str) {
        self.clear();
        self.push(text);
    }
}

/// Opens connections: one ssh child each.
#[derive(Clone)]
struct Dialer {
    args: Arc<Vec<String>>,
    stderr: Stderr,
}

impl Dialer {
    fn spawn(&self) -> io::Result<Pipe> {
        let mut child = tokio::process::Command::new(super::SSH)
            .args(self.args.iter())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), super::not_runnable(&e)))?;
        let (Some(stdin), Some(stdout), Some(mut err)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(io::Error::other("ssh started without its pipes"));
        };
        let stderr = self.stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            let mut first = true;
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                if first {
                    // The messages of this connection replace an earlier one's.
                    stderr.clear();
                    first = false;
                }
                stderr.push(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Ok(Pipe { _child: child, stdin: Some(TokioIo::new(stdin)), stdout: TokioIo::new(stdout) })
    }
}

impl tower_service::Service<hyper::Uri> for Dialer {
    type Response = Pipe;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Pipe>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let result = self.spawn();
        Box::pin(async move { result })
    }
}

/// One connection: the ssh child's stdout to read, its stdin to write.
struct Pipe {
    _child: Child,
    stdin: Option<TokioIo<ChildStdin>>,
    stdout: TokioIo<ChildStdout>,
}

impl hyper::rt::Read for Pipe {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdout).poll_read(cx, buf)
    }
}

impl Pipe {
    fn stdin(&mut self) -> io::Result<Pin<&mut TokioIo<ChildStdin>>> {
        self.stdin.as_mut().map(Pin::new).ok_or_else(|| io::ErrorKind::BrokenPipe.into())
    }
}

impl hyper::rt::Write for Pipe {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut().stdin() {
            Ok(stdin) => stdin.poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stdin() {
            Ok(stdin) => stdin.poll_flush(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(stdin) = this.stdin.as_mut() {
            if let Poll::Ready(Err(e)) = Pin::new(stdin).poll_shutdown(cx) {
                return Poll::Ready(Err(e));
            }
        }
        // Closing stdin ends the input half; dial-stdio then closes its side.
        this.stdin = None;
        Poll::Ready(Ok(()))
    }
}

impl Connection for Pipe {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// A bollard client for `target` (no I/O yet) and the place ssh's messages land.
pub fn client(target: &SshTarget, timeout_s: u64) -> Result<(Docker, Stderr), String> {
    let stderr = Stderr::default();
    let dialer = Dialer { args: Arc::new(super::dial_args(target)), stderr: stderr.clone() };
    let http = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(std::time::Duration::from_secs(30))
        .build(dialer);
    let docker = Docker::connect_with_custom_transport(
        move |req: BollardRequest| {
            let http = http.clone();
            async move { http.request(req).await.map_err(bollard::errors::Error::from) }
        },
        Some("http://docker.ssh"),
        timeout_s,
        API_DEFAULT_VERSION,
    )
    .map_err(|e| format!("cannot set up the SSH client: {e}"))?;
    Ok((docker, stderr))
}
