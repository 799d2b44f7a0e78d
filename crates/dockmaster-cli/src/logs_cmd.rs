//! `dockmaster logs [SERVICE…]`: the project's container logs, masked, with `--follow` (re-attaching across
//! restarts), `--tail`, `--since`, `--grep`, `--export FILE`, and `--json` (one object per line).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use dockmaster_core::engine::logs::{
    self, CompiledFilter, LogBatch, LogConfig, LogError, LogFilter, LogFollower, LogLine, LogStream,
};
use dockmaster_core::session::Session;
use serde::Serialize;

use crate::signals::Interrupts;

#[derive(Args)]
pub struct LogsArgs {
    /// Services to show (default: every service of the project).
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Keep printing new lines, across container restarts and recreations too, until Ctrl-C. Short form
    /// `-F` (`-f` is the global `--file`, as in `docker compose -f`).
    #[arg(short = 'F', long)]
    follow: bool,
    /// Lines to show from the end of each container's log: a number, or `all` (the default).
    #[arg(long, value_name = "N|all", value_parser = parse_tail)]
    tail: Option<Tail>,
    /// Only lines written since TIME: RFC 3339 (2024-01-02T03:04:05Z), Unix seconds, or a duration back from
    /// now (90s, 10m, 1h30m).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only lines containing TEXT (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    grep: Option<String>,
    /// Read --grep's TEXT as a regular expression.
    #[arg(long, requires = "grep")]
    regex: bool,
    /// Only stdout or only stderr.
    #[arg(long, value_name = "STREAM", value_parser = ["stdout", "stderr"])]
    stream: Option<String>,
    /// Prefix each line with its timestamp (with --json it is always there).
    #[arg(short = 't', long)]
    timestamps: bool,
    /// Write the (masked, filtered) lines to FILE, each prefixed with its timestamp and service, instead of
    /// printing them. Not with --follow.
    #[arg(long, value_name = "FILE", conflicts_with = "follow")]
    export: Option<PathBuf>,
    /// Lines kept per service (the memory bound; an export holds at most this many per service).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    buffer_lines: usize,
    /// Bytes kept per service.
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20)]
    buffer_bytes: usize,
}

/// `--tail`: a line count, or all (`None`).
#[derive(Clone, Copy, Debug)]
struct Tail(Option<u32>);

fn parse_tail(text: &str) -> Result<Tail, String> {
    if text.eq_ignore_ascii_case("all") {
        return Ok(Tail(None));
    }
    text.parse()
        .map(|n| Tail(Some(n)))
        .map_err(|_| format!("`{text}` is not a line count: give a number or `all`"))
}

/// One line of `--json` output.
#[derive(Serialize)]
struct JsonLine<'a> {
    service: &'a str,
    container: &'a str,
    stream: LogStream,
    timestamp: &'a str,
    text: &'a str,
}

pub async fn run(session: &Session, args: LogsArgs, json: bool) -> ExitCode {
    let now = now_nano();
    let since_nano = match args.since.as_deref() {
        None => None,
        Some(text) => {
            let invalid = || LogError::InvalidTime { text: text.to_string() };
            Some(or_fail!(json, logs::parse_user_time(text, now).ok_or_else(invalid)))
        }
    };
    let filter = LogFilter {
        services: args.services.clone(),
        streams: match args.stream.as_deref() {
            Some("stdout") => vec![LogStream::Stdout, LogStream::Console],
            Some(_) => vec![LogStream::Stderr],
            None => Vec::new(),
        },
        text: args.grep.clone(),
        regex: args.regex,
        ..LogFilter::default()
    };
    let compiled = or_fail!(json, CompiledFilter::new(&filter, now));
    let config = LogConfig {
        max_lines: args.buffer_lines,
        max_bytes: args.buffer_bytes,
        tail: args.tail.and_then(|t| t.0),
        since_nano,
        follow: args.follow,
        ..LogConfig::default()
    };
    // Masking is never optional: without the secrets, no line is shown.
    let (follower, batches, info) = or_fail!(json, session.open_logs(args.services.clone(), config).await);
    // A terminal command fails fast when no engine answers (the window waits for one instead).
    or_fail!(json, session.engine_ready().await);
    if let Some(w) = info.mask_warning {
        eprintln!("dockmaster: warning: {w}");
    }
    let printer = Printer { json, timestamps: args.timestamps, filter: compiled, width: 0 };
    let export = args.export.clone();
    let code = pump(batches, printer, export.is_none(), args.follow).await;
    if let Some(path) = export {
        let report = or_fail!(json, follower.export(&filter, &path));
        warn_dropped(&follower);
        eprintln!("dockmaster: wrote {} lines to {}", report.lines, report.path);
        return ExitCode::SUCCESS;
    }
    if args.follow {
        summary(&follower);
    } else {
        warn_dropped(&follower);
    }
    code
}

/// Prints batches until the follow ends (or, following, until Ctrl-C / SIGTERM / SIGHUP or stdout closes).
async fn pump(
    mut batches: tokio::sync::mpsc::Receiver<LogBatch>,
    mut printer: Printer,
    print: bool,
    follow: bool,
) -> ExitCode {
    // Only a follow listens: elsewhere the signals keep their default action (end at once).
    let mut interrupts = follow.then(Interrupts::new);
    let stdout = std::io::stdout();
    loop {
        let batch = tokio::select! {
            b = batches.recv() => match b {
                Some(b) => b,
                None => return ExitCode::SUCCESS,
            },
            _ = crate::signals::next_of(&mut interrupts), if follow => return ExitCode::SUCCESS,
        };
        for n in &batch.notices {
            eprintln!("dockmaster: {}", n.message);
        }
        if !print {
            continue;
        }
        let mut out = std::io::BufWriter::with_capacity(64 << 10, stdout.lock());
        let ok = batch.lines.iter().all(|line| printer.print(&mut out, line)) && out.flush().is_ok();
        if !ok {
            return ExitCode::SUCCESS; // the reader went away
        }
    }
}

struct Printer {
    json: bool,
    timestamps: bool,
    filter: CompiledFilter,
    /// Widest container name so far (names line up).
    width: usize,
}

impl Printer {
    /// `false` when stdout is closed.
    fn print(&mut self, out: &mut impl Write, line: &LogLine) -> bool {
        let ts = (line.time_ms * 1_000_000.0) as i64;
        if !self.filter.matches(&line.service, line.stream, ts, &line.text) {
            return true;
        }
        if self.json {
            let j = JsonLine {
                service: &line.service,
                container: &line.container,
                stream: line.stream,
                timestamp: &line.timestamp,
                text: &line.text,
            };
            return serde_json::to_writer(&mut *out, &j).is_ok() && out.write_all(b"\n").is_ok();
        }
        self.width = self.width.max(line.container.len());
        let stamp = if self.timestamps { format!("{} ", line.timestamp) } else { String::new() };
        writeln!(out, "{:<w$} | {stamp}{}", line.container, line.text, w = self.width).is_ok()
    }
}

fn mib(bytes: u32) -> String {
    format!("{:.1} MiB", f64::from(bytes) / f64::from(1u32 << 20))
}

/// On stderr: what each service's buffer holds and dropped (a follow's end).
fn summary(follower: &LogFollower) {
    let (lines, bytes) = follower.limits();
    eprintln!("dockmaster: log buffers (limit {lines} lines / {} per service):", mib(bytes as u32));
    for s in follower.states() {
        eprintln!(
            "dockmaster:   {}: {} lines kept ({}), {} dropped, {} received",
            s.service,
            s.lines,
            mib(s.bytes),
            s.dropped,
            s.total
        );
    }
}

/// On stderr, when a buffer dropped lines (an export then lacks them).
fn warn_dropped(follower: &LogFollower) {
    for s in follower.states().into_iter().filter(|s| s.dropped > 0.0) {
        eprintln!(
            "dockmaster: {}: only the last {} lines are kept ({} older ones dropped); raise --buffer-lines or \
             --buffer-bytes to keep more",
            s.service, s.lines, s.dropped
        );
    }
}

fn now_nano() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}
