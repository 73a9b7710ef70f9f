//! The range a rootful `network create` is given, chosen by the shim.
//!
//! podman picks a new network's range from its pools (`10.89.0.0/16`, then on up to
//! `10.128.0.0/9`, one /24 after another) and counts a range as free when no podman network
//! and no address of the host's own interfaces lies in it. It does not look at the host's
//! routes: a rootful bridge on a range the host reaches through its default route takes the
//! host's traffic to every address in it, its DNS server, proxy or registry among them, and
//! `run --ip` lets a container answer as that host (the fifty-first look's: one `network
//! create` per /24 walks the pools up to the range wanted). So the shim chooses the range: the
//! first /24 of podman's pools that no podman network uses and that holds no address the host
//! routes anywhere but its default route, no nameserver of `/etc/resolv.conf`, no default
//! gateway and no proxy the environment names. Pure: the edge gathers the facts
//! ([`Facts`]).

/// An IPv4 network: its first address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    pub addr: u32,
    pub len: u8,
}

impl Net {
    /// `a.b.c.d/n` (the address masked to its prefix), or a bare address as a /32.
    pub fn parse(s: &str) -> Option<Net> {
        let s = s.trim();
        let (addr, len) = match s.split_once('/') {
            Some((a, n)) => (a, n.parse::<u8>().ok().filter(|&n| n <= 32)?),
            None => (s, 32),
        };
        let addr = u32::from(addr.parse::<std::net::Ipv4Addr>().ok()?);
        Some(Net {
            addr: addr & mask(len),
            len,
        })
    }

    fn last(self) -> u32 {
        self.addr | !mask(self.len)
    }

    /// Whether the two share an address.
    pub fn overlaps(self, other: Net) -> bool {
        self.addr <= other.last() && other.addr <= self.last()
    }
}

impl std::fmt::Display for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", std::net::Ipv4Addr::from(self.addr), self.len)
    }
}

fn mask(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - len) }
}

/// podman's default pools (containers.conf `default_subnet_pools`), in the order it takes them.
pub const POOLS: &[&str] = &[
    "10.89.0.0/16",
    "10.90.0.0/15",
    "10.92.0.0/14",
    "10.96.0.0/11",
    "10.128.0.0/9",
];

/// What the choice must stay clear of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The ranges podman's networks use (`podman network ls`).
    pub used: Vec<Net>,
    /// What the host routes other than by its default route (its interfaces' own ranges
    /// among them), and the addresses it talks to by it: default gateways, nameservers,
    /// proxies.
    pub host: Vec<Net>,
}

/// The first /24 of `pools` clear of `facts`, or `None` when none is.
pub fn choose(pools: &[Net], facts: &Facts) -> Option<Net> {
    let clear = |n: Net| !facts.used.iter().chain(&facts.host).any(|u| u.overlaps(n));
    pools.iter().filter(|p| p.len <= 24).find_map(|pool| {
        let count = 1u64 << (24 - pool.len);
        (0..count)
            .map(|i| Net {
                addr: pool.addr + ((i as u32) << 8),
                len: 24,
            })
            .find(|&n| clear(n))
    })
}

/// The host's routes from `/proc/net/route`: every destination but the default one, and every
/// gateway (the default route's too: the host talks to it).
pub fn routes(table: &str) -> Vec<Net> {
    let hex = |s: &str| u32::from_str_radix(s, 16).ok().map(u32::from_be);
    let mut out = Vec::new();
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (Some(dest), Some(gw), Some(m)) = (
            f.get(1).and_then(|s| hex(s)),
            f.get(2).and_then(|s| hex(s)),
            f.get(7).and_then(|s| hex(s)),
        ) else {
            continue;
        };
        if m != 0 {
            let len = m.leading_ones() as u8;
            out.push(Net {
                addr: dest & mask(len),
                len,
            });
        }
        if gw != 0 {
            out.push(Net { addr: gw, len: 32 });
        }
    }
    out
}

/// The IPv4 nameservers of a `resolv.conf`.
pub fn nameservers(text: &str) -> Vec<Net> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(Net::parse)
        .filter(|n| n.len == 32)
        .collect()
}

/// The host a proxy URL names (`http://user:pass@proxy:3128/` -> `proxy`), as written.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Some(host.rsplit_once(':').map_or(host, |(h, _)| h))
}

/// The host of a proxy URL (`http://user:pass@10.1.2.3:3128/`), when it is an IPv4 address.
pub fn proxy_host(url: &str) -> Option<Net> {
    let host = url_host(url)?;
    Net::parse(host).filter(|n| n.len == 32 && !host.contains('/'))
}

/// The host name of a proxy URL (`http://user:pass@proxy.corp:3128/`), when it is a name (not
/// an address: [`proxy_host`]).
pub fn proxy_name(url: &str) -> Option<String> {
    let host = url_host(url)?;
    let name = !host.is_empty()
        && host.chars().any(|c| c.is_ascii_alphabetic())
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    name.then(|| host.to_string())
}

/// The ranges of `podman network ls --format '{{range .Subnets}}{{.Subnet}} {{end}}'` (IPv6
/// ones skipped); `None` when a word is neither.
pub fn used(listing: &str) -> Option<Vec<Net>> {
    let mut out = Vec::new();
    for word in listing.split_whitespace() {
        if word.contains(':') {
            continue;
        }
        out.push(Net::parse(word).filter(|n| word.contains('/') && n.len > 0)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Net {
        Net::parse(s).unwrap()
    }

    fn pools() -> Vec<Net> {
        POOLS.iter().map(|p| n(p)).collect()
    }

    #[test]
    fn parses_and_overlaps() {
        assert_eq!(n("10.89.1.7/24"), n("10.89.1.0/24"));
        assert_eq!(n("10.89.1.0/24").to_string(), "10.89.1.0/24");
        assert!(n("10.89.1.0/24").overlaps(n("10.89.1.53")));
        assert!(!n("10.89.1.0/24").overlaps(n("10.89.2.1")));
        assert!(n("10.0.0.0/8").overlaps(n("10.255.255.0/24")));
        assert!(n("0.0.0.0/0").overlaps(n("1.2.3.4")));
        for bad in ["", "10.89.1.0/33", "10.89.1/24", "fd00::/64", "x/24", "10.0.0.0/"] {
            assert_eq!(Net::parse(bad), None, "{bad}");
        }
    }

    /// The first free /24, past what podman uses and what the host reaches elsewhere; the
    /// thirty-eighth and fifty-first looks' nameserver never lands on a bridge.
    #[test]
    fn the_first_range_clear_of_the_host_s() {
        let mut facts = Facts::default();
        assert_eq!(choose(&pools(), &facts), Some(n("10.89.0.0/24")));
        facts.used = vec![n("10.88.0.0/16"), n("10.89.0.0/24"), n("10.89.2.0/24")];
        assert_eq!(choose(&pools(), &facts), Some(n("10.89.1.0/24")));
        facts.host = vec![n("10.89.1.53")];
        assert_eq!(choose(&pools(), &facts), Some(n("10.89.3.0/24")));
        // A route the host has for a wider range skips all of it, into the next pool.
        facts.host.push(n("10.89.0.0/16"));
        assert_eq!(choose(&pools(), &facts), Some(n("10.90.0.0/24")));
        // The whole space taken: nothing to choose.
        facts.host.push(n("10.0.0.0/8"));
        assert_eq!(choose(&pools(), &facts), None);
        // The last /24 of the last pool is a candidate like any other.
        let mut facts = Facts {
            host: Vec::new(),
            used: vec![
                n("10.89.0.0/16"),
                n("10.90.0.0/15"),
                n("10.92.0.0/14"),
                n("10.96.0.0/11"),
                n("10.128.0.0/10"),
                n("10.192.0.0/11"),
                n("10.224.0.0/12"),
                n("10.240.0.0/13"),
                n("10.248.0.0/14"),
                n("10.252.0.0/15"),
                n("10.254.0.0/16"),
                n("10.255.0.0/17"),
                n("10.255.128.0/18"),
                n("10.255.192.0/19"),
                n("10.255.224.0/20"),
                n("10.255.240.0/21"),
                n("10.255.248.0/22"),
                n("10.255.252.0/23"),
                n("10.255.254.0/24"),
            ],
        };
        assert_eq!(choose(&pools(), &facts), Some(n("10.255.255.0/24")));
        facts.host = nameservers("nameserver 10.255.255.53\n");
        assert_eq!(choose(&pools(), &facts), None);
    }

    #[test]
    fn the_host_s_routes_nameservers_and_proxies() {
        let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
            eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
            cni-podman0\t0000580A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n\
            eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
            tun0\t0000590A\t0100000A\t0003\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
        assert_eq!(
            routes(table),
            vec![
                n("192.0.2.1"),
                n("10.88.0.0/16"),
                n("192.0.2.0/24"),
                n("10.89.0.0/24"),
                n("10.0.0.1")
            ]
        );
        assert_eq!(
            nameservers(
                "# x\nnameserver 10.255.255.53\nnameserver fd00::1\n  nameserver\t10.1.2.3 # a\nsearch x\n"
            ),
            vec![n("10.255.255.53"), n("10.1.2.3")]
        );
        assert_eq!(proxy_host("http://u:p@10.89.4.4:3128/"), Some(n("10.89.4.4")));
        assert_eq!(proxy_host("10.89.4.5:8080"), Some(n("10.89.4.5")));
        assert_eq!(proxy_host("http://proxy.corp:3128"), None);
        assert_eq!(proxy_host("http://[fd00::1]:3128"), None);
        assert_eq!(
            proxy_name("http://u:p@proxy.corp:3128/"),
            Some("proxy.corp".into())
        );
        assert_eq!(proxy_name("proxy-1:8080"), Some("proxy-1".into()));
        assert_eq!(proxy_name("http://10.1.2.3:3128"), None);
        assert_eq!(proxy_name("http://[fd00::1]:3128"), None);
        assert_eq!(proxy_name(""), None);
        assert_eq!(
            used("10.88.0.0/16 10.89.0.0/24 fd00:1::/64 \n"),
            Some(vec![n("10.88.0.0/16"), n("10.89.0.0/24")])
        );
        assert_eq!(used("<no value>"), None);
        assert_eq!(used(""), Some(vec![]));
    }
}
