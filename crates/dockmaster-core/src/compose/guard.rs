//! Cheap checks a Compose file's text passes before the YAML parser builds it: nesting depth and alias
//! expansion, so a hostile file is refused in milliseconds instead of hanging or exhausting memory.
//!
//! Why: libyaml (under `serde_yaml_ng`) checks every open flow collection on every token, so 80 KB of `[`
//! took 23 s before its depth limit said no; and an alias of an alias of a large scalar passes
//! `serde_yaml_ng`'s repetition limit while expanding to gigabytes.
//!
//! [`check_nesting`] walks the text once, deciding where tokens start as libyaml's scanner does (quotes,
//! comments, plain and block scalars, indentation), and counts open collections: flow ones (`[`, `{`)
//! plus block ones (each deeper indentation level of a mapping or sequence): `guard/scanner.rs`, its
//! scalars in `guard/scanner/scalars.rs`. [`check_expansion`] replays the document through serde without
//! building anything and counts what the aliases would produce: `guard/expansion.rs`.

use std::fmt;

use serde::de::DeserializeSeed;

mod expansion;
mod scanner;

use expansion::{Budget, Count};
use scanner::Scanner;

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

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
