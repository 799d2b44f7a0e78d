//! [`StreamMasker`]: the one masker over a byte stream that arrives in arbitrary pieces (a terminal, a command's
//! output): a value split across two pieces is still hidden, because the tail of each piece that a value could
//! still be starting in is held back until the next piece (or a flush, when the stream pauses or ends).

use std::sync::Arc;

use super::Masker;

/// Masks a stream piece by piece. What [`StreamMasker::push`] returns plus the final [`StreamMasker::flush`]
/// equals masking the whole stream at once, whatever the cuts.
pub struct StreamMasker {
    masker: Arc<Masker>,
    pending: Vec<u8>,
}

impl std::fmt::Debug for StreamMasker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamMasker").field("pending", &self.pending.len()).finish_non_exhaustive()
    }
}

impl StreamMasker {
    pub fn new(masker: Arc<Masker>) -> Self {
        StreamMasker { masker, pending: Vec::new() }
    }

    /// Takes the next piece; returns what can be shown now, masked. Up to [`Masker::longest`] − 1 bytes are
    /// held back (a value may go on in the next piece); [`StreamMasker::flush`] releases them.
    pub fn push(&mut self, piece: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(piece);
        let keep = self.masker.longest().saturating_sub(1);
        if self.pending.len() <= keep {
            return Vec::new();
        }
        // Every value that starts before `cut` ends at or before the end of what is pending, so it is seen
        // whole; one that straddles the cut is held back with the rest (or released whole when it starts the
        // buffer).
        let cut = self.masker.safe_cut(&self.pending, self.pending.len() - keep);
        let rest = self.pending.split_off(cut);
        let shown = std::mem::replace(&mut self.pending, rest);
        self.masker.mask(&shown).into_owned()
    }

    /// Whether bytes are held back (a flush would release them).
    pub fn holding(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Everything held back, masked: the stream paused or ended.
    pub fn flush(&mut self) -> Vec<u8> {
        let rest = std::mem::take(&mut self.pending);
        self.masker.mask(&rest).into_owned()
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
}
