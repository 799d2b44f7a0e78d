//! `dockmaster image copy IMAGE --to ENGINE [--from ENGINE]`: copies an image between engines (by default from
//! the local one), streamed over the two connections with progress; never a pull. No project needed.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::Subcommand;
use dockmaster_core::engine::EndpointEnv;
use dockmaster_core::engines::{self, ImageCopied, ImageCopyEvent};
use dockmaster_core::ErrorReport;
use serde::Serialize;

#[derive(Subcommand)]
pub enum ImageCommand {
    /// Copy an image to another engine (`docker save` → `docker load` over both connections, with progress):
    /// for an image the target cannot pull. An image the target already has with the same ID is not sent.
    Copy {
        /// The image: `repo:tag` or an ID.
        image: String,
        /// The engine to copy it to (a Docker context).
        #[arg(long, value_name = "ENGINE")]
        to: String,
        /// The engine to copy it from (default: `default`, this machine's engine).
        #[arg(long, value_name = "ENGINE", default_value = "default")]
        from: String,
    },
}

/// One JSON line that is not an event: the result, or why there is none.
#[derive(Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
enum Line<'a> {
    Result { result: &'a ImageCopied },
    Error { error: &'a ErrorReport },
}

fn json_line(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    if let Ok(text) = serde_json::to_string(value) {
        let _ = writeln!(out, "{text}").and_then(|_| out.flush());
    }
}

pub async fn run(command: ImageCommand, json: bool) -> ExitCode {
    let ImageCommand::Copy { image, to, from } = command;
    // Human output: a progress line at most once a second.
    let last = Mutex::new(None::<Instant>);
    let progress = |event: ImageCopyEvent| {
        if json {
            json_line(&event);
            return;
        }
        match event {
            ImageCopyEvent::Checking { image, from, to } => {
                println!("Copying {image} from `{from}` to `{to}`…")
            }
            ImageCopyEvent::Copying { kib, .. } => {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                    println!("  {:.1} MiB sent", f64::from(kib) / 1024.0);
                    *last = Some(Instant::now());
                }
            }
        }
    };
    match engines::copy_between(&EndpointEnv::from_process(), &image, &from, &to, &progress).await {
        Ok(copied) => {
            if json {
                json_line(&Line::Result { result: &copied });
            } else if copied.already_there {
                println!("`{}` has {} ({}) already: nothing was sent.", copied.to, copied.image, copied.id);
            } else {
                println!(
                    "Copied {} ({}) to `{}`: {:.1} MiB in {:.1} s.",
                    copied.image,
                    copied.id,
                    copied.to,
                    f64::from(copied.sent_kib) / 1024.0,
                    f64::from(copied.elapsed_ms) / 1000.0
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) if json => {
            json_line(&Line::Error { error: &error });
            eprintln!("dockmaster: {}", error.message);
            ExitCode::from(crate::errors::exit_status(error.code))
        }
        Err(error) => crate::fail(false, error),
    }
}
