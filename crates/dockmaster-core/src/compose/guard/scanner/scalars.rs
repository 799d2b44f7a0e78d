//! The scanner's scalars and tags: where a plain, quoted or block scalar (or a tag) ends, so brackets and
//! indentation inside them are text, as libyaml decides.

use super::Scanner;

impl Scanner<'_> {
    pub(super) fn plain_starts(&self, c: u8) -> bool {
        let indicator = self.is_blankz_at(0) || b"-?:,[]{}#&*!|>'\"%@`".contains(&c);
        !indicator
            || (c == b'-' && !self.is_blank_at(1))
            || (self.flow == 0 && (c == b'?' || c == b':') && !self.is_blankz_at(1))
    }

    /// A plain scalar; true when it ended after a line break (a simple key may follow).
    pub(super) fn plain(&mut self) -> bool {
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

    pub(super) fn quoted(&mut self, quote: u8) {
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

    pub(super) fn tag(&mut self) {
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

    pub(super) fn block_scalar(&mut self) {
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
