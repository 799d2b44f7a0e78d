//! Pure address arithmetic for region plans: IPv4 subnets and their overlaps, a stable name hash, and the
//! choice of a free subnet and a free host port.

use std::collections::BTreeSet;

/// An IPv4 network, e.g. `172.22.5.0/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Net {
    pub base: u32,
    pub prefix: u8,
}

impl Ipv4Net {
    /// Parses `a.b.c.d/n` (host bits are cleared); `None` for IPv6 or anything else.
    pub fn parse(text: &str) -> Option<Ipv4Net> {
        let (addr, prefix) = text.trim().split_once('/')?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
        let addr: std::net::Ipv4Addr = addr.parse().ok()?;
        let base = u32::from(addr) & mask(prefix);
        Some(Ipv4Net { base, prefix })
    }

    pub fn overlaps(&self, other: &Ipv4Net) -> bool {
        let shorter = self.prefix.min(other.prefix);
        (self.base & mask(shorter)) == (other.base & mask(shorter))
    }

    /// The `n`-th subnet of length `prefix` inside this one.
    pub fn subnet(&self, prefix: u8, n: u32) -> Ipv4Net {
        let size = if prefix >= 32 { 1 } else { 1u32 << (32 - prefix) };
        Ipv4Net { base: self.base.wrapping_add(n.wrapping_mul(size)), prefix }
    }

    /// How many subnets of length `prefix` fit (at least 1).
    pub fn count(&self, prefix: u8) -> u32 {
        if prefix <= self.prefix {
            1
        } else {
            1u32.checked_shl(u32::from(prefix - self.prefix)).unwrap_or(u32::MAX)
        }
    }
}

impl std::fmt::Display for Ipv4Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", std::net::Ipv4Addr::from(self.base), self.prefix)
    }
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

/// FNV-1a: a stable hash of the region name, so a region's first-choice port and subnet do not change between
/// runs (the region-manager's `hash()` is randomised per process).
pub fn name_hash(name: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.as_bytes() {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The prefix length of a region network.
pub const REGION_PREFIX: u8 = 24;

/// The first `/24` (or the pool itself when it is smaller) in `pools` that overlaps none of `taken`,
/// starting in each pool at the name's hash (the region-manager's scheme) and moving on when taken.
pub fn pick_subnet(name: &str, pools: &[Ipv4Net], taken: &[Ipv4Net]) -> Option<Ipv4Net> {
    for pool in pools {
        let prefix = REGION_PREFIX.max(pool.prefix);
        let count = pool.count(prefix);
        let start = name_hash(name) % count;
        for i in 0..count {
            let candidate = pool.subnet(prefix, (start + i) % count);
            if !taken.iter().any(|t| t.overlaps(&candidate)) {
                return Some(candidate);
            }
        }
    }
    None
}

/// The first port of `first..=last` not in `used`, starting at the name's hash (the region-manager's
/// `8100 + hash % 900`) and moving on when taken.
pub fn pick_port(name: &str, first: u16, last: u16, used: &BTreeSet<u16>) -> Option<u16> {
    if first > last {
        return None;
    }
    let span = u32::from(last - first) + 1;
    let start = name_hash(name) % span;
    (0..span).map(|i| first + u16::try_from((start + i) % span).unwrap_or(0)).find(|p| !used.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Ipv4Net {
        Ipv4Net::parse(s).expect(s)
    }

    #[test]
    fn parse_display_and_overlap() {
        assert_eq!(net("172.22.5.7/24").to_string(), "172.22.5.0/24");
        assert!(Ipv4Net::parse("fd00::/64").is_none() && Ipv4Net::parse("10.0.0.0/33").is_none());
        assert!(net("172.20.0.0/16").overlaps(&net("172.20.3.0/24")));
        assert!(net("172.20.3.0/24").overlaps(&net("172.20.0.0/16")));
        assert!(!net("172.20.0.0/16").overlaps(&net("172.21.0.0/24")));
        assert!(net("0.0.0.0/0").overlaps(&net("10.1.2.0/24")));
        assert_eq!(net("10.0.0.0/23").count(24), 2);
        assert_eq!(net("10.0.0.0/23").subnet(24, 1).to_string(), "10.0.1.0/24");
        assert_eq!(net("10.0.0.0/26").count(24), 1);
    }

    #[test]
    fn subnets_skip_taken_and_overlapping_networks() {
        let pool = [net("10.7.0.0/23")];
        let first = pick_subnet("alpha", &pool, &[]).expect("free");
        let other = if first == net("10.7.0.0/24") { net("10.7.1.0/24") } else { net("10.7.0.0/24") };
        assert_eq!(pick_subnet("alpha", &pool, &[first]), Some(other));
        // A bigger network covering the whole pool leaves nothing; the next pool is used.
        let pools = [net("10.7.0.0/23"), net("10.8.0.0/24")];
        assert_eq!(pick_subnet("alpha", &pools, &[net("10.7.0.0/16")]), Some(net("10.8.0.0/24")));
        assert_eq!(pick_subnet("alpha", &pool, &[net("10.0.0.0/8")]), None);
    }

    #[test]
    fn ports_skip_used_ones_and_wrap() {
        let used: BTreeSet<u16> = BTreeSet::new();
        let p = pick_port("alpha", 8100, 8999, &used).expect("port");
        assert!((8100..=8999).contains(&p));
        assert_eq!(pick_port("alpha", 8100, 8999, &used), Some(p), "stable");
        let used: BTreeSet<u16> = [p].into();
        let q = pick_port("alpha", 8100, 8999, &used).expect("port");
        assert_eq!(q, if p == 8999 { 8100 } else { p + 1 });
        assert_eq!(pick_port("x", 5000, 5001, &[5000, 5001].into()), None);
        assert_eq!(pick_port("x", 5000, 5001, &[5000].into()), Some(5001));
        assert_eq!(pick_port("x", 5001, 5000, &BTreeSet::new()), None);
        assert_eq!(pick_port("x", 65535, 65535, &BTreeSet::new()), Some(65535));
    }
}
