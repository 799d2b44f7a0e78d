//! The secret masker (`secrets::Masker`): for any secrets and any text around them, no secret at least
//! MIN_SECRET_LEN bytes long survives in the output outside the `[NAME hidden]` labels it writes — neither as
//! it is nor URL-encoded nor JSON-escaped.
//!
//! Input: text, then up to eight secret values, separated by NUL bytes; in the text each `\x01` is replaced by
//! the next secret, each `\x02` by its JSON-escaped form and each `\x03` by its URL-encoded form, so the
//! secrets appear in it (adjacent, overlapping, repeated, encoded).
#![no_main]

use dockmaster_core::secrets::{Masker, Sensitive, MIN_SECRET_LEN};
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
    let mut next = 0;
    for c in template.chars() {
        let form: fn(&str) -> String = match c {
            '\u{1}' => |v| v.to_string(),
            '\u{2}' => json_escaped,
            '\u{3}' => url_encoded,
            c => {
                text.push(c);
                continue;
            }
        };
        text.push_str(&form(values[next % values.len()].expose()));
        next += 1;
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
            for shown in [secret.to_string(), json_escaped(secret), url_encoded(secret)] {
                if shown.contains(['[', ']']) {
                    continue;
                }
                assert!(!piece.contains(&shown), "a secret survived masking: {piece:?}");
            }
        }
    }
});

/// The value inside a JSON string (as serde_json and JavaScript write it).
fn json_escaped(v: &str) -> String {
    let mut out = String::new();
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encoding of everything but RFC 3986's unreserved characters (upper-case hex).
fn url_encoded(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
