//! Parsing a template into its syntax tree: literal text and `$VAR` / `${VAR<op>branch}` references, each
//! branch a template of its own; the whole template is parsed (and refused) before anything is evaluated.

use super::TemplateError;

/// Braced expressions nested deeper than this are rejected (protects the stack).
pub(super) const MAX_NESTING: usize = 64;

/// [`TemplateError::problem`] texts.
const NESTED: &str = "`${` nested more than 64 levels deep";
const UNTERMINATED: &str = "unterminated `${` (missing `}`)";
const EMPTY_NAME: &str = "empty variable name in `${}`";
const BAD_NAME: &str = "`${` is not followed by a valid variable name ([A-Za-z_][A-Za-z0-9_]*)";
const BAD_OPERATOR: &str =
    "unsupported operator after a variable name (supported: `:-`, `-`, `:?`, `?`, `:+`, `+`)";

/// Operators accepted after a braced variable name.
const OPERATORS_HINT: &str = "`:-`, `-`, `:?`, `?`, `:+`, `+`";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    DefaultIfUnsetOrEmpty,
    DefaultIfUnset,
    RequiredNonEmpty,
    Required,
    AlternativeIfNonEmpty,
    AlternativeIfSet,
}

#[derive(Debug)]
pub(super) enum Node {
    /// Literal text (with `$$` already turned into `$`).
    Text(String),
    Var(VarNode),
}

#[derive(Debug)]
pub(super) struct VarNode {
    pub(super) name: String,
    /// The operator and its (unevaluated) branch template, for braced forms with an operator.
    pub(super) branch: Option<(Op, Vec<Node>)>,
}

/// Moves pending literal text (if any) into `nodes`.
fn flush(text: &mut String, nodes: &mut Vec<Node>) {
    if !text.is_empty() {
        nodes.push(Node::Text(std::mem::take(text)));
    }
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(super) struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
}

impl<'a> Parser<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Parser { src, bytes: src.as_bytes() }
    }

    fn error(&self, offset: usize, problem: &'static str, reason: impl Into<String>) -> TemplateError {
        TemplateError { template: self.src.to_owned(), offset, reason: reason.into(), problem }
    }

    fn unterminated(&self, open: usize) -> TemplateError {
        self.error(open, UNTERMINATED, "unterminated `${` (missing `}`)")
    }

    /// The character starting at byte `pos` (callers only pass char boundaries).
    fn char_at(&self, pos: usize) -> char {
        self.src.get(pos..).and_then(|s| s.chars().next()).unwrap_or(char::REPLACEMENT_CHARACTER)
    }

    pub(super) fn parse(&self) -> Result<Vec<Node>, TemplateError> {
        let (nodes, _) = self.parse_seq(0, None, 0)?;
        Ok(nodes)
    }

    /// Parses a template sequence starting at `pos`.
    ///
    /// At top level (`open == None`) it runs to the end of input. Inside a braced branch
    /// (`open == Some(offset of "${")`) it stops at the first `}` not balanced by a `{` of
    /// the branch and returns that brace's index.
    fn parse_seq(
        &self,
        mut pos: usize,
        open: Option<usize>,
        nesting: usize,
    ) -> Result<(Vec<Node>, usize), TemplateError> {
        let mut nodes = Vec::new();
        let mut text = String::new();
        let mut run = pos; // start of the pending literal run
        let mut depth = 0usize; // plain `{` … `}` nesting inside a branch

        while pos < self.bytes.len() {
            match self.bytes[pos] {
                b'$' => {
                    text.push_str(&self.src[run..pos]);
                    match self.bytes.get(pos + 1).copied() {
                        None => match open {
                            Some(start) => return Err(self.unterminated(start)),
                            // Like Compose v2, a `$` that starts no reference stays literal (`^regex$`,
                            // `awk '{print $1}'`). Compose v1 rejected these; Dockmaster follows v2.
                            None => {
                                text.push('$');
                                pos += 1;
                            }
                        },
                        Some(b'$') => {
                            text.push('$');
                            pos += 2;
                        }
                        Some(b'{') => {
                            flush(&mut text, &mut nodes);
                            let (node, next) = self.parse_braced(pos, nesting + 1)?;
                            nodes.push(node);
                            pos = next;
                        }
                        Some(b) if is_name_start(b) => {
                            flush(&mut text, &mut nodes);
                            let mut end = pos + 1;
                            while end < self.bytes.len() && is_name_char(self.bytes[end]) {
                                end += 1;
                            }
                            nodes.push(Node::Var(VarNode {
                                name: self.src[pos + 1..end].to_owned(),
                                branch: None,
                            }));
                            pos = end;
                        }
                        Some(_) => {
                            text.push('$');
                            pos += 1;
                        }
                    }
                    run = pos;
                }
                b'{' if open.is_some() => {
                    depth += 1;
                    pos += 1;
                }
                b'}' if open.is_some() => {
                    if depth == 0 {
                        text.push_str(&self.src[run..pos]);
                        flush(&mut text, &mut nodes);
                        return Ok((nodes, pos));
                    }
                    depth -= 1;
                    pos += 1;
                }
                _ => pos += 1,
            }
        }

        if let Some(start) = open {
            return Err(self.unterminated(start));
        }
        text.push_str(&self.src[run..]);
        flush(&mut text, &mut nodes);
        Ok((nodes, pos))
    }

    /// Parses `${…}` whose `$` is at `start`; returns the node and the index after the `}`.
    fn parse_braced(&self, start: usize, nesting: usize) -> Result<(Node, usize), TemplateError> {
        if nesting > MAX_NESTING {
            return Err(self.error(
                start,
                NESTED,
                format!("`${{` nested more than {MAX_NESTING} levels deep"),
            ));
        }
        let name_start = start + 2;
        let mut name_end = name_start;
        while name_end < self.bytes.len() && is_name_char(self.bytes[name_end]) {
            name_end += 1;
        }
        let name = &self.src[name_start..name_end];

        match self.bytes.get(name_start).copied() {
            None => return Err(self.unterminated(start)),
            Some(b'}') => return Err(self.error(start, EMPTY_NAME, "empty variable name in `${}`")),
            Some(b) if !is_name_start(b) => {
                let reason = if name.is_empty() {
                    format!("`${{` must be followed by a variable name, found `{}`", self.char_at(name_start))
                } else {
                    format!("invalid variable name `{name}` (names must match [A-Za-z_][A-Za-z0-9_]*)")
                };
                return Err(self.error(start, BAD_NAME, reason));
            }
            Some(_) => {}
        }

        let (op, body_start) = match self.bytes.get(name_end).copied() {
            None => return Err(self.unterminated(start)),
            Some(b'}') => {
                let node = Node::Var(VarNode { name: name.to_owned(), branch: None });
                return Ok((node, name_end + 1));
            }
            Some(b':') => match self.bytes.get(name_end + 1).copied() {
                None => return Err(self.unterminated(start)),
                Some(b'-') => (Op::DefaultIfUnsetOrEmpty, name_end + 2),
                Some(b'?') => (Op::RequiredNonEmpty, name_end + 2),
                Some(b'+') => (Op::AlternativeIfNonEmpty, name_end + 2),
                Some(_) => {
                    return Err(self.error(
                        start,
                        BAD_OPERATOR,
                        format!(
                            "unsupported operator `:{}` after variable name `{name}` \
                             (supported: {OPERATORS_HINT})",
                            self.char_at(name_end + 1)
                        ),
                    ));
                }
            },
            Some(b'-') => (Op::DefaultIfUnset, name_end + 1),
            Some(b'?') => (Op::Required, name_end + 1),
            Some(b'+') => (Op::AlternativeIfSet, name_end + 1),
            Some(b) => {
                let c = self.char_at(name_end);
                let problem = if b"=#%/^,@[".contains(&b) { BAD_OPERATOR } else { BAD_NAME };
                let reason = if b"=#%/^,@[".contains(&b) {
                    format!(
                        "unsupported operator `{c}` after variable name `{name}` \
                         (supported: {OPERATORS_HINT})"
                    )
                } else {
                    format!(
                        "invalid variable name: unexpected `{c}` after `{name}` \
                         (expected `}}` or one of {OPERATORS_HINT})"
                    )
                };
                return Err(self.error(start, problem, reason));
            }
        };

        let (body, close) = self.parse_seq(body_start, Some(start), nesting)?;
        let node = Node::Var(VarNode { name: name.to_owned(), branch: Some((op, body)) });
        Ok((node, close + 1))
    }
}
