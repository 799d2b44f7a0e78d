//! `dockmaster demo init [DIR]` (copy the demo project, never over an existing copy) and `dockmaster demo image`
//! (build its image locally when missing, with progress): the same core calls as the app's "Try the demo".

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Subcommand;
use dockmaster_core::demo::{self, DemoImageEvent, DemoImageReport, ImageOutcome};
use dockmaster_core::ErrorReport;
use serde::Serialize;

use crate::print_json;

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

pub async fn run(command: DemoCommand, json: bool) -> ExitCode {
    match command {
        DemoCommand::Init { dir } => match demo::install(&dir) {
            Ok(copy) => {
                if json {
                    print_json(&copy);
                } else if copy.created {
                    println!("Copied the demo project into {}.", copy.dir);
                    println!(
                        "Next: `dockmaster demo image`, then `dockmaster --project {} up --fix --wait` (it \
                         generates the missing secrets into the keychain and writes ADMIN_USERNAME=admin to .env).",
                        copy.dir
                    );
                } else {
                    println!("{} already holds a copy of the demo: left as it is.", copy.dir);
                }
                ExitCode::SUCCESS
            }
            Err(e) => crate::fail(json, e),
        },
        DemoCommand::Image => image(json).await,
    }
}

/// One JSON line that is not an event: the result, or why there is none.
#[derive(Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
enum Line<'a> {
    Result { result: &'a DemoImageReport },
    Error { error: &'a ErrorReport },
}

fn json_line(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    if let Ok(text) = serde_json::to_string(value) {
        let _ = writeln!(out, "{text}").and_then(|_| out.flush());
    }
}

async fn image(json: bool) -> ExitCode {
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
    match demo::ensure_image_from_env(&progress).await {
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
            let error = ErrorReport::from(&e);
            json_line(&Line::Error { error: &error });
            eprintln!("dockmaster: {e}");
            ExitCode::from(crate::errors::exit_status(error.code))
        }
        Err(e) => crate::fail(false, e),
    }
}
