//! `.env` parsing as Compose does it, keeping the exact text and each value's byte range.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::compose::interpolate::{interpolate_within, Budget, TemplateError};
use crate::error::{CoreError, Result};
use crate::fsutil;

/// How a `.env` value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
}

/// One `KEY=value` line of a `.env` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub key: String,
    /// The value after unquoting, unescaping and interpolation.
    pub value: String,
    /// Byte range of the value as written (inside the quotes, if any) in [`EnvFile::text`].
    pub raw_range: Range<usize>,
    pub quote: Quote,
    /// 1-based line number.
    pub line: usize,
    pub exported: bool,
}

/// A parsed `.env` file that remembers its exact text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvFile {
    pub path: Option<PathBuf>,
    pub text: String,
    pub entries: Vec<EnvEntry>,
    /// Each key's effective (last) entry in `entries`, so lookups do not scan the file.
    last: HashMap<String, usize>,
}

impl EnvFile {
    pub fn read(path: &Path, outer: &dyn Fn(&str) -> Option<String>) -> Result<Self> {
        let text = fsutil::read_text(path, fsutil::ENV_FILE).map_err(|e| CoreError::read(path, e))?;
        let mut file = Self::parse(&text, outer).map_err(|(line, message)| CoreError::EnvFileInvalid {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        file.path = Some(path.to_path_buf());
        Ok(file)
    }

    /// Parses `.env` text the way Compose does. `outer` resolves `${VAR}` references to variables not
    /// defined earlier in the file. Errors carry the 1-based line number.
    pub fn parse(
        text: &str,
        outer: &dyn Fn(&str) -> Option<String>,
    ) -> std::result::Result<Self, (usize, String)> {
        let mut entries: Vec<EnvEntry> = Vec::new();
        let mut last: HashMap<String, usize> = HashMap::new();
        // Values refer to earlier ones: `B=$A$A$A…` must not grow a small file into gigabytes.
        let mut budget = Budget::new(MAX_INTERPOLATED_BYTES);
        let mut pos = 0;
        let mut line_no = 0;
        while pos < text.len() {
            line_no += 1;
            let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
            let line = text[pos..line_end].trim_end_matches('\r');
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                pos = line_end + 1;
                continue;
            }
            let (exported, body) = match trimmed.strip_prefix("export ") {
                Some(rest) => (true, rest.trim_start()),
                None => (false, trimmed),
            };
            let body_start = pos + line.len() - body.len();
            // A malformed line may be a secret pasted on its own: errors never quote it.
            let Some(eq) = body.find('=') else {
                return Err((
                    line_no,
                    "expected KEY=value, but the line has no `=`: write it as KEY=value, or start it with \
                     `#` to make it a comment"
                        .to_string(),
                ));
            };
            let key = body[..eq].trim();
            if !valid_key(key) {
                return Err((
                    line_no,
                    "the text before the first `=` is not a variable name (use letters, digits, `_`, `.` \
                     and `-`); start the line with `#` to make it a comment"
                        .to_string(),
                ));
            }
            let after_eq = body_start + eq + 1;
            let rest = &text[after_eq..];
            let lead = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let value_start = after_eq + lead;
            let first = text[value_start..].chars().next();
            let lookup = |name: &str| -> Option<String> {
                last.get(name).map(|&i| entries[i].value.clone()).or_else(|| outer(name))
            };
            let (value, raw_range, quote, next) = match first {
                Some(q @ ('\'' | '"')) => {
                    let open = value_start + 1;
                    let close = find_closing(text, open, q)
                        .ok_or_else(|| (line_no, format!("unterminated {q}quoted value for {key}")))?;
                    let raw = &text[open..close];
                    line_no += raw.matches('\n').count();
                    let value = if q == '"' {
                        let unescaped = unescape_double(raw);
                        interpolate_within(&unescaped, &lookup, &mut budget)
                            .map_err(|e| (line_no, template_error(key, &e)))?
                            .value
                    } else {
                        raw.to_string()
                    };
                    let quote = if q == '"' { Quote::Double } else { Quote::Single };
                    let end = text[close..].find('\n').map_or(text.len(), |i| close + i);
                    (value, open..close, quote, end + 1)
                }
                _ => {
                    let line_rest = &text[value_start..line_end];
                    let line_rest = line_rest.strip_suffix('\r').unwrap_or(line_rest);
                    let without_comment = match line_rest.find(" #").or_else(|| line_rest.find("\t#")) {
                        Some(i) => &line_rest[..i],
                        None => line_rest,
                    };
                    let raw = without_comment.trim_end();
                    let value = interpolate_within(raw, &lookup, &mut budget)
                        .map_err(|e| (line_no, template_error(key, &e)))?
                        .value;
                    (value, value_start..value_start + raw.len(), Quote::None, line_end + 1)
                }
            };
            last.insert(key.to_string(), entries.len());
            entries.push(EnvEntry { key: key.to_string(), value, raw_range, quote, line: line_no, exported });
            pos = next;
        }
        Ok(EnvFile { path: None, text: text.to_string(), entries, last })
    }

    /// The effective value of `key` (the last definition wins, as in Compose).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.last.get(key).and_then(|&i| self.entries.get(i)).map(|e| e.value.as_str())
    }

    pub fn to_map(&self) -> HashMap<String, String> {
        self.entries.iter().map(|e| (e.key.clone(), e.value.clone())).collect()
    }
}

/// Bytes the interpolated values of one `.env` file may add up to.
pub const MAX_INTERPOLATED_BYTES: usize = 16 * 1024 * 1024;

/// A `.env` variable name: letters, digits, `_`, `.` and `-`.
pub(super) fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// Parses only for the structure (keys, ranges, quoting): every reference resolves, so `${X:?}` lines do
/// not fail here.
pub(super) fn structure(text: &str) -> std::result::Result<EnvFile, (usize, String)> {
    EnvFile::parse(text, &|_| Some("x".to_string()))
}

/// An interpolation error in `key`'s value, described without quoting the value (it may be a secret).
fn template_error(key: &str, e: &TemplateError) -> String {
    format!(
        "the value of {key} is not valid interpolation: {} (at byte {} of the value). Write `$$` for a \
         literal `$`, or put the value in single quotes to take it as written",
        e.problem, e.offset
    )
}

fn find_closing(text: &str, from: usize, quote: char) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == '"' => i += 2,
            b if b == quote as u8 => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn unescape_double(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other @ ('"' | '\\' | '$')) => {
                if other == '$' {
                    out.push_str("$$");
                } else {
                    out.push(other);
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{EnvEditError, EnvEditor};

    fn parse(text: &str) -> EnvFile {
        EnvFile::parse(text, &|_| None).expect("parses")
    }

    #[test]
    fn values_quotes_comments_and_exports() {
        let f = parse(
            "# comment\nA=1\nexport B = two words # trailing\nC='lit ${A} $$'\nD=\"x\\ny ${A}\"\r\nE=\nF=a=b\n",
        );
        let got: Vec<(&str, &str)> = f.entries.iter().map(|e| (e.key.as_str(), e.value.as_str())).collect();
        assert_eq!(
            got,
            [("A", "1"), ("B", "two words"), ("C", "lit ${A} $$"), ("D", "x\ny 1"), ("E", ""), ("F", "a=b")]
        );
        assert!(f.entries[1].exported);
        assert_eq!(&f.text[f.entries[1].raw_range.clone()], "two words");
        assert_eq!(&f.text[f.entries[2].raw_range.clone()], "lit ${A} $$");
        assert_eq!(f.entries[4].line, 6);
    }

    #[test]
    fn later_definitions_win_and_earlier_ones_interpolate() {
        let f = parse("A=1\nB=${A}-${OUTER:-d}\nA=2\n");
        assert_eq!(f.get("A"), Some("2"));
        assert_eq!(f.get("B"), Some("1-d"));
    }

    #[test]
    fn multiline_double_quotes_count_lines() {
        let f = parse("A=\"one\ntwo\"\nB=3\n");
        assert_eq!(f.get("A"), Some("one\ntwo"));
        assert_eq!(f.entries[1].line, 3);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(EnvFile::parse("A=1\nnot a pair\n", &|_| None).unwrap_err().0, 2);
        assert_eq!(EnvFile::parse("A=\"open\n", &|_| None).unwrap_err().0, 1);
    }

    /// Finding 8: a malformed line may hold a secret, so no error built from it repeats the line or any
    /// part of it; it names the line number and, when the line has a valid name, the key.
    #[test]
    fn malformed_line_is_not_repeated_in_errors() {
        const MARKER: &str = "sk_live_MARKER_4f9a";
        let cases: [(String, usize, Option<&str>); 7] = [
            (format!("A=1\n{MARKER}\n"), 2, None),
            (format!("A=1\n{MARKER} x=1\n"), 2, None),
            (format!("A=1\nx{MARKER}/+==\n"), 2, None),
            (format!("A=1\nTOKEN=ab${{{MARKER}\n"), 2, Some("TOKEN")),
            (format!("A=1\nTOKEN=\"{MARKER}${{x\"\n"), 2, Some("TOKEN")),
            (format!("TOKEN=x${{{MARKER}:x}}\n"), 1, Some("TOKEN")),
            (format!("A=1\n\nTOKEN=${{{MARKER}%x}}\n"), 3, Some("TOKEN")),
        ];
        for (text, line, key) in cases {
            let bad_line = text.lines().nth(line - 1).expect("line");
            let dir = tempfile::tempdir().expect("tmp");
            let path = dir.path().join(".env");
            std::fs::write(&path, &text).expect("write");
            let core = EnvFile::read(&path, &|_| None).expect_err("invalid");
            let edit = EnvEditor::open(&path).expect_err("invalid");
            for shown in [core.to_string(), format!("{core:?}"), edit.to_string(), format!("{edit:?}")] {
                assert!(!shown.contains(MARKER), "{text:?}: the value leaks: {shown}");
                assert!(!shown.contains(bad_line), "{text:?}: the line is repeated: {shown}");
                let numbered =
                    shown.contains(&format!(":{line}: ")) || shown.contains(&format!("line: {line},"));
                assert!(numbered, "{text:?}: no line number: {shown}");
                if let Some(key) = key {
                    assert!(shown.contains(key), "{text:?}: the key is not named: {shown}");
                }
            }
            assert!(matches!(core, CoreError::EnvFileInvalid { line: l, .. } if l == line), "{core:?}");
            assert!(matches!(edit, EnvEditError::Invalid { line: l, .. } if l == line), "{edit:?}");
            assert_eq!(std::fs::read_to_string(&path).expect("read"), text, "the file is untouched");
        }
    }
}
