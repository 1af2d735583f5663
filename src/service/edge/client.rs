//! Who the client is: the one place that decides it, for the audit trail, the request logs, the
//! refusal limiter and the last-use source of a token. The TCP peer, unless it is a trusted
//! proxy (`--trusted-proxy CIDR`): then the address a PROXY protocol header gave, and from a
//! trusted hop the rightmost `X-Forwarded-For` address outside the trusted ranges.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client of a request, as [`TrustedProxies::client`] decided. A request extension set
/// for every request by the connection layer (`connection::Tracked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr {
    pub ip: IpAddr,
    /// Known for the TCP peer and from a PROXY header; `X-Forwarded-For` gives none.
    pub port: Option<u16>,
}

impl From<SocketAddr> for ClientAddr {
    fn from(a: SocketAddr) -> ClientAddr {
        ClientAddr {
            ip: canonical(a.ip()),
            port: Some(a.port()),
        }
    }
}

impl fmt::Display for ClientAddr {
    /// `1.2.3.4:5678`, `[::1]:5678`, or the bare address when the port is not known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => SocketAddr::new(self.ip, port).fmt(f),
            None => self.ip.fmt(f),
        }
    }
}

/// An IPv4 address that came as IPv6 (`::ffff:1.2.3.4`, a dual-stack listener) as IPv4, so
/// that one client is one address and `--trusted-proxy 10.0.0.0/8` matches it.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `--trusted-proxy` ranges (none by default: every peer is the client).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> TrustedProxies {
        TrustedProxies(nets)
    }

    /// `10.0.0.0/8`, `fd00::/8`, or one address (`10.0.0.5` = `/32`). A clear message else.
    pub fn parse_cidr(text: &str) -> Result<IpNet, String> {
        let text = text.trim();
        text.parse::<IpNet>()
            .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
            .map(|n| n.trunc())
            .map_err(|_| {
                format!(
                    "{:?} is not an address range: give one such as 10.0.0.0/8, fd00::/8 or 10.0.0.5",
                    crate::model::sanitize::escape_capped(text, 64)
                )
            })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client of a request from `peer` (the TCP peer, or the source a trusted proxy's
    /// PROXY header gave): `peer` itself unless it is trusted; then, reading `X-Forwarded-For`
    /// from the right (the nearest hop first), the first address not in a trusted range. When
    /// every hop is trusted, the leftmost; a hop that is not an address ends the walk at the
    /// trusted hop after it (what a trusted proxy wrote is an address; what is left of an
    /// unparsable entry cannot be told apart from what the client made up).
    pub fn client(&self, peer: ClientAddr, headers: &HeaderMap) -> ClientAddr {
        if !self.contains(peer.ip) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = hop_ip(hop) else {
                return client;
            };
            client = ClientAddr {
                ip: canonical(ip),
                port: None,
            };
            if !self.contains(ip) {
                return client;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: `1.2.3.4`, `2001:db8::1`, and the forms some proxies write with
/// a port (`1.2.3.4:5678`, `[2001:db8::1]:5678`).
fn hop_ip(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            nets.iter()
                .map(|n| TrustedProxies::parse_cidr(n).unwrap())
                .collect(),
        )
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn peer(s: &str) -> ClientAddr {
        s.parse::<SocketAddr>().unwrap().into()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let p = proxies(&["10.0.0.0/8"]);
        let got = p.client(peer("192.0.2.7:4000"), &xff(&["203.0.113.9"]));
        assert_eq!(got.to_string(), "192.0.2.7:4000");
        let none = TrustedProxies::default();
        let got = none.client(peer("10.1.1.1:4000"), &xff(&["203.0.113.9"]));
        assert_eq!(got.to_string(), "10.1.1.1:4000");
    }

    #[test]
    fn a_trusted_peer_gives_the_rightmost_untrusted_hop() {
        let p = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        // The client forged the first entry; the trusted proxies appended the rest.
        let h = xff(&["198.51.100.1, 203.0.113.9", "10.2.2.2"]);
        assert_eq!(
            p.client(peer("127.0.0.1:999"), &h).to_string(),
            "203.0.113.9"
        );
        // Every hop trusted: the leftmost.
        let h = xff(&["10.3.3.3, 10.2.2.2"]);
        assert_eq!(p.client(peer("10.0.0.1:1"), &h).to_string(), "10.3.3.3");
        // No header: the peer.
        assert_eq!(
            p.client(peer("10.0.0.1:1"), &HeaderMap::new()).to_string(),
            "10.0.0.1:1"
        );
        // Ports and brackets.
        let h = xff(&["[2001:db8::5]:443"]);
        assert_eq!(p.client(peer("10.0.0.1:1"), &h).to_string(), "2001:db8::5");
    }

    #[test]
    fn garbage_ends_the_walk_at_the_trusted_hop_after_it() {
        let p = proxies(&["10.0.0.0/8"]);
        let h = xff(&["not-an-ip, 10.2.2.2"]);
        assert_eq!(p.client(peer("10.0.0.1:1"), &h).to_string(), "10.2.2.2");
    }

    #[test]
    fn mapped_ipv4_is_ipv4_and_single_addresses_are_ranges() {
        let p = proxies(&["10.0.0.5"]);
        assert!(p.contains("::ffff:10.0.0.5".parse().unwrap()));
        assert!(!p.contains("10.0.0.6".parse().unwrap()));
        assert_eq!(peer("[::ffff:10.0.0.5]:80").to_string(), "10.0.0.5:80");
        let err = TrustedProxies::parse_cidr("10.0.0.0/33").unwrap_err();
        assert!(err.contains("not an address range"), "{err}");
    }
}
