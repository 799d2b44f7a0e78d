//! The Compose loader and merge: any two files load (or fail with an error), merge, type and get checked
//! without panicking; and the nesting guard never sees much less nesting than the YAML parser builds (it
//! must refuse what would make libyaml slow before libyaml sees it).
//!
//! Input: the base file, then the override file, separated by a NUL byte.
#![no_main]

use std::path::Path;

use dockmaster_core::compose::guard;
use dockmaster_core::compose::mask::SecretPolicy;
use dockmaster_core::compose::merge::merge_all;
use dockmaster_core::compose::model::{ComposeModel, Service};
use dockmaster_core::compose::node::load;
use dockmaster_core::warnings::{analyse, Input};
use libfuzzer_sys::fuzz_target;
use serde_yaml_ng::Value;

fn value_depth(v: &Value) -> usize {
    match v {
        Value::Sequence(items) => 1 + items.iter().map(value_depth).max().unwrap_or(0),
        Value::Mapping(m) => 1 + m.iter().map(|(k, v)| value_depth(k).max(value_depth(v))).max().unwrap_or(0),
        Value::Tagged(t) => value_depth(&t.value),
        _ => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (base, over) = text.split_once('\0').unwrap_or((text, ""));
    // An alias counts as a scalar for the guard but expands in the value: compare only without aliases.
    if let (Ok(scanned), false) = (guard::nesting_depth(base), base.contains('*')) {
        if let Ok(value) = serde_yaml_ng::from_str::<Value>(base) {
            let built = value_depth(&value);
            assert!(
                built <= 2 * scanned + 1,
                "the guard saw {scanned} levels, the parser built {built}: {base:?}"
            );
        }
    }
    let lookup = |name: &str| (name.len() % 3 != 0).then(|| format!("v-{name}"));
    let (Ok(a), Ok(b)) = (load(Path::new("a.yml"), base, &lookup), load(Path::new("b.yml"), over, &lookup))
    else {
        return;
    };
    let merged = merge_all([a.root, b.root]);
    let model = ComposeModel::from_node(&merged);
    let active: Vec<&Service> = model.services.values().collect();
    let selected = model.profile_names();
    let _ = analyse(&Input {
        model: &model,
        active: &active,
        selected: &selected,
        descriptor: None,
        required_problems: &[],
        missing_extra_files: &[],
        root: Path::new("/project"),
        held: &[],
        policy: &SecretPolicy::default(),
    });
});
