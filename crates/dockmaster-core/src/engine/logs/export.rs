//! Export of log lines to a text file: one line each, prefixed with its timestamp and service (and the
//! stream when it is stderr), written atomically. Lines come from the buffer, so they are masked already.

use std::path::Path;

use super::{ExportReport, LogError, LogLine, LogStream};

/// `2024-01-02T03:04:05.123456789Z gameserver | text`, or `… gameserver (stderr) | text`.
pub fn export_line(line: &LogLine) -> String {
    let stream = match line.stream {
        LogStream::Stderr => " (stderr)",
        LogStream::Stdout | LogStream::Console => "",
    };
    let more = if line.partial { " ↩" } else { "" };
    format!("{} {}{stream} | {}{more}", line.timestamp, line.service, line.text)
}

/// Writes `lines` to `path` (temporary file in the same folder, then rename: a reader never sees half a file).
pub fn write_export(lines: &[LogLine], path: &Path) -> Result<ExportReport, LogError> {
    let mut text = String::with_capacity(lines.iter().map(|l| l.text.len() + 64).sum());
    for line in lines {
        text.push_str(&export_line(line));
        text.push('\n');
    }
    if path.as_os_str().is_empty() {
        return Err(LogError::Export { path: String::new(), reason: "no file name was given".into() });
    }
    crate::env::write_atomic(path, text.as_bytes())
        .map_err(|e| LogError::Export { path: path.display().to_string(), reason: e.to_string() })?;
    Ok(ExportReport {
        path: path.display().to_string(),
        lines: u32::try_from(lines.len()).unwrap_or(u32::MAX),
        bytes: text.len() as f64,
    })
}
