//! Per-connection limits of both listeners (plain HTTP and HTTPS): how long a client may take to
//! send a request head, how long a kept-alive connection may sit idle, and how many connections
//! are open at once.
//!
//! A connection is in one of four states ([`activity`]): waiting for a request head (from the
//! accept, or from the first byte of the next request), handling a request, sending its answer
//! (until hyper has written all of it to the socket), or idle (kept alive between requests).
//! [`guard`] closes it when it has waited for a head longer than the header timeout, idled longer
//! than the idle timeout, or sent nothing of an answer to a client that reads none of it for the
//! idle timeout; a request being handled is never cut.
//!
//! At the cap ([`registry`]) a new connection closes the open connection that has waited longest
//! without a request or answer in progress (a slow or stalled head, or an idle keep-alive), so
//! one slow client, or many, cannot lock others out. Only when every open connection is busy do
//! new ones wait, in the kernel's listen backlog, for one to finish.

mod activity;
mod fd_limit;
mod guard;
mod registry;

use std::time::Duration;

pub use activity::{Activity, Tracked, Watched};
pub use fd_limit::connections_within_fd_limit;
pub use guard::{Ended, Guarded};
pub use registry::{Registered, Registry};

/// A request head (request line and headers) larger than this is answered 431.
pub const MAX_REQUEST_HEAD: usize = 64 * 1024;

/// The limits of `tokentab serve --header-timeout`, `--idle-timeout` and `--max-connections`;
/// `Default` is what production uses (and the embedded service).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A connection that has not sent a whole request head this long after it was accepted (or
    /// after the first byte of a later request) is closed.
    pub header_timeout: Duration,
    /// A kept-alive connection with no new request for this long is closed.
    pub idle_timeout: Duration,
    /// Most connections open at once (TLS handshakes included).
    pub max_connections: usize,
}

pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}
