//! Compose v1 and v2 progress lines: any output line parses (or not) without panicking; cleaning is
//! idempotent and leaves no escape sequence or carriage return; a recognised object has a name.
//!
//! Input: Compose output, one line per line (also found: a `\n` is never part of a line, so a whole
//! text is not one line).
#![no_main]

use dockmaster_core::lifecycle::progress::{clean, parse_v1, parse_v2, v1_error_subject};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Callers split Compose's output into lines first, so no line holds a `\n`.
    for line in text.split('\n') {
        let cleaned = clean(line);
        assert!(!cleaned.contains(['\u{1b}', '\r']), "{line:?} -> {cleaned:?}");
        assert_eq!(clean(&cleaned), cleaned, "{line:?}");
        for parsed in [parse_v1(line), parse_v2(line)].into_iter().flatten() {
            assert!(!parsed.name.contains(['\u{1b}', '\r', '\n']), "{line:?}: {parsed:?}");
        }
        let _ = v1_error_subject(line);
    }
});
