//! The signals that end a long-running command the way Ctrl-C does: SIGINT, SIGTERM (a service manager, a
//! `kill`) and SIGHUP (the terminal closed). Every such command listens through [`Interrupts`] and cancels
//! cleanly (Compose stopped and reaped, a region apply rolled back) instead of dying on the spot.

#[cfg(unix)]
use tokio::signal::unix::{signal, Signal, SignalKind};

/// Listens for SIGINT, SIGTERM and SIGHUP from the moment it is made (inside the async runtime) until it is
/// dropped.
pub struct Interrupts {
    #[cfg(unix)]
    int: Option<Signal>,
    #[cfg(unix)]
    term: Option<Signal>,
    #[cfg(unix)]
    hup: Option<Signal>,
}

impl Interrupts {
    /// Starts listening. A signal whose handler cannot be installed keeps its default action (the command
    /// still ends, only without cleaning up).
    pub fn new() -> Interrupts {
        #[cfg(unix)]
        {
            Interrupts {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        Interrupts {}
    }

    /// Resolves with the signal's name when one arrives.
    pub async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = next(&mut self.int) => "SIGINT",
                _ = next(&mut self.term) => "SIGTERM",
                _ = next(&mut self.hup) => "SIGHUP",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// The next interrupt of `interrupts`; never, when there are none (the caller does not listen).
pub async fn next_of(interrupts: &mut Option<Interrupts>) -> &'static str {
    match interrupts {
        Some(i) => i.recv().await,
        None => std::future::pending().await,
    }
}

/// The next delivery of `signal`; never, when its handler could not be installed.
#[cfg(unix)]
async fn next(signal: &mut Option<Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}
