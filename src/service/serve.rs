//! How the service listens: one accept loop for plain HTTP and HTTPS (which adds the TLS
//! handshake), hyper's HTTP/1 on each connection under [`super::connection`]'s limits, and a
//! graceful stop; and which addresses count as this machine only.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

use super::connection::{
    ConnectionLimits, Ended, Guarded, MAX_REQUEST_HEAD, Registered, Registry, Tracked, Watched,
};
use super::edge::{ClientAddr, Edge, proxy_v2};
use super::tls::Tls;

/// After an accept error that is not one client's (out of file descriptors, say): the pause
/// before the next try, so that the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// Whether only this machine can reach `addr` (127.0.0.0/8, ::1). `0.0.0.0` and `::` listen on
/// every interface, so they are not.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    match addr.ip() {
        std::net::IpAddr::V4(ip) => ip.is_loopback(),
        std::net::IpAddr::V6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// An accept error caused by one client (it went away before we took it): just go on.
fn is_one_clients(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    )
}

/// Serves `app` on `listener` until `stop` resolves; then serves the connections already
/// waiting in the listen backlog, closes the listener, closes connections with no request in
/// progress and lets the requests in flight finish.
pub async fn run(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<Arc<Tls>>,
    limits: ConnectionLimits,
    edge: Arc<Edge>,
    stop: impl Future<Output = ()>,
) {
    let serving = Serving {
        registry: Registry::new(limits.max_connections),
        app,
        tls,
        limits,
        edge,
    };
    tokio::pin!(stop);
    let mut waiting = None;
    loop {
        let (sock, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) if is_one_clients(&e) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    // Out of descriptors: free one held by the stalest idle connection.
                    serving.registry.evict_stalest();
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        tokio::select! {
            slot = serving.registry.admit() => serving.start(sock, peer, slot),
            () = &mut stop => {
                waiting = Some((sock, peer));
                break;
            }
        }
    }
    // Clients whose connections the kernel completed before the stop have sent their requests:
    // answer them rather than reset them with the listener.
    let backlog = waiting.into_iter().chain(accept_backlog(listener));
    for (sock, peer) in backlog {
        let slot = serving.registry.admit().await;
        serving.start(sock, peer, slot);
    }
    // Not hyper's graceful shutdown: it closes a connection whose request is still unread in
    // the socket. Each connection reads what it was sent, and closes once nothing is in
    // progress on it.
    serving.registry.close_all_when_idle();
    serving.registry.all_closed().await;
}

/// What every connection of one listener shares.
struct Serving {
    registry: Arc<Registry>,
    app: axum::Router,
    tls: Option<Arc<Tls>>,
    limits: ConnectionLimits,
    edge: Arc<Edge>,
}

impl Serving {
    /// Serves one accepted connection in a task of its own, under the limits.
    fn start(&self, sock: TcpStream, peer: SocketAddr, slot: Registered) {
        let _ = sock.set_nodelay(true);
        let activity = Arc::clone(slot.activity());
        let conn = one_connection(
            sock,
            peer,
            self.tls.clone(),
            self.app.clone(),
            Arc::clone(&self.edge),
            Arc::clone(&activity),
        );
        let guarded = Guarded::new(
            conn,
            activity,
            self.limits.header_timeout,
            self.limits.idle_timeout,
            slot.epoch(),
        );
        tokio::spawn(async move {
            match guarded.await {
                Ended::Finished => {}
                ended => tracing::debug!(%peer, ?ended, "closed the connection"),
            }
            drop(slot);
        });
    }
}

/// Takes the connections waiting in the listen backlog, without waiting for more, and closes
/// the listener.
fn accept_backlog(listener: TcpListener) -> Vec<(TcpStream, SocketAddr)> {
    let Ok(listener) = listener.into_std() else {
        return Vec::new();
    };
    let mut waiting = Vec::new();
    // The listener is non-blocking (tokio made it so): this stops at the first WouldBlock.
    while let Ok((sock, peer)) = listener.accept() {
        let sock = sock
            .set_nonblocking(true)
            .and_then(|()| TcpStream::from_std(sock));
        if let Ok(sock) = sock {
            waiting.push((sock, peer));
        }
    }
    waiting
}

/// One connection: a PROXY protocol header if a trusted proxy sends one (`--proxy-protocol`),
/// the TLS handshake if serving HTTPS, then HTTP/1 until it ends.
async fn one_connection(
    mut sock: TcpStream,
    peer: SocketAddr,
    tls: Option<Arc<Tls>>,
    app: axum::Router,
    edge: Arc<Edge>,
    activity: Arc<super::connection::Activity>,
) {
    let mut origin = ClientAddr::from(peer);
    if edge.proxies.proxy_protocol {
        let trusted = edge.proxies.trusted.contains(peer.ip());
        match proxy_v2::read(&mut sock, trusted).await {
            Ok(Some(client)) => origin = client.into(),
            Ok(None) => {}
            Err(e) => {
                tracing::info!(%peer, error = %e, "closed the connection");
                return;
            }
        }
    }
    let from = (peer, origin, edge);
    match tls {
        None => http1(sock, from, app, activity).await,
        Some(tls) => {
            let Some(stream) = super::tls::handshake(&tls, sock, peer).await else {
                return;
            };
            // The header timeout counts from the end of the handshake.
            activity.restart_head();
            http1(stream, from, app, activity).await;
        }
    }
}

async fn http1<S>(
    io: S,
    (peer, origin, edge): (SocketAddr, ClientAddr, Arc<Edge>),
    app: axum::Router,
    activity: Arc<super::connection::Activity>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = Tracked::new(app, peer, origin, edge, Arc::clone(&activity));
    let conn = hyper::server::conn::http1::Builder::new()
        // The guard times request heads: hyper's own timer would start at the end of each
        // response, so an idle keep-alive connection could not be given longer than a head.
        .header_read_timeout(None)
        .max_header_size(MAX_REQUEST_HEAD)
        // The read buffer may grow past its maximum once (to about twice it) before a head
        // that does not fit is refused.
        .max_buf_size(MAX_REQUEST_HEAD)
        .serve_connection(TokioIo::new(Watched::new(io, activity)), service);
    if let Err(e) = conn.await {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}
