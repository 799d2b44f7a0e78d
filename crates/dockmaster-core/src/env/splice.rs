//! The text of one `.env` edit: a value re-encoded in a quoting style that parses back to exactly it,
//! spliced in place of the old one (or appended), checked by parsing the result.

use std::ops::Range;

use super::parse::{structure, EnvFile, Quote};

fn splice(text: &str, range: Range<usize>, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..range.start]);
    out.push_str(with);
    out.push_str(&text[range.end..]);
    out
}

pub(super) fn line_start(text: &str, pos: usize) -> usize {
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
pub(super) fn replace_entry(text: &str, parsed: &EnvFile, index: usize, value: &str) -> Option<String> {
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
pub(super) fn blank_entries(text: &str, indices: &[usize], local: bool) -> Option<String> {
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
pub(super) fn append_entry(text: &str, key: &str, value: &str) -> Option<String> {
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
