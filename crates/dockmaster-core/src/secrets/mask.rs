//! [`Masker`]: the one masker for every text that may carry a secret — Compose's output, probe output,
//! container errors, failure reports, the log viewer, exports and `status`. Every form of every secret value
//! (see [`super::forms`]) is found in one Aho–Corasick pass and replaced by `[NAME hidden]`; overlapping
//! matches are merged so no byte of any value survives.
//!
//! When the keychain could not be read (locked, failing), the masker is *incomplete*: it masks what it knows,
//! and text that comes from a container ([`Masker::mask_container`]) is withheld whole, because it may hold a
//! keychain value nobody could search for.

use std::borrow::Cow;
use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};

pub use stream::StreamMasker;

use super::forms::forms;
use super::gather::{gather_with, SecretSet};
use super::{Keychain, SecretsError, Sensitive};
use crate::project::Project;

/// Shorter values are not masked (they would hide ordinary words and numbers everywhere), and the keychain
/// refuses to store them; a shorter secret from `.env` or the environment gets a loud warning instead.
pub const MIN_SECRET_LEN: usize = 6;

/// Replaces secret values in text. The automaton necessarily holds the values; it is never printed,
/// serialised or written anywhere.
pub struct Masker {
    automaton: Option<AhoCorasick>,
    /// The patterns themselves, for [`Masker::secret_start`] (which the automaton cannot answer).
    patterns: Vec<Sensitive<String>>,
    /// Per pattern: the names whose value (in some form) it is.
    names: Vec<Vec<String>>,
    longest: usize,
    values: usize,
    /// Why container text is withheld (`None`: the masker knows every secret).
    incomplete: Option<String>,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker")
            .field("values", &self.values)
            .field("incomplete", &self.incomplete.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Masker {
    fn default() -> Self {
        Masker::none()
    }
}

impl Masker {
    /// Masks nothing (for text known to hold no secret, and tests).
    pub fn none() -> Masker {
        Masker {
            automaton: None,
            patterns: Vec::new(),
            names: Vec::new(),
            longest: 0,
            values: 0,
            incomplete: None,
        }
    }

    /// Knows no secret and withholds all container text, saying `why` (until the project's secrets are known).
    pub fn withholding(why: impl Into<String>) -> Masker {
        Masker { incomplete: Some(why.into()), ..Masker::none() }
    }

    /// A masker for `(name, value)` pairs. Values shorter than [`MIN_SECRET_LEN`] are skipped (the gathering
    /// step warns about them); a value held by several names is labelled with all of them.
    pub fn new<'a>(secrets: impl IntoIterator<Item = (&'a str, &'a Sensitive<String>)>) -> Masker {
        let mut by_value: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
        for (name, value) in secrets {
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
        let mut patterns: BTreeMap<Sensitive<String>, Vec<String>> = BTreeMap::new();
        for (value, names) in &by_value {
            for form in forms(value, MIN_SECRET_LEN) {
                let owners = patterns.entry(Sensitive::new(form)).or_default();
                for name in names {
                    if !owners.iter().any(|o| o == name) {
                        owners.push((*name).to_string());
                    }
                }
            }
        }
        let longest = patterns.keys().map(|p| p.expose().len()).max().unwrap_or(0);
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(patterns.keys().map(|p| p.expose().as_bytes()))
            .ok();
        let (patterns, names) = patterns.into_iter().unzip();
        Masker { automaton, patterns, names, longest, values: by_value.len(), incomplete: None }
    }

    /// The masker for a gathered set of secrets: complete only when the keychain could be read.
    pub fn from_set(set: &SecretSet) -> Masker {
        let mut masker = Masker::new(set.values.iter().map(|(n, v)| (n.as_str(), v)));
        masker.incomplete = set.unreadable.clone();
        masker
    }

    /// The masker of everything a project's containers and Compose print: [`super::gather`] (keychain, `.env`,
    /// environment). Incomplete when the keychain is locked or failing. Blocks (keychain calls).
    pub fn gathered(project: &Project) -> Masker {
        Masker::from_set(&super::gather(project))
    }

    /// The masker for a view made only of container text (the log viewer, its exports): a keychain that is
    /// locked or failing is an error there, since every line would be withheld. `Ok` carries the set's warnings.
    /// Blocks (keychain calls).
    pub fn for_project(project: &Project) -> Result<(Masker, Vec<String>), SecretsError> {
        let keychain = Keychain::open(project.root()).and_then(|k| k.all());
        match &keychain {
            Err(SecretsError::NoSessionBus { .. } | SecretsError::NoProvider { .. }) | Ok(_) => {}
            Err(_) => {
                return Err(keychain.err().unwrap_or(SecretsError::Unavailable { detail: String::new() }))
            }
        }
        let set = gather_with(project, keychain.as_deref());
        Ok((Masker::from_set(&set), set.warnings()))
    }

    /// How many distinct secret values it masks.
    pub fn len(&self) -> usize {
        self.values
    }

    pub fn is_empty(&self) -> bool {
        self.values == 0
    }

    /// Whether every secret of the project could be gathered (the keychain was read, or there is none).
    pub fn is_complete(&self) -> bool {
        self.incomplete.is_none()
    }

    /// The longest pattern's length in bytes (how far a value may reach across a cut).
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// The longest tail of `text`, of at least `min` bytes, that a value (in some form) starts with but does
    /// not end at: the value may be going on in bytes not yet seen. Its length and the label of its owners.
    pub fn secret_start(&self, text: &[u8], min: usize) -> Option<(usize, String)> {
        let most = text.len().min(self.longest.saturating_sub(1));
        (min.max(1)..=most).rev().find_map(|len| {
            let tail = &text[text.len() - len..];
            let owners: Vec<&str> = self
                .patterns
                .iter()
                .zip(&self.names)
                .filter(|(p, _)| p.expose().len() > len && p.expose().as_bytes().starts_with(tail))
                .flat_map(|(_, names)| names.iter().map(String::as_str))
                .collect();
            (!owners.is_empty()).then(|| {
                let mut unique: Vec<&str> = Vec::new();
                for o in owners {
                    if !unique.contains(&o) {
                        unique.push(o);
                    }
                }
                (len, format!("[{} hidden]", unique.join(", ")))
            })
        })
    }

    /// `text` masked, where its first `shown` bytes were already given out (earlier, unmasked or masked): only
    /// what follows them is returned, and a value that began in them has its remaining bytes replaced.
    pub fn mask_after(&self, text: &[u8], shown: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len().saturating_sub(shown) + 16);
        let mut at = shown;
        for (start, end, label) in self.hidden(text) {
            if end <= shown {
                continue;
            }
            out.extend_from_slice(&text[at.min(start.max(shown))..start.max(shown)]);
            out.extend_from_slice(label.as_bytes());
            at = end;
        }
        out.extend_from_slice(&text[at.max(shown).min(text.len())..]);
        out
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
        let mut merged: Vec<(usize, usize, Vec<&str>)> = Vec::new();
        for (start, end, pattern) in found {
            let owners = self.names[pattern].iter().map(String::as_str);
            match merged.last_mut() {
                Some(last) if start < last.1 => {
                    last.1 = last.1.max(end);
                    for name in owners {
                        if !last.2.contains(&name) {
                            last.2.push(name);
                        }
                    }
                }
                _ => merged.push((start, end, owners.collect())),
            }
        }
        merged.into_iter().map(|(s, e, names)| (s, e, format!("[{} hidden]", names.join(", ")))).collect()
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

    /// Text a container produced (probe output, its error, its log lines in a report): masked, or withheld
    /// whole when the masker is incomplete.
    pub fn mask_container<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.incomplete {
            Some(why) if !text.is_empty() => Cow::Owned(format!("[output hidden: {why}]")),
            _ => self.mask_str(text),
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

mod stream;
#[cfg(test)]
mod tests;
