//! Docker Compose variable interpolation (`$VAR`, `${VAR:-default}`, …) with per-reference tracking.

use std::fmt;
use std::ops::Range;

/// Result of interpolating one string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interpolated {
    pub value: String,
    /// Every variable reference, outermost first in source order (nested references inside defaults too).
    pub uses: Vec<VarUse>,
    /// `${X:?msg}` / `${X?msg}` whose condition failed: interpolation still completes (substituting ""),
    /// the caller turns these into warnings.
    pub missing_required: Vec<MissingRequired>,
}

/// One variable reference that contributed to [`Interpolated::value`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarUse {
    pub name: String,
    /// Byte range in `Interpolated::value` produced by this reference (empty range if it produced "").
    pub span: Range<usize>,
    pub form: VarForm,
    /// The variable had a value (set, possibly empty) in the lookup.
    pub is_set: bool,
    /// The default/alternative branch text was used instead of the variable's value.
    pub used_fallback: bool,
}

/// The syntactic form of a reference; branch texts are given after their own interpolation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarForm {
    /// `$VAR` or `${VAR}`
    Plain,
    /// `${VAR:-default}`
    DefaultIfUnsetOrEmpty(String),
    /// `${VAR-default}`
    DefaultIfUnset(String),
    /// `${VAR:?message}`
    RequiredNonEmpty(String),
    /// `${VAR?message}`
    Required(String),
    /// `${VAR:+alt}`
    AlternativeIfNonEmpty(String),
    /// `${VAR+alt}`
    AlternativeIfSet(String),
}

/// A `${VAR:?message}` / `${VAR?message}` reference whose requirement was not met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingRequired {
    pub name: String,
    /// The (interpolated) message, or "required variable NAME is missing a value" when none was given.
    pub message: String,
}

/// A template that is not valid Compose interpolation syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The whole input string.
    pub template: String,
    /// Byte offset in `template` where the invalid part starts (the `$` of the offending reference).
    pub offset: usize,
    /// Human explanation, e.g. "unterminated `${`". May quote parts of the template.
    pub reason: String,
    /// What is wrong, without quoting any of the template (for errors about values that may be secret).
    pub problem: &'static str,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (snippet, truncated) = error_snippet(&self.template, self.offset);
        let ellipsis = if truncated { "…" } else { "" };
        write!(f, "invalid interpolation `{snippet}{ellipsis}` at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for TemplateError {}

/// Interpolates `input`, resolving variables through `lookup`.
///
/// `lookup(name)` returns the variable's value if set (`Some("")` = set but empty).
///
/// The syntax follows the compose-spec `interpolation.md` and compose-go's `template`
/// package:
///
/// | syntax            | result                                                        |
/// |-------------------|---------------------------------------------------------------|
/// | `$$`              | a literal `$`                                                 |
/// | `$VAR`, `${VAR}`  | the value of `VAR` (`""` when unset)                          |
/// | `${VAR:-default}` | `default` when `VAR` is unset or empty                        |
/// | `${VAR-default}`  | `default` when `VAR` is unset                                 |
/// | `${VAR:?message}` | value of `VAR`; reported as missing when unset or empty       |
/// | `${VAR?message}`  | value of `VAR`; reported as missing when unset                |
/// | `${VAR:+alt}`     | `alt` when `VAR` is set and non-empty, otherwise `""`         |
/// | `${VAR+alt}`      | `alt` when `VAR` is set (possibly empty), otherwise `""`      |
///
/// Defaults, alternatives and messages are templates themselves (`${A:-${B:-x}}`,
/// `${A:-$$B}`), and plain braces inside them nest (`${A:-{x}}` yields `{x}`).
///
/// Unlike compose-go, a failed `?` / `:?` check does not abort: the reference yields `""`
/// and is reported in [`Interpolated::missing_required`] so the caller can warn.
/// The whole template is parsed before anything is evaluated, so a syntax error is
/// reported even when it sits in a branch that would not be taken.
///
/// # Errors
///
/// Returns a [`TemplateError`] when `input` is not valid interpolation syntax.
pub fn interpolate(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Interpolated, TemplateError> {
    interpolate_within(input, lookup, &mut Budget::new(MAX_EXPANSION))
}

/// Bytes one template may produce by default (its value plus the branch texts its forms keep).
pub const MAX_EXPANSION: usize = 16 * 1024 * 1024;

/// How many bytes interpolation may still produce: a large value repeated (`$BIG$BIG…`) or nested in
/// defaults would otherwise take gigabytes from a small file. One budget can span many templates (a
/// whole file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    limit: usize,
    used: usize,
}

impl Budget {
    pub const fn new(limit: usize) -> Self {
        Budget { limit, used: 0 }
    }

    fn charge(&mut self, bytes: usize) -> Result<(), Exhausted> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.limit {
            return Err(Exhausted);
        }
        Ok(())
    }
}

/// The budget ran out while evaluating.
struct Exhausted;

/// [`interpolate`], charging what it produces to `budget`: refused (a [`TemplateError`] naming the
/// limit) once the budget is spent.
///
/// # Errors
///
/// Invalid syntax, as [`interpolate`], or a spent budget.
pub fn interpolate_within(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    budget: &mut Budget,
) -> Result<Interpolated, TemplateError> {
    let nodes = Parser::new(input).parse()?;
    let mut out = Interpolated::default();
    let mut eval = Eval { lookup, budget };
    if eval.nodes(&nodes, &mut out).is_err() {
        let mib = budget.limit / (1024 * 1024);
        let reason = format!(
            "it grows past {mib} MiB once variables are substituted (a large value repeated, or nested in \
             defaults)"
        );
        return Err(TemplateError { template: input.to_owned(), offset: 0, reason, problem: TOO_LARGE });
    }
    Ok(out)
}

/// Names referenced by a template (no lookup performed), in order, deduplicated. Errors as `interpolate`.
///
/// Names inside every branch (defaults, alternatives, messages) are included.
///
/// # Errors
///
/// Returns the same [`TemplateError`] as [`interpolate`] for invalid syntax.
pub fn referenced_names(input: &str) -> Result<Vec<String>, TemplateError> {
    let nodes = Parser::new(input).parse()?;
    let mut names = Vec::new();
    collect_names(&nodes, &mut names);
    Ok(names)
}

// ---------------------------------------------------------------------------
// Syntax tree
// ---------------------------------------------------------------------------

/// Braced expressions nested deeper than this are rejected (protects the stack).
const MAX_NESTING: usize = 64;

/// [`TemplateError::problem`] texts.
const TOO_LARGE: &str =
    "it grows too large once variables are substituted (a large value repeated, or nested in defaults)";
const NESTED: &str = "`${` nested more than 64 levels deep";
const UNTERMINATED: &str = "unterminated `${` (missing `}`)";
const EMPTY_NAME: &str = "empty variable name in `${}`";
const BAD_NAME: &str = "`${` is not followed by a valid variable name ([A-Za-z_][A-Za-z0-9_]*)";
const BAD_OPERATOR: &str =
    "unsupported operator after a variable name (supported: `:-`, `-`, `:?`, `?`, `:+`, `+`)";

/// Operators accepted after a braced variable name.
const OPERATORS_HINT: &str = "`:-`, `-`, `:?`, `?`, `:+`, `+`";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    DefaultIfUnsetOrEmpty,
    DefaultIfUnset,
    RequiredNonEmpty,
    Required,
    AlternativeIfNonEmpty,
    AlternativeIfSet,
}

#[derive(Debug)]
enum Node {
    /// Literal text (with `$$` already turned into `$`).
    Text(String),
    Var(VarNode),
}

#[derive(Debug)]
struct VarNode {
    name: String,
    /// The operator and its (unevaluated) branch template, for braced forms with an operator.
    branch: Option<(Op, Vec<Node>)>,
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

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
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

    fn parse(&self) -> Result<Vec<Node>, TemplateError> {
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

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

struct Eval<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    budget: &'a mut Budget,
}

impl Eval<'_> {
    fn nodes(&mut self, nodes: &[Node], out: &mut Interpolated) -> Result<(), Exhausted> {
        for node in nodes {
            match node {
                Node::Text(text) => {
                    self.budget.charge(text.len())?;
                    out.value.push_str(text);
                }
                Node::Var(var) => self.var(var, out)?,
            }
        }
        Ok(())
    }

    fn var(&mut self, var: &VarNode, out: &mut Interpolated) -> Result<(), Exhausted> {
        let found = (self.lookup)(&var.name);
        let is_set = found.is_some();
        let value = found.unwrap_or_default();
        let start = out.value.len();

        let Some((op, body)) = &var.branch else {
            self.budget.charge(value.len())?;
            out.value.push_str(&value);
            out.uses.push(VarUse {
                name: var.name.clone(),
                span: start..out.value.len(),
                form: VarForm::Plain,
                is_set,
                used_fallback: false,
            });
            return Ok(());
        };

        // The branch is always evaluated so the form can carry its interpolated text,
        // but its uses / missing-required entries only count when the branch is taken.
        let mut branch = Interpolated::default();
        self.nodes(body, &mut branch)?;
        let empty = value.is_empty();

        let outcome = match op {
            Op::DefaultIfUnsetOrEmpty if empty => Outcome::Branch,
            Op::DefaultIfUnset if !is_set => Outcome::Branch,
            Op::AlternativeIfNonEmpty if !empty => Outcome::Branch,
            Op::AlternativeIfSet if is_set => Outcome::Branch,
            Op::RequiredNonEmpty if empty => Outcome::Missing,
            Op::Required if !is_set => Outcome::Missing,
            // Not taken: `value` is the variable's value, which is "" for both
            // alternative forms whenever their branch is not taken.
            _ => Outcome::Value,
        };

        // The form keeps a copy of the branch text.
        self.budget.charge(branch.value.len())?;
        let form = match op {
            Op::DefaultIfUnsetOrEmpty => VarForm::DefaultIfUnsetOrEmpty(branch.value.clone()),
            Op::DefaultIfUnset => VarForm::DefaultIfUnset(branch.value.clone()),
            Op::RequiredNonEmpty => VarForm::RequiredNonEmpty(branch.value.clone()),
            Op::Required => VarForm::Required(branch.value.clone()),
            Op::AlternativeIfNonEmpty => VarForm::AlternativeIfNonEmpty(branch.value.clone()),
            Op::AlternativeIfSet => VarForm::AlternativeIfSet(branch.value.clone()),
        };

        match outcome {
            Outcome::Value => {
                self.budget.charge(value.len())?;
                out.value.push_str(&value);
                out.uses.push(VarUse {
                    name: var.name.clone(),
                    span: start..out.value.len(),
                    form,
                    is_set,
                    used_fallback: false,
                });
            }
            Outcome::Branch => {
                self.budget.charge(branch.value.len())?;
                out.value.push_str(&branch.value);
                out.uses.push(VarUse {
                    name: var.name.clone(),
                    span: start..out.value.len(),
                    form,
                    is_set,
                    used_fallback: true,
                });
                out.uses.extend(branch.uses.into_iter().map(|mut u| {
                    u.span = u.span.start + start..u.span.end + start;
                    u
                }));
                out.missing_required.extend(branch.missing_required);
            }
            Outcome::Missing => {
                let message = if branch.value.is_empty() {
                    format!("required variable {} is missing a value", var.name)
                } else {
                    branch.value
                };
                out.uses.push(VarUse {
                    name: var.name.clone(),
                    span: start..start,
                    form,
                    is_set,
                    used_fallback: false,
                });
                out.missing_required.push(MissingRequired { name: var.name.clone(), message });
                // References inside the message do not produce output, so they are not
                // recorded as uses; a failed requirement nested in the message still counts.
                out.missing_required.extend(branch.missing_required);
            }
        }
        Ok(())
    }
}

/// What a braced operator decided.
enum Outcome {
    /// Output the variable's own value.
    Value,
    /// Output the branch text (default / alternative).
    Branch,
    /// Requirement failed: output "" and report.
    Missing,
}

fn collect_names(nodes: &[Node], names: &mut Vec<String>) {
    for node in nodes {
        if let Node::Var(var) = node {
            if !names.iter().any(|n| n == &var.name) {
                names.push(var.name.clone());
            }
            if let Some((_, body)) = &var.branch {
                collect_names(body, names);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Error display
// ---------------------------------------------------------------------------

/// Longest snippet (in chars) quoted by `TemplateError`'s `Display`.
const SNIPPET_MAX_CHARS: usize = 40;

/// The offending part of `template` starting at `offset`, and whether it was truncated.
fn error_snippet(template: &str, offset: usize) -> (&str, bool) {
    let rest = template.get(offset..).unwrap_or("");
    let mut chars = rest.char_indices();
    let end = if rest.starts_with("${") {
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, b) in rest.bytes().enumerate() {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        end
    } else {
        // `$` plus the character after it (or just the first character).
        let take = if rest.starts_with('$') { 2 } else { 1 };
        chars.nth(take).map_or(rest.len(), |(i, _)| i)
    };
    let snippet = &rest[..end];
    match snippet.char_indices().nth(SNIPPET_MAX_CHARS) {
        Some((cut, _)) => (&snippet[..cut], true),
        None => (snippet, false),
    }
}

#[cfg(test)]
#[path = "interpolate_tests.rs"]
mod tests;

/// A scalar interpolated from `template` with `env` as the only variables (tests).
#[cfg(test)]
pub(crate) fn test_scalar(template: &str, env: &[(&str, &str)]) -> super::node::Scalar {
    let lookup = |n: &str| env.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string());
    let r = interpolate(template, &lookup).expect("valid");
    super::node::Scalar { value: r.value, uses: r.uses }
}
