//! Is a host port free, and if not, who holds it: binding tells whether it is free; on Linux
//! `/proc/net/{tcp,tcp6,udp,udp6}` give the socket's inode and `/proc/<pid>/fd` the process that owns it.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};

/// A local process holding a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketOwner {
    pub pid: u32,
    /// `/proc/<pid>/comm`.
    pub name: String,
}

/// `host_ip` as Compose publishes it: empty, `0.0.0.0` or `::` mean every interface.
pub fn bind_ip(host_ip: Option<&str>) -> IpAddr {
    host_ip
        .map(|ip| ip.trim_matches(['[', ']']))
        .and_then(|ip| ip.parse().ok())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Whether binding `ip:port` works now (the socket is closed at once).
pub fn can_bind(ip: IpAddr, port: u16, protocol: &str) -> bool {
    let addr = SocketAddr::new(ip, port);
    if protocol.eq_ignore_ascii_case("udp") {
        UdpSocket::bind(addr).is_ok()
    } else {
        TcpListener::bind(addr).is_ok()
    }
}

/// The ports the kernel hands to outgoing connections (Linux `ip_local_port_range`; elsewhere IANA's dynamic
/// range). A port to publish for good is better chosen outside it: an outgoing connection may hold it at the
/// moment the engine binds it.
pub fn ephemeral_range() -> std::ops::RangeInclusive<u16> {
    let linux = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok();
    linux.as_deref().and_then(parse_port_range).unwrap_or(49152..=65535)
}

/// `"32768\t60999\n"` → `32768..=60999`.
fn parse_port_range(text: &str) -> Option<std::ops::RangeInclusive<u16>> {
    let mut parts = text.split_whitespace().map(str::parse::<u16>);
    match (parts.next()?, parts.next()?) {
        (Ok(first), Ok(last)) if first <= last => Some(first..=last),
        _ => None,
    }
}

/// A port to suggest instead of the taken `port`: the first of the next hundred that is `free` and lies outside
/// `ephemeral`, so the suggestion reads like the original (8080 → 8081) and stays free.
pub fn free_port_near(
    port: u16,
    ephemeral: &std::ops::RangeInclusive<u16>,
    free: impl Fn(u16) -> bool,
) -> Option<u16> {
    let next = port.checked_add(1)?;
    (next..=port.saturating_add(100)).filter(|p| *p >= 1024 && !ephemeral.contains(p)).find(|p| free(*p))
}

/// Whether two published addresses collide (same port; one of them every interface, or the same address).
pub fn overlaps(a: IpAddr, b: IpAddr) -> bool {
    a.is_unspecified() || b.is_unspecified() || a == b
}

/// Inodes of the sockets bound to `port` in a `/proc/net/{tcp,udp}[6]` table; for TCP only listening ones.
pub fn inodes_in_table(table: &str, port: u16, tcp: bool) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    for line in table.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        let (Some(local), Some(state), Some(inode)) = (fields.get(1), fields.get(3), fields.get(9)) else {
            continue;
        };
        let Some(p) = local.rsplit_once(':').and_then(|(_, p)| u16::from_str_radix(p, 16).ok()) else {
            continue;
        };
        if p != port || (tcp && *state != "0A") {
            continue;
        }
        if let Ok(inode) = inode.parse::<u64>() {
            if inode != 0 {
                out.insert(inode);
            }
        }
    }
    out
}

/// The processes holding `port` (TCP: listening; UDP: bound), as far as the OS lets this process see.
#[cfg(target_os = "linux")]
pub fn owners(port: u16, protocol: &str) -> Vec<SocketOwner> {
    let tcp = !protocol.eq_ignore_ascii_case("udp");
    let tables: &[&str] =
        if tcp { &["/proc/net/tcp", "/proc/net/tcp6"] } else { &["/proc/net/udp", "/proc/net/udp6"] };
    let mut inodes = BTreeSet::new();
    for t in tables {
        if let Ok(text) = std::fs::read_to_string(t) {
            inodes.extend(inodes_in_table(&text, port, tcp));
        }
    }
    if inodes.is_empty() {
        return Vec::new();
    }
    let targets: BTreeSet<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    let mut found = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else { return found };
    for entry in procs.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|l| targets.contains(l.to_string_lossy().as_ref()))
        });
        if holds {
            let name =
                std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default().trim().to_string();
            found.push(SocketOwner { pid, name });
        }
    }
    found
}

#[cfg(not(target_os = "linux"))]
pub fn owners(_port: u16, _protocol: &str) -> Vec<SocketOwner> {
    Vec::new()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9001 1 0000000000000000 100 0 0 10 0
";

    #[test]
    fn proc_net_tables_listening_only() {
        assert_eq!(inodes_in_table(TCP, 8080, true), BTreeSet::from([4242]));
        assert_eq!(inodes_in_table(TCP, 80, true), BTreeSet::from([777]));
        assert_eq!(inodes_in_table(TCP, 8080, false), BTreeSet::from([4242, 5555]));
        assert_eq!(inodes_in_table(TCP6, 8080, true), BTreeSet::from([9001]));
        assert!(inodes_in_table(TCP, 9999, true).is_empty());
    }

    #[test]
    fn addresses() {
        assert_eq!(bind_ip(None), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert_eq!(bind_ip(Some("127.0.0.1")), IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(bind_ip(Some("[::1]")), "::1".parse::<IpAddr>().unwrap());
        assert!(overlaps(bind_ip(Some("0.0.0.0")), bind_ip(Some("127.0.0.1"))));
        assert!(!overlaps(bind_ip(Some("127.0.0.2")), bind_ip(Some("127.0.0.1"))));
    }

    #[test]
    fn the_ephemeral_range_is_read_as_the_kernel_writes_it() {
        assert_eq!(parse_port_range("32768\t60999\n"), Some(32768..=60999));
        assert_eq!(parse_port_range("60999 32768"), None);
        assert_eq!(parse_port_range("x 1"), None);
        assert_eq!(parse_port_range(""), None);
        let range = ephemeral_range();
        assert!(range.start() <= range.end());
    }

    /// Real listeners: the suggestion skips a held port and the ephemeral range, and stays near the taken one.
    #[test]
    fn a_suggested_port_is_the_next_free_one_outside_the_ephemeral_range() {
        let ip = bind_ip(Some("127.0.0.1"));
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let next = TcpListener::bind(("127.0.0.1", port + 1));
        let bindable = |p| can_bind(ip, p, "tcp");
        let got = free_port_near(port, &(0..=0), bindable).unwrap();
        assert!(got > port && got <= port + 100, "{got} near {port}");
        if next.is_ok() {
            assert!(got >= port + 2, "{got}: {} is held", port + 1);
        }
        // Everything near the port ephemeral: nothing to suggest rather than a port a connection may take.
        assert_eq!(free_port_near(port, &(port..=port.saturating_add(200)), bindable), None);
        assert_eq!(free_port_near(u16::MAX, &(0..=0), bindable), None);
        assert_eq!(free_port_near(8080, &(0..=0), |p| p != 8081), Some(8082));
        assert_eq!(
            free_port_near(1000, &(1024..=1030), |_| true),
            Some(1031),
            "below 1024 is never suggested"
        );
    }

    /// A real listener of this process: binding fails and the owner found is this very process.
    #[test]
    #[cfg(target_os = "linux")]
    fn finds_this_process_holding_a_port() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(!can_bind(bind_ip(Some("127.0.0.1")), port, "tcp"));
        let owners = owners(port, "tcp");
        assert!(owners.iter().any(|o| o.pid == std::process::id()), "{owners:?}");
        drop(listener);
        assert!(can_bind(bind_ip(Some("127.0.0.1")), port, "tcp"));
    }
}
