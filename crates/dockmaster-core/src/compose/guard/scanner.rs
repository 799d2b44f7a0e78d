//! Nesting: a token-boundary scanner modelled on libyaml's. It walks the text once, deciding where tokens
//! start (quotes, comments, plain and block scalars in `scanner/scalars.rs`, indentation) and counts open
//! collections: flow ones (`[`, `{`) plus block ones (each deeper indentation level).

use super::{TooDeep, MAX_NESTING};

mod scalars;

/// A potential simple key (`key:`) in block context: where it starts.
#[derive(Clone, Copy)]
struct SimpleKey {
    column: usize,
    line: usize,
    index: usize,
}

pub(super) struct Scanner<'a> {
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
    pub(super) max_depth: usize,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(b: &'a [u8]) -> Self {
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

    pub(super) fn run(&mut self) -> Result<(), TooDeep> {
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
}
