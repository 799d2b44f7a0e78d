//! `ports:` and `volumes:` entries in every syntax: never panic, and what parses is well-formed (ports in
//! 1-65535, ranges in order, a variable named only if it produced part of the value, a non-empty target).
//!
//! Input: the short-syntax text, then long-syntax field values (ports: target, published, host_ip,
//! protocol; volumes: type, source, target, read_only), separated by NUL bytes. The short text is also
//! interpolated (`$P` and `${P:-…}` set variable spans).
#![no_main]

use dockmaster_core::compose::interpolate::interpolate;
use dockmaster_core::compose::node::{Node, Scalar};
use dockmaster_core::compose::{mounts, ports};
use dockmaster_core::report::PortBinding;
use libfuzzer_sys::fuzz_target;
use long_syntax::map;

mod long_syntax {
    use dockmaster_core::compose::node::{Node, Scalar};

    /// A long-syntax mapping from field names and values (through YAML, as a file would give it).
    pub fn map(names: &[&str], values: &[&str]) -> Node {
        let text: String =
            names.iter().zip(values).map(|(n, v)| format!("{n}: {}\n", serde_quote(v))).collect();
        let yaml = format!("services:\n  s:\n    x:\n{}", indent(&text));
        match dockmaster_core::compose::node::load(std::path::Path::new("f.yml"), &yaml, &|_| None) {
            Ok(f) => f
                .root
                .get("services")
                .and_then(|s| s.get("s"))
                .and_then(|s| s.get("x"))
                .cloned()
                .unwrap_or(Node::Null),
            Err(_) => Node::Str(Scalar::plain(values.join(":"))),
        }
    }

    fn serde_quote(v: &str) -> String {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
    }

    fn indent(text: &str) -> String {
        text.lines().map(|l| format!("      {l}\n")).collect()
    }
}

fn check(bindings: &[PortBinding], scalar: Option<&Scalar>) {
    assert!(bindings.len() <= 65535, "{} bindings", bindings.len());
    for b in bindings {
        assert!(b.container_port >= 1);
        if let (Some(start), Some(end)) = (b.host_port, b.host_port_end) {
            assert!(start <= end, "{b:?}");
        }
        if let (Some(var), Some(s)) = (&b.variable, scalar) {
            assert!(s.uses.iter().any(|u| &u.name == var), "{var} is not used in {s:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.split('\0');
    let short = parts.next().unwrap_or_default();
    let fields: Vec<&str> = parts.take(4).collect();

    let plain = Node::Str(Scalar::plain(short));
    if let Ok(b) = ports::parse_entry(&plain) {
        check(&b, None);
    }
    if let Ok(m) = mounts::parse_entry(&plain) {
        assert!(!m.target.is_empty(), "{short:?}");
    }
    let lookup = |name: &str| match name {
        "P" => Some("8080".to_string()),
        "R" => Some("9000-9002".to_string()),
        "E" => Some(String::new()),
        _ => None,
    };
    if let Ok(r) = interpolate(short, &lookup) {
        let scalar = Scalar { value: r.value, uses: r.uses };
        if let Ok(b) = ports::parse_entry(&Node::Str(scalar.clone())) {
            check(&b, Some(&scalar));
        }
    }
    let _ = ports::parse_entry(&map(&["target", "published", "host_ip", "protocol"], &fields));
    if let Ok(m) = mounts::parse_entry(&map(&["type", "source", "target", "read_only"], &fields)) {
        assert!(!m.target.is_empty(), "{fields:?}");
    }
});
