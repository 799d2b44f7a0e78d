//! `dockmaster demo init [DIR]` (copy the demo project, never over an existing copy) and `dockmaster demo image`
//! (build its image locally when missing, with progress): the same core calls as the app's "Try the demo".

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Subcommand;
use dockmaster_core::demo::{self, DemoError, DemoErrorCode, DemoImageEvent, DemoImageReport, ImageOutcome};
use serde::Serialize;

use crate::{fail, print_json, status};

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Copy the demo project into DIR (new or empty; a folder that already holds a copy is left as it is).
    Init {
        /// Where to put it.
        #[arg(default_value = "dockmaster-demo", value_name = "DIR")]
        dir: PathBuf,
    },
    /// Build the demo's image (dockmaster/demo-busybox:latest) from the local static busybox when it is missing or
    /// out of date; nothing is pulled. `--json`: one event per line, the result last.
    Image,
}

pub fn run(command: DemoCommand, json: bool) -> ExitCode {
    match command {
        DemoCommand::Init { dir } => match demo::install(&dir) {
            Ok(copy) => {
                if json {
                    print_json(&copy);
                } else if copy.created {
                    println!("Copied the demo project into {}.", copy.dir);
                    println!(
                        "Next: `dockmaster demo image`, then `dockmaster --project {} up --wait`.",
                        copy.dir
                    );
                } else {
                    println!("{} already holds a copy of the demo: left as it is.", copy.dir);
                }
                ExitCode::SUCCESS
            }
            Err(e) => error(json, &e),
        },
        DemoCommand::Image => image(json),
    }
}

/// One JSON line that is not an event: the result, or why there is none.
#[derive(Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
enum Line<'a> {
    Result { result: &'a DemoImageReport },
    Error { error: ErrorBody },
}

#[derive(Serialize)]
struct ErrorBody {
    code: DemoErrorCode,
    message: String,
}

fn json_line(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    if let Ok(text) = serde_json::to_string(value) {
        let _ = writeln!(out, "{text}").and_then(|_| out.flush());
    }
}

fn image(json: bool) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            return fail(json, "INTERNAL", format!("cannot start the async runtime: {e}"), status::ENGINE)
        }
    };
    // Human output: one line per step; of the import, only its end.
    let last_percent = Mutex::new(None::<u32>);
    let progress = |event: DemoImageEvent| {
        if json {
            json_line(&event);
            return;
        }
        match event {
            DemoImageEvent::Checking { image } => println!("Checking {image}…"),
            DemoImageEvent::Building { reason, busybox, .. } => {
                println!("Building it ({reason}) from {busybox}…")
            }
            DemoImageEvent::Archived { bytes } => {
                println!("Root file system: {:.1} MB", f64::from(bytes) / 1e6)
            }
            DemoImageEvent::Importing { sent, total } => {
                let percent = if total == 0 {
                    100
                } else {
                    u32::try_from(u64::from(sent) * 100 / u64::from(total)).unwrap_or(100)
                };
                let mut last = last_percent.lock().unwrap_or_else(|e| e.into_inner());
                if percent == 100 && *last != Some(100) {
                    println!("Imported into the engine.");
                }
                *last = Some(percent);
            }
            DemoImageEvent::Tagged { image, id } => println!("Tagged {image} ({id})."),
        }
    };
    match runtime.block_on(demo::ensure_image_from_env(&progress)) {
        Ok(report) => {
            if json {
                json_line(&Line::Result { result: &report });
            } else if report.outcome == ImageOutcome::Present {
                println!("{} is present and current: nothing to do.", report.image);
            } else {
                println!("Built {} in {:.1} s.", report.image, f64::from(report.elapsed_ms) / 1000.0);
            }
            ExitCode::SUCCESS
        }
        Err(e) if json => {
            json_line(&Line::Error { error: ErrorBody { code: e.code(), message: e.to_string() } });
            eprintln!("dockmaster: {e}");
            ExitCode::from(exit_status(&e))
        }
        Err(e) => error(false, &e),
    }
}

fn exit_status(e: &DemoError) -> u8 {
    match e.code() {
        DemoErrorCode::DemoFolderTaken => status::USAGE,
        DemoErrorCode::BusyboxMissing | DemoErrorCode::EngineUnavailable => status::ENGINE,
        DemoErrorCode::DemoCopyFailed | DemoErrorCode::DemoImageFailed => status::OPERATION_FAILED,
    }
}

fn error(json: bool, e: &DemoError) -> ExitCode {
    let code = serde_json::to_value(e.code()).ok().and_then(|v| v.as_str().map(String::from));
    fail(json, code.as_deref().unwrap_or("ERROR"), e.to_string(), exit_status(e))
}
