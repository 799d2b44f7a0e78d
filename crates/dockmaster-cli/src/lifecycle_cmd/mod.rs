//! `dockmaster up|down|stop|start|restart|pull|build|preflight|drift`: the core's lifecycle from the terminal,
//! with progress lines (or `--json`: one JSON object per line per event, the last line the result). Ctrl-C,
//! SIGTERM and SIGHUP cancel cleanly: Compose is stopped and reaped before the command exits (130).

use std::process::ExitCode;

use clap::Subcommand;
use dockmaster_core::lifecycle::{LifecycleError, OpKind};
use dockmaster_core::session::{OperationRequest, Session};

use crate::status;

mod args;
mod failure;
mod operation;
mod output;

pub use args::{Common, DownArgs, DriftArgs, PreflightArgs, ServiceArgs, UpArgs};
use failure::error;
use operation::operation;
use output::{answer, print_drift, print_preflight, print_volumes};

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

pub async fn run(session: &Session, command: LifecycleCommand, json: bool) -> ExitCode {
    match command {
        LifecycleCommand::Up(a) => {
            let mut req = request(OpKind::Up, &a.common, a.services);
            req.wait = a.wait;
            req.timeout_secs = a.timeout.max(1);
            req.no_preflight = a.no_preflight;
            operation(session, req, json).await
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
            operation(session, req, json).await
        }
        LifecycleCommand::Stop(a) => {
            operation(session, request(OpKind::Stop, &a.common, a.services), json).await
        }
        LifecycleCommand::Start(a) => {
            operation(session, request(OpKind::Start, &a.common, a.services), json).await
        }
        LifecycleCommand::Restart(a) => {
            operation(session, request(OpKind::Restart, &a.common, a.services), json).await
        }
        LifecycleCommand::Pull(a) => {
            operation(session, request(OpKind::Pull, &a.common, a.services), json).await
        }
        LifecycleCommand::Build(a) => {
            operation(session, request(OpKind::Build, &a.common, a.services), json).await
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
