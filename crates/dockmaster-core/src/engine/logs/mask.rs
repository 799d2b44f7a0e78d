//! Secret masking of log text: every occurrence of every secret value (≥ [`MIN_SECRET_LEN`] bytes) is
//! replaced by `[NAME hidden]`, all values found in one Aho–Corasick pass. Overlapping occurrences are merged,
//! so no byte of any value survives.

use std::borrow::Cow;
use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::env::Environment;
use crate::project::Project;
use crate::secrets::{self, Sensitive};

/// Shorter values are not masked: they would hide ordinary words and numbers everywhere.
pub const MIN_SECRET_LEN: usize = 4;

/// Replaces secret values in log text. Built once per follow from the project's secrets; the automaton
/// necessarily holds the values (it is never printed, serialised or written anywhere).
pub struct Masker {
    automaton: Option<AhoCorasick>,
    /// Per pattern: the replacement text (`[NAME hidden]`).
    labels: Vec<String>,
    longest: usize,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker").field("values", &self.labels.len()).finish_non_exhaustive()
    }
}

impl Default for Masker {
    fn default() -> Self {
        Masker::none()
    }
}

impl Masker {
    /// Masks nothing.
    pub fn none() -> Masker {
        Masker { automaton: None, labels: Vec::new(), longest: 0 }
    }

    /// A masker for `(name, value)` pairs. Values shorter than [`MIN_SECRET_LEN`] are skipped; a value
    /// held by several names is labelled with all of them.
    pub fn new<'a>(values: impl IntoIterator<Item = (&'a str, &'a Sensitive<String>)>) -> Masker {
        let mut by_value: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
        for (name, value) in values {
            let v = value.expose().as_str();
            if v.len() >= MIN_SECRET_LEN {
                let names = by_value.entry(v).or_default();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        if by_value.is_empty() {
            return Masker::none();
        }
        let labels = by_value.values().map(|names| format!("[{} hidden]", names.join(", "))).collect();
        let longest = by_value.keys().map(|v| v.len()).max().unwrap_or(0);
        let automaton =
            AhoCorasick::builder().match_kind(MatchKind::Standard).build(by_value.keys().copied()).ok();
        Masker { automaton, labels, longest }
    }

    /// The project's secrets: every value in its keychain namespace (`secrets::child_env`) plus the values
    /// of secret-named variables in `.env` and the process environment (they reach containers through
    /// interpolation too). When there is no keychain to reach at all (no session bus, no Secret Service),
    /// nothing can be stored there, so the other sources still mask and `Ok` carries a warning; a locked or
    /// failing keychain is an error (its values could not be masked).
    pub fn for_project(project: &Project) -> Result<(Masker, Option<String>), secrets::SecretsError> {
        let (mut values, warning) = match secrets::child_env(project) {
            Ok(v) => (v, None),
            Err(
                e @ (secrets::SecretsError::NoSessionBus { .. } | secrets::SecretsError::NoProvider { .. }),
            ) => {
                let warning = format!(
                    "no OS keychain is reachable ({}), so only the secret values in .env and the environment \
                     are masked; start the keychain (Secret Service) to mask the ones stored there too",
                    e.code()
                );
                (Vec::new(), Some(warning))
            }
            Err(e) => return Err(e),
        };
        let policy = project.secret_policy();
        let env = project.environment();
        let mut names: Vec<String> = env.env_file().entries.iter().map(|e| e.key.clone()).collect();
        names.extend(Environment::process_vars().into_keys());
        names.sort();
        names.dedup();
        for name in names.into_iter().filter(|n| policy.is_secret(n)) {
            if let Some(value) = env.lookup(&name).filter(|v| v.len() >= MIN_SECRET_LEN) {
                values.push((name, Sensitive::new(value)));
            }
        }
        let masker = Masker::new(values.iter().map(|(n, v)| (n.as_str(), v)));
        Ok((masker, warning))
    }

    /// How many distinct values it masks.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The longest value's length in bytes (how far a value may reach across a cut).
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// The byte ranges to hide in `text` (merged, in order) with the label of each.
    fn hidden(&self, text: &[u8]) -> Vec<(usize, usize, String)> {
        let Some(ac) = &self.automaton else { return Vec::new() };
        // Fast path: one leftmost scan; almost every line has no secret.
        if ac.find(text).is_none() {
            return Vec::new();
        }
        let mut found: Vec<(usize, usize, usize)> =
            ac.find_overlapping_iter(text).map(|m| (m.start(), m.end(), m.pattern().as_usize())).collect();
        found.sort_unstable();
        let mut merged: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        for (start, end, pattern) in found {
            match merged.last_mut() {
                Some(last) if start < last.1 => {
                    last.1 = last.1.max(end);
                    if !last.2.contains(&pattern) {
                        last.2.push(pattern);
                    }
                }
                _ => merged.push((start, end, vec![pattern])),
            }
        }
        merged
            .into_iter()
            .map(|(s, e, patterns)| {
                let label = if patterns.len() == 1 {
                    self.labels[patterns[0]].clone()
                } else {
                    let names: Vec<&str> = patterns
                        .iter()
                        .map(|p| self.labels[*p].trim_start_matches('[').trim_end_matches(" hidden]"))
                        .collect();
                    format!("[{} hidden]", names.join(", "))
                };
                (s, e, label)
            })
            .collect()
    }

    /// `text` with every secret value replaced.
    pub fn mask<'a>(&self, text: &'a [u8]) -> Cow<'a, [u8]> {
        let hidden = self.hidden(text);
        if hidden.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = Vec::with_capacity(text.len() + 16);
        let mut at = 0;
        for (start, end, label) in hidden {
            out.extend_from_slice(&text[at..start]);
            out.extend_from_slice(label.as_bytes());
            at = end;
        }
        out.extend_from_slice(&text[at..]);
        Cow::Owned(out)
    }

    /// `text` (UTF-8) with every secret value replaced.
    pub fn mask_str<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.mask(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// Where to cut a too-long line near `at` without splitting a value: `at`, or the start of a value that
    /// straddles it (its end when the value starts at 0). `text` must extend at least [`Masker::longest`]
    /// bytes past `at`, so that every value starting before the cut is visible whole.
    pub fn safe_cut(&self, text: &[u8], at: usize) -> usize {
        for (start, end, _) in self.hidden(text) {
            if start < at && at < end {
                return if start > 0 { start } else { end };
            }
        }
        at
    }
}
