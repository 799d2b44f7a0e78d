//! Cheap checks a Compose file's text passes before the YAML parser builds it: nesting depth and alias
//! expansion, so a hostile file is refused in milliseconds instead of hanging or exhausting memory.
//!
//! Why: libyaml (under `serde_yaml_ng`) checks every open flow collection on every token, so 80 KB of `[`
//! took 23 s before its depth limit said no; and an alias of an alias of a large scalar passes
//! `serde_yaml_ng`'s repetition limit while expanding to gigabytes.
//!
//! [`check_nesting`] walks the text once, deciding where tokens start as libyaml's scanner does (quotes,
//! comments, plain and block scalars, indentation), and counts open collections: flow ones (`[`, `{`)
//! plus block ones (each deeper indentation level of a mapping or sequence). [`check_expansion`] replays
//! the document through serde without building anything and counts what the aliases would produce.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};

/// Collections nested deeper than this are refused (a Compose file needs fewer than 10).
pub const MAX_NESTING: usize = 64;
/// Nodes the document may produce once its aliases are expanded.
pub const MAX_NODES: usize = 250_000;
/// Bytes of scalar text (keys and values) the document may produce once its aliases are expanded.
pub const MAX_SCALAR_BYTES: usize = 16 * 1024 * 1024;

/// Where the text first goes deeper than [`MAX_NESTING`] (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for TooDeep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "collections are nested more than {MAX_NESTING} levels deep (`[`, `{{` or indented mappings and \
             sequences inside each other); a Compose file needs far fewer, so the file was not parsed. Check \
             that this is the file you meant"
        )
    }
}

/// Refuses text whose collections nest deeper than [`MAX_NESTING`]. Linear in the text's length.
pub fn check_nesting(text: &str) -> Result<(), TooDeep> {
    nesting_depth(text).map(|_| ())
}

/// The deepest nesting of collections in `text` as [`check_nesting`] counts it (an alias counts as a
/// scalar), or where it first exceeds [`MAX_NESTING`].
pub fn nesting_depth(text: &str) -> Result<usize, TooDeep> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut scanner = Scanner::new(text.as_bytes());
    scanner.run()?;
    Ok(scanner.max_depth)
}

/// Refuses a document that expands (aliases replayed) to more than [`MAX_NODES`] nodes or
/// [`MAX_SCALAR_BYTES`] bytes of scalars; the message names the limit. Other YAML errors are left to the
/// parser that follows.
pub fn check_expansion(text: &str) -> Result<(), String> {
    // Without `*` there is no alias, and the text's own size is already bounded.
    if !text.contains('*') {
        return Ok(());
    }
    let mut budget = Budget { nodes: 0, bytes: 0, exceeded: None };
    let _ = Count(&mut budget).deserialize(serde_yaml_ng::Deserializer::from_str(text));
    match budget.exceeded {
        Some(what) => Err(format!(
            "its aliases (`*name`) expand to more than {what}; a Compose file needs far less, so the file \
             was not loaded. Use fewer nested aliases"
        )),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Nesting: a token-boundary scanner modelled on libyaml's
// ---------------------------------------------------------------------------

/// A potential simple key (`key:`) in block context: where it starts.
#[derive(Clone, Copy)]
struct SimpleKey {
    column: usize,
    line: usize,
    index: usize,
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    /// 0-based line, column and character index, counted as libyaml counts them.
    line: usize,
    column: usize,
    index: usize,
    flow: usize,
    /// Enclosing block indentation levels; `indent` is the current one (-1 at the top).
    indents: Vec<isize>,
    indent: isize,
    /// The block-context simple key (flow-context keys never change the indentation).
    key: Option<SimpleKey>,
    key_allowed: bool,
    /// The deepest nesting seen so far.
    max_depth: usize,
}

impl<'a> Scanner<'a> {
    fn new(b: &'a [u8]) -> Self {
        Scanner {
            b,
            pos: 0,
            line: 0,
            column: 0,
            index: 0,
            flow: 0,
            indents: Vec::new(),
            indent: -1,
            key: None,
            key_allowed: true,
            max_depth: 0,
        }
    }

    fn at(&self, offset: usize) -> Option<u8> {
        self.b.get(self.pos + offset).copied()
    }

    fn is(&self, offset: usize, c: u8) -> bool {
        self.at(offset) == Some(c)
    }

    fn eof(&self) -> bool {
        self.pos >= self.b.len()
    }

    /// Length in bytes of the line break at `pos + offset`, if there is one (`\r\n`, `\r`, `\n`, NEL,
    /// LS, PS: libyaml's breaks).
    fn break_len(&self, offset: usize) -> Option<usize> {
        let rest = self.b.get(self.pos + offset..)?;
        match rest {
            [b'\r', b'\n', ..] => Some(2),
            [b'\r' | b'\n', ..] => Some(1),
            [0xC2, 0x85, ..] => Some(2),
            [0xE2, 0x80, 0xA8 | 0xA9, ..] => Some(3),
            _ => None,
        }
    }

    fn is_break(&self) -> bool {
        self.break_len(0).is_some()
    }

    fn is_blank_at(&self, offset: usize) -> bool {
        matches!(self.at(offset), Some(b' ' | b'\t'))
    }

    fn is_blankz_at(&self, offset: usize) -> bool {
        self.pos + offset >= self.b.len() || self.is_blank_at(offset) || self.break_len(offset).is_some()
    }

    /// Moves past one character (a line break counts as one).
    fn advance(&mut self) {
        if let Some(n) = self.break_len(0) {
            self.pos += n;
            self.line += 1;
            self.column = 0;
        } else {
            let width = match self.b[self.pos] {
                0x00..=0x7F => 1,
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xFF => 4,
                _ => 1,
            };
            self.pos = (self.pos + width).min(self.b.len());
            self.column += 1;
        }
        self.index += 1;
    }

    fn skip_to_break(&mut self) {
        while !self.eof() && !self.is_break() {
            self.advance();
        }
    }

    fn depth(&self) -> usize {
        self.flow + self.indents.len()
    }

    fn too_deep(&mut self) -> Result<(), TooDeep> {
        self.max_depth = self.max_depth.max(self.depth());
        if self.depth() > MAX_NESTING {
            return Err(TooDeep { line: self.line + 1, column: self.column + 1 });
        }
        Ok(())
    }

    fn roll_indent(&mut self, column: usize) -> Result<(), TooDeep> {
        let column = column as isize;
        if self.flow == 0 && self.indent < column {
            self.indents.push(self.indent);
            self.indent = column;
            self.too_deep()?;
        }
        Ok(())
    }

    fn unroll_indent(&mut self, column: isize) {
        if self.flow > 0 {
            return;
        }
        while self.indent > column {
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    fn save_key(&mut self) {
        if self.flow == 0 && self.key_allowed {
            self.key = Some(SimpleKey { column: self.column, line: self.line, index: self.index });
        }
    }

    fn remove_key(&mut self) {
        if self.flow == 0 {
            self.key = None;
        }
    }

    fn run(&mut self) -> Result<(), TooDeep> {
        loop {
            self.skip_to_next_token();
            if let Some(k) = self.key {
                if k.line < self.line || k.index + 1024 < self.index {
                    self.key = None;
                }
            }
            self.unroll_indent(self.column as isize);
            let Some(c) = self.at(0) else { return Ok(()) };
            let marker = |s: &Self, m: u8| s.is(0, m) && s.is(1, m) && s.is(2, m) && s.is_blankz_at(3);
            if self.column == 0 && c == b'%' {
                self.remove_key();
                self.key_allowed = false;
                self.skip_to_break();
                continue;
            }
            if self.column == 0 && (marker(self, b'-') || marker(self, b'.')) {
                self.unroll_indent(-1);
                self.remove_key();
                self.key_allowed = false;
                for _ in 0..3 {
                    self.advance();
                }
                continue;
            }
            match c {
                b'[' | b'{' => {
                    self.save_key();
                    self.flow += 1;
                    self.key_allowed = true;
                    self.advance();
                    self.too_deep()?;
                }
                b']' | b'}' => {
                    self.remove_key();
                    self.flow = self.flow.saturating_sub(1);
                    self.key_allowed = false;
                    self.advance();
                }
                b',' => {
                    self.remove_key();
                    self.key_allowed = true;
                    self.advance();
                }
                b'-' if self.is_blankz_at(1) => {
                    self.roll_indent(self.column)?;
                    self.remove_key();
                    self.key_allowed = true;
                    self.advance();
                }
                b'?' if self.flow > 0 || self.is_blankz_at(1) => {
                    self.roll_indent(self.column)?;
                    self.remove_key();
                    self.key_allowed = self.flow == 0;
                    self.advance();
                }
                b':' if self.flow > 0 || self.is_blankz_at(1) => {
                    match self.key.take().filter(|_| self.flow == 0) {
                        Some(key) => self.roll_indent(key.column)?,
                        None => self.roll_indent(self.column)?,
                    }
                    self.key_allowed = self.flow == 0;
                    self.advance();
                }
                b'*' | b'&' => {
                    self.save_key();
                    self.key_allowed = false;
                    self.advance();
                    while self.at(0).is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
                        self.advance();
                    }
                }
                b'!' => {
                    self.save_key();
                    self.key_allowed = false;
                    self.tag();
                }
                b'|' | b'>' if self.flow == 0 => {
                    self.remove_key();
                    self.key_allowed = true;
                    self.block_scalar();
                }
                b'\'' | b'"' => {
                    self.save_key();
                    self.key_allowed = false;
                    self.quoted(c);
                }
                _ if self.plain_starts(c) => {
                    self.save_key();
                    self.key_allowed = false;
                    if self.plain() {
                        self.key_allowed = true;
                    }
                }
                // libyaml stops with an error here; the parser will say so.
                _ => self.advance(),
            }
        }
    }

    /// Skips spaces (tabs where libyaml allows them), comments and line breaks.
    fn skip_to_next_token(&mut self) {
        loop {
            while self.is(0, b' ') || ((self.flow > 0 || !self.key_allowed) && self.is(0, b'\t')) {
                self.advance();
            }
            if self.is(0, b'#') {
                self.skip_to_break();
            }
            if !self.is_break() {
                return;
            }
            self.advance();
            if self.flow == 0 {
                self.key_allowed = true;
            }
        }
    }

    fn plain_starts(&self, c: u8) -> bool {
        let indicator = self.is_blankz_at(0) || b"-?:,[]{}#&*!|>'\"%@`".contains(&c);
        !indicator
            || (c == b'-' && !self.is_blank_at(1))
            || (self.flow == 0 && (c == b'?' || c == b':') && !self.is_blankz_at(1))
    }

    /// A plain scalar; true when it ended after a line break (a simple key may follow).
    fn plain(&mut self) -> bool {
        let indent = self.indent + 1;
        let mut leading_blanks = false;
        loop {
            let marker = |s: &Self, m: u8| s.is(0, m) && s.is(1, m) && s.is(2, m) && s.is_blankz_at(3);
            if self.column == 0 && (marker(self, b'-') || marker(self, b'.')) {
                break;
            }
            if self.is(0, b'#') {
                break;
            }
            while !self.is_blankz_at(0) {
                let c = self.b[self.pos];
                if self.flow > 0 && c == b':' && self.at(1).is_some_and(|n| b",?[]{}".contains(&n)) {
                    // libyaml: "found unexpected ':'", and it stops.
                    return leading_blanks;
                }
                if (c == b':' && self.is_blankz_at(1)) || (self.flow > 0 && b",[]{}".contains(&c)) {
                    break;
                }
                leading_blanks = false;
                self.advance();
            }
            if !(self.is_blank_at(0) || self.is_break()) {
                break;
            }
            while self.is_blank_at(0) || self.is_break() {
                if self.is_break() {
                    leading_blanks = true;
                }
                self.advance();
            }
            if self.flow == 0 && (self.column as isize) < indent {
                break;
            }
        }
        leading_blanks
    }

    fn quoted(&mut self, quote: u8) {
        self.advance();
        while let Some(c) = self.at(0) {
            if quote == b'\'' && c == b'\'' {
                self.advance();
                if !self.is(0, b'\'') {
                    return;
                }
                self.advance();
            } else if quote == b'"' && c == b'\\' {
                self.advance();
                if !self.eof() {
                    self.advance();
                }
            } else if c == quote {
                self.advance();
                return;
            } else {
                self.advance();
            }
        }
    }

    fn tag(&mut self) {
        self.advance();
        let verbatim = self.is(0, b'<');
        if verbatim {
            self.advance();
        }
        while let Some(c) = self.at(0) {
            let uri = c.is_ascii_alphanumeric()
                || b"-_;/?:@&=+$.%!~*'()".contains(&c)
                || (verbatim && b",[]".contains(&c));
            if !uri {
                break;
            }
            self.advance();
        }
        if verbatim && self.is(0, b'>') {
            self.advance();
        }
    }

    fn block_scalar(&mut self) {
        self.advance();
        let mut increment = 0;
        for _ in 0..2 {
            match self.at(0) {
                Some(b'+' | b'-') => self.advance(),
                Some(d @ b'1'..=b'9') => {
                    increment = isize::from(d - b'0');
                    self.advance();
                }
                _ => break,
            }
        }
        while self.is_blank_at(0) {
            self.advance();
        }
        if self.is(0, b'#') {
            self.skip_to_break();
        }
        if !self.is_break() {
            // libyaml: "did not find expected comment or line break", and it stops.
            return;
        }
        self.advance();
        let mut indent = match increment {
            0 => 0,
            n if self.indent >= 0 => self.indent + n,
            n => n,
        };
        if !self.block_breaks(&mut indent) {
            return;
        }
        while self.column as isize == indent && !self.eof() {
            self.skip_to_break();
            if self.eof() {
                return;
            }
            self.advance();
            if !self.block_breaks(&mut indent) {
                return;
            }
        }
    }

    /// Empty and indentation-only lines of a block scalar; settles its indentation when not given.
    /// False where libyaml stops with an error.
    fn block_breaks(&mut self, indent: &mut isize) -> bool {
        let mut max_indent = 0;
        loop {
            while (*indent == 0 || (self.column as isize) < *indent) && self.is(0, b' ') {
                self.advance();
            }
            max_indent = max_indent.max(self.column as isize);
            if (*indent == 0 || (self.column as isize) < *indent) && self.is(0, b'\t') {
                return false;
            }
            if !self.is_break() {
                break;
            }
            self.advance();
        }
        if *indent == 0 {
            *indent = max_indent.max(self.indent + 1).max(1);
        }
        true
    }
}

// ---------------------------------------------------------------------------
// Expansion: count what the document's aliases would build
// ---------------------------------------------------------------------------

struct Budget {
    nodes: usize,
    bytes: usize,
    exceeded: Option<String>,
}

struct Count<'b>(&'b mut Budget);

impl Count<'_> {
    fn node<E: serde::de::Error>(&mut self, bytes: usize) -> Result<(), E> {
        let b = &mut *self.0;
        b.nodes += 1;
        b.bytes = b.bytes.saturating_add(bytes);
        if b.nodes > MAX_NODES {
            b.exceeded = Some(format!("{MAX_NODES} nodes"));
        } else if b.bytes > MAX_SCALAR_BYTES {
            b.exceeded = Some(format!("{} MiB of text", MAX_SCALAR_BYTES / (1024 * 1024)));
        }
        match b.exceeded {
            Some(_) => Err(E::custom("expansion limit")),
            None => Ok(()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: serde::de::Error>(mut self, _: bool) -> Result<(), E> {
        self.node(0)
    }
    fn visit_i64<E: serde::de::Error>(mut self, _: i64) -> Result<(), E> {
        self.node(0)
    }
    fn visit_u64<E: serde::de::Error>(mut self, _: u64) -> Result<(), E> {
        self.node(0)
    }
    fn visit_f64<E: serde::de::Error>(mut self, _: f64) -> Result<(), E> {
        self.node(0)
    }
    fn visit_str<E: serde::de::Error>(mut self, s: &str) -> Result<(), E> {
        self.node(s.len())
    }
    fn visit_unit<E: serde::de::Error>(mut self) -> Result<(), E> {
        self.node(0)
    }
    fn visit_none<E: serde::de::Error>(mut self) -> Result<(), E> {
        self.node(0)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        self.node(0)?;
        while seq.next_element_seed(Count(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.node(0)?;
        while map.next_key_seed(Count(&mut *self.0))?.is_some() {
            map.next_value_seed(Count(&mut *self.0))?;
        }
        Ok(())
    }
    fn visit_enum<A: EnumAccess<'de>>(mut self, data: A) -> Result<(), A::Error> {
        // A tagged value (`!reset []`): the tag, then the value.
        self.node(0)?;
        let ((), value) = data.variant_seed(Count(&mut *self.0))?;
        value.newtype_variant_seed(Count(&mut *self.0))
    }
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
