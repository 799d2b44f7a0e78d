//! Docker Compose variable interpolation (`$VAR`, `${VAR:-default}`, …) with per-reference tracking.
//!
//! The public API, the budget and error display live here; `interpolate/parse.rs` parses a template into
//! its syntax tree, `interpolate/eval.rs` evaluates that tree against a lookup.

use std::fmt;
use std::ops::Range;

mod eval;
mod parse;

use eval::{collect_names, Eval};
use parse::Parser;

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

/// The [`TemplateError::problem`] of a template that grows past its budget.
const TOO_LARGE: &str =
    "it grows too large once variables are substituted (a large value repeated, or nested in defaults)";

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
