//! Parses `ports:` entries (every short and long syntax) and finds the variable that sets each host port.

use std::ops::Range;

use super::node::{Node, Scalar};
use crate::report::PortBinding;

/// Parses one entry of a service's `ports:` list. A range (`8000-8002:80-82`) yields one binding per port.
pub fn parse_entry(node: &Node) -> Result<Vec<PortBinding>, String> {
    match node {
        Node::Map(_) => parse_long(node),
        _ => {
            let scalar = node.as_scalar().ok_or("expected a port string or mapping")?;
            parse_short(&scalar)
        }
    }
}

fn parse_short(scalar: &Scalar) -> Result<Vec<PortBinding>, String> {
    let s = scalar.value.trim();
    let (body, protocol) = match s.rfind('/') {
        Some(i) => (&s[..i], s[i + 1..].to_ascii_lowercase()),
        None => (s, "tcp".to_string()),
    };
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("unknown protocol `{protocol}` in `{s}` (use tcp, udp or sctp)"));
    }
    let (host_ip, published, target): (Option<&str>, Option<Range<usize>>, &str) =
        if let Some(rest) = body.strip_prefix('[') {
            let close = rest.find("]:").ok_or_else(|| format!("unclosed IPv6 address in `{s}`"))?;
            let ip = &rest[..close];
            let after = 1 + close + 2;
            let colon = body[after..]
                .rfind(':')
                .map(|i| after + i)
                .ok_or_else(|| format!("`{s}` needs HOST_PORT:CONTAINER_PORT after the address"))?;
            (Some(ip), Some(after..colon), &body[colon + 1..])
        } else if let Some(last) = body.rfind(':') {
            let before = &body[..last];
            match before.rfind(':') {
                Some(first) => (Some(&body[..first]), Some(first + 1..last), &body[last + 1..]),
                None => (None, Some(0..last), &body[last + 1..]),
            }
        } else {
            (None, None, body)
        };
    let offset = scalar.value.len() - scalar.value.trim_start().len();
    let variable = published.as_ref().and_then(|r| variable_in(scalar, (r.start + offset)..(r.end + offset)));
    let published = published.map(|r| &body[r]);
    build(host_ip, published, target, &protocol, variable, s)
}

fn parse_long(node: &Node) -> Result<Vec<PortBinding>, String> {
    let target = node
        .get("target")
        .and_then(Node::scalar_text)
        .ok_or("a long-syntax port needs `target` (the container port)")?;
    let published_scalar = node.get("published").and_then(Node::as_scalar);
    let variable = published_scalar.as_ref().and_then(|p| variable_in(p, 0..p.value.len()));
    let published = published_scalar.as_ref().map(|p| p.value.as_str());
    let host_ip = node.get("host_ip").and_then(Node::as_str);
    let protocol = node.get("protocol").and_then(Node::as_str).unwrap_or("tcp").to_ascii_lowercase();
    build(host_ip, published, &target, &protocol, variable, &target)
}

fn build(
    host_ip: Option<&str>,
    published: Option<&str>,
    target: &str,
    protocol: &str,
    variable: Option<String>,
    whole: &str,
) -> Result<Vec<PortBinding>, String> {
    let (c_start, c_end) = parse_range(target).map_err(|e| format!("container port in `{whole}`: {e}"))?;
    let host = match published.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(parse_range(p).map_err(|e| format!("host port in `{whole}`: {e}"))?),
        None => None,
    };
    let host_ip = host_ip.map(str::trim).filter(|ip| !ip.is_empty()).map(str::to_string);
    let count = c_end - c_start + 1;
    if let Some((h_start, h_end)) = host {
        let h_count = h_end - h_start + 1;
        if h_count != count && count != 1 {
            return Err(format!("`{whole}`: host and container port ranges differ in length"));
        }
        if count == 1 {
            // `8000-8005:80`: Compose picks one free port of the host range.
            return Ok(vec![PortBinding {
                host_ip,
                host_port: Some(h_start),
                host_port_end: (h_end != h_start).then_some(h_end),
                container_port: c_start,
                protocol: protocol.to_string(),
                variable,
            }]);
        }
    }
    Ok((0..count)
        .map(|i| PortBinding {
            host_ip: host_ip.clone(),
            host_port: host.map(|(h, _)| h + i),
            host_port_end: None,
            container_port: c_start + i,
            protocol: protocol.to_string(),
            variable: variable.clone(),
        })
        .collect())
}

fn parse_range(text: &str) -> Result<(u16, u16), String> {
    let port = |p: &str| -> Result<u16, String> {
        match p.trim().parse::<u16>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("`{p}` is not a port number (1-65535)")),
        }
    };
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (port(a)?, port(b)?);
            if b < a {
                return Err(format!("range `{text}` ends before it starts"));
            }
            Ok((a, b))
        }
        None => port(text).map(|p| (p, p)),
    }
}

/// The first variable whose substitution produced (part of) `range` of the scalar's value.
fn variable_in(scalar: &Scalar, range: Range<usize>) -> Option<String> {
    scalar
        .uses
        .iter()
        .find(|u| {
            (u.span.start < range.end && range.start < u.span.end)
                || (u.span.is_empty() && u.span.start >= range.start && u.span.start <= range.end)
        })
        .map(|u| u.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::node::load;
    use std::path::Path;

    fn ports(yaml: &str, env: &[(&str, &str)]) -> Result<Vec<PortBinding>, String> {
        let env: Vec<(String, String)> = env.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let lookup = move |n: &str| env.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let root = load(Path::new("t.yml"), &format!("p: {yaml}"), &lookup).expect("yaml").root;
        let mut out = Vec::new();
        for entry in root.get("p").and_then(Node::as_seq).expect("seq") {
            out.extend(parse_entry(entry)?);
        }
        Ok(out)
    }

    type Row = (Option<&'static str>, Option<u16>, u16, &'static str, Option<&'static str>);

    type Got = (Option<String>, Option<u16>, u16, String, Option<String>);

    fn rows(bindings: &[PortBinding]) -> Vec<Got> {
        bindings
            .iter()
            .map(|b| {
                (b.host_ip.clone(), b.host_port, b.container_port, b.protocol.clone(), b.variable.clone())
            })
            .collect()
    }

    fn expect(bindings: &[PortBinding], want: &[Row]) {
        let want: Vec<_> = want
            .iter()
            .map(|(ip, h, c, p, v)| (ip.map(String::from), *h, *c, p.to_string(), v.map(String::from)))
            .collect();
        assert_eq!(rows(bindings), want);
    }

    #[test]
    fn short_syntax_table() {
        let cases: &[(&str, &[Row])] = &[
            ("['3000']", &[(None, None, 3000, "tcp", None)]),
            ("[3000]", &[(None, None, 3000, "tcp", None)]),
            ("['8080:80']", &[(None, Some(8080), 80, "tcp", None)]),
            ("['127.0.0.1:8080:80']", &[(Some("127.0.0.1"), Some(8080), 80, "tcp", None)]),
            ("['127.0.0.1::80']", &[(Some("127.0.0.1"), None, 80, "tcp", None)]),
            ("['[::1]:6000:6001']", &[(Some("::1"), Some(6000), 6001, "tcp", None)]),
            ("['53:53/udp']", &[(None, Some(53), 53, "udp", None)]),
            ("['1234:1234/SCTP']", &[(None, Some(1234), 1234, "sctp", None)]),
            (
                "['9090-9091:8080-8081']",
                &[(None, Some(9090), 8080, "tcp", None), (None, Some(9091), 8081, "tcp", None)],
            ),
            (
                "['3000-3002']",
                &[
                    (None, None, 3000, "tcp", None),
                    (None, None, 3001, "tcp", None),
                    (None, None, 3002, "tcp", None),
                ],
            ),
            ("['${DB_PORT:-5433}:5432']", &[(None, Some(5433), 5432, "tcp", Some("DB_PORT"))]),
            (
                "['127.0.0.1:${GAMESERVER_PORT:-8080}:8080']",
                &[(Some("127.0.0.1"), Some(8080), 8080, "tcp", Some("GAMESERVER_PORT"))],
            ),
            ("['${BIND:-0.0.0.0}:80:80']", &[(Some("0.0.0.0"), Some(80), 80, "tcp", None)]),
            ("['${EMPTY:-}:80']", &[(None, None, 80, "tcp", Some("EMPTY"))]),
            (
                "[{target: 80, published: '8080', host_ip: 127.0.0.1, protocol: udp}]",
                &[(Some("127.0.0.1"), Some(8080), 80, "udp", None)],
            ),
            (
                "[{target: 80, published: '${WEB_PORT:-81}'}]",
                &[(None, Some(81), 80, "tcp", Some("WEB_PORT"))],
            ),
            ("[{target: 80}]", &[(None, None, 80, "tcp", None)]),
        ];
        for (yaml, want) in cases {
            let got = ports(yaml, &[]).unwrap_or_else(|e| panic!("{yaml}: {e}"));
            expect(&got, want);
        }
    }

    #[test]
    fn variable_value_from_environment() {
        let got = ports("['${DB_PORT:-5433}:5432']", &[("DB_PORT", "15433")]).expect("ok");
        expect(&got, &[(None, Some(15433), 5432, "tcp", Some("DB_PORT"))]);
    }

    #[test]
    fn host_range_to_single_container_port() {
        let got = ports("['8000-8005:80']", &[]).expect("ok");
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].host_port, got[0].host_port_end, got[0].container_port),
            (Some(8000), Some(8005), 80)
        );
    }

    #[test]
    fn invalid_ports_are_explained() {
        for (yaml, needle) in [
            ("['abc:80']", "not a port number"),
            ("['80:70000']", "not a port number"),
            ("['80:80/xyz']", "unknown protocol"),
            ("['9000-9001:80-82']", "differ in length"),
            ("['9001-9000:80']", "ends before it starts"),
            ("[{published: 80}]", "needs `target`"),
            ("['0:80']", "not a port number"),
        ] {
            let err = ports(yaml, &[]).expect_err(yaml);
            assert!(err.contains(needle), "{yaml}: {err}");
        }
    }
}
