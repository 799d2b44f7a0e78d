//! Merges override files over the base file with Compose's rules (compose-spec `merge.md`).
//!
//! Mappings merge key by key; `environment`, `labels`, `depends_on`, `networks`, build `args` merge by key
//! whatever their syntax (list or mapping); `volumes` merge by mount target; `ports`, `expose`, `dns` and
//! friends append without duplicates; `command`, `entrypoint` and healthcheck `test` are replaced.
//! `!reset` removes a value and `!override` replaces it instead of merging.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

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
    let (Node::Map(base), Node::Map(over)) = (base, over) else { return Node::Null };
    Node::Map(merge_keys(base, over, |key, old, value| match (key, old) {
        ("services", Some(Node::Map(services))) => merge_services(services, value),
        (_, Some(existing)) => merge_generic(existing, value),
        (_, None) => value,
    }))
}

fn merge_services(base: IndexMap<String, Node>, over: Node) -> Node {
    let Node::Map(over) = over else { return over };
    Node::Map(merge_keys(base, over, |_, old, service| match old {
        Some(existing) => merge_service(existing, service),
        None => service,
    }))
}

/// Merges `over` into `base` key by key with `merge(key, old, new)`, as removing each of `over`'s keys
/// from `base` and appending the result would (a `!reset` result drops the key): `base`'s other keys
/// keep their order, `over`'s follow in its order. Linear in the sizes of both.
fn merge_keys(
    mut base: IndexMap<String, Node>,
    over: IndexMap<String, Node>,
    mut merge: impl FnMut(&str, Option<Node>, Node) -> Node,
) -> IndexMap<String, Node> {
    let mut moved = vec![false; base.len()];
    let mut merged: Vec<(String, Node)> = Vec::with_capacity(over.len());
    for (key, value) in over {
        let old = base.get_index_of(&key).and_then(|i| {
            moved[i] = true;
            base.get_index_mut(i).map(|(_, v)| std::mem::replace(v, Node::Null))
        });
        let node = merge(&key, old, value);
        merged.push((key, node));
    }
    let mut out: IndexMap<String, Node> =
        base.into_iter().zip(moved).filter(|(_, moved)| !moved).map(|(entry, _)| entry).collect();
    for (key, node) in merged {
        insert_unless_reset(&mut out, key, node);
    }
    out
}

/// Merges one service definition over another.
pub fn merge_service(base: Node, over: Node) -> Node {
    let (base, over) = match (base, over) {
        (Node::Map(base), Node::Map(over)) => (base, over),
        (_, over) => return over,
    };
    Node::Map(merge_keys(base, over, |key, existing, value| match (existing, value) {
        (_, Node::Reset) => Node::Reset,
        (_, Node::Override(inner)) => *inner,
        (None, value) => value,
        (Some(old), value) => match key {
            k if REPLACED.contains(&k) => value,
            k if MAPPING_LIKE.contains(&k) => merge_mappings(to_mapping(old), to_mapping(value)),
            "build" => merge_build(old, value),
            "healthcheck" => merge_generic(old, value),
            "volumes" => merge_volumes(old, value),
            k if UNIQUE_SEQUENCES.contains(&k) => append_unique(old, value),
            _ => merge_generic(old, value),
        },
    }))
}

fn merge_build(old: Node, new: Node) -> Node {
    let as_map = |n: Node| match n {
        Node::Map(m) => m,
        other => IndexMap::from([("context".to_string(), other)]),
    };
    let (base, over) = (as_map(old), as_map(new));
    Node::Map(merge_keys(base, over, |key, old, value| match (key, old) {
        (_, None) => value,
        ("args" | "labels", Some(old)) => merge_mappings(to_mapping(old), to_mapping(value)),
        (_, Some(old)) => merge_generic(old, value),
    }))
}

/// Mappings merge recursively, sequences append, anything else is replaced.
fn merge_generic(old: Node, new: Node) -> Node {
    match (old, new) {
        (_, Node::Reset) => Node::Reset,
        (_, Node::Override(inner)) => *inner,
        (Node::Map(base), Node::Map(over)) => {
            Node::Map(merge_keys(base, over, |key, old, value| match old {
                // A healthcheck's `test` (a command) is replaced, never appended to.
                Some(old) if key != "test" => merge_generic(old, value),
                _ => value,
            }))
        }
        (Node::Seq(mut a), Node::Seq(b)) => {
            a.extend(b);
            Node::Seq(a)
        }
        (_, new) => new,
    }
}

fn merge_mappings(base: IndexMap<String, Node>, over: IndexMap<String, Node>) -> Node {
    Node::Map(merge_keys(base, over, |_, old, value| match old {
        Some(old) => merge_generic(old, value),
        None => value,
    }))
}

fn append_unique(old: Node, new: Node) -> Node {
    match (old, new) {
        (Node::Seq(mut a), Node::Seq(b)) => {
            // Equal items hash alike, so an item is compared only with those in its bucket.
            let state = RandomState::new();
            let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
            for (i, item) in a.iter().enumerate() {
                buckets.entry(node_hash(&state, item)).or_default().push(i);
            }
            for item in b {
                let bucket = buckets.entry(node_hash(&state, &item)).or_default();
                if !bucket.iter().any(|&i| a[i] == item) {
                    bucket.push(a.len());
                    a.push(item);
                }
            }
            Node::Seq(a)
        }
        (_, new) => new,
    }
}

/// A hash consistent with `Node`'s equality (mappings compare regardless of order, so their entries
/// are combined by a sum; a scalar's variable spans are left out, equal scalars have equal text).
fn node_hash(state: &RandomState, node: &Node) -> u64 {
    let mut h = state.build_hasher();
    std::mem::discriminant(node).hash(&mut h);
    match node {
        Node::Null | Node::Reset => {}
        Node::Bool(b) => b.hash(&mut h),
        Node::Number(n) => n.hash(&mut h),
        Node::Str(s) => s.value.hash(&mut h),
        Node::Seq(items) => {
            for item in items {
                node_hash(state, item).hash(&mut h);
            }
        }
        Node::Map(m) => {
            let mut sum = 0u64;
            for (k, v) in m {
                let mut e = state.build_hasher();
                k.hash(&mut e);
                node_hash(state, v).hash(&mut e);
                sum = sum.wrapping_add(e.finish());
            }
            m.len().hash(&mut h);
            sum.hash(&mut h);
        }
        Node::Override(inner) => node_hash(state, inner).hash(&mut h),
    }
    h.finish()
}

fn merge_volumes(old: Node, new: Node) -> Node {
    match (old, new) {
        (Node::Seq(mut a), Node::Seq(b)) => {
            // The first entry with each target, as a search from the start would find it.
            let mut by_target: HashMap<String, usize> = HashMap::new();
            for (i, x) in a.iter().enumerate() {
                if let Some(target) = mounts::target_of(x) {
                    by_target.entry(target).or_insert(i);
                }
            }
            for item in b {
                match mounts::target_of(&item) {
                    Some(target) => match by_target.get(&target) {
                        Some(&i) => a[i] = item,
                        None => {
                            by_target.insert(target, a.len());
                            a.push(item);
                        }
                    },
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

    /// A small random node: scalars from a tiny alphabet (so equal ones are common), sequences and
    /// mappings whose keys repeat across nodes.
    fn random_node(rng: &mut fastrand::Rng, depth: usize) -> Node {
        match rng.u8(0..if depth == 0 { 4 } else { 7 }) {
            0 => Node::Null,
            1 => Node::Str(Scalar::plain(["a", "b", "8080:80", "v:/d", "w:/d", "/e"][rng.usize(0..6)])),
            2 => Node::Number(rng.u8(0..3).to_string()),
            3 => Node::Bool(rng.bool()),
            4 => Node::Seq((0..rng.usize(0..4)).map(|_| random_node(rng, depth - 1)).collect()),
            5 => Node::Reset,
            _ => Node::Map(
                (0..rng.usize(0..4))
                    .map(|_| {
                        (
                            ["k", "l", "m", "test", "target"][rng.usize(0..5)].to_string(),
                            random_node(rng, depth - 1),
                        )
                    })
                    .collect(),
            ),
        }
    }

    fn random_map(rng: &mut fastrand::Rng) -> IndexMap<String, Node> {
        match random_node(rng, 2) {
            Node::Map(m) => m,
            _ => IndexMap::new(),
        }
    }

    /// The linear merges give exactly what the pairwise definitions gave (remove and re-insert each
    /// key; search the whole list for a duplicate or a mount target).
    #[test]
    fn linear_merges_match_the_pairwise_definitions() {
        fn pairwise_keys(
            mut base: IndexMap<String, Node>,
            over: IndexMap<String, Node>,
        ) -> IndexMap<String, Node> {
            for (key, value) in over {
                let merged = match base.shift_remove(&key) {
                    Some(old) if key != "test" => merge_generic(old, value),
                    _ => value,
                };
                insert_unless_reset(&mut base, key, merged);
            }
            base
        }
        fn pairwise_unique(mut a: Vec<Node>, b: Vec<Node>) -> Vec<Node> {
            for item in b {
                if !a.contains(&item) {
                    a.push(item);
                }
            }
            a
        }
        fn pairwise_volumes(mut a: Vec<Node>, b: Vec<Node>) -> Vec<Node> {
            for item in b {
                let target = mounts::target_of(&item);
                match a.iter().position(|x| target.is_some() && mounts::target_of(x) == target) {
                    Some(i) => a[i] = item,
                    None => a.push(item),
                }
            }
            a
        }
        let mut rng = fastrand::Rng::with_seed(14);
        for _ in 0..3000 {
            let (base, over) = (random_map(&mut rng), random_map(&mut rng));
            let want = pairwise_keys(base.clone(), over.clone());
            let got = merge_generic(Node::Map(base.clone()), Node::Map(over.clone()));
            // IndexMap equality ignores order: compare the key order too.
            assert_eq!(got.as_map().map(|m| m.keys().collect::<Vec<_>>()), Some(want.keys().collect()));
            assert_eq!(got, Node::Map(want), "{base:?} + {over:?}");

            let seq = |rng: &mut fastrand::Rng| {
                (0..rng.usize(0..6)).map(|_| random_node(rng, 2)).collect::<Vec<_>>()
            };
            let (a, b) = (seq(&mut rng), seq(&mut rng));
            assert_eq!(
                append_unique(Node::Seq(a.clone()), Node::Seq(b.clone())),
                Node::Seq(pairwise_unique(a.clone(), b.clone()))
            );
            assert_eq!(
                merge_volumes(Node::Seq(a.clone()), Node::Seq(b.clone())),
                Node::Seq(pairwise_volumes(a, b))
            );
        }
    }

    /// Two files with 20 000 ports each: comparing every pair took seconds; 200 000 took minutes.
    #[test]
    fn long_lists_merge_in_linear_time() {
        let ports = |from: usize| {
            Node::Seq((from..from + 20_000).map(|i| Node::Str(Scalar::plain(format!("{i}:80")))).collect())
        };
        let start = std::time::Instant::now();
        let merged = append_unique(ports(0), ports(10_000));
        assert_eq!(merged.as_seq().map(<[Node]>::len), Some(30_000));
        let volumes = |from: usize| {
            Node::Seq(
                (from..from + 20_000).map(|i| Node::Str(Scalar::plain(format!("v{i}:/d{i}")))).collect(),
            )
        };
        assert_eq!(merge_volumes(volumes(0), volumes(10_000)).as_seq().map(<[Node]>::len), Some(30_000));
        let services = |from: usize| {
            Node::Map((from..from + 20_000).map(|i| (format!("s{i}"), Node::Map(IndexMap::new()))).collect())
        };
        assert_eq!(merge_generic(services(0), services(10_000)).as_map().map(IndexMap::len), Some(30_000));
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "hang guard");
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
