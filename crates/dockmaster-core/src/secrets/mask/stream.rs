//! [`StreamMasker`]: the one masker over a byte stream that arrives in arbitrary pieces (a terminal, a command's
//! output): a value split across two pieces is still hidden, because the tail of each piece that a value could
//! still be starting in is held back until the next piece (or until the stream pauses or ends).
//!
//! A pause cannot know whether a value goes on after it, so [`StreamMasker::pause`] releases what is held except
//! a tail that a value starts with, once at least [`PARK_MIN`] of the value's bytes are there (counting those
//! already shown): it stays parked until more bytes decide, and is hidden if the stream ends there. The bytes
//! given out stay as context, so the rest of a value whose first bytes were shown before a pause is still
//! hidden after it. At most `PARK_MIN − 1` bytes of a value that a program prints with pauses inside it can
//! reach the screen.

use std::sync::Arc;

use super::Masker;

/// A held tail this long that a value starts with is not shown at a pause.
pub const PARK_MIN: usize = 4;

/// Masks a stream piece by piece. What [`StreamMasker::push`] returns plus the final [`StreamMasker::flush`]
/// equals masking the whole stream at once, whatever the cuts, when nothing is released by a pause.
pub struct StreamMasker {
    masker: Arc<Masker>,
    /// Bytes not yet decided, after `shown` bytes of context already given out.
    pending: Vec<u8>,
    shown: usize,
    /// How many bytes at the end of `pending` the last pause kept back (a value's first bytes).
    parked: usize,
}

impl std::fmt::Debug for StreamMasker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamMasker").field("pending", &self.pending.len()).finish_non_exhaustive()
    }
}

impl StreamMasker {
    pub fn new(masker: Arc<Masker>) -> Self {
        StreamMasker { masker, pending: Vec::new(), shown: 0, parked: 0 }
    }

    /// Takes the next piece; returns what can be shown now, masked. Up to [`Masker::longest`] − 1 bytes are
    /// held back (a value may go on in the next piece); [`StreamMasker::pause`] and [`StreamMasker::flush`]
    /// release them.
    pub fn push(&mut self, piece: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(piece);
        self.parked = 0;
        let keep = self.masker.longest().saturating_sub(1);
        if self.pending.len() <= keep {
            return Vec::new();
        }
        // Every value that starts before `cut` ends at or before the end of what is pending, so it is seen
        // whole; one that straddles the cut is held back with the rest (or released whole when it starts the
        // buffer).
        let cut = self.masker.safe_cut(&self.pending, self.pending.len() - keep);
        self.release(cut)
    }

    /// Whether bytes are held back that a pause would release.
    pub fn holding(&self) -> bool {
        self.pending.len() > self.shown + self.parked
    }

    /// The stream paused (it may go on): what is held back, masked, except the first bytes of a value at its
    /// end, which stay parked.
    pub fn pause(&mut self) -> Vec<u8> {
        let parked = self.value_start().map_or(0, |(len, _)| len);
        let out = self.release(self.pending.len() - parked);
        self.parked = parked;
        out
    }

    /// How many of the bytes not shown yet, at the end, belong to a value's first bytes (counted from where
    /// the value starts, which may be in the context already shown), with the value's label.
    fn value_start(&self) -> Option<(usize, String)> {
        let unshown = self.pending.len() - self.shown;
        let (len, label) = self.masker.secret_start(&self.pending, PARK_MIN)?;
        Some((len.min(unshown), label))
    }

    /// Everything held back, masked: the stream ended. First bytes of a value at its very end are hidden too.
    pub fn flush(&mut self) -> Vec<u8> {
        let tail = self.value_start().filter(|(len, _)| *len > 0);
        let end = self.pending.len() - tail.as_ref().map_or(0, |(len, _)| *len);
        let mut out = self.release(end);
        if let Some((_, label)) = tail {
            out.extend_from_slice(label.as_bytes());
        }
        self.pending.clear();
        self.shown = 0;
        self.parked = 0;
        out
    }

    /// Gives out `pending[..end]` masked (its first `shown` bytes were given out before), and keeps the last
    /// bytes given out as context for a value that goes on past them.
    fn release(&mut self, end: usize) -> Vec<u8> {
        if end <= self.shown {
            return Vec::new();
        }
        let out = self.masker.mask_after(&self.pending[..end], self.shown);
        let context = self.masker.longest().saturating_sub(1).min(end);
        self.pending.drain(..end - context);
        self.shown = context;
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::secrets::Sensitive;

    const VALUE: &str = "s3cr3t-Value/with+chars";

    fn masker() -> Arc<Masker> {
        let v = Sensitive::new(VALUE.to_string());
        let other = Sensitive::new("another-secret-0123".to_string());
        Arc::new(Masker::new([("DB_PASSWORD", &v), ("TOKEN", &other)]))
    }

    fn run(masker: &Arc<Masker>, pieces: &[&[u8]]) -> Vec<u8> {
        let mut stream = StreamMasker::new(Arc::clone(masker));
        let mut out = Vec::new();
        for p in pieces {
            out.extend(stream.push(p));
        }
        out.extend(stream.flush());
        assert!(!stream.holding());
        out
    }

    #[test]
    fn a_value_cut_anywhere_is_hidden_and_the_rest_is_kept_exactly() {
        let m = masker();
        let text = format!("PGPASSWORD={VALUE}\r\nTOKEN=another-secret-0123 and {VALUE}{VALUE}!\r\n$ ");
        let whole = m.mask(text.as_bytes()).into_owned();
        assert!(!String::from_utf8_lossy(&whole).contains("s3cr3t"), "the one-shot mask hides it");
        let bytes = text.as_bytes();
        for a in 0..bytes.len() {
            for b in a..bytes.len() {
                let out = run(&m, &[&bytes[..a], &bytes[a..b], &bytes[b..]]);
                assert_eq!(out, whole, "cut at {a} and {b}");
            }
        }
    }

    #[test]
    fn one_byte_at_a_time_like_a_terminal_echo_still_hides_a_printed_value() {
        let m = masker();
        let text = format!("env\r\nDB={VALUE}\r\n");
        let pieces: Vec<&[u8]> = text.as_bytes().chunks(1).collect();
        let out = String::from_utf8(run(&m, &pieces)).unwrap();
        assert_eq!(out, "env\r\nDB=[DB_PASSWORD hidden]\r\n");
    }

    #[test]
    fn what_cannot_start_a_value_is_shown_at_once_and_the_held_tail_is_short() {
        let m = masker();
        let mut stream = StreamMasker::new(Arc::clone(&m));
        let long = "x".repeat(200);
        let shown = stream.push(long.as_bytes());
        assert_eq!(shown.len(), 200 - (m.longest() - 1), "only the tail a value could start in is held");
        assert!(stream.holding());
        assert_eq!(stream.flush().len(), m.longest() - 1);
        // Without secrets nothing is held.
        let mut plain = StreamMasker::new(Arc::new(Masker::none()));
        assert_eq!(plain.push(b"$ "), b"$ ");
        assert!(!plain.holding());
    }

    /// Every window of `PARK_MIN` bytes of `value`.
    fn windows(value: &str) -> Vec<&str> {
        (0..=value.len() - PARK_MIN).map(|i| &value[i..i + PARK_MIN]).collect()
    }

    #[test]
    fn pauses_anywhere_show_no_more_than_a_value_s_first_bytes() {
        let m = masker();
        let text = format!("PGPASSWORD={VALUE}\r\nTOKEN=another-secret-0123 and {VALUE}{VALUE}!\r\n$ ");
        let bytes = text.as_bytes();
        for a in 0..bytes.len() {
            for b in a..bytes.len() {
                let mut stream = StreamMasker::new(Arc::clone(&m));
                let mut out = stream.push(&bytes[..a]);
                out.extend(stream.pause());
                out.extend(stream.push(&bytes[a..b]));
                out.extend(stream.pause());
                out.extend(stream.push(&bytes[b..]));
                out.extend(stream.flush());
                let out = String::from_utf8(out).unwrap();
                for w in windows(VALUE).into_iter().chain(windows("another-secret-0123")) {
                    assert!(!out.contains(w), "pauses at {a} and {b} showed {w:?}: {out}");
                }
                assert!(out.starts_with("PGPASSWORD="), "{out}");
                assert!(out.ends_with("!\r\n$ "), "pauses at {a} and {b}: {out}");
            }
        }
    }

    #[test]
    fn a_value_typed_one_byte_at_a_time_shows_at_most_its_first_bytes() {
        let m = masker();
        let mut stream = StreamMasker::new(Arc::clone(&m));
        let mut out = Vec::new();
        for byte in format!("$ echo {VALUE}\r\n").as_bytes() {
            out.extend(stream.push(std::slice::from_ref(byte)));
            out.extend(stream.pause());
        }
        out.extend(stream.flush());
        assert_eq!(String::from_utf8(out).unwrap(), "$ echo s3c[DB_PASSWORD hidden]\r\n");
    }

    #[test]
    fn a_pause_shows_a_prompt_and_parks_only_a_value_s_start() {
        let m = masker();
        let mut stream = StreamMasker::new(Arc::clone(&m));
        assert_eq!(stream.push(b"postgres=# "), b"");
        assert!(stream.holding());
        assert_eq!(stream.pause(), b"postgres=# ");
        assert!(!stream.holding(), "nothing left that a pause would show");
        assert_eq!(stream.push(b"token: s3cr"), b"");
        assert_eq!(stream.pause(), b"token: ", "the value's first four bytes stay parked");
        assert!(!stream.holding(), "parked bytes wait for more output, not for another pause");
        assert_eq!(stream.push(b"3t? no"), b"");
        assert_eq!(stream.pause(), b"s3cr3t? no", "more bytes showed it is not the value");
        // The stream ends inside a value: its first bytes are hidden, not shown.
        assert_eq!(stream.push(b" s3cr3t-Val"), b"");
        assert_eq!(stream.flush(), b" [DB_PASSWORD hidden]");
    }
}
