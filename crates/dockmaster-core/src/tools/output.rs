//! A command's output on its way to a screen: masked with the project's secrets as it streams (a value cut
//! between two reads is still hidden; what is held back is released when the stream pauses), and decoded as
//! UTF-8 across reads for the window.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;

use crate::engine::ops::{ExecOutput, OpResult, OutputStream};
use crate::secrets::{Masker, StreamMasker};

/// How long a pause in the output may last before what is held back for masking is shown.
pub const IDLE_FLUSH: Duration = Duration::from_millis(15);

/// A command's output, masked.
pub struct MaskedOutput {
    stream: OutputStream,
    stdout: StreamMasker,
    stderr: StreamMasker,
    ended: bool,
}

impl std::fmt::Debug for MaskedOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaskedOutput").field("ended", &self.ended).finish_non_exhaustive()
    }
}

impl MaskedOutput {
    pub fn new(stream: OutputStream, masker: Arc<Masker>) -> Self {
        MaskedOutput {
            stream,
            stdout: StreamMasker::new(Arc::clone(&masker)),
            stderr: StreamMasker::new(masker),
            ended: false,
        }
    }

    /// The next masked piece; `None` once the output has ended and everything held back was given.
    pub async fn next(&mut self) -> Option<OpResult<ExecOutput>> {
        loop {
            if self.ended {
                return self.release(StreamMasker::flush).map(Ok);
            }
            let holding = self.stdout.holding() || self.stderr.holding();
            let item = if holding {
                match tokio::time::timeout(IDLE_FLUSH, self.stream.next()).await {
                    Ok(item) => item,
                    Err(_) => match self.release(StreamMasker::pause) {
                        Some(piece) => return Some(Ok(piece)),
                        None => continue,
                    },
                }
            } else {
                self.stream.next().await
            };
            match item {
                Some(Ok(ExecOutput::Stdout(b))) => {
                    let shown = self.stdout.push(&b);
                    if !shown.is_empty() {
                        return Some(Ok(ExecOutput::Stdout(Bytes::from(shown))));
                    }
                }
                Some(Ok(ExecOutput::Stderr(b))) => {
                    let shown = self.stderr.push(&b);
                    if !shown.is_empty() {
                        return Some(Ok(ExecOutput::Stderr(Bytes::from(shown))));
                    }
                }
                Some(Err(e)) => return Some(Err(e)),
                None => self.ended = true,
            }
        }
    }

    /// What `how` releases of what is held back (stdout first), if anything: at a pause or the end.
    fn release(&mut self, how: fn(&mut StreamMasker) -> Vec<u8>) -> Option<ExecOutput> {
        let out = how(&mut self.stdout);
        if !out.is_empty() {
            return Some(ExecOutput::Stdout(Bytes::from(out)));
        }
        let err = how(&mut self.stderr);
        (!err.is_empty()).then(|| ExecOutput::Stderr(Bytes::from(err)))
    }
}

/// UTF-8 text from bytes that arrive in pieces: a character cut between two pieces is completed by the next;
/// bytes that are not UTF-8 become U+FFFD.
#[derive(Debug, Default)]
pub struct Utf8Pieces {
    pending: Vec<u8>,
}

impl Utf8Pieces {
    /// The text of `piece` (and what was pending) up to the last complete character.
    pub fn push(&mut self, piece: &[u8]) -> String {
        self.pending.extend_from_slice(piece);
        let mut out = String::new();
        let mut at = 0;
        loop {
            match std::str::from_utf8(&self.pending[at..]) {
                Ok(text) => {
                    out.push_str(text);
                    at = self.pending.len();
                    break;
                }
                Err(e) => {
                    let valid = at + e.valid_up_to();
                    out.push_str(&String::from_utf8_lossy(&self.pending[at..valid]));
                    match e.error_len() {
                        Some(bad) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            at = valid + bad;
                        }
                        // An incomplete character at the end: wait for the rest.
                        None => {
                            at = valid;
                            break;
                        }
                    }
                }
            }
        }
        self.pending.drain(..at);
        out
    }

    /// What is left when the stream ends (an incomplete character becomes U+FFFD).
    pub fn finish(&mut self) -> String {
        let rest = std::mem::take(&mut self.pending);
        String::from_utf8_lossy(&rest).into_owned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::engine::ops::OpError;
    use crate::secrets::Sensitive;

    #[test]
    fn characters_cut_between_pieces_are_completed_and_invalid_bytes_replaced() {
        let text = "é€😀 ok".as_bytes();
        for cut in 0..text.len() {
            let mut d = Utf8Pieces::default();
            let mut out = d.push(&text[..cut]);
            out.push_str(&d.push(&text[cut..]));
            out.push_str(&d.finish());
            assert_eq!(out, "é€😀 ok", "cut at {cut}");
        }
        let mut d = Utf8Pieces::default();
        assert_eq!(d.push(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(d.push(b"\xe2\x82"), "");
        assert_eq!(d.finish(), "\u{fffd}");
    }

    fn stream(pieces: Vec<ExecOutput>) -> OutputStream {
        futures_util::stream::iter(pieces.into_iter().map(Ok::<_, OpError>)).boxed()
    }

    #[tokio::test]
    async fn a_value_split_across_reads_never_shows_and_every_other_byte_does() {
        let value = Sensitive::new("hunter2-hunter2".to_string());
        let masker = Arc::new(Masker::new([("DB_PASSWORD", &value)]));
        let pieces = vec![
            ExecOutput::Stdout(Bytes::from_static(b"PGPASSWORD=hunt")),
            ExecOutput::Stderr(Bytes::from_static(b"warning: ")),
            ExecOutput::Stdout(Bytes::from_static(b"er2-hunter2\r\n$ ")),
        ];
        let mut out = MaskedOutput::new(stream(pieces), masker);
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        while let Some(item) = out.next().await {
            match item.unwrap() {
                ExecOutput::Stdout(b) => stdout.extend_from_slice(&b),
                ExecOutput::Stderr(b) => stderr.extend_from_slice(&b),
            }
        }
        assert_eq!(String::from_utf8(stdout).unwrap(), "PGPASSWORD=[DB_PASSWORD hidden]\r\n$ ");
        assert_eq!(String::from_utf8(stderr).unwrap(), "warning: ");
    }

    #[tokio::test]
    async fn a_prompt_is_shown_when_the_output_pauses() {
        let value = Sensitive::new("hunter2-hunter2".to_string());
        let masker = Arc::new(Masker::new([("DB_PASSWORD", &value)]));
        // The output pauses after the prompt (the stream stays open).
        let prompt = futures_util::stream::iter([Ok(ExecOutput::Stdout(Bytes::from_static(b"$ ")))])
            .chain(futures_util::stream::pending())
            .boxed();
        let mut out = MaskedOutput::new(prompt, masker);
        let mut shown = Vec::new();
        while shown != b"$ " {
            let piece = tokio::time::timeout(Duration::from_secs(2), out.next()).await.unwrap().unwrap();
            shown.extend_from_slice(piece.unwrap().bytes());
        }
    }

    #[tokio::test]
    async fn a_value_printed_with_a_pause_inside_it_still_never_shows() {
        let value = Sensitive::new("hunter2-hunter2".to_string());
        let masker = Arc::new(Masker::new([("DB_PASSWORD", &value)]));
        let pieces = ["PGPASSWORD=hu", "nter2-hu", "nter2\r\n"];
        // Each piece after a pause longer than IDLE_FLUSH, as a slow program prints.
        let slow = futures_util::stream::unfold(0, move |i| async move {
            let piece = pieces.get(i)?;
            tokio::time::sleep(IDLE_FLUSH * 4).await;
            Some((Ok::<_, OpError>(ExecOutput::Stdout(Bytes::from_static(piece.as_bytes()))), i + 1))
        })
        .boxed();
        let mut out = MaskedOutput::new(slow, masker);
        let mut shown = Vec::new();
        while let Some(item) = out.next().await {
            shown.extend_from_slice(item.unwrap().bytes());
        }
        assert_eq!(String::from_utf8(shown).unwrap(), "PGPASSWORD=hu[DB_PASSWORD hidden]\r\n");
    }
}
