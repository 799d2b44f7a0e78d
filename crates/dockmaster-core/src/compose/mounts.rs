//! Parses service `volumes:` entries (short and long syntax) into named, bind, anonymous and tmpfs mounts.

use super::node::Node;
use crate::report::{MountKind, MountView};

/// Parses one entry of a service's `volumes:` list.
pub fn parse_entry(node: &Node) -> Result<MountView, String> {
    if let Some(map) = node.as_map() {
        let target = map
            .get("target")
            .and_then(Node::as_str)
            .ok_or("a long-syntax volume needs `target` (the path in the container)")?
            .to_string();
        if target.is_empty() {
            return Err("a long-syntax volume has an empty container path in `target`".into());
        }
        let source = map.get("source").and_then(Node::as_str).map(str::to_string);
        let kind = match map.get("type").and_then(Node::as_str).unwrap_or("volume") {
            "bind" => MountKind::Bind,
            "tmpfs" => MountKind::Tmpfs,
            "npipe" => MountKind::Npipe,
            "cluster" | "image" | "volume" if source.is_some() => MountKind::Volume,
            "volume" => MountKind::Anonymous,
            other => return Err(format!("unknown volume type `{other}`")),
        };
        let read_only = map.get("read_only").and_then(Node::as_bool).unwrap_or(false);
        return Ok(MountView { kind, source, target, read_only });
    }
    let text = node.as_str().ok_or("expected a volume string or mapping")?;
    let parts = split_short(text);
    let (source, target, mode) = match parts.as_slice() {
        [target] => (None, *target, ""),
        [source, target] => (Some(*source), *target, ""),
        [source, target, mode] => (Some(*source), *target, *mode),
        _ => return Err(format!("`{text}` is not SOURCE:TARGET[:MODE]")),
    };
    if target.is_empty() {
        return Err(format!("`{text}` has an empty container path"));
    }
    let kind = match source {
        None => MountKind::Anonymous,
        Some(s) if is_path(s) => MountKind::Bind,
        Some(_) => MountKind::Volume,
    };
    let read_only = mode.split(',').any(|m| m == "ro");
    Ok(MountView { kind, source: source.map(str::to_string), target: target.to_string(), read_only })
}

/// The container path of a `volumes:` entry, used to merge override files by target.
pub fn target_of(node: &Node) -> Option<String> {
    parse_entry(node).ok().map(|m| m.target)
}

/// A bind source relative to the project folder (or `~`), made absolute as Compose does.
pub fn absolute_source(root: &std::path::Path, source: &str) -> String {
    if let Some(rest) = source.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return std::path::Path::new(&home).join(rest).display().to_string();
        }
    }
    let path = std::path::Path::new(source);
    if path.is_absolute() {
        return source.to_string();
    }
    let mut out = root.to_path_buf();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out.display().to_string()
}

fn is_path(source: &str) -> bool {
    source.starts_with(['.', '/', '~', '\\']) || is_windows_drive(source)
}

fn is_windows_drive(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/')
}

/// Splits on `:` but keeps a Windows drive letter (`C:\data:/data`) with its path.
fn split_short(text: &str) -> Vec<&str> {
    let skip = if is_windows_drive(text) { 2 } else { 0 };
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices().skip(skip) {
        if c == ':' {
            parts.push(&text[start..i]);
            start = i + 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::node::load;
    use std::path::Path;

    fn mount(yaml: &str) -> Result<MountView, String> {
        let root = load(Path::new("t.yml"), &format!("v: {yaml}"), &|_| None).expect("yaml").root;
        parse_entry(root.get("v").expect("v"))
    }

    #[test]
    fn syntaxes() {
        let cases: &[(&str, MountKind, Option<&str>, &str, bool)] = &[
            (
                "postgres_data:/var/lib/postgresql/data",
                MountKind::Volume,
                Some("postgres_data"),
                "/var/lib/postgresql/data",
                false,
            ),
            ("./services/gameserver:/app", MountKind::Bind, Some("./services/gameserver"), "/app", false),
            (
                "/var/run/docker.sock:/var/run/docker.sock:ro",
                MountKind::Bind,
                Some("/var/run/docker.sock"),
                "/var/run/docker.sock",
                true,
            ),
            ("~/cache:/cache:rw,z", MountKind::Bind, Some("~/cache"), "/cache", false),
            ("/app/node_modules", MountKind::Anonymous, None, "/app/node_modules", false),
            ("'C:\\data:/data'", MountKind::Bind, Some("C:\\data"), "/data", false),
            (
                "{type: bind, source: ./x, target: /x, read_only: true}",
                MountKind::Bind,
                Some("./x"),
                "/x",
                true,
            ),
            ("{type: volume, source: v, target: /v}", MountKind::Volume, Some("v"), "/v", false),
            ("{type: volume, target: /anon}", MountKind::Anonymous, None, "/anon", false),
            ("{type: tmpfs, target: /tmp}", MountKind::Tmpfs, None, "/tmp", false),
        ];
        for (yaml, kind, source, target, ro) in cases {
            let m = mount(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
            assert_eq!(
                (m.kind, m.source.as_deref(), m.target.as_str(), m.read_only),
                (*kind, *source, *target, *ro),
                "{yaml}"
            );
        }
    }

    #[test]
    fn errors() {
        assert!(mount("'a:b:c:d'").expect_err("parts").contains("SOURCE:TARGET"));
        assert!(mount("'a:'").expect_err("empty").contains("empty container path"));
        assert!(mount("{type: bind, source: ./x}").expect_err("target").contains("needs `target`"));
    }

    /// Found by the `ports_volumes` fuzz target: a long-syntax `target` that is empty (or interpolates
    /// to nothing, `target: $UNSET`) was accepted as a mount at "", where the short syntax refuses it.
    #[test]
    fn long_syntax_with_an_empty_target_is_refused() {
        for yaml in ["{type: volume, source: v, target: ''}", "{type: bind, source: ./x, target: $UNSET}"] {
            let err = mount(yaml).expect_err(yaml);
            assert!(err.contains("empty container path"), "{yaml}: {err}");
        }
    }
}
