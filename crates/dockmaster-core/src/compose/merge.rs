//! Merges override files over the base file with Compose's rules (compose-spec `merge.md`).
//!
//! Mappings merge key by key; `environment`, `labels`, `depends_on`, `networks`, build `args` merge by key
//! whatever their syntax (list or mapping); `volumes` merge by mount target; `ports`, `expose`, `dns` and
//! friends append without duplicates; `command`, `entrypoint` and healthcheck `test` are replaced.
//! `!reset` removes a value and `!override` replaces it instead of merging.

use indexmap::IndexMap;

use super::mounts;
use super::node::{Node, Scalar};

/// Keys of a service whose list or mapping syntax both mean "a mapping by key".
const MAPPING_LIKE: &[&str] =
    &["environment", "labels", "annotations", "sysctls", "extra_hosts", "depends_on", "networks", "ulimits"];
/// Sequences that are appended without duplicates.
const UNIQUE_SEQUENCES: &[&str] = &[
    "ports",
    "expose",
    "dns",
    "dns_search",
    "dns_opt",
    "tmpfs",
    "cap_add",
    "cap_drop",
    "profiles",
    "env_file",
    "external_links",
    "security_opt",
    "group_add",
    "devices",
];
/// Values that an override replaces whole.
const REPLACED: &[&str] = &["command", "entrypoint"];

/// Merges `files` in order: the first is the base, each later one overrides.
pub fn merge_all(files: impl IntoIterator<Item = Node>) -> Node {
    let mut iter = files.into_iter();
    let Some(mut base) = iter.next() else { return Node::Map(IndexMap::new()) };
    for over in iter {
        base = merge_root(base, over);
    }
    strip_markers(base)
}

fn merge_root(base: Node, over: Node) -> Node {
    let (Node::Map(mut base), Node::Map(over)) = (base, over) else { return Node::Null };
    for (key, value) in over {
        let merged = match (key.as_str(), base.shift_remove(&key)) {
            ("services", Some(Node::Map(services))) => merge_services(services, value),
            (_, Some(existing)) => merge_generic(existing, value),
            (_, None) => value,
        };
        insert_unless_reset(&mut base, key, merged);
    }
    Node::Map(base)
}

fn merge_services(mut base: IndexMap<String, Node>, over: Node) -> Node {
    let Node::Map(over) = over else { return over };
    for (name, service) in over {
        let merged = match base.shift_remove(&name) {
            Some(existing) => merge_service(existing, service),
            None => service,
        };
        insert_unless_reset(&mut base, name, merged);
    }
    Node::Map(base)
}

/// Merges one service definition over another.
pub fn merge_service(base: Node, over: Node) -> Node {
    let (mut base, over) = match (base, over) {
        (Node::Map(base), Node::Map(over)) => (base, over),
        (_, over) => return over,
    };
    for (key, value) in over {
        let existing = base.shift_remove(&key);
        let merged = match (existing, value) {
            (_, Node::Reset) => Node::Reset,
            (_, Node::Override(inner)) => *inner,
            (None, value) => value,
            (Some(old), value) => match key.as_str() {
                k if REPLACED.contains(&k) => value,
                k if MAPPING_LIKE.contains(&k) => merge_mappings(to_mapping(old), to_mapping(value)),
                "build" => merge_build(old, value),
                "healthcheck" => merge_generic(old, value),
                "volumes" => merge_volumes(old, value),
                k if UNIQUE_SEQUENCES.contains(&k) => append_unique(old, value),
                _ => merge_generic(old, value),
            },
        };
        insert_unless_reset(&mut base, key, merged);
    }
    Node::Map(base)
}

fn merge_build(old: Node, new: Node) -> Node {
    let as_map = |n: Node| match n {
        Node::Map(m) => m,
        other => IndexMap::from([("context".to_string(), other)]),
    };
    let (mut base, over) = (as_map(old), as_map(new));
    for (key, value) in over {
        let merged = match (key.as_str(), base.shift_remove(&key)) {
            (_, None) => value,
            ("args" | "labels", Some(old)) => merge_mappings(to_mapping(old), to_mapping(value)),
            (_, Some(old)) => merge_generic(old, value),
        };
        insert_unless_reset(&mut base, key, merged);
    }
    Node::Map(base)
}

/// Mappings merge recursively, sequences append, anything else is replaced.
fn merge_generic(old: Node, new: Node) -> Node {
    match (old, new) {
        (_, Node::Reset) => Node::Reset,
        (_, Node::Override(inner)) => *inner,
        (Node::Map(mut base), Node::Map(over)) => {
            for (key, value) in over {
                let merged = match base.shift_remove(&key) {
                    // A healthcheck's `test` (a command) is replaced, never appended to.
                    Some(old) if key != "test" => merge_generic(old, value),
                    _ => value,
                };
                insert_unless_reset(&mut base, key, merged);
            }
            Node::Map(base)
        }
        (Node::Seq(mut a), Node::Seq(b)) => {
            a.extend(b);
            Node::Seq(a)
        }
        (_, new) => new,
    }
}

fn merge_mappings(mut base: IndexMap<String, Node>, over: IndexMap<String, Node>) -> Node {
    for (key, value) in over {
        let merged = match base.shift_remove(&key) {
            Some(old) => merge_generic(old, value),
            None => value,
        };
        insert_unless_reset(&mut base, key, merged);
    }
    Node::Map(base)
}

fn append_unique(old: Node, new: Node) -> Node {
    match (old, new) {
        (Node::Seq(mut a), Node::Seq(b)) => {
            for item in b {
                if !a.contains(&item) {
                    a.push(item);
                }
            }
            Node::Seq(a)
        }
        (_, new) => new,
    }
}

fn merge_volumes(old: Node, new: Node) -> Node {
    match (old, new) {
        (Node::Seq(mut a), Node::Seq(b)) => {
            for item in b {
                let target = mounts::target_of(&item);
                match a.iter().position(|x| target.is_some() && mounts::target_of(x) == target) {
                    Some(i) => a[i] = item,
                    None => a.push(item),
                }
            }
            Node::Seq(a)
        }
        (_, new) => new,
    }
}

/// `["A=1", "B"]` and `{A: 1, B: null}` both become a mapping; `[a, b]` (depends_on, networks) becomes
/// `{a: null, b: null}`.
pub fn to_mapping(node: Node) -> IndexMap<String, Node> {
    match node {
        Node::Map(m) => m,
        Node::Seq(items) => items
            .into_iter()
            .filter_map(|item| {
                let scalar = item.as_scalar()?;
                Some(match scalar.value.find('=') {
                    Some(eq) => {
                        let (key, value) = split_scalar(&scalar, eq);
                        (key, Node::Str(value))
                    }
                    None => (scalar.value, Node::Null),
                })
            })
            .collect(),
        _ => IndexMap::new(),
    }
}

/// Splits `KEY=value` at byte `eq`, keeping the variable uses that fall in the value (re-based).
fn split_scalar(scalar: &Scalar, eq: usize) -> (String, Scalar) {
    let start = eq + 1;
    let uses = scalar
        .uses
        .iter()
        .filter(|u| u.span.start >= start)
        .map(|u| {
            let mut u = u.clone();
            u.span = (u.span.start - start)..(u.span.end - start);
            u
        })
        .collect();
    (scalar.value[..eq].to_string(), Scalar { value: scalar.value[start..].to_string(), uses })
}

fn insert_unless_reset(map: &mut IndexMap<String, Node>, key: String, value: Node) {
    if value != Node::Reset {
        map.insert(key, value);
    }
}

/// Removes `!reset` markers and unwraps `!override` left in a single (unmerged) file.
fn strip_markers(node: Node) -> Node {
    match node {
        Node::Map(m) => Node::Map(
            m.into_iter().filter(|(_, v)| *v != Node::Reset).map(|(k, v)| (k, strip_markers(v))).collect(),
        ),
        Node::Seq(s) => Node::Seq(s.into_iter().filter(|v| *v != Node::Reset).map(strip_markers).collect()),
        Node::Override(inner) => strip_markers(*inner),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::node::load;
    use std::path::Path;

    fn yaml(text: &str) -> Node {
        load(Path::new("t.yml"), text, &|_| None).expect("valid").root
    }

    fn merged_service(base: &str, over: &str) -> Node {
        let merged = merge_all([yaml(base), yaml(over)]);
        merged.get("services").and_then(|s| s.get("a")).cloned().expect("service a")
    }

    fn texts(node: Option<&Node>) -> Vec<String> {
        node.and_then(Node::as_seq).unwrap_or_default().iter().filter_map(Node::scalar_text).collect()
    }

    #[test]
    fn environment_merges_by_key_across_syntaxes() {
        let a = merged_service(
            "services: {a: {environment: [A=1, B=2, C]}}",
            "services: {a: {environment: {B: '3', D: '4'}}}",
        );
        let env = a.get("environment").and_then(Node::as_map).expect("map");
        let got: Vec<(String, Option<String>)> =
            env.iter().map(|(k, v)| (k.clone(), v.scalar_text())).collect();
        assert_eq!(
            got,
            [
                ("A".into(), Some("1".into())),
                ("C".into(), None),
                ("B".into(), Some("3".into())),
                ("D".into(), Some("4".into()))
            ]
        );
    }

    #[test]
    fn command_and_healthcheck_test_are_replaced() {
        let a = merged_service(
            "services: {a: {command: [x, y], healthcheck: {test: [CMD, a], interval: 5s}}}",
            "services: {a: {command: [z], healthcheck: {test: [CMD, b]}}}",
        );
        assert_eq!(texts(a.get("command")), ["z"]);
        let hc = a.get("healthcheck").expect("hc");
        assert_eq!(texts(hc.get("test")), ["CMD", "b"]);
        assert_eq!(hc.get("interval").and_then(Node::as_str), Some("5s"));
    }

    #[test]
    fn ports_append_unique_and_volumes_merge_by_target() {
        let a = merged_service(
            "services: {a: {ports: ['80:80', '443:443'], volumes: ['data:/data', './src:/app']}}",
            "services: {a: {ports: ['80:80', '8080:8080'], volumes: ['./other:/app:ro']}}",
        );
        assert_eq!(texts(a.get("ports")), ["80:80", "443:443", "8080:8080"]);
        assert_eq!(texts(a.get("volumes")), ["data:/data", "./other:/app:ro"]);
    }

    #[test]
    fn depends_on_list_and_map_merge() {
        let a = merged_service(
            "services: {a: {depends_on: [db]}}",
            "services: {a: {depends_on: {cache: {condition: service_healthy}}}}",
        );
        let deps = a.get("depends_on").and_then(Node::as_map).expect("map");
        assert_eq!(deps.keys().collect::<Vec<_>>(), ["db", "cache"]);
    }

    #[test]
    fn reset_and_override_tags() {
        let a = merged_service(
            "services: {a: {ports: ['80:80'], environment: {A: '1', B: '2'}}}",
            "services: {a: {ports: !reset [], environment: !override {C: '3'}}}",
        );
        assert!(a.get("ports").is_none());
        let env = a.get("environment").and_then(Node::as_map).expect("map");
        assert_eq!(env.keys().collect::<Vec<_>>(), ["C"]);
    }

    #[test]
    fn build_string_merges_with_mapping_and_args_merge() {
        let a = merged_service(
            "services: {a: {build: ./app}}",
            "services: {a: {build: {target: dev, args: [X=1]}}}",
        );
        let build = a.get("build").expect("build");
        assert_eq!(build.get("context").and_then(Node::as_str), Some("./app"));
        assert_eq!(build.get("target").and_then(Node::as_str), Some("dev"));
        assert_eq!(texts(build.get("args")), ["X=1"]);
    }

    #[test]
    fn new_services_and_networks_are_added() {
        let merged = merge_all([
            yaml("services: {a: {image: x}}\nnetworks: {n: {driver: bridge}}"),
            yaml("services: {b: {image: y}}\nnetworks: {n: {ipam: {config: [{subnet: 10.0.0.0/24}]}}}"),
        ]);
        let services = merged.get("services").and_then(Node::as_map).expect("services");
        assert_eq!(services.keys().collect::<Vec<_>>(), ["a", "b"]);
        let n = merged.get("networks").and_then(|n| n.get("n")).expect("n");
        assert_eq!(n.get("driver").and_then(Node::as_str), Some("bridge"));
        assert!(n.get("ipam").is_some());
    }

    #[test]
    fn split_keeps_spans_of_value_variables() {
        let node = load(Path::new("t.yml"), "e: ['URL=x:${P:-5}']", &|_| None).expect("ok").root;
        let map = to_mapping(node.get("e").cloned().expect("e"));
        let Node::Str(s) = &map["URL"] else { panic!("string") };
        assert_eq!(s.value, "x:5");
        assert_eq!(&s.value[s.uses[0].span.clone()], "5");
    }
}
