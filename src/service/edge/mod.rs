//! What the service knows about the network in front of it: whether it is draining before a
//! stop ([`drain`]), which peers are trusted proxies and so who the client really is
//! ([`client`]), and the PROXY protocol header those proxies may send ([`proxy_v2`]).

pub mod client;
pub mod drain;
pub mod proxy_v2;

pub use client::{ClientAddr, TrustedProxies};
pub use drain::Drain;

/// `--trusted-proxy` and `--proxy-protocol` (none and off by default: every peer is the client).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyOptions {
    pub trusted: TrustedProxies,
    /// Read a PROXY protocol v2 header at the start of connections from trusted proxies.
    pub proxy_protocol: bool,
}

/// What every connection of the listener shares about its edge.
#[derive(Debug, Clone, Default)]
pub struct Edge {
    pub drain: Drain,
    pub proxies: ProxyOptions,
}
