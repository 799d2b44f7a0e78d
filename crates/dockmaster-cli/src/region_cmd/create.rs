//! `dockmaster region create`: the plan shown, confirmation asked (unless `--yes`), the apply streamed as
//! progress lines (or JSON lines), and Ctrl-C, SIGTERM or SIGHUP cancelling it into a rollback.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use dockmaster_core::region::{
    self, ApplyEvent, ApplyOptions, RegionError, RegionInfo, RegionPlan, StepStatus,
};
use dockmaster_core::session::Session;
use dockmaster_core::ErrorReport;
use serde::Serialize;

use super::args::CreateArgs;
use super::failure::error;
use super::print::{json_line, print_plan};
use super::secs;
use crate::signals::Interrupts;
use crate::status;

/// The `Ok` value, or: print the region failure (with its detail) and return its exit status.
macro_rules! or_region_error {
    ($json:expr, $result:expr) => {
        match $result {
            Ok(value) => value,
            Err(e) => return error($json, &e),
        }
    };
}

/// One line of `region create --json`.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Line<'a> {
    Plan { plan: &'a RegionPlan },
    Event(&'a ApplyEvent),
    Result { region: &'a region::AppliedRegion, info: Option<&'a RegionInfo> },
}

pub(super) async fn create(session: &Session, args: CreateArgs, json: bool) -> ExitCode {
    let request = args.request.request();
    let options = or_region_error!(json, args.request.options().map_err(ErrorReport::from));
    let plan = or_region_error!(json, session.region_plan(None, &request, &options).await);
    if json {
        json_line(&Line::Plan { plan: &plan });
    } else {
        print_plan(&plan);
        println!();
    }
    if !args.yes {
        if json || !std::io::stdin().is_terminal() {
            let message = "not creating without confirmation: pass --yes (no terminal to ask on)".into();
            return error(json, &RegionError::Options { message }.into());
        }
        print!("Create region {}? [y/N] ", plan.region);
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() || !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Nothing was created.");
            return ExitCode::from(status::CANCELLED);
        }
    }
    let apply_options = ApplyOptions { health_timeout: secs(args.health_timeout), ..Default::default() };
    let progress = move |e: ApplyEvent| {
        if json {
            json_line(&Line::Event(&e));
        } else {
            print_event(&e);
        }
    };
    let apply = session.region_apply(None, &request, &options, &apply_options, progress);
    tokio::pin!(apply);
    let mut interrupts = Interrupts::new();
    let mut cancelling = false;
    let result = loop {
        tokio::select! {
            result = &mut apply => break result,
            signal = interrupts.recv(), if !cancelling => {
                cancelling = true;
                session.cancel();
                if !json {
                    // The terminal may be gone (SIGHUP): never fail on writing this.
                    let _ = writeln!(std::io::stderr(), "dockmaster: {signal}: cancelling: rolling back what was created…");
                }
            }
        }
    };
    match result {
        Ok(applied) => {
            let info = session.region_get(None, &plan.region).await.ok();
            if json {
                json_line(&Line::Result { region: &applied, info: info.as_ref() });
            } else {
                println!(
                    "region {} is up and healthy ({:.1} s): {}",
                    applied.region,
                    f64::from(applied.elapsed_ms) / 1000.0,
                    applied.server_url
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => error(json, &e),
    }
}

fn print_event(e: &ApplyEvent) {
    let mark = match e.status {
        StepStatus::Started => "▶",
        StepStatus::Done => "✓",
        StepStatus::Failed => "✗",
    };
    let detail = e.detail.as_deref().map(|d| format!(" — {d}")).unwrap_or_default();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "[{:>6.1}s] {mark} {:<26} {}{detail}",
        f64::from(e.elapsed_ms) / 1000.0,
        e.step.as_str(),
        e.target
    )
    .and_then(|_| out.flush());
}
