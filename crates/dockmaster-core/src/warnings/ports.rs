//! Host port conflicts: one warning per port and protocol, for the first pair of bindings that clash, found
//! in time linear in the number of bindings.

use std::collections::HashMap;

use super::warning;
use crate::compose::model::Service;
use crate::report::{Severity, Warning, WarningCode};

/// A host IP that means every address.
fn is_any_ip(ip: Option<&str>) -> bool {
    matches!(ip, None | Some("0.0.0.0" | "::" | "[::]" | ""))
}

pub(super) fn port_conflicts(active: &[&Service], out: &mut Vec<Warning>) {
    let mut bindings = Vec::new();
    for s in active {
        for p in &s.ports {
            if let Some(port) = p.host_port {
                bindings.push((s.name.as_str(), p, port));
            }
        }
    }
    // One warning per (port, protocol): its first clashing pair in binding order. Grouped, so a port
    // range (one line, up to 65535 bindings) costs linear time, not a comparison of every pair.
    let mut groups: HashMap<(u16, &str), Vec<usize>> = HashMap::new();
    for (i, (_, b, port)) in bindings.iter().enumerate() {
        groups.entry((*port, b.protocol.as_str())).or_default().push(i);
    }
    let mut pairs: Vec<(usize, usize)> = groups
        .values()
        .filter_map(|group| first_clash(group, |i| bindings[i].1.host_ip.as_deref()))
        .collect();
    pairs.sort_unstable();
    for (i, j) in pairs {
        let ((a_svc, a, port), (b_svc, b, _)) = (&bindings[i], &bindings[j]);
        let vars: Vec<String> = [&a.variable, &b.variable].into_iter().flatten().cloned().collect();
        let hint = if vars.is_empty() {
            "Change one of the host ports in the Compose file.".to_string()
        } else {
            format!("Set {} to a different port in .env.", vars.join(" or "))
        };
        let services: Vec<String> =
            if a_svc == b_svc { vec![a_svc.to_string()] } else { vec![a_svc.to_string(), b_svc.to_string()] };
        out.push(
            warning(
                WarningCode::PortConflict,
                Severity::Error,
                format!("{} both publish host port {port}/{}.", services.join(" and "), a.protocol),
            )
            .services(services)
            .variables(vars)
            .hint(hint),
        );
    }
}

/// The first pair `(i, j)`, `i < j`, of `group` (binding indices, ascending) whose host IPs overlap (one
/// is on every address, or both are on the same one), in the order a scan of every pair would meet it;
/// linear in the group's size.
fn first_clash<'a>(group: &[usize], host_ip: impl Fn(usize) -> Option<&'a str>) -> Option<(usize, usize)> {
    // From the end: the nearest later binding on every address, and on each exact address.
    let mut next_any: Option<usize> = None;
    let mut next_same: HashMap<Option<&str>, usize> = HashMap::new();
    let mut first = None;
    for k in (0..group.len()).rev() {
        let ip = host_ip(group[k]);
        let partner = if is_any_ip(ip) {
            (k + 1 < group.len()).then_some(k + 1)
        } else {
            match (next_any, next_same.get(&ip).copied()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        };
        if let Some(j) = partner {
            first = Some((group[k], group[j]));
        }
        if is_any_ip(ip) {
            next_any = Some(k);
        }
        next_same.insert(ip, k);
    }
    first
}

#[cfg(test)]
mod tests {
    use super::{first_clash, is_any_ip};

    /// The pairwise definition the linear searches must agree with.
    fn ips_overlap(a: Option<&str>, b: Option<&str>) -> bool {
        is_any_ip(a) || is_any_ip(b) || a == b
    }

    #[test]
    fn first_clash_is_the_first_pair_a_pairwise_scan_finds() {
        let ips = [None, Some("0.0.0.0"), Some("127.0.0.1"), Some("127.0.0.2"), Some("::"), Some("10.0.0.1")];
        let mut rng = fastrand::Rng::with_seed(14);
        for _ in 0..2000 {
            let n = rng.usize(0..9);
            let hosts: Vec<Option<&str>> = (0..n).map(|_| ips[rng.usize(0..ips.len())]).collect();
            let group: Vec<usize> = (0..n).map(|i| i * 3 + 1).collect();
            let brute = (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
                .find(|&(i, j)| ips_overlap(hosts[i], hosts[j]))
                .map(|(i, j)| (group[i], group[j]));
            assert_eq!(first_clash(&group, |b| hosts[(b - 1) / 3]), brute, "{hosts:?}");
        }
    }
}
