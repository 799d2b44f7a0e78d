//! The environment a Compose project is interpolated with: process environment over the project's `.env`.
//!
//! The `.env` parser keeps the file's text and records the byte range of every value, so later edits can
//! splice one value and leave every other byte (comments, quoting, order, line endings) untouched.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::compose::interpolate::{interpolate_within, Budget, TemplateError};
use crate::error::{CoreError, Result};
use crate::fsutil;

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
fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
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

    /// The process environment this one was made with.
    pub fn process(&self) -> &HashMap<String, String> {
        &self.process
    }
}

/// Why a `.env` edit was not written.
#[derive(Debug, thiserror::Error)]
pub enum EnvEditError {
    #[error(
        "{path} changed on disk since Dockmaster read it: nothing was written. Reload it, check the other \
         change, and apply yours again."
    )]
    Conflict { path: PathBuf },
    #[error("cannot write {path}: {source}. Check the folder's permissions and free space; the file was not changed.")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}. Fix that line first; the file was not changed.")]
    Invalid { path: PathBuf, line: usize, message: String },
    #[error("`{key}` is not a valid .env variable name: use letters, digits and `_`")]
    InvalidKey { key: String },
    #[error("{key} is not in {path}")]
    NotFound { key: String, path: PathBuf },
}

impl EnvEditError {
    /// The failure's code: the same in the CLI's `--json` and the window.
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode;
        match self {
            EnvEditError::Conflict { .. } => ErrorCode::EnvFileConflict,
            EnvEditError::Write { .. } => ErrorCode::EnvFileWrite,
            EnvEditError::Read { .. } => ErrorCode::FileUnreadable,
            EnvEditError::Invalid { .. } => ErrorCode::EnvFileInvalid,
            EnvEditError::InvalidKey { .. } => ErrorCode::VariableNameInvalid,
            EnvEditError::NotFound { .. } => ErrorCode::VariableNotFound,
        }
    }
}

/// Lossless editing of one `.env` file: each edit splices one value (or appends one line) and leaves every
/// other byte as it was; [`EnvEditor::save`] writes atomically and refuses when the file changed on disk
/// since it was read.
#[derive(Debug, Clone)]
pub struct EnvEditor {
    path: PathBuf,
    /// The text as read (what must still be on disk when saving); `None` when the file did not exist.
    original: Option<String>,
    text: String,
}

/// Parses only for the structure (keys, ranges, quoting): every reference resolves, so `${X:?}` lines do
/// not fail here.
fn structure(text: &str) -> std::result::Result<EnvFile, (usize, String)> {
    EnvFile::parse(text, &|_| Some("x".to_string()))
}

impl EnvEditor {
    /// Reads `path` now (a missing file is an empty one, created on save).
    pub fn open(path: &Path) -> std::result::Result<Self, EnvEditError> {
        let original = read_if_present(path)?;
        Self::from_read(path, original)
    }

    /// Edits a file as it was read earlier (`None`: it did not exist); saving fails with a conflict if the
    /// file no longer has exactly that content.
    pub fn from_read(path: &Path, original: Option<String>) -> std::result::Result<Self, EnvEditError> {
        let text = original.clone().unwrap_or_default();
        structure(&text).map_err(|(line, message)| EnvEditError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        Ok(EnvEditor { path: path.to_path_buf(), original, text })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The edited text.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn changed(&self) -> bool {
        self.original.as_deref().unwrap_or_default() != self.text
    }

    fn parsed(&self) -> EnvFile {
        // Every edit keeps the text parseable (checked when it is made), so this cannot fail.
        structure(&self.text).unwrap_or_default()
    }

    /// Sets `key` to `value`: replaces the effective (last) definition's value in place, keeping its
    /// quoting when that can hold the value, or appends `KEY=value` at the end.
    pub fn set(&mut self, key: &str, value: &str) -> std::result::Result<(), EnvEditError> {
        if !valid_key(key) {
            return Err(EnvEditError::InvalidKey { key: key.to_string() });
        }
        let parsed = self.parsed();
        let current = parsed.entries.iter().rposition(|e| e.key == key);
        if let Some(e) = current.map(|i| &parsed.entries[i]) {
            // Already that value, written without references: leave the bytes alone.
            if e.value == value && !self.text[e.raw_range.clone()].contains(['$', '\\']) {
                return Ok(());
            }
        }
        let edited = match current {
            Some(index) => replace_entry(&self.text, &parsed, index, value),
            None => append_entry(&self.text, key, value),
        };
        self.text = edited.ok_or_else(|| EnvEditError::InvalidKey { key: key.to_string() })?;
        Ok(())
    }

    /// Empties every definition of `key` and puts `note` as a comment line above the last one (once).
    pub fn blank(&mut self, key: &str, note: Option<&str>) -> std::result::Result<(), EnvEditError> {
        let parsed = self.parsed();
        let indices: Vec<usize> =
            parsed.entries.iter().enumerate().filter(|(_, e)| e.key == key).map(|(i, _)| i).collect();
        let Some(&last) = indices.last() else {
            return Err(EnvEditError::NotFound { key: key.to_string(), path: self.path.clone() });
        };
        let mut text = self.text.clone();
        if let Some(note) = note {
            let last_start = line_start(&text, parsed.entries[last].raw_range.start);
            let comment = format!("# {note}");
            let previous = text[..last_start].trim_end_matches(['\n', '\r']);
            let previous_line = &previous[line_start(previous, previous.len())..];
            if previous_line != comment {
                let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
                text.insert_str(last_start, &format!("{comment}{eol}"));
            }
        }
        self.text = blank_entries(&text, &indices, true)
            .or_else(|| blank_entries(&text, &indices, false))
            .ok_or_else(|| EnvEditError::InvalidKey { key: key.to_string() })?;
        Ok(())
    }

    /// Writes the edited text atomically (temporary file in the same folder, then rename), unless the file
    /// on disk is no longer what was read.
    pub fn save(&mut self) -> std::result::Result<(), EnvEditError> {
        let on_disk = read_if_present(&self.path)?;
        if on_disk != self.original {
            return Err(EnvEditError::Conflict { path: self.path.clone() });
        }
        if !self.changed() && on_disk.is_some() {
            return Ok(());
        }
        write_atomic(&self.path, self.text.as_bytes())
            .map_err(|source| EnvEditError::Write { path: self.path.clone(), source })?;
        self.original = Some(self.text.clone());
        Ok(())
    }
}

/// The text of the `.env` file at `path` (bounded, regular files only), `None` when there is none.
fn read_if_present(path: &Path) -> std::result::Result<Option<String>, EnvEditError> {
    match fsutil::read_text(path, fsutil::ENV_FILE) {
        Ok(text) => Ok(Some(text)),
        Err(fsutil::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(EnvEditError::Read { path: path.to_path_buf(), source: e.into_io() }),
    }
}

fn splice(text: &str, range: Range<usize>, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..range.start]);
    out.push_str(with);
    out.push_str(&text[range.end..]);
    out
}

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

fn preferred_styles(current: Quote) -> [Quote; 3] {
    match current {
        Quote::None => [Quote::None, Quote::Single, Quote::Double],
        Quote::Single => [Quote::Single, Quote::None, Quote::Double],
        Quote::Double => [Quote::Double, Quote::None, Quote::Single],
    }
}

/// `value` written in a quoting style (with its quotes), or `None` if that style cannot hold it.
fn encode(value: &str, style: Quote) -> Option<String> {
    match style {
        Quote::None => {
            let plain = !value.contains(['\n', '\r', '#', '\'', '"', '\\'])
                && value.trim_matches([' ', '\t']) == value;
            plain.then(|| value.replace('$', "$$"))
        }
        Quote::Single => (!value.contains('\'')).then(|| format!("'{value}'")),
        Quote::Double => {
            let mut out = String::from("\"");
            for c in value.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '$' => out.push_str("\\$"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
            out.push('"');
            Some(out)
        }
    }
}

/// `text` with entry `index`'s value replaced by `value`, in the first quoting style (the current one
/// first) whose result parses back to exactly that value with the same entries.
fn replace_entry(text: &str, parsed: &EnvFile, index: usize, value: &str) -> Option<String> {
    let entry = parsed.entries.get(index)?;
    let range = entry.raw_range.clone();
    let quoted = entry.quote != Quote::None;
    let outer = if quoted { range.start - 1..range.end + 1 } else { range.clone() };
    preferred_styles(entry.quote).into_iter().find_map(|style| {
        let encoded = encode(value, style)?;
        let candidate = if style == entry.quote && quoted {
            splice(text, range.clone(), &encoded[1..encoded.len() - 1])
        } else {
            splice(text, outer.clone(), &encoded)
        };
        round_trips(&candidate, parsed, index, value).then_some(candidate)
    })
}

/// `text` with the values of the entries at `indices` (ascending) emptied, from the end so the earlier
/// ranges stay valid. `local`: each value is checked on its own lines and the whole result once (linear in
/// the file, however many entries); otherwise the whole text is checked after each one (the reference,
/// used when the local check does not confirm).
fn blank_entries(text: &str, indices: &[usize], local: bool) -> Option<String> {
    if local {
        let parsed = structure(text).ok()?;
        return indices
            .iter()
            .rev()
            .try_fold(text.to_string(), |t, &index| replace_entry_local(&t, &parsed, index, ""))
            .filter(|t| all_blank(t, &parsed, indices));
    }
    indices.iter().rev().try_fold(text.to_string(), |t, &index| {
        let current = structure(&t).ok()?;
        replace_entry(&t, &current, index, "")
    })
}

/// [`replace_entry`], checked on the entry's own lines instead of the whole text: the same result, in time
/// proportional to the entry rather than the file.
fn replace_entry_local(text: &str, parsed: &EnvFile, index: usize, value: &str) -> Option<String> {
    let entry = parsed.entries.get(index)?;
    // An entry starts its line, and nothing after its value on its last line is another entry.
    let start = line_start(text, entry.raw_range.start);
    let value_end = entry.raw_range.end + usize::from(entry.quote != Quote::None);
    let end = text[value_end..].find('\n').map_or(text.len(), |i| value_end + i + 1);
    let snippet = &text[start..end];
    let local = structure(snippet).ok()?;
    if local.entries.len() != 1 || local.entries[0].key != entry.key {
        return None;
    }
    let edited = replace_entry(snippet, &local, 0, value)?;
    Some(splice(text, start..end, &edited))
}

/// `text` parses to the same keys as `before`, with the entries at `indices` empty.
fn all_blank(text: &str, before: &EnvFile, indices: &[usize]) -> bool {
    let Ok(after) = structure(text) else { return false };
    after.entries.len() == before.entries.len()
        && after.entries.iter().zip(&before.entries).all(|(a, b)| a.key == b.key)
        && indices.iter().all(|&i| after.entries[i].value.is_empty())
}

/// `text` with `KEY=value` appended, in the file's line-ending style, keeping its trailing-newline state.
fn append_entry(text: &str, key: &str, value: &str) -> Option<String> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let parsed = structure(text).ok()?;
    [Quote::None, Quote::Single, Quote::Double].into_iter().find_map(|style| {
        let encoded = encode(value, style)?;
        let mut candidate = text.to_string();
        if candidate.is_empty() || candidate.ends_with('\n') {
            candidate.push_str(&format!("{key}={encoded}{eol}"));
        } else {
            candidate.push_str(&format!("{eol}{key}={encoded}"));
        }
        let after = structure(&candidate).ok()?;
        let ok = after.entries.len() == parsed.entries.len() + 1
            && after.entries.last().is_some_and(|e| e.key == key && e.value == value);
        ok.then_some(candidate)
    })
}

/// The edited text parses to the same entries, and entry `index` now has exactly `value`. (The encoded
/// value holds no live reference, so the outside environment does not matter.)
fn round_trips(text: &str, before: &EnvFile, index: usize, value: &str) -> bool {
    let Ok(after) = structure(text) else { return false };
    after.entries.len() == before.entries.len()
        && after.entries.iter().zip(&before.entries).all(|(a, b)| a.key == b.key)
        && after.entries[index].value == value
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, keeping the old
/// file's permissions.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| ".env".into());
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.dockmaster-{}-{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        if let Ok(meta) = std::fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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

    #[test]
    fn process_environment_beats_env_file() {
        let env = Environment::new([("A".to_string(), "proc".to_string())].into(), parse("A=file\nB=file\n"));
        assert_eq!(env.lookup("A").as_deref(), Some("proc"));
        assert_eq!(env.lookup("B").as_deref(), Some("file"));
        assert_eq!(env.source("A"), ValueSource::Process);
        assert_eq!(env.source("B"), ValueSource::EnvFile);
        assert_eq!(env.source("C"), ValueSource::Unset);
    }

    const VARIED: &[(&str, &str)] = &[
        ("comments and blanks", "# header\n\nA=1\n  # indented comment\nB=two # trailing\n\n"),
        ("export prefixes", "export A=1\nexport  B='x y'\nC=3\n"),
        ("quotes", "A='single $x'\nB=\"double \\\"q\\\" \\n ${A}\"\nC=plain\nD=\"multi\nline\"\n"),
        ("equals in values", "URL=postgresql://u:p@h/db?sslmode=require&a=b\nEQ==x=\n"),
        ("crlf", "# c\r\nA=1\r\nB='two'\r\n\r\nC=3\r\n"),
        ("no trailing newline", "A=1\nB=2"),
        ("duplicate keys", "A=1\nB=x\nA=2\n"),
        ("empty values", "A=\nB=''\nC=\"\"\n"),
        ("unknown lines are kept", "A=1\n   \n\t# tab comment\nB = spaced \n"),
    ];

    #[test]
    fn unchanged_files_round_trip_byte_for_byte() {
        for (case, text) in VARIED {
            let dir = tempfile::tempdir().expect("tmp");
            let path = dir.path().join(".env");
            std::fs::write(&path, text).expect("write");
            let mut ed = EnvEditor::open(&path).expect(case);
            assert_eq!(ed.text(), *text, "{case}");
            ed.save().expect(case);
            assert_eq!(std::fs::read_to_string(&path).expect("read"), *text, "{case}");
            // Setting a value to what it already is, as written, changes nothing either.
            let parsed = parse(text);
            let mut ed = EnvEditor::open(&path).expect(case);
            for e in &parsed.entries {
                if !e.value.contains('$') && parsed.get(&e.key) == Some(e.value.as_str()) {
                    ed.set(&e.key, &e.value).expect(case);
                }
            }
            assert_eq!(ed.text(), *text, "{case}: identity edits");
        }
    }

    /// Editing one value changes only the bytes of that value.
    #[test]
    fn editing_one_value_changes_only_that_value() {
        let values = [
            "new",
            "with space",
            "has 'single'",
            "has \"double\" and $dollar",
            "multi\nline",
            " lead",
            "#hash",
            "a=b",
            "",
        ];
        for (case, text) in VARIED {
            for new in values {
                let before = parse(text);
                let Some(target) = before.entries.last() else { continue };
                let key = target.key.clone();
                let mut ed = EnvEditor::from_read(Path::new("/x/.env"), Some(text.to_string())).expect(case);
                ed.set(&key, new).unwrap_or_else(|e| panic!("{case} / {new:?}: {e}"));
                let after = parse(ed.text());
                assert_eq!(after.get(&key), Some(new), "{case} / {new:?}:\n{}", ed.text());
                // Everything before and after the edited value (including its quotes) is unchanged.
                let r = &target.raw_range;
                let (start, end) =
                    if target.quote == Quote::None { (r.start, r.end) } else { (r.start - 1, r.end + 1) };
                assert!(ed.text().starts_with(&text[..start]), "{case} / {new:?}: prefix changed");
                assert!(ed.text().ends_with(&text[end..]), "{case} / {new:?}: suffix changed");
                let other: Vec<_> = before.entries.iter().map(|e| &e.key).collect();
                let now: Vec<_> = after.entries.iter().map(|e| &e.key).collect();
                assert_eq!(other, now, "{case} / {new:?}: entries changed");
            }
        }
    }

    #[test]
    fn quoting_is_kept_when_it_can_hold_the_value() {
        let mut ed = EnvEditor::from_read(Path::new(".env"), Some("A='old' # c\nB=\"old\"\nC=old\n".into()))
            .expect("ok");
        ed.set("A", "new").expect("a");
        ed.set("B", "new").expect("b");
        ed.set("C", "it's $5").expect("c");
        assert_eq!(ed.text(), "A='new' # c\nB=\"new\"\nC=\"it's \\$5\"\n");
        assert_eq!(parse(ed.text()).get("C"), Some("it's $5"));
    }

    #[test]
    fn appending_respects_line_endings_and_the_trailing_newline() {
        let cases = [
            ("A=1\n", "A=1\nNEW=v\n"),
            ("A=1\r\n", "A=1\r\nNEW=v\r\n"),
            ("A=1", "A=1\nNEW=v"),
            ("A=1\r\nB=2", "A=1\r\nB=2\r\nNEW=v"),
            ("", "NEW=v\n"),
        ];
        for (text, want) in cases {
            let mut ed = EnvEditor::from_read(Path::new(".env"), Some(text.into())).expect("ok");
            ed.set("NEW", "v").expect("append");
            assert_eq!(ed.text(), want, "{text:?}");
        }
    }

    #[test]
    fn blanking_keeps_the_key_and_adds_the_note_once() {
        let text = "# keep me\r\nJWT=abc # trailing\r\nX=1\r\nJWT=\"def\"\r\n";
        let mut ed = EnvEditor::from_read(Path::new(".env"), Some(text.into())).expect("ok");
        ed.blank("JWT", Some("JWT is in the OS keychain")).expect("blank");
        ed.blank("JWT", Some("JWT is in the OS keychain")).expect("blank twice");
        assert_eq!(
            ed.text(),
            "# keep me\r\nJWT='' # trailing\r\nX=1\r\n# JWT is in the OS keychain\r\nJWT=\"\"\r\n"
        );
        assert_eq!(parse(ed.text()).get("JWT"), Some(""));
        assert!(matches!(ed.blank("NOPE", None), Err(EnvEditError::NotFound { .. })));
    }

    /// Blanking checks each definition on its own lines: the same text as checking the whole file after
    /// each one, in linear time (20 000 definitions took 49 s).
    #[test]
    fn blanking_checks_each_definition_locally() {
        let lines = [
            "K=abc # c\n",
            "export K='x y'\n",
            "K=\"multi\nline\\\" K=no\" # c\n",
            "K = spaced\r\n",
            "K=\n",
            "# K=not me\n",
            "OTHER=1\n",
            "K=${OTHER}-$$\n",
            "K=x#y\n",
            "K=\n\n",
        ];
        let mut rng = fastrand::Rng::with_seed(8);
        for _ in 0..500 {
            let mut text: String = (0..rng.usize(1..10)).map(|_| lines[rng.usize(0..lines.len())]).collect();
            if rng.bool() {
                text = text.trim_end().to_string();
            }
            let parsed = structure(&text).expect("valid");
            let indices: Vec<usize> =
                parsed.entries.iter().enumerate().filter(|(_, e)| e.key == "K").map(|(i, _)| i).collect();
            let reference = blank_entries(&text, &indices, false);
            assert_eq!(blank_entries(&text, &indices, true), reference, "{text:?}");
            let mut ed = EnvEditor::from_read(Path::new(".env"), Some(text.clone())).expect("ok");
            match ed.blank("K", None) {
                Ok(()) => assert_eq!(Some(ed.text().to_string()), reference, "{text:?}"),
                Err(_) => assert!(indices.is_empty(), "{text:?}"),
            }
        }
        let text = "K='secret' # c\n".repeat(20_000);
        let start = std::time::Instant::now();
        let mut ed = EnvEditor::from_read(Path::new(".env"), Some(text)).expect("ok");
        ed.blank("K", Some("in the keychain")).expect("blank");
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "hang guard");
        assert_eq!(parse(ed.text()).entries.iter().filter(|e| e.value.is_empty()).count(), 20_000);
    }

    #[test]
    fn saving_is_atomic_and_refuses_a_file_changed_on_disk() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(".env");
        std::fs::write(&path, "A=1\n").expect("write");
        let mut ed = EnvEditor::open(&path).expect("open");
        ed.set("A", "2").expect("set");
        std::fs::write(&path, "A=1\nB=someone else\n").expect("concurrent edit");
        let err = ed.save().expect_err("conflict");
        assert!(matches!(err, EnvEditError::Conflict { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "A=1\nB=someone else\n");
        let mut ed = EnvEditor::open(&path).expect("reopen");
        ed.set("A", "2").expect("set");
        ed.save().expect("save");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "A=2\nB=someone else\n");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).expect("ls").map(|e| e.expect("e").file_name()).collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        // A file that appears after it was read as missing is a conflict too.
        let mut ed = EnvEditor::open(&dir.path().join("new.env")).expect("missing is empty");
        ed.set("A", "1").expect("set");
        std::fs::write(dir.path().join("new.env"), "B=1\n").expect("write");
        assert!(matches!(ed.save(), Err(EnvEditError::Conflict { .. })));
    }
}
