//! Where each formatted record goes: masked again with every secret masker alive in this process (the open
//! projects' and the running operations', registered with [`mask_with`]), tagged with the face and process id,
//! cut to a bounded length, then appended to the [`RotatingFile`]. Call sites mask what they log already; this
//! is the second net, so a value that slipped into a message is still hidden before it reaches the disk.

use std::io;
use std::sync::{Arc, Mutex, Weak};

use super::rotate::RotatingFile;
use crate::secrets::Masker;

/// The longest record kept (a longer one is cut, after masking, with a note).
const MAX_RECORD: usize = 16 * 1024;

static MASKERS: Mutex<Vec<Weak<Masker>>> = Mutex::new(Vec::new());

/// Masks every record written from now on with `masker` too, for as long as it lives.
pub fn mask_with(masker: &Arc<Masker>) {
    let mut list = MASKERS.lock().unwrap_or_else(|e| e.into_inner());
    list.retain(|m| m.strong_count() > 0);
    if !list.iter().any(|m| m.as_ptr() == Arc::as_ptr(masker)) {
        list.push(Arc::downgrade(masker));
    }
}

/// `record` masked with every masker alive.
pub fn masked(record: &[u8]) -> Vec<u8> {
    let maskers: Vec<Arc<Masker>> = {
        let list = MASKERS.lock().unwrap_or_else(|e| e.into_inner());
        list.iter().filter_map(Weak::upgrade).collect()
    };
    let mut out = record.to_vec();
    for masker in maskers {
        if let std::borrow::Cow::Owned(m) = masker.mask(&out) {
            out = m;
        }
    }
    out
}

/// The writer tracing-subscriber formats into (one `write` per record).
pub struct Sink {
    file: RotatingFile,
    prefix: String,
}

impl Sink {
    pub fn new(file: RotatingFile, face: &str) -> Sink {
        Sink { file, prefix: format!("[{face} {}] ", std::process::id()) }
    }
}

impl io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut record = self.prefix.clone().into_bytes();
        let masked = masked(buf);
        if masked.len() > MAX_RECORD {
            let cut =
                (0..=MAX_RECORD).rev().find(|&i| std::str::from_utf8(&masked[..i]).is_ok()).unwrap_or(0);
            record.extend_from_slice(&masked[..cut]);
            record.extend_from_slice(b" [record cut]\n");
        } else {
            record.extend_from_slice(&masked);
        }
        // A log that cannot be written must not fail what is being logged.
        let _ = self.file.append(&record);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::secrets::Sensitive;
    use std::io::Write;

    #[test]
    fn records_are_masked_with_every_live_masker_and_tagged() {
        let dir = tempfile::tempdir().unwrap();
        let value = Sensitive::new("Sink-Marker-4711".to_string());
        let masker = Arc::new(Masker::new([("API_TOKEN", &value)]));
        mask_with(&masker);
        let mut sink = Sink::new(RotatingFile::open(dir.path(), 1 << 20).unwrap(), "test");
        sink.write_all(b"failed: token Sink-Marker-4711 and U2luay1NYXJrZXItNDcxMQ==\n").unwrap();
        drop(masker);
        sink.write_all(b"after: Sink-Marker-4711\n").unwrap();
        let text = std::fs::read_to_string(dir.path().join(super::super::rotate::FILE_NAME)).unwrap();
        let first = text.lines().next().unwrap();
        let prefix =
            format!("[test {}] failed: token [API_TOKEN hidden] and [API_TOKEN hidden]", std::process::id());
        assert!(first.starts_with(&prefix), "{first}");
        assert!(!first.contains("Sink-Marker") && !first.contains("U2luay1NYXJrZXItNDcx"), "{first}");
        assert!(text.contains("after: Sink-Marker-4711"), "a dropped masker no longer applies: {text}");
    }

    #[test]
    fn an_over_long_record_is_cut_on_a_character_boundary() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = Sink::new(RotatingFile::open(dir.path(), 1 << 20).unwrap(), "t");
        let long = "ü".repeat(MAX_RECORD);
        sink.write_all(long.as_bytes()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(super::super::rotate::FILE_NAME)).unwrap();
        assert!(text.ends_with(" [record cut]\n") && text.len() < MAX_RECORD + 64, "{}", text.len());
    }
}
