//! Running one operation from the terminal: its events printed as they come (progress lines or JSON lines),
//! Ctrl-C, SIGTERM or SIGHUP cancelling it, the result and its exit status last.

use std::io::Write;
use std::process::ExitCode;

use dockmaster_core::lifecycle::{EventKind, LifecycleEvent, OperationResult, Outcome};
use dockmaster_core::session::{OperationRequest, Session};
use tokio::sync::mpsc;

use super::failure::error;
use super::output::{json_line, plain, Line};
use crate::signals::Interrupts;
use crate::status;

/// Runs one operation, printing its events as they come; Ctrl-C, SIGTERM or SIGHUP cancels it.
pub(super) async fn operation(session: &Session, req: OperationRequest, json: bool) -> ExitCode {
    let (tx, mut rx) = mpsc::unbounded_channel::<LifecycleEvent>();
    let run = session.run(req, move |e| drop(tx.send(e)));
    tokio::pin!(run);
    let mut interrupts = Interrupts::new();
    let mut cancelling = false;
    let mut printer = Printer::default();
    let result = loop {
        tokio::select! {
            Some(event) = rx.recv() => printer.event(&event, json),
            result = &mut run => break result,
            signal = interrupts.recv(), if !cancelling => {
                cancelling = true;
                session.cancel();
                if !json {
                    // The terminal may be gone (SIGHUP): never fail on writing this.
                    let _ = writeln!(std::io::stderr(), "dockmaster: {signal}: cancelling: stopping Compose…");
                }
            }
        }
    };
    while let Ok(event) = rx.try_recv() {
        printer.event(&event, json);
    }
    printer.finish(json);
    match result {
        Ok(r) => {
            if json {
                json_line(&Line::Result { result: &r });
            } else {
                print_result(&r);
            }
            match r.outcome {
                Outcome::Succeeded => ExitCode::SUCCESS,
                Outcome::Cancelled => ExitCode::from(status::CANCELLED),
                Outcome::Failed | Outcome::TimedOut => ExitCode::from(status::OPERATION_FAILED),
            }
        }
        Err(e) => error(json, &e),
    }
}

/// Prints events: every one as a JSON line, or as a progress line for humans (Compose's "variable is not set"
/// warnings, one per unset variable and run, are counted instead: `dockmaster env` says more).
#[derive(Default)]
struct Printer {
    unset_warnings: u32,
}

impl Printer {
    fn event(&mut self, e: &LifecycleEvent, json: bool) {
        if !json && e.kind == EventKind::Output && e.message.contains("variable is not set") {
            self.unset_warnings += 1;
            return;
        }
        print_event(e, json);
    }

    fn finish(&self, json: bool) {
        if !json && self.unset_warnings > 0 {
            println!(
                "  ({} \"variable is not set\" warnings from Compose not shown; `dockmaster env` lists the variables)",
                self.unset_warnings
            );
        }
    }
}

fn print_event(e: &LifecycleEvent, json: bool) {
    if json {
        json_line(e);
        return;
    }
    let t = format!("[{:>6.1}s]", f64::from(e.elapsed_ms) / 1000.0);
    let line = match e.kind {
        EventKind::Started => format!("{t} ▶ {}", e.message),
        EventKind::Preflight => format!("{t} {}", e.message),
        EventKind::Phase => format!(
            "{t} {:<22} {}",
            e.service.as_deref().unwrap_or("?"),
            e.phase.map(|p| p.as_str()).unwrap_or_default()
        ),
        EventKind::Gate => format!("{t} ⧗ {}", e.message),
        EventKind::Output => format!("{t} │ {}", e.message),
        EventKind::Warning => format!("{t} ! {}", e.message),
        EventKind::Finished => return,
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|_| out.flush());
}

fn print_result(r: &OperationResult) {
    let secs = f64::from(r.duration_ms) / 1000.0;
    match r.outcome {
        Outcome::Succeeded => println!("✔ {} succeeded in {secs:.1} s", r.operation.as_str()),
        Outcome::Cancelled => {
            println!("■ {} cancelled after {secs:.1} s; Compose was stopped", r.operation.as_str())
        }
        Outcome::Failed => println!("✖ {} failed after {secs:.1} s", r.operation.as_str()),
        Outcome::TimedOut => println!("✖ {} timed out after {secs:.1} s", r.operation.as_str()),
    }
    for s in &r.states {
        let health = if s.health == dockmaster_core::engine::Health::None {
            String::new()
        } else {
            format!(", {}", plain(&s.health))
        };
        println!("  {:<22} {}{health}", s.name, plain(&s.state));
    }
    if !r.removed_volumes.is_empty() {
        println!("  volumes removed: {}", r.removed_volumes.join(", "));
    }
    if let Some(f) = &r.failure {
        println!();
        if let Some(s) = &f.service {
            let state = match (f.state, f.health) {
                (Some(st), Some(h)) if h != dockmaster_core::engine::Health::None => {
                    format!("{}, health {}", plain(&st), plain(&h))
                }
                (Some(st), _) => plain(&st),
                _ => "no container".into(),
            };
            println!(
                "Failing service: {s}{} ({state})",
                f.container.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default()
            );
        }
        println!("What happened:");
        for l in f.message.lines() {
            println!("  {l}");
        }
        if let Some(p) = &f.probe {
            println!("Last healthcheck (exit {}):", p.exit_code);
            for l in p.output.lines() {
                println!("  {l}");
            }
        }
        if !f.logs.is_empty() {
            println!("Last log lines:");
            for l in &f.logs {
                println!("  {l}");
            }
        }
        println!("Fix: {}", f.hint);
    }
}
