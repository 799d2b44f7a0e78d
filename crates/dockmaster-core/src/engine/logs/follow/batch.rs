//! The hub's intake and output: lines from the readers stored (numbered, in the service's ring buffer),
//! notices for ended or failed streams, and batches of at most `batch_lines` lines sent to the receiver.

use std::time::Instant;

use super::reader::StreamMsg;
use super::{Hub, Phase};
use crate::engine::logs::buffer::StoredLine;
use crate::engine::logs::time::format_rfc3339;
use crate::engine::logs::{LogBatch, LogLine, LogNotice, LogNoticeKind};
use crate::engine::now_nano;

impl Hub {
    pub(super) fn on_message(&mut self, msg: StreamMsg) {
        match msg {
            StreamMsg::Lines { id, lines } => {
                let Some(t) = self.tracked.get_mut(&id) else { return };
                let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
                for (stream, line) in lines {
                    self.seq += 1;
                    t.last_ts = Some(t.last_ts.map_or(line.ts_nano, |l| l.max(line.ts_nano)));
                    t.read_since_attach += 1;
                    let stored = StoredLine {
                        seq: self.seq,
                        ts_nano: line.ts_nano,
                        stream,
                        container: t.name.clone(),
                        text: line.text.into_boxed_str(),
                        partial: line.partial,
                    };
                    self.lines.push(stored.to_view(&t.service));
                    buffer.push(&t.service, stored);
                }
                self.dirty = true;
            }
            StreamMsg::Ended { id, error } => {
                let Some(t) = self.tracked.get_mut(&id) else { return };
                let failed = error.is_some() || t.read_since_attach == 0;
                t.failures = if failed { t.failures.saturating_add(1) } else { 0 };
                t.phase = Phase::Ended { at: Instant::now() };
                let (service, name) = (t.service.clone(), t.name.to_string());
                let follow = self.config.follow && t.running_at_attach;
                match error {
                    Some(e) => self.notice(
                        LogNoticeKind::Error,
                        Some(service),
                        Some(name.clone()),
                        format!("reading the log of {name} failed: {e}. Dockmaster retries while it runs"),
                    ),
                    None if follow => self.notice(
                        LogNoticeKind::Ended,
                        Some(service),
                        Some(name.clone()),
                        format!("{name} stopped; its log continues here when it runs again"),
                    ),
                    None => {}
                }
                self.dirty = true;
            }
        }
    }

    pub(super) fn notice(
        &mut self,
        kind: LogNoticeKind,
        service: Option<String>,
        container: Option<String>,
        message: String,
    ) {
        self.notices.push(LogNotice {
            kind,
            service,
            container,
            message,
            timestamp: format_rfc3339(now_nano()),
        });
        self.dirty = true;
    }

    /// Sends what is new, in batches of at most `batch_lines` lines; `false` once nobody receives.
    pub(super) async fn flush(&mut self) -> bool {
        if !self.dirty {
            return !self.out.is_closed();
        }
        let most = self.config.batch_lines.max(1);
        while self.lines.len() > most {
            let rest = self.lines.split_off(most);
            let full = std::mem::replace(&mut self.lines, rest);
            if !self.send(full).await {
                return false;
            }
        }
        let lines = std::mem::take(&mut self.lines);
        self.send(lines).await
    }

    pub(super) async fn send(&mut self, lines: Vec<LogLine>) -> bool {
        let (states, limits) = {
            let b = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
            (b.states(), b.limits())
        };
        let mut services = states;
        for s in &mut services {
            let mut names: Vec<String> = self
                .tracked
                .values()
                .filter(|t| t.service == s.service && matches!(t.phase, Phase::Reading(_)))
                .map(|t| t.name.to_string())
                .collect();
            names.sort();
            s.containers = names;
        }
        let batch = LogBatch {
            lines,
            notices: std::mem::take(&mut self.notices),
            services,
            max_lines_per_service: u32::try_from(limits.0).unwrap_or(u32::MAX),
            max_bytes_per_service: u32::try_from(limits.1).unwrap_or(u32::MAX),
        };
        self.dirty = false;
        self.out.send(batch).await.is_ok()
    }
}
