//! The per-service ring buffers behind a follow: bounded by lines and by bytes, counting what they drop,
//! and the filter (services, streams, time range, text or regex) that search and export run over them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use regex::{Regex, RegexBuilder};

use super::time::{format_rfc3339, parse_user_time};
use super::{LogError, LogFilter, LogLine, LogStream, ServiceLogState};

/// What a stored line costs besides its text (the struct, the deque slot, allocator slack).
const LINE_OVERHEAD: usize = 64;

/// One line as kept (masked already).
#[derive(Debug, Clone)]
pub(crate) struct StoredLine {
    pub seq: u64,
    pub ts_nano: i64,
    pub stream: LogStream,
    pub container: Arc<str>,
    pub text: Box<str>,
    pub partial: bool,
}

impl StoredLine {
    fn cost(&self) -> usize {
        self.text.len() + LINE_OVERHEAD
    }

    pub fn to_view(&self, service: &str) -> LogLine {
        LogLine {
            seq: self.seq as f64,
            service: service.to_string(),
            container: self.container.to_string(),
            stream: self.stream,
            timestamp: format_rfc3339(self.ts_nano),
            time_ms: (self.ts_nano / 1_000_000) as f64,
            text: self.text.to_string(),
            partial: self.partial,
        }
    }
}

#[derive(Debug, Default)]
struct Ring {
    lines: VecDeque<StoredLine>,
    bytes: usize,
    dropped: u64,
    /// Lines ever stored (kept + dropped).
    total: u64,
}

/// Every followed service's ring.
#[derive(Debug)]
pub struct LogBuffer {
    max_lines: usize,
    max_bytes: usize,
    rings: BTreeMap<String, Ring>,
}

impl LogBuffer {
    /// Limits per service; at least one line is always kept.
    pub fn new(max_lines: usize, max_bytes: usize) -> LogBuffer {
        LogBuffer { max_lines: max_lines.max(1), max_bytes: max_bytes.max(1), rings: BTreeMap::new() }
    }

    pub(crate) fn push(&mut self, service: &str, line: StoredLine) {
        let ring = match self.rings.get_mut(service) {
            Some(r) => r,
            None => self.rings.entry(service.to_string()).or_default(),
        };
        let cost = line.cost();
        while !ring.lines.is_empty()
            && (ring.lines.len() >= self.max_lines || ring.bytes + cost > self.max_bytes)
        {
            if let Some(old) = ring.lines.pop_front() {
                ring.bytes -= old.cost();
                ring.dropped += 1;
            }
        }
        ring.bytes += cost;
        ring.total += 1;
        ring.lines.push_back(line);
    }

    /// Makes a service known (it shows with zero lines before its first one arrives).
    pub(crate) fn ensure(&mut self, service: &str) {
        if !self.rings.contains_key(service) {
            self.rings.insert(service.to_string(), Ring::default());
        }
    }

    /// Per service: lines and bytes kept, lines dropped.
    pub fn states(&self) -> Vec<ServiceLogState> {
        self.rings
            .iter()
            .map(|(name, r)| ServiceLogState {
                service: name.clone(),
                lines: u32::try_from(r.lines.len()).unwrap_or(u32::MAX),
                bytes: u32::try_from(r.bytes).unwrap_or(u32::MAX),
                dropped: r.dropped as f64,
                total: r.total as f64,
                first_seq: r.lines.front().map(|l| l.seq as f64),
                containers: Vec::new(),
            })
            .collect()
    }

    /// The limits: (lines, bytes) per service.
    pub fn limits(&self) -> (usize, usize) {
        (self.max_lines, self.max_bytes)
    }

    /// The lines that pass `filter`, oldest first (by arrival), at most `limit` (the newest ones).
    pub fn query(&self, filter: &CompiledFilter, limit: Option<usize>) -> Vec<LogLine> {
        let mut found: Vec<(u64, &str, &StoredLine)> = Vec::new();
        for (service, ring) in &self.rings {
            if !filter.service(service) {
                continue;
            }
            for line in ring.lines.iter().filter(|l| filter.line(l)) {
                found.push((line.seq, service.as_str(), line));
            }
        }
        found.sort_unstable_by_key(|(seq, _, _)| *seq);
        let skip = limit.map_or(0, |l| found.len().saturating_sub(l));
        found.into_iter().skip(skip).map(|(_, service, line)| line.to_view(service)).collect()
    }
}

/// A [`LogFilter`] made ready to run: times parsed, the pattern compiled.
#[derive(Debug)]
pub struct CompiledFilter {
    services: Vec<String>,
    streams: Vec<LogStream>,
    since: Option<i64>,
    until: Option<i64>,
    pattern: Option<Regex>,
}

impl CompiledFilter {
    pub fn new(filter: &LogFilter, now_nano: i64) -> Result<CompiledFilter, LogError> {
        let time = |t: &Option<String>| -> Result<Option<i64>, LogError> {
            match t.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(text) => parse_user_time(text, now_nano)
                    .map(Some)
                    .ok_or_else(|| LogError::InvalidTime { text: text.to_string() }),
            }
        };
        let pattern = match filter.text.as_deref().filter(|t| !t.is_empty()) {
            None => None,
            Some(text) => {
                let source = if filter.regex { text.to_string() } else { regex::escape(text) };
                let re = RegexBuilder::new(&source)
                    .case_insensitive(!filter.case_sensitive)
                    .size_limit(1 << 22)
                    .build()
                    .map_err(|e| LogError::InvalidPattern {
                        pattern: text.to_string(),
                        reason: e.to_string(),
                    })?;
                Some(re)
            }
        };
        Ok(CompiledFilter {
            services: filter.services.clone(),
            streams: filter.streams.clone(),
            since: time(&filter.since)?,
            until: time(&filter.until)?,
            pattern,
        })
    }

    pub fn service(&self, service: &str) -> bool {
        self.services.is_empty() || self.services.iter().any(|s| s == service)
    }

    pub(crate) fn line(&self, line: &StoredLine) -> bool {
        (self.streams.is_empty() || self.streams.contains(&line.stream))
            && self.since.is_none_or(|s| line.ts_nano >= s)
            && self.until.is_none_or(|u| line.ts_nano <= u)
            && self.pattern.as_ref().is_none_or(|p| p.is_match(&line.text))
    }

    /// Whether a line shown to the user (service, stream, time, text) passes.
    pub fn matches(&self, service: &str, stream: LogStream, ts_nano: i64, text: &str) -> bool {
        self.service(service)
            && (self.streams.is_empty() || self.streams.contains(&stream))
            && self.since.is_none_or(|s| ts_nano >= s)
            && self.until.is_none_or(|u| ts_nano <= u)
            && self.pattern.as_ref().is_none_or(|p| p.is_match(text))
    }
}
