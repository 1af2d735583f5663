//! How the service listens: plain HTTP (axum's server) or HTTPS ([`super::tls`]), both with a
//! graceful stop; and which addresses count as this machine only.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::tls::Tls;

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

/// Serves `app` on `listener` until `stop` resolves, then lets in-flight requests finish.
pub async fn run(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<Arc<Tls>>,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    match tls {
        Some(tls) => super::tls::serve(listener, app, tls, stop).await,
        None => {
            if let Err(e) = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(stop)
            .await
            {
                tracing::error!(error = %e, "token service stopped with an error");
            }
        }
    }
}
