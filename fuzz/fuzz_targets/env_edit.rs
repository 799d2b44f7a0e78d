//! `.env` parsing and lossless editing: any text that parses can have one key set (or appended) and
//! blanked; the result parses to the same keys with the new value, and every byte outside the edited
//! value is unchanged.
//!
//! Input: the file's text, the key (empty: one of the file's own), the new value; separated by NUL bytes.
#![no_main]

use std::path::Path;

use dockmaster_core::env::{EnvEditor, EnvFile, Quote};
use libfuzzer_sys::fuzz_target;

/// How the editor reads a file: every reference resolves, so only the structure matters.
fn structure(text: &str) -> Option<EnvFile> {
    EnvFile::parse(text, &|_| Some("x".to_string())).ok()
}

fn keys(f: &EnvFile) -> Vec<&str> {
    f.entries.iter().map(|e| e.key.as_str()).collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let mut parts = input.splitn(3, '\0');
    let text = parts.next().unwrap_or_default();
    let mut key = parts.next().unwrap_or_default().to_string();
    let value = parts.next().unwrap_or_default();
    // Parsing with the real lookup (nothing set) must not panic either.
    let _ = EnvFile::parse(text, &|_| None);
    let parsed = structure(text);
    let editor = EnvEditor::from_read(Path::new(".env"), Some(text.to_string()));
    assert_eq!(parsed.is_some(), editor.is_ok(), "{text:?}");
    let (Some(before), Ok(mut ed)) = (parsed, editor) else { return };
    if key.is_empty() {
        let Some(e) = before.entries.get(value.len() % before.entries.len().max(1)) else { return };
        key = e.key.clone();
    }

    match ed.set(&key, value) {
        Err(_) => assert_eq!(ed.text(), text, "a refused edit changes nothing"),
        Ok(()) => {
            let after =
                structure(ed.text()).unwrap_or_else(|| panic!("edited text does not parse: {:?}", ed.text()));
            assert_eq!(after.get(&key), Some(value), "{text:?} set {key:?}={value:?}: {:?}", ed.text());
            match before.entries.iter().rposition(|e| e.key == key) {
                Some(i) => {
                    let e = &before.entries[i];
                    let quoted = usize::from(e.quote != Quote::None);
                    let (start, end) = (e.raw_range.start - quoted, e.raw_range.end + quoted);
                    assert!(
                        ed.text().starts_with(&text[..start]),
                        "{text:?}: bytes before the value changed"
                    );
                    assert!(ed.text().ends_with(&text[end..]), "{text:?}: bytes after the value changed");
                    assert_eq!(keys(&after), keys(&before), "{text:?}");
                }
                None => {
                    assert!(ed.text().starts_with(text), "{text:?}: appending changed the file");
                    assert_eq!(keys(&after)[..before.entries.len()], keys(&before)[..], "{text:?}");
                    assert_eq!(after.entries.len(), before.entries.len() + 1);
                }
            }
        }
    }

    let edited = ed.text().to_string();
    let current = structure(&edited).unwrap_or_default();
    match ed.blank(&key, Some("moved to the keychain")) {
        Err(_) => {
            assert!(current.get(&key).is_none(), "blanking an existing key failed: {edited:?}");
            assert_eq!(ed.text(), edited);
        }
        Ok(()) => {
            let after = structure(ed.text())
                .unwrap_or_else(|| panic!("blanked text does not parse: {:?}", ed.text()));
            assert_eq!(keys(&after), keys(&current), "{edited:?}");
            assert!(
                after.entries.iter().filter(|e| e.key == key).all(|e| e.value.is_empty()),
                "{:?}",
                ed.text()
            );
        }
    }
});
