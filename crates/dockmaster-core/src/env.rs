//! The environment a Compose project is interpolated with: process environment over the project's `.env`.
//!
//! The `.env` parser keeps the file's text and records the byte range of every value, so later edits can
//! splice one value and leave every other byte (comments, quoting, order, line endings) untouched.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::compose::interpolate::interpolate;
use crate::error::{CoreError, Result};

/// Where a variable's value comes from, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ValueSource {
    Process,
    EnvFile,
    Unset,
}

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
}

impl EnvFile {
    pub fn read(path: &Path, outer: &dyn Fn(&str) -> Option<String>) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| CoreError::FileUnreadable { path: path.to_path_buf(), source })?;
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
            let Some(eq) = body.find('=') else {
                return Err((line_no, format!("expected KEY=value, found `{}`", body.trim())));
            };
            let key = body[..eq].trim();
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
                return Err((line_no, format!("invalid variable name `{key}`")));
            }
            let after_eq = body_start + eq + 1;
            let rest = &text[after_eq..];
            let lead = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let value_start = after_eq + lead;
            let first = text[value_start..].chars().next();
            let lookup = |name: &str| -> Option<String> {
                entries.iter().rev().find(|e| e.key == name).map(|e| e.value.clone()).or_else(|| outer(name))
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
                        interpolate(&unescaped, &lookup).map_err(|e| (line_no, e.to_string()))?.value
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
                    let value = interpolate(raw, &lookup).map_err(|e| (line_no, e.to_string()))?.value;
                    (value, value_start..value_start + raw.len(), Quote::None, line_end + 1)
                }
            };
            entries.push(EnvEntry { key: key.to_string(), value, raw_range, quote, line: line_no, exported });
            pos = next;
        }
        Ok(EnvFile { path: None, text: text.to_string(), entries })
    }

    /// The effective value of `key` (the last definition wins, as in Compose).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().rev().find(|e| e.key == key).map(|e| e.value.as_str())
    }

    pub fn to_map(&self) -> HashMap<String, String> {
        self.entries.iter().map(|e| (e.key.clone(), e.value.clone())).collect()
    }
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

/// The layered environment used for interpolation: process environment, then `.env`.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    process: HashMap<String, String>,
    env_file: EnvFile,
}

impl Environment {
    pub fn new(process: HashMap<String, String>, env_file: EnvFile) -> Self {
        Self { process, env_file }
    }

    /// Captures the current process environment.
    pub fn process_vars() -> HashMap<String, String> {
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect()
    }

    pub fn lookup(&self, name: &str) -> Option<String> {
        self.process.get(name).cloned().or_else(|| self.env_file.get(name).map(str::to_string))
    }

    pub fn source(&self, name: &str) -> ValueSource {
        if self.process.contains_key(name) {
            ValueSource::Process
        } else if self.env_file.get(name).is_some() {
            ValueSource::EnvFile
        } else {
            ValueSource::Unset
        }
    }

    pub fn env_file(&self) -> &EnvFile {
        &self.env_file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn process_environment_beats_env_file() {
        let env = Environment::new([("A".to_string(), "proc".to_string())].into(), parse("A=file\nB=file\n"));
        assert_eq!(env.lookup("A").as_deref(), Some("proc"));
        assert_eq!(env.lookup("B").as_deref(), Some("file"));
        assert_eq!(env.source("A"), ValueSource::Process);
        assert_eq!(env.source("B"), ValueSource::EnvFile);
        assert_eq!(env.source("C"), ValueSource::Unset);
    }
}
