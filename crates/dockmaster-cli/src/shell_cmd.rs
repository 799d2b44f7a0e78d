//! `dockmaster shell SERVICE [--client] [-- COMMAND…]`: a shell (bash, else sh), the service's database or cache
//! client (credentials in its environment only), or COMMAND, in the service's running container. Interactive —
//! a terminal in raw mode that follows the window's size — when stdin and stdout are terminals; plain pipes
//! otherwise. Output is masked; the exit status is the command's.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use dockmaster_core::engine::ops::ExecOutput;
use dockmaster_core::session::Session;
use dockmaster_core::tools::terminal::exit_status;
use dockmaster_core::tools::ExecRequest;
use tokio::io::AsyncWriteExt;

#[derive(Args)]
pub struct ShellArgs {
    /// The service whose running container to open.
    #[arg(value_name = "SERVICE")]
    service: String,
    /// Open the database or cache client the stack descriptor names for the service (psql, redis-cli…), with
    /// its credentials in the client's environment.
    #[arg(long)]
    client: bool,
    /// The command to run instead of a shell, after `--` (e.g. `-- sh -c 'echo ok'`).
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

pub async fn run(session: &Session, args: ShellArgs, json: bool) -> ExitCode {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let (cols, rows) = if interactive { terminal::size() } else { (0, 0) };
    let request = ExecRequest {
        service: args.service,
        command: args.command,
        client: args.client,
        tty: interactive,
        cols,
        rows,
    };
    let mut exec = or_fail!(json, session.exec_in_service(request).await);
    for warning in &exec.info.warnings {
        eprintln!("dockmaster: warning: {warning}");
    }
    if interactive && !exec.info.credentials.is_empty() {
        eprintln!(
            "dockmaster: {} in {} with {} in its environment",
            exec.info.program,
            exec.info.container,
            exec.info.credentials.join(", ")
        );
    }
    let raw = if interactive { terminal::RawMode::enter() } else { None };

    // Stdin is read on a thread of its own (blocking reads); the channel closing is end of input.
    let (tx, mut typed) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut buf = [0u8; 8192];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.blocking_send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let mut resizes = terminal::Resizes::new(interactive);
    let mut input_open = true;
    let mut broken = None;
    loop {
        tokio::select! {
            piece = exec.output.next() => match piece {
                Some(Ok(ExecOutput::Stdout(b))) => {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(&b).and_then(|()| out.flush());
                }
                Some(Ok(ExecOutput::Stderr(b))) => {
                    let mut err = std::io::stderr().lock();
                    let _ = err.write_all(&b).and_then(|()| err.flush());
                }
                Some(Err(e)) => {
                    broken = Some(e.message);
                    break;
                }
                None => break,
            },
            data = typed.recv(), if input_open => match data {
                Some(data) => {
                    if exec.input.write_all(&data).await.is_err() || exec.input.flush().await.is_err() {
                        input_open = false;
                    }
                }
                None => {
                    input_open = false;
                    let _ = exec.input.shutdown().await;
                }
            },
            () = resizes.next() => {
                let (cols, rows) = terminal::size();
                let _ = exec.control.resize(cols, rows).await;
            }
        }
    }
    drop(raw);
    if let Some(message) = broken {
        eprintln!("dockmaster: the connection to the engine broke: {message}");
        return ExitCode::from(crate::errors::status::UNAVAILABLE);
    }
    match exec.control.exit_code(Duration::from_secs(2)).await {
        Ok(Some(code)) => ExitCode::from(u8::try_from(exit_status(code)).unwrap_or(1)),
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => crate::fail(json, e),
    }
}

/// The controlling terminal: its size, raw mode, and its resizes (SIGWINCH).
#[cfg(unix)]
mod terminal {
    use rustix::termios::{tcgetattr, tcgetwinsize, tcsetattr, OptionalActions, Termios};
    use tokio::signal::unix::{signal, Signal, SignalKind};

    /// Columns and rows of the terminal on stdout (80×24 when it says nothing).
    pub fn size() -> (u16, u16) {
        match tcgetwinsize(std::io::stdout()) {
            Ok(w) if w.ws_col > 0 && w.ws_row > 0 => (w.ws_col, w.ws_row),
            _ => (80, 24),
        }
    }

    /// Raw mode on stdin until dropped: every key (Ctrl-C too) goes to the container's terminal.
    pub struct RawMode(Termios);

    impl RawMode {
        pub fn enter() -> Option<RawMode> {
            let saved = tcgetattr(std::io::stdin()).ok()?;
            let mut raw = saved.clone();
            raw.make_raw();
            tcsetattr(std::io::stdin(), OptionalActions::Now, &raw).ok()?;
            Some(RawMode(saved))
        }
    }

    impl Drop for RawMode {
        fn drop(&mut self) {
            let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &self.0);
        }
    }

    /// The terminal's size changes.
    pub struct Resizes(Option<Signal>);

    impl Resizes {
        pub fn new(interactive: bool) -> Resizes {
            Resizes(if interactive { signal(SignalKind::window_change()).ok() } else { None })
        }

        /// Resolves at the next change (never without a terminal).
        pub async fn next(&mut self) {
            match self.0.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
    }
}

#[cfg(not(unix))]
mod terminal {
    pub fn size() -> (u16, u16) {
        (80, 24)
    }

    pub struct RawMode;

    impl RawMode {
        pub fn enter() -> Option<RawMode> {
            None
        }
    }

    pub struct Resizes;

    impl Resizes {
        pub fn new(_: bool) -> Resizes {
            Resizes
        }

        pub async fn next(&mut self) {
            std::future::pending().await
        }
    }
}
