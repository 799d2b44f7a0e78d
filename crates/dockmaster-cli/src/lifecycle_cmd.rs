//! `dockmaster up|down|stop|start|restart|pull|build|preflight|drift`: the core's lifecycle from the terminal,
//! with progress lines (or `--json`: one JSON object per line per event, the last line the result). Ctrl-C,
//! SIGTERM and SIGHUP cancel cleanly: Compose is stopped and reaped before the command exits (130).

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use dockmaster_core::lifecycle::{
    DriftReport, EventKind, LifecycleError, LifecycleEvent, OpKind, OperationResult, Outcome,
    PreflightReport, VolumeToDelete,
};
use dockmaster_core::secrets::fix::FixReport;
use dockmaster_core::session::{automatic_fixes, OperationRequest, Session};
use dockmaster_core::{ErrorDetail, ErrorReport};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::signals::Interrupts;
use crate::status;

#[derive(Subcommand)]
pub enum LifecycleCommand {
    /// Start the selection (or SERVICE…) detached, with per-service progress; `--wait` until healthy.
    Up(UpArgs),
    /// Remove the project's containers and networks (all profiles); `--volumes --yes` removes its volumes too.
    Down(DownArgs),
    /// Stop the selection's services (or SERVICE…).
    Stop(ServiceArgs),
    /// Start the selection's stopped services (or SERVICE…).
    Start(ServiceArgs),
    /// Restart the selection's services (or SERVICE…).
    Restart(ServiceArgs),
    /// Pull the selection's images (or SERVICE…'s).
    Pull(ServiceArgs),
    /// Build the selection's images (or SERVICE…'s).
    Build(ServiceArgs),
    /// Check what `up` checks first: engine, Compose, free host ports, variables, memory, disk (exit 7: blocked).
    Preflight(PreflightArgs),
    /// Which running services need recreating: their config hash differs from the current configuration's.
    Drift(DriftArgs),
}

#[derive(Args)]
pub struct Common {
    /// Profile to select; repeatable. Default: COMPOSE_PROFILES, else the stack's default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
    /// Compose version to use: v1 (`docker-compose`) or v2 (`docker compose`). Default: DOCKMASTER_COMPOSE,
    /// else v2 when installed, else v1.
    #[arg(long, value_name = "v1|v2")]
    compose: Option<String>,
    /// On cancel (Ctrl-C, SIGTERM, SIGHUP): seconds Compose may take to stop after SIGTERM before it is killed.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    grace: u32,
}

#[derive(Args)]
pub struct UpArgs {
    #[command(flatten)]
    common: Common,
    /// Wait until every started service runs and is healthy (Compose v2 `--wait`; v1: the engine is watched).
    #[arg(long)]
    wait: bool,
    /// With --wait: seconds the services may take to become healthy.
    #[arg(long, value_name = "SECS", default_value_t = 180)]
    timeout: u32,
    /// Skip the preflight (ports, variables, memory, disk).
    #[arg(long)]
    no_preflight: bool,
    /// Fix first what the preflight can fix without asking: generate every missing secret that has a generator
    /// into the keychain, write the stack's suggested values (e.g. ADMIN_USERNAME=admin) to .env; then start.
    #[arg(long, conflicts_with = "no_preflight")]
    fix: bool,
    /// Services to start (with their dependencies); default: the selection's.
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
}

#[derive(Args)]
pub struct DownArgs {
    /// Also delete the project's volumes: the ones its files declare (by name, whoever made them) and the
    /// anonymous ones of its containers (their data is lost). Without --yes or --confirm it only lists them.
    #[arg(long, short = 'v')]
    volumes: bool,
    /// Confirm deleting the volumes `down --volumes` lists now.
    #[arg(long)]
    yes: bool,
    /// Confirm deleting exactly these volumes (repeatable; as `down --volumes` listed them): refused, with nothing
    /// done, when what would be deleted differs in any way.
    #[arg(long = "confirm", value_name = "VOLUME", requires = "volumes", conflicts_with = "yes")]
    confirm: Vec<String>,
    /// Compose version to use: v1 or v2 (default: DOCKMASTER_COMPOSE, else v2 when installed, else v1).
    #[arg(long, value_name = "v1|v2")]
    compose: Option<String>,
    /// On cancel (Ctrl-C, SIGTERM, SIGHUP): seconds Compose may take to stop after SIGTERM before it is killed.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    grace: u32,
}

#[derive(Args)]
pub struct ServiceArgs {
    #[command(flatten)]
    common: Common,
    /// Services to act on; default: the selection's.
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
}

#[derive(Args)]
pub struct PreflightArgs {
    /// Profile to select; repeatable. Default: COMPOSE_PROFILES, else the stack's default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
    /// Compose version to check for: v1 or v2.
    #[arg(long, value_name = "v1|v2")]
    compose: Option<String>,
    /// Services to check (with their dependencies); default: the selection's.
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
}

#[derive(Args)]
pub struct DriftArgs {
    /// Profile to select; repeatable. Default: COMPOSE_PROFILES, else the stack's default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
    /// Compose version to hash with when the containers do not say: v1 or v2.
    #[arg(long, value_name = "v1|v2")]
    compose: Option<String>,
}

/// One JSON line that is not an event: the result, or why there is none.
#[derive(Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
enum Line<'a> {
    /// `up --fix`: what was fixed before the start (names only).
    Fixed {
        fixed: &'a FixReport,
    },
    Result {
        result: &'a OperationResult,
    },
    Error {
        error: ErrorReport,
        /// `up --fix` stopped half-way: what it did before the failure.
        #[serde(skip_serializing_if = "Option::is_none")]
        fixed: Option<&'a FixReport>,
        #[serde(skip_serializing_if = "Option::is_none")]
        preflight: Option<&'a PreflightReport>,
        #[serde(skip_serializing_if = "Option::is_none")]
        volumes: Option<&'a [String]>,
        /// With `volumes`: why each is listed, in the same order.
        #[serde(skip_serializing_if = "Option::is_none")]
        details: Option<&'a [VolumeToDelete]>,
    },
}

fn json_line(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    let text = serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"kind\":\"error\",\"error\":{{\"code\":\"INTERNAL\",\"message\":\"cannot encode JSON: {e}\"}}}}"));
    let _ = writeln!(out, "{text}").and_then(|_| out.flush());
}

pub async fn run(session: &Session, command: LifecycleCommand, json: bool) -> ExitCode {
    match command {
        LifecycleCommand::Up(a) => {
            let mut req = request(OpKind::Up, &a.common, a.services);
            req.wait = a.wait;
            req.timeout_secs = a.timeout.max(1);
            req.no_preflight = a.no_preflight;
            operation(session, req, a.fix, json).await
        }
        LifecycleCommand::Down(a) => {
            let common = Common { profiles: Vec::new(), compose: a.compose, grace: a.grace };
            let mut req = request(OpKind::Down, &common, Vec::new());
            req.volumes = a.volumes;
            if a.volumes && !a.confirm.is_empty() {
                req.confirmed_volumes = a.confirm;
            } else if a.volumes {
                let plan = or_fail!(json, session.volume_plan(common.compose.clone()).await);
                if !a.yes && !plan.volumes.is_empty() {
                    return error(json, &LifecycleError::confirm_volumes(plan, None).into());
                }
                if !json && !plan.volumes.is_empty() {
                    eprintln!("dockmaster: deleting these volumes as confirmed (--yes):");
                    print_volumes(&plan.details);
                }
                req.confirmed_volumes = plan.volumes;
            }
            operation(session, req, false, json).await
        }
        LifecycleCommand::Stop(a) => {
            operation(session, request(OpKind::Stop, &a.common, a.services), false, json).await
        }
        LifecycleCommand::Start(a) => {
            operation(session, request(OpKind::Start, &a.common, a.services), false, json).await
        }
        LifecycleCommand::Restart(a) => {
            operation(session, request(OpKind::Restart, &a.common, a.services), false, json).await
        }
        LifecycleCommand::Pull(a) => {
            operation(session, request(OpKind::Pull, &a.common, a.services), false, json).await
        }
        LifecycleCommand::Build(a) => {
            operation(session, request(OpKind::Build, &a.common, a.services), false, json).await
        }
        LifecycleCommand::Preflight(a) => {
            let report = session.preflight(&a.profiles, &a.services, a.compose).await;
            let report = or_fail!(json, report);
            answer(&report, json, print_preflight);
            if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(status::PREFLIGHT_BLOCKED)
            }
        }
        LifecycleCommand::Drift(a) => {
            let report = or_fail!(json, session.drift(&a.profiles, a.compose).await);
            answer(&report, json, print_drift);
            ExitCode::SUCCESS
        }
    }
}

fn request(op: OpKind, common: &Common, services: Vec<String>) -> OperationRequest {
    let mut req = OperationRequest::new(op);
    req.profiles = common.profiles.clone();
    req.services = services;
    req.compose = common.compose.clone();
    req.grace_secs = common.grace;
    req
}

/// A report as one JSON line, or `print`'s text.
fn answer<T: Serialize>(report: &T, json: bool, print: fn(&T)) {
    if json {
        json_line(report);
    } else {
        print(report);
    }
}

/// Runs one operation (`fix`: after "Fix and start"'s fixes), printing its events as they come; Ctrl-C,
/// SIGTERM or SIGHUP cancels it.
async fn operation(session: &Session, req: OperationRequest, fix: bool, json: bool) -> ExitCode {
    let (tx, mut rx) = mpsc::unbounded_channel::<LifecycleEvent>();
    let on_event = move |e| drop(tx.send(e));
    let run = async {
        if fix {
            session.fix_and_run(req, |fixed| print_fixed(&fixed, json), on_event).await
        } else {
            session.run(req, on_event).await
        }
    };
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

/// A refusal: one JSON line (with the preflight's problems, or the volumes and why each is listed), or the
/// problems and the way out in words.
fn error(json: bool, e: &ErrorReport) -> ExitCode {
    let (preflight, volumes, details, confirmed) = match e.detail.as_deref() {
        Some(ErrorDetail::Preflight { report }) => (Some(report), None, None, None),
        Some(ErrorDetail::Volumes { volumes, details, confirmed }) => {
            (None, Some(volumes.as_slice()), Some(details.as_slice()), confirmed.as_ref())
        }
        _ => (None, None, None, None),
    };
    let fixed = match e.detail.as_deref() {
        Some(ErrorDetail::Fixed { fixed }) => Some(fixed),
        _ => None,
    };
    if json {
        let error = ErrorReport::new(e.code, e.message.clone());
        json_line(&Line::Error { error, fixed, preflight, volumes, details });
    } else if let Some(report) = preflight {
        print_preflight(report);
        eprintln!("dockmaster: preflight blocked the start; fix the problems above (or use --no-preflight)");
        if !automatic_fixes(report).is_empty() {
            eprintln!("dockmaster: `dockmaster up --fix` fixes the ones marked (fixable) for you, then starts");
        }
    } else if let (Some(volumes), Some(details)) = (volumes, details) {
        if volumes.is_empty() {
            eprintln!("dockmaster: `down --volumes` would delete no volume now.");
        } else {
            eprintln!("dockmaster: `down --volumes` would delete these volumes (their data is lost):");
            print_volumes(details);
        }
        if confirmed.is_some() {
            eprintln!("dockmaster: {e}");
        } else {
            eprintln!(
                "Nothing was done. Run `dockmaster down --volumes --yes` to delete them (or confirm exactly \
                 this list with --confirm NAME…)."
            );
        }
    } else {
        eprintln!("dockmaster: {e}");
    }
    ExitCode::from(crate::errors::exit_status(e.code))
}

/// What `up --fix` did before the start: a JSON line, or one line for humans.
fn print_fixed(fixed: &FixReport, json: bool) {
    if json {
        json_line(&Line::Fixed { fixed });
    } else if fixed.is_empty() {
        println!("✔ nothing to fix");
    } else {
        println!("✔ fixed: {}", fixed.summary());
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

fn plain(v: &impl Serialize) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
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

/// The volumes `down --volumes` deletes, one per line with why, those not created by the project's Compose
/// flagged loudly (on stderr: it goes with a refusal or a confirmation).
fn print_volumes(details: &[VolumeToDelete]) {
    let width = details.iter().map(|d| d.name.len()).max().unwrap_or(0);
    for d in details {
        eprintln!("  {:<width$}  {}", d.name, d.reason);
        if let Some(w) = &d.warning {
            eprintln!("  {:<width$}  ⚠ {w}", "");
        }
    }
}

fn print_preflight(r: &PreflightReport) {
    println!(
        "Preflight for {} ({}): {} service(s){}",
        r.project,
        if r.profiles.is_empty() { "no profile".to_string() } else { r.profiles.join(", ") },
        r.services.len(),
        r.compose.as_ref().map(|c| format!(", Compose {} {}", c.flavor, c.version)).unwrap_or_default()
    );
    for p in &r.problems {
        let fixable = p.remedy.as_ref().is_some_and(|r| r.is_automatic());
        println!("  ✖ {}{}", p.message, if fixable { " (fixable)" } else { "" });
        println!("      fix: {}", p.fix);
    }
    for w in &r.warnings {
        println!("  ! {}", w.message);
        println!("      fix: {}", w.fix);
    }
    if !r.ports_checked.is_empty() {
        println!("  host ports checked: {}", r.ports_checked.join(", "));
    }
    if let Some(m) = &r.memory {
        println!("  memory: needs ~{} MiB, {} MiB available ({})", m.needed_mib, m.available_mib, m.basis);
    }
    if let Some(d) = &r.disk {
        println!("  disk: {} MiB free ({})", d.available_mib, d.basis);
    }
    println!("{}", if r.ok { "✔ ready to start" } else { "✖ blocked" });
}

fn print_drift(r: &DriftReport) {
    println!("Drift for {} (Compose {} {}):", r.project, r.compose.flavor, r.compose.version);
    if r.services.is_empty() {
        println!("  no running containers");
    }
    let header = ["SERVICE", "NEEDS RECREATE", "CONTAINERS", "NOTE"];
    let rows: Vec<Vec<String>> = r
        .services
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                if s.drift { "yes".into() } else { "no".into() },
                s.containers.join(", "),
                s.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        crate::table::print_table(&header, &rows);
    }
}
