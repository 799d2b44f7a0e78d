//! Compose interpolation on any template and environment: never panics, and what it returns is
//! self-consistent (spans on char boundaries, each set variable's span holds its value, errors point
//! inside the template, syntax judged alike by `interpolate` and `referenced_names`).
//!
//! Input: the template, then `NAME=value` parts, separated by NUL bytes.
#![no_main]

use dockmaster_core::compose::interpolate::{interpolate, referenced_names};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.split('\0');
    let template = parts.next().unwrap_or_default();
    let env: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
    let lookup = |name: &str| env.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
    let result = interpolate(template, &lookup);
    assert_eq!(result.is_ok(), referenced_names(template).is_ok(), "{template:?}");
    match result {
        Ok(r) => {
            for u in &r.uses {
                assert!(u.span.start <= u.span.end && u.span.end <= r.value.len(), "{template:?}: {u:?}");
                assert!(r.value.is_char_boundary(u.span.start) && r.value.is_char_boundary(u.span.end));
                if u.is_set && !u.used_fallback {
                    let value = lookup(&u.name).unwrap_or_default();
                    let shown = &r.value[u.span.clone()];
                    assert!(shown == value || shown.is_empty(), "{template:?}: {u:?} shows {shown:?}");
                }
            }
            if !template.contains('$') {
                assert_eq!(r.value, template);
                assert!(r.uses.is_empty());
            }
        }
        Err(e) => {
            assert!(e.offset <= template.len() && template.is_char_boundary(e.offset), "{e:?}");
            assert!(!e.problem.is_empty());
            let _ = e.to_string();
        }
    }
});
