//! The PROXY protocol v2 header (`--proxy-protocol`; HAProxy's `send-proxy-v2`): a binary
//! preamble a proxy sends before the client's bytes (before its TLS handshake too), naming the
//! client's address. Taken only from a `--trusted-proxy` peer, and optional there (a health
//! check sent straight to the replica needs none); a connection from any other peer that starts
//! with one is closed. Parsing is the `ppp` crate's.

use std::net::SocketAddr;
use std::time::Duration;

use ppp::v2::{Addresses, Command, Header};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Every v2 header starts with these 12 bytes (no HTTP request or TLS record does).
const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// Signature, version/command, family/protocol, and the length of what follows (big-endian).
const FIXED: usize = 16;
/// While fewer bytes than the signature have arrived and they match its start: how long to wait
/// before looking again (a proxy sends the header in one write; this is the rare split packet).
const PARTIAL_PAUSE: Duration = Duration::from_millis(5);

/// Why a connection was closed before any HTTP.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("a PROXY protocol header from a peer that is not a --trusted-proxy")]
    Untrusted,
    #[error("a malformed PROXY protocol header: {0}")]
    Malformed(String),
    #[error("reading the PROXY protocol header: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads the PROXY v2 header the connection starts with, if it does; leaves every other byte
/// in the socket. `Ok(Some(addr))`: the client the proxy names; `Ok(None)`: no header, or one
/// with no client address (LOCAL: the proxy's own health check), so the peer is the client.
/// The caller's header timeout bounds the wait.
pub async fn read(sock: &mut TcpStream, trusted: bool) -> Result<Option<SocketAddr>, Refused> {
    let mut seen = [0u8; FIXED];
    loop {
        let n = sock.peek(&mut seen).await?;
        let n_sig = n.min(SIGNATURE.len());
        if n == 0 || seen[..n_sig] != SIGNATURE[..n_sig] {
            return Ok(None);
        }
        if n >= FIXED {
            break;
        }
        tokio::time::sleep(PARTIAL_PAUSE).await;
    }
    if !trusted {
        return Err(Refused::Untrusted);
    }
    let len = usize::from(u16::from_be_bytes([seen[14], seen[15]]));
    let mut header = vec![0u8; FIXED + len];
    sock.read_exact(&mut header).await?;
    let parsed =
        Header::try_from(header.as_slice()).map_err(|e| Refused::Malformed(e.to_string()))?;
    if parsed.command == Command::Local {
        return Ok(None);
    }
    Ok(match parsed.addresses {
        Addresses::IPv4(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
        Addresses::IPv6(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
        Addresses::Unspecified | Addresses::Unix(_) => None,
    })
}
