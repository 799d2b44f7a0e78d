//! Turns the engine's log entries (one per frame, each with its timestamp; long lines arrive as several
//! partial entries) into masked lines: partial entries are joined, `\r\n` is trimmed, and a line longer than
//! the limit is cut into pieces without ever splitting a secret value or a UTF-8 character.

use super::time::split_timestamp;
use crate::secrets::Masker;

/// Longest timestamp prefix looked for (RFC 3339 with nanoseconds and an offset is 35 bytes).
pub(super) const STAMP_MAX: usize = 40;

/// One complete (or cut) line, already masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitLine {
    /// When the line's first entry was written (engine time, ns since the epoch).
    pub ts_nano: i64,
    pub text: String,
    /// The line was longer than the limit: it continues in the next line.
    pub partial: bool,
}

/// The line assembler of one output stream (stdout or stderr) of one container.
#[derive(Debug)]
pub struct Splitter {
    pending: Vec<u8>,
    /// Timestamp of the entry that started `pending`.
    pending_ts: Option<i64>,
    max_line: usize,
    /// Inside an entry that did not end yet (raw console output cut at arbitrary places).
    mid_entry: bool,
    /// The start of a console entry too short yet to hold its whole timestamp.
    head: Vec<u8>,
}

impl Splitter {
    /// `max_line`: the longest line kept whole, in bytes (at least 64).
    pub fn new(max_line: usize) -> Splitter {
        Splitter {
            pending: Vec::new(),
            pending_ts: None,
            max_line: max_line.max(64),
            mid_entry: false,
            head: Vec::new(),
        }
    }

    /// Bytes held for a line that has not ended yet.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// One log entry: with `timestamps`, it starts with the engine's `<RFC 3339> ` prefix (`now` is used when
    /// it does not). Complete lines go to `out`.
    pub fn push_entry(
        &mut self,
        entry: &[u8],
        timestamps: bool,
        now: i64,
        masker: &Masker,
        out: &mut Vec<SplitLine>,
    ) {
        let (ts, body) = match timestamps.then(|| split_timestamp(entry)).flatten() {
            Some((ts, body)) => (ts, body),
            None => (now, entry),
        };
        self.push_body(ts, body, masker, out);
    }

    /// Raw console output (a TTY container): entries are separated by newlines and may be cut anywhere.
    pub fn push_console(
        &mut self,
        chunk: &[u8],
        timestamps: bool,
        now: i64,
        masker: &Masker,
        out: &mut Vec<SplitLine>,
    ) {
        let joined;
        let mut rest = chunk;
        if !self.head.is_empty() {
            self.head.extend_from_slice(chunk);
            joined = std::mem::take(&mut self.head);
            rest = &joined;
        }
        while !rest.is_empty() {
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            let (piece, tail) = rest.split_at(end);
            let complete = piece.last() == Some(&b'\n');
            if self.mid_entry {
                let ts = self.pending_ts.unwrap_or(now);
                self.push_body(ts, piece, masker, out);
            } else if timestamps
                && !complete
                && !piece.iter().take(STAMP_MAX).any(|&b| b == b' ')
                && piece.len() < STAMP_MAX
            {
                // The timestamp is not all here yet: wait for the rest of it.
                self.head.extend_from_slice(piece);
                return;
            } else {
                self.push_entry(piece, timestamps, now, masker, out);
            }
            self.mid_entry = !complete;
            rest = tail;
        }
    }

    fn push_body(&mut self, ts: i64, body: &[u8], masker: &Masker, out: &mut Vec<SplitLine>) {
        let mut rest = body;
        while !rest.is_empty() {
            if self.pending.is_empty() {
                self.pending_ts = Some(ts);
            }
            match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    // Fast path: a whole line in one entry, nothing pending.
                    if self.pending.is_empty() && i <= self.max_line {
                        self.emit(&rest[..i], false, masker, out);
                    } else {
                        self.pending.extend_from_slice(&rest[..i]);
                        self.cut_long(masker, out);
                        let line = std::mem::take(&mut self.pending);
                        self.emit(&line, false, masker, out);
                        self.pending = line;
                        self.pending.clear();
                    }
                    self.pending_ts = None;
                    rest = &rest[i + 1..];
                }
                None => {
                    self.pending.extend_from_slice(rest);
                    self.cut_long(masker, out);
                    rest = &[];
                }
            }
        }
    }

    /// Emits pieces of a pending line longer than the limit, once enough follows the cut that no secret
    /// value can straddle it unseen.
    fn cut_long(&mut self, masker: &Masker, out: &mut Vec<SplitLine>) {
        let reach = masker.longest();
        while self.pending.len() > self.max_line + reach {
            let at = masker.safe_cut(&self.pending, self.max_line);
            let at = char_boundary(&self.pending, at);
            let piece: Vec<u8> = self.pending.drain(..at).collect();
            self.emit(&piece, true, masker, out);
        }
    }

    fn emit(&self, bytes: &[u8], partial: bool, masker: &Masker, out: &mut Vec<SplitLine>) {
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let masked = masker.mask(bytes);
        out.push(SplitLine {
            ts_nano: self.pending_ts.unwrap_or_default(),
            text: String::from_utf8_lossy(&masked).into_owned(),
            partial,
        });
    }

    /// The end of the stream: a last line without a newline is still a line.
    pub fn finish(&mut self, masker: &Masker, out: &mut Vec<SplitLine>) {
        if !self.head.is_empty() {
            let head = std::mem::take(&mut self.head);
            self.push_entry(&head, true, self.pending_ts.unwrap_or_default(), masker, out);
        }
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.emit(&line, false, masker, out);
        }
        self.pending_ts = None;
        self.mid_entry = false;
    }
}

/// `at`, moved back to the start of a UTF-8 character (forward when that would reach 0).
fn char_boundary(bytes: &[u8], at: usize) -> usize {
    let at = at.min(bytes.len());
    let is_cont = |i: usize| bytes.get(i).is_some_and(|b| b & 0xC0 == 0x80);
    let mut back = at;
    while back > 0 && is_cont(back) && at - back < 4 {
        back -= 1;
    }
    if back > 0 && !is_cont(back) {
        return back;
    }
    let mut fwd = at;
    while fwd < bytes.len() && is_cont(fwd) {
        fwd += 1;
    }
    fwd.max(1)
}
