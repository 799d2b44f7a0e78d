//! The secret masker: for any secrets and any text around them, no secret at least MIN_SECRET_LEN bytes
//! long survives in the output, outside the `[NAME hidden]` labels it writes.
//!
//! Written against today's `engine::logs::Masker`; re-point it at `secrets::mask` when that replaces it.
//!
//! Input: text, then up to eight secret values, separated by NUL bytes; each `\x01` in the text is
//! replaced by the next secret, so the secrets appear in it (adjacent, overlapping, repeated).
#![no_main]

use dockmaster_core::engine::logs::{Masker, MIN_SECRET_LEN};
use dockmaster_core::secrets::Sensitive;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 8] = ["S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7"];

/// The parts of `masked` outside the labels the masker wrote (`[S0 hidden]`, `[S1, S4 hidden]`).
fn outside_labels(masked: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while let Some(open) = masked[i..].find('[').map(|o| i + o) {
        match masked[open..].find(" hidden]").map(|c| open + c) {
            Some(close) if masked[open + 1..close].split(", ").all(|n| NAMES.contains(&n)) => {
                pieces.push(&masked[start..open]);
                start = close + " hidden]".len();
                i = start;
            }
            _ => i = open + 1,
        }
    }
    pieces.push(&masked[start..]);
    pieces
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let mut parts = input.split('\0');
    let template = parts.next().unwrap_or_default();
    let values: Vec<Sensitive<String>> =
        parts.take(NAMES.len()).map(|v| Sensitive::new(v.to_string())).collect();
    if values.is_empty() {
        return;
    }
    let mut text = String::new();
    for (i, chunk) in template.split('\u{1}').enumerate() {
        if i > 0 {
            text.push_str(values[(i - 1) % values.len()].expose());
        }
        text.push_str(chunk);
    }
    let masker = Masker::new(NAMES.iter().copied().zip(values.iter()));
    let masked = masker.mask_str(&text);
    let bytes = masker.mask(text.as_bytes());
    assert_eq!(masked.as_bytes(), bytes.as_ref());
    // A secret holding a bracket could be completed by a label's own text; those are left out.
    let checked: Vec<&str> = values
        .iter()
        .map(|v| v.expose().as_str())
        .filter(|v| v.len() >= MIN_SECRET_LEN && !v.contains(['[', ']']))
        .collect();
    for piece in outside_labels(&masked) {
        for secret in &checked {
            assert!(!piece.contains(secret), "a secret survived masking: {piece:?}");
        }
    }
});
