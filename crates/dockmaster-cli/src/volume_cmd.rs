//! `dockmaster volume ls|backup|restore`: the project's named volumes, a backup into a checksummed archive on this
//! machine, and a restore confirmed by typing the volume's name (`--confirm VOLUME`). `--json`: `ls` prints the
//! list; `backup` and `restore` print one progress event per line, the result (or the error) last. Ctrl-C,
//! SIGTERM or SIGHUP cancels either through the session (as the window's Cancel): its helper container is
//! removed, and the message says what state the volume is in.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Subcommand;
use dockmaster_core::session::Session;
use dockmaster_core::volumes::VolumeProgress;
use dockmaster_core::{ErrorCode, ErrorReport};
use serde::Serialize;

use crate::signals::Interrupts;
use crate::table::print_table;

#[derive(Subcommand)]
pub enum VolumeCommand {
    /// The project's named volumes: the purpose the stack descriptor gives each (else `other`), which services
    /// mount it, whether the engine has it and its size on disk as the engine measures it.
    Ls,
    /// Back up VOLUME (its engine name or its key in the Compose files) into a gzip-compressed tar archive on
    /// this machine, with its SHA-256 in FILE.sha256 beside it. Never over an existing file.
    Backup {
        #[arg(value_name = "VOLUME")]
        volume: String,
        /// Where to write it (default: VOLUME-<unix seconds>.tar.gz in the current folder).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Replace everything in VOLUME with a backup: the archive is checked first (checksum, every entry), a
    /// volume a container outside the project mounts is refused, the project's services mounting it are stopped
    /// and started again afterwards.
    Restore {
        #[arg(value_name = "VOLUME")]
        volume: String,
        /// The archive `dockmaster volume backup` wrote (its .sha256 beside it).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// The volume's exact name, typed again: restoring deletes what it holds now.
        #[arg(long, value_name = "VOLUME", default_value = "")]
        confirm: String,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
enum Line<'a, T: Serialize> {
    Progress { progress: VolumeProgress },
    Result { result: &'a T },
    Error { error: &'a ErrorReport },
}

/// A failed backup or restore: with `--json` one more line (after its progress lines), else the sentence.
fn failed(json: bool, error: ErrorReport) -> ExitCode {
    if !json {
        return crate::fail(false, error);
    }
    let line: Line<'_, ()> = Line::Error { error: &error };
    json_line(&line);
    eprintln!("dockmaster: {}", error.message);
    ExitCode::from(crate::errors::exit_status(error.code))
}

fn json_line(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    if let Ok(text) = serde_json::to_string(value) {
        let _ = writeln!(out, "{text}").and_then(|_| out.flush());
    }
}

/// Progress to stdout (`--json`, every event) or stderr (a line per 16 MiB more).
fn progress(json: bool) -> Arc<dyn Fn(VolumeProgress) + Send + Sync> {
    let shown = Mutex::new(0u64);
    Arc::new(move |p: VolumeProgress| {
        if json {
            let line: Line<'_, ()> = Line::Progress { progress: p };
            json_line(&line);
            return;
        }
        let mut last = shown.lock().unwrap_or_else(|e| e.into_inner());
        if p.bytes >= *last + (16 << 20) {
            *last = p.bytes;
            match p.total {
                Some(total) => eprintln!("{:.1} of {:.1} MB", mb(p.bytes), mb(total)),
                None => eprintln!("{:.1} MB", mb(p.bytes)),
            }
        }
    })
}

/// Runs a backup or restore to its end. A signal cancels it through the session (the window's Cancel does the
/// same): its helper container removed, a restore's unpacking removed and its services started again, and the
/// job's own `VOLUME_JOB_CANCELLED` (exit 130) says what state the volume is in. A second signal stops waiting
/// for that: the work is dropped and the helpers this process made are removed (`stopped_at_once` says what that
/// may leave).
async fn until_interrupted<T>(
    session: &Session,
    work: impl std::future::Future<Output = Result<T, ErrorReport>>,
    stopped_at_once: &str,
) -> Result<Result<T, ErrorReport>, ErrorReport> {
    let mut interrupts = Interrupts::new();
    tokio::pin!(work);
    tokio::select! {
        done = &mut work => return Ok(done),
        _ = interrupts.recv() => {}
    }
    session.cancel_volume_job();
    let signal = tokio::select! {
        done = &mut work => return Ok(done),
        signal = interrupts.recv() => signal,
    };
    let left = match session.remove_own_helpers().await {
        Ok(_) => String::new(),
        Err(e) => format!(
            "; its helper container may be left: {} (`docker ps -a --filter label=dockmaster.helper`)",
            e.message
        ),
    };
    Err(ErrorReport::new(
        ErrorCode::VolumeJobCancelled,
        format!("a second {signal}: stopped at once, without waiting for the cancel to finish: {stopped_at_once}{left}"),
    ))
}

/// Bytes for a person: `0 B`, `512 B`, `4.0 KiB`, `1.5 MiB`, `2.3 GiB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

pub async fn run(session: &Session, command: VolumeCommand, json: bool) -> ExitCode {
    match command {
        VolumeCommand::Ls => match session.volume_listing().await {
            Ok(list) if json => {
                crate::print_json(&list);
                ExitCode::SUCCESS
            }
            Ok(list) => {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|l| {
                        let v = &l.volume;
                        vec![
                            l.purpose.clone(),
                            v.name.clone(),
                            v.declared_as.clone(),
                            if v.services.is_empty() { "-".into() } else { v.services.join(",") },
                            match v.exists {
                                Some(true) => "yes".into(),
                                Some(false) => "no".into(),
                                None => "?".into(),
                            },
                            l.size_bytes.map_or_else(|| "unknown".into(), size),
                            if v.external { "external".into() } else { String::new() },
                        ]
                    })
                    .collect();
                print_table(
                    &["PURPOSE", "VOLUME", "DECLARED AS", "SERVICES", "ON ENGINE", "SIZE", ""],
                    &rows,
                );
                // Why a size is unknown, once per reason (a volume not on the engine says so in its row).
                let unexplained =
                    |l: &&dockmaster_core::session::ListedVolume| l.volume.exists != Some(false);
                let mut reasons: Vec<&str> =
                    list.iter().filter(unexplained).filter_map(|l| l.size_unknown.as_deref()).collect();
                reasons.sort_unstable();
                reasons.dedup();
                for why in reasons {
                    let names: Vec<&str> = list
                        .iter()
                        .filter(unexplained)
                        .filter(|l| l.size_unknown.as_deref() == Some(why))
                        .map(|l| l.volume.declared_as.as_str())
                        .collect();
                    eprintln!(
                        "size unknown for {}: {}",
                        names.join(", "),
                        why.trim_start_matches("size unknown: ")
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => crate::fail(json, e),
        },
        VolumeCommand::Backup { volume, output } => {
            let work = session.backup_volume(&volume, output, progress(json));
            let cancelled = "no archive was written";
            let done = match until_interrupted(session, work, cancelled).await {
                Ok(done) => done,
                Err(e) => return failed(json, e),
            };
            match done {
                Ok(report) if json => {
                    json_line(&Line::Result { result: &report });
                    ExitCode::SUCCESS
                }
                Ok(r) => {
                    println!(
                        "Backed up {} ({:.1} MB of files) into {} ({:.1} MB), SHA-256 {} in {}.",
                        r.volume,
                        mb(r.tar_bytes),
                        r.archive,
                        mb(r.bytes),
                        r.sha256,
                        r.checksum_file
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => failed(json, e),
            }
        }
        VolumeCommand::Restore { volume, from, confirm } => {
            let work = session.restore_volume(&volume, &from, &confirm, progress(json));
            let cancelled = format!(
                "{volume}'s files are as they were, with a partly unpacked `.dockmaster-restore-*` folder at its \
                 top, unless the swap of the unpacked archive had begun: then it may hold a mix of old and restored \
                 entries (the old in a `.dockmaster-replaced-*` folder) — restore again; the services that mount \
                 it may be stopped"
            );
            let done = match until_interrupted(session, work, &cancelled).await {
                Ok(done) => done,
                Err(e) => return failed(json, e),
            };
            match done {
                Ok(report) if json => {
                    json_line(&Line::Result { result: &report });
                    ExitCode::SUCCESS
                }
                Ok(r) => {
                    println!(
                        "Restored {} from {} ({} entries, SHA-256 {}).",
                        r.volume, r.archive, r.entries, r.sha256
                    );
                    if !r.stopped.is_empty() {
                        println!(
                            "Stopped {} first; started again: {}.",
                            r.stopped.join(", "),
                            r.restarted.join(", ")
                        );
                    }
                    for w in &r.warnings {
                        eprintln!("dockmaster: warning: {w}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => failed(json, e),
            }
        }
    }
}
