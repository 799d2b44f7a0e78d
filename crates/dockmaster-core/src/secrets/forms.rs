//! The shapes a secret value takes in text a program prints: the value itself, each line of a multi-line
//! value, and its base64 (every alignment, standard and URL-safe), URL-encoded and JSON-escaped forms.

use base64::Engine;

/// Every form of `value` worth searching for, each at least `min` bytes long, without duplicates. The
/// value itself is always first when it is long enough.
pub fn forms(value: &str, min: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |form: String| {
        if form.len() >= min && !out.contains(&form) {
            out.push(form);
        }
    };
    add(value.to_string());
    // A line-by-line reader (a log viewer, a terminal) sees a multi-line value (a PEM key) one line at a time.
    if value.contains('\n') {
        for line in value.split('\n') {
            add(line.trim_end_matches('\r').to_string());
        }
    }
    for encoded in url_encoded(value) {
        add(encoded);
    }
    add(json_escaped(value, false));
    add(json_escaped(value, true));
    add(json_escaped(value, false).replace('/', "\\/"));
    for encoded in base64_forms(value.as_bytes()) {
        add(encoded);
    }
    out
}

/// Percent-encoding of everything but RFC 3986's unreserved characters, with upper- and lower-case hex, and
/// the form encoding (`+` for a space).
fn url_encoded(value: &str) -> [String; 3] {
    let mut upper = String::with_capacity(value.len() * 3);
    let mut lower = String::with_capacity(value.len() * 3);
    let mut form = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            for s in [&mut upper, &mut lower, &mut form] {
                s.push(char::from(b));
            }
        } else {
            upper.push_str(&format!("%{b:02X}"));
            lower.push_str(&format!("%{b:02x}"));
            if b == b' ' {
                form.push('+');
            } else {
                form.push_str(&format!("%{b:02X}"));
            }
        }
    }
    [upper, lower, form]
}

/// The value as it appears inside a JSON string (without the quotes). `ascii_only` escapes every non-ASCII
/// character as `\uXXXX` (surrogate pairs beyond the BMP), as Python's `json.dumps` does by default.
fn json_escaped(value: &str, ascii_only: bool) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ascii_only && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The base64 text that encodes `bytes` wherever they sit in a longer encoded stream: for each of the three
/// alignments, only the characters that depend on `bytes` alone (the partial characters at either end
/// depend on the unknown neighbours). Standard and URL-safe alphabets.
fn base64_forms(bytes: &[u8]) -> Vec<String> {
    let engines =
        [base64::engine::general_purpose::STANDARD_NO_PAD, base64::engine::general_purpose::URL_SAFE_NO_PAD];
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut shifted = vec![0u8; offset];
        shifted.extend_from_slice(bytes);
        // Characters wholly inside the prefix or straddling it: 0, 2 or 3 of them.
        let skip = [0, 2, 3][offset];
        // Characters whose six bits all lie inside the known bytes.
        let whole = shifted.len() * 8 / 6;
        for engine in &engines {
            let encoded = engine.encode(&shifted);
            if whole > skip {
                out.push(encoded[skip..whole].to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_alphanumeric_values_add_only_their_base64() {
        let f = forms("abcdef123456", 6);
        assert_eq!(f[0], "abcdef123456");
        assert!(f.contains(&base64::engine::general_purpose::STANDARD.encode("abcdef123456")));
        assert!(f.iter().all(|x| x.len() >= 6));
    }

    #[test]
    fn base64_inside_a_longer_stream_is_found_at_every_alignment() {
        let secret = "pa55:word/with+chars";
        let f = forms(secret, 6);
        for prefix in ["", "u", "us", "user:", "admin:"] {
            for suffix in ["", "x", "xy", "@host"] {
                let whole = format!("{prefix}{secret}{suffix}");
                for engine in
                    [base64::engine::general_purpose::STANDARD, base64::engine::general_purpose::URL_SAFE]
                {
                    let encoded = engine.encode(&whole);
                    assert!(f.iter().any(|form| encoded.contains(form.as_str())), "{whole} → {encoded}");
                }
            }
        }
    }

    #[test]
    fn url_and_json_forms() {
        let f = forms("p@ss w/rd\"é", 6);
        for expected in ["p%40ss%20w%2Frd%22%C3%A9", "p%40ss+w%2Frd%22%C3%A9", "p%40ss%20w%2frd%22%c3%a9"] {
            assert!(f.contains(&expected.to_string()), "{expected} in {f:?}");
        }
        assert!(f.contains(&"p@ss w/rd\\\"é".to_string()));
        assert!(f.contains(&"p@ss w/rd\\\"\\u00e9".to_string()));
        assert!(f.contains(&"p@ss w\\/rd\\\"é".to_string()));
    }

    #[test]
    fn multi_line_values_give_each_line_and_the_escaped_whole() {
        let pem = "-----BEGIN KEY-----\nMIIBVAIBADANBgkqhkiG\r\nw0BAQEFAASCAT4wggE6\n-----END KEY-----";
        let f = forms(pem, 6);
        for line in ["MIIBVAIBADANBgkqhkiG", "w0BAQEFAASCAT4wggE6", "-----BEGIN KEY-----"] {
            assert!(f.contains(&line.to_string()), "{line}");
        }
        assert!(f.iter().any(|x| x.contains("\\nMIIBVAIBADANBgkqhkiG\\r\\n")));
        let short = forms("ab\ncdefgh", 6);
        assert!(!short.contains(&"ab".to_string()), "lines under the minimum are not searched for");
    }
}
