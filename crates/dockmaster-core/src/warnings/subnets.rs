//! Subnets: invalid ones, and overlapping pairs (at most [`MAX_OVERLAPS`]) found by a sweep, not by
//! comparing every pair.

use std::net::IpAddr;

use super::warning;
use crate::compose::model::ComposeModel;
use crate::report::{Severity, Warning, WarningCode};

/// An IPv4 or IPv6 network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: u128,
    prefix: u32,
    v6: bool,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Self> {
        let (ip, prefix) = text.trim().split_once('/')?;
        let prefix: u32 = prefix.parse().ok()?;
        match ip.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) if prefix <= 32 => {
                Some(Cidr { addr: u128::from(u32::from(v4)), prefix, v6: false })
            }
            IpAddr::V6(v6) if prefix <= 128 => Some(Cidr { addr: u128::from(v6), prefix, v6: true }),
            _ => None,
        }
    }

    /// The network's first and last address (IPv4 in the low 32 bits).
    fn first(&self) -> u128 {
        self.addr & self.mask(self.prefix)
    }

    fn last(&self) -> u128 {
        self.first() | !self.mask(self.prefix) & if self.v6 { u128::MAX } else { u128::from(u32::MAX) }
    }

    fn mask(&self, prefix: u32) -> u128 {
        let bits = prefix + if self.v6 { 0 } else { 96 };
        if bits == 0 {
            0
        } else {
            u128::MAX << (128 - bits)
        }
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        if self.v6 != other.v6 {
            return false;
        }
        let bits = self.prefix.min(other.prefix) + if self.v6 { 0 } else { 96 };
        let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
        (self.addr & mask) == (other.addr & mask)
    }
}

/// Overlap warnings listed at most (a file of identical subnets would otherwise list every pair).
const MAX_OVERLAPS: usize = 1000;

pub(super) fn subnet_overlaps(model: &ComposeModel, out: &mut Vec<Warning>) {
    let mut subnets: Vec<(&str, &str, Option<Cidr>)> = Vec::new();
    for (name, decl) in &model.networks {
        if decl.external {
            continue;
        }
        for s in &decl.subnets {
            subnets.push((name, s, Cidr::parse(s)));
        }
    }
    for (name, subnet, cidr) in &subnets {
        if cidr.is_none() {
            out.push(
                warning(
                    WarningCode::InvalidEntry,
                    Severity::Error,
                    format!("Network {name} has an invalid subnet `{subnet}`."),
                )
                .hint("Use CIDR notation, e.g. 172.20.0.0/16."),
            );
        }
    }
    let (pairs, more) = overlapping_pairs(subnets.iter().map(|(_, _, c)| *c));
    for (i, j) in pairs {
        let ((a_name, a_subnet, _), (b_name, b_subnet, _)) = (&subnets[i], &subnets[j]);
        out.push(
            warning(
                WarningCode::SubnetOverlap,
                Severity::Error,
                format!("Networks {a_name} ({a_subnet}) and {b_name} ({b_subnet}) overlap."),
            )
            .hint("Give each network its own subnet (e.g. via NEXUS_SUBNET / REGIONAL_SUBNET)."),
        );
    }
    if more {
        out.push(
            warning(
                WarningCode::SubnetOverlap,
                Severity::Error,
                format!("More than {MAX_OVERLAPS} pairs of networks overlap; only those are listed."),
            )
            .hint("Give each network its own subnet."),
        );
    }
}

/// The index pairs `(i, j)`, `i < j`, of overlapping subnets, ascending (as comparing every pair would list
/// them), at most [`MAX_OVERLAPS`], and whether there were more. CIDR ranges nest or are disjoint, so a
/// sweep over them sorted by start finds the pairs in time proportional to their number.
fn overlapping_pairs(cidrs: impl Iterator<Item = Option<Cidr>>) -> (Vec<(usize, usize)>, bool) {
    let mut ranges: Vec<(bool, u128, u128, usize)> =
        cidrs.enumerate().filter_map(|(i, c)| c.map(|c| (c.v6, c.first(), c.last(), i))).collect();
    // By family, then start, the wider range first; equal ranges in index order.
    ranges.sort_by(|a, b| (a.0, a.1, b.2, a.3).cmp(&(b.0, b.1, a.2, b.3)));
    let mut pairs = Vec::new();
    let mut more = false;
    // The ranges containing the current one, each inside the one below it.
    let mut open: Vec<(bool, u128, u128, usize)> = Vec::new();
    'sweep: for r in ranges {
        while open.last().is_some_and(|o| o.0 != r.0 || o.2 < r.1) {
            open.pop();
        }
        for o in &open {
            if pairs.len() == MAX_OVERLAPS {
                more = true;
                break 'sweep;
            }
            pairs.push((o.3.min(r.3), o.3.max(r.3)));
        }
        open.push(r);
    }
    pairs.sort_unstable();
    (pairs, more)
}

#[cfg(test)]
mod tests {
    use super::{overlapping_pairs, Cidr, MAX_OVERLAPS};

    #[test]
    fn overlapping_pairs_are_those_of_a_pairwise_scan() {
        let mut rng = fastrand::Rng::with_seed(14);
        for _ in 0..2000 {
            let n = rng.usize(0..10);
            let cidrs: Vec<Option<Cidr>> = (0..n)
                .map(|_| match rng.u8(0..10) {
                    0 => None,
                    1 => Cidr::parse(&format!("fd00:{}::/{}", rng.u8(0..3), rng.u8(16..=48))),
                    _ => Cidr::parse(&format!("10.{}.{}.0/{}", rng.u8(0..3), rng.u8(0..3), rng.u8(8..=24))),
                })
                .collect();
            let brute: Vec<(usize, usize)> = (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
                .filter(|&(i, j)| matches!((cidrs[i], cidrs[j]), (Some(a), Some(b)) if a.overlaps(&b)))
                .collect();
            assert_eq!(overlapping_pairs(cidrs.iter().copied()), (brute, false), "{cidrs:?}");
        }
    }

    #[test]
    fn identical_subnets_list_a_bounded_number_of_pairs() {
        let same = Cidr::parse("10.0.0.0/8");
        let (pairs, more) = overlapping_pairs(std::iter::repeat_n(same, 5000));
        assert_eq!(pairs.len(), MAX_OVERLAPS);
        assert!(more);
    }

    #[test]
    fn cidr_overlap_table() {
        let cases = [
            ("172.20.0.0/16", "172.20.5.0/24", true),
            ("172.20.0.0/16", "172.21.0.0/16", false),
            ("10.0.0.0/8", "10.255.0.0/16", true),
            ("192.168.1.0/24", "192.168.2.0/24", false),
            ("0.0.0.0/0", "1.2.3.4/32", true),
            ("fd00::/64", "fd00::1/128", true),
            ("fd00::/64", "fd01::/64", false),
            ("172.20.0.0/16", "fd00::/8", false),
        ];
        for (a, b, want) in cases {
            let (ca, cb) = (Cidr::parse(a).expect(a), Cidr::parse(b).expect(b));
            assert_eq!(ca.overlaps(&cb), want, "{a} vs {b}");
            assert_eq!(cb.overlaps(&ca), want, "{b} vs {a}");
        }
        for bad in ["172.20.0.0", "172.20.0.0/33", "x/16", "fd00::/129"] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
    }
}
