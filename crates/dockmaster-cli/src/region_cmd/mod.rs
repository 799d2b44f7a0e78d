//! `dockmaster region plan|create|ls|places|show|start|stop|rm`: regions cloned from the stack's regional template,
//! planned before anything is created, applied with progress and rolled back on failure, Ctrl-C, SIGTERM or SIGHUP.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use dockmaster_core::region::{self, ApplyOptions, RegionError};
use dockmaster_core::session::Session;

mod args;
mod create;
mod failure;
mod print;

pub use args::{CreateArgs, RequestArgs};
use failure::error;
use print::{print_everywhere, print_info, print_places, print_plan_as, print_removed};

#[derive(Subcommand)]
pub enum RegionCommand {
    /// Show everything creating a region would create or join (nothing is created).
    Plan(RequestArgs),
    /// Create a region: shows the plan, asks (unless --yes), applies it with progress; on failure, Ctrl-C, SIGTERM or SIGHUP
    /// removes everything it had created. On the project's engine, or the one `--engine NAME` names (its port and subnet
    /// chosen free there; start, stop, show and rm it with the same `--engine`).
    Create(CreateArgs),
    /// List the project's regions on every known engine (the Docker contexts and `default`) with their engine,
    /// state and health; an engine that cannot be reached within a few seconds shows the regions last seen
    /// there as `unknown`, with the reason.
    Ls,
    /// Where a new region can go (what the window's region wizard offers in its "Where" step): every known engine,
    /// whether it answers, whether the stack's networks a region joins (the multi-regional profile's) are there,
    /// and if not, why and what to do. A ready engine is one `region create --engine NAME` can use now.
    Places,
    /// Show an existing region's plan again (from its labels and `docker inspect`).
    Show { name: String },
    /// Start a region's database, then its server (waits until each is healthy).
    Start {
        name: String,
        /// Seconds each container may take to become healthy.
        #[arg(long = "health-timeout", default_value_t = 120, value_name = "SECONDS")]
        health_timeout: u32,
    },
    /// Stop a region's server, then its database.
    Stop { name: String },
    /// Remove a region's containers and network; `--volumes --yes` also deletes its volumes (their data)
    /// and its database password. A region whose creation was interrupted is removed completely (`--yes`
    /// confirms the volumes that creation made; the password it generated goes too).
    Rm {
        name: String,
        /// Also delete the region's volumes (their data is lost); needs --yes.
        #[arg(long)]
        volumes: bool,
        /// Confirm deleting the volumes (with --volumes: all of them; alone: an interrupted creation's own).
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run(session: &Session, command: RegionCommand, json: bool) -> ExitCode {
    // Field rules and options first: a bad request needs no engine.
    if let RegionCommand::Plan(args) | RegionCommand::Create(CreateArgs { request: args, .. }) = &command {
        if let Err(errors) = region::validate(&args.request(), &[]) {
            return error(json, &RegionError::Invalid { errors }.into());
        }
        if let Err(e) = args.options() {
            return error(json, &e.into());
        }
    }
    let result = match command {
        RegionCommand::Plan(args) => match args.options() {
            Ok(options) => session
                .region_plan(None, &args.request(), &options)
                .await
                .map(|plan| print_plan_as(&plan, json)),
            Err(e) => Err(e.into()),
        },
        RegionCommand::Create(args) => return create::create(session, args, json).await,
        RegionCommand::Ls => session.region_list_everywhere().await.map(|listed| {
            if json {
                crate::print_json(&listed);
            } else {
                print_everywhere(&listed);
            }
        }),
        RegionCommand::Places => session.region_places().await.map(|places| {
            if json {
                crate::print_json(&places);
            } else {
                print_places(&places);
            }
        }),
        RegionCommand::Show { name } => {
            session.region_show(None, &name).await.map(|plan| print_plan_as(&plan, json))
        }
        RegionCommand::Start { name, health_timeout } => {
            let options = ApplyOptions { health_timeout: secs(health_timeout), ..Default::default() };
            session.region_start(None, &name, &options).await.map(|info| print_info(&info, json))
        }
        RegionCommand::Stop { name } => {
            session.region_stop(None, &name).await.map(|info| print_info(&info, json))
        }
        RegionCommand::Rm { name, volumes, yes } => session
            .region_remove_confirming(None, &name, volumes, yes)
            .await
            .map(|report| print_removed(&name, &report, json)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => error(json, &e),
    }
}

fn secs(n: u32) -> Duration {
    Duration::from_secs(u64::from(n.max(1)))
}
