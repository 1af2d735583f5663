//! What a connection is doing, as seen from its socket (bytes arriving, the answer flushed) and
//! from the service (a request handled, its answer handed to hyper): the state
//! [`super::guard`] times and [`super::registry`] picks eviction victims by.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::extract::ConnectInfo;
use futures_util::task::AtomicWaker;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::header::HeaderValue;
use hyper::service::Service;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::super::edge::{ClientAddr, Edge};

/// Waiting for a request head: since the accept, or since the first byte of the next request.
pub const HEAD: u8 = 0;
/// A request is being handled (its body read, the answer made).
pub const HANDLING: u8 = 1;
/// The answer is with hyper and the socket, not all written out yet.
pub const SENDING: u8 = 2;
/// Kept alive between requests: the last answer went out, nothing received since.
pub const IDLE: u8 = 3;

/// `evict_at` when no eviction is pending (`changes` is a u32, so never equal).
const NOT_EVICTED: u64 = u64::MAX;

/// One connection's state, shared by its socket wrapper, its service and its guard. All of them
/// run in the connection's task; only eviction comes from elsewhere.
#[derive(Debug)]
pub struct Activity {
    state: AtomicU8,
    /// Bumped at every change of state, so the guard sees a request that came and went between
    /// two of its looks.
    changes: AtomicU32,
    /// When the current state began, in µs since the registry's epoch (kept by the guard).
    since_us: AtomicU64,
    /// The socket's last write or flush could not go through (each flip counts as a change, so
    /// an answer that makes progress is not timed out).
    write_blocked: AtomicBool,
    /// Evicted to make room: `changes` when it was picked, honoured only while the connection
    /// has done nothing since (a request or an answer that started meanwhile voids it).
    evict_at: AtomicU64,
    /// Shutting down: close as soon as no request or answer is in progress.
    closing: AtomicBool,
    waker: AtomicWaker,
}

impl Activity {
    /// A connection accepted `since_us` after its registry's epoch, waiting for its first head.
    pub fn new(since_us: u64) -> Activity {
        Activity {
            state: AtomicU8::new(HEAD),
            changes: AtomicU32::new(0),
            since_us: AtomicU64::new(since_us),
            write_blocked: AtomicBool::new(false),
            evict_at: AtomicU64::new(NOT_EVICTED),
            closing: AtomicBool::new(false),
            waker: AtomicWaker::new(),
        }
    }

    fn set(&self, state: u8) {
        self.state.store(state, Ordering::Relaxed);
        self.changes.fetch_add(1, Ordering::Relaxed);
    }

    /// (state, number of changes so far).
    pub fn load(&self) -> (u8, u32) {
        (
            self.state.load(Ordering::Relaxed),
            self.changes.load(Ordering::Relaxed),
        )
    }

    pub fn state(&self) -> u8 {
        self.state.load(Ordering::Relaxed)
    }

    /// Starts the header timeout over (after a TLS handshake).
    pub fn restart_head(&self) {
        self.set(HEAD);
    }

    /// After each write: `blocked` when it could not go through.
    fn wrote(&self, blocked: bool) {
        if self.write_blocked.load(Ordering::Relaxed) != blocked {
            self.write_blocked.store(blocked, Ordering::Relaxed);
            self.changes.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// After a flush: hyper flushes the socket only once its own buffer is empty, so a flush
    /// that went through after the answer was handed over means the answer is out.
    fn flushed(&self, blocked: bool) {
        self.wrote(blocked);
        if !blocked && self.state.load(Ordering::Relaxed) == SENDING {
            self.set(IDLE);
        }
    }

    fn bytes_arrived(&self) {
        if self.state.load(Ordering::Relaxed) == IDLE {
            self.set(HEAD);
        }
    }

    pub fn since_us(&self) -> u64 {
        self.since_us.load(Ordering::Relaxed)
    }

    pub fn set_since_us(&self, us: u64) {
        self.since_us.store(us, Ordering::Relaxed);
    }

    /// Picks this connection to close (at the cap) if it is still as it was at `changes`.
    pub fn evict_if_unchanged(&self, changes: u32) {
        self.evict_at.store(u64::from(changes), Ordering::Release);
        self.waker.wake();
    }

    /// Whether an eviction is pending that still holds (nothing happened since).
    pub fn eviction_pending(&self) -> bool {
        self.evict_at.load(Ordering::Acquire) == u64::from(self.changes.load(Ordering::Relaxed))
    }

    /// Asks the connection to close as soon as no request or answer is in progress (shutdown).
    pub fn close_when_idle(&self) {
        self.closing.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Whether it was evicted at `changes` (and has done nothing since).
    pub fn evicted_at(&self, changes: u32) -> bool {
        self.evict_at.load(Ordering::Acquire) == u64::from(changes)
    }

    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    pub fn register(&self, waker: &std::task::Waker) {
        self.waker.register(waker);
    }
}

/// The socket (TCP or TLS) of a connection: a byte arriving on an idle connection starts a
/// request head; a flush that goes through ends the sending of an answer.
pub struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> Watched<S> {
    pub fn new(inner: S, activity: Arc<Activity>) -> Watched<S> {
        Watched { inner, activity }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.bytes_arrived();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.activity.wrote(polled.is_pending());
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.activity.wrote(polled.is_pending());
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.activity.flushed(polled.is_pending());
        polled
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The router as one connection's hyper service: gives handlers the peer's address
/// ([`ConnectInfo`], as axum's own server does) and the client's ([`ClientAddr`]: the peer, or
/// who a trusted proxy says the client is), closes each answer's connection while draining, marks the connection as handling a request,
/// and then as sending its answer until hyper has taken all of it ([`Sending`]).
pub struct Tracked {
    app: TowerToHyperService<axum::Router>,
    peer: SocketAddr,
    /// The peer, or the client a trusted proxy's PROXY header named.
    origin: ClientAddr,
    edge: Arc<Edge>,
    activity: Arc<Activity>,
}

impl Tracked {
    pub fn new(
        app: axum::Router,
        peer: SocketAddr,
        origin: ClientAddr,
        edge: Arc<Edge>,
        activity: Arc<Activity>,
    ) -> Tracked {
        Tracked {
            app: TowerToHyperService::new(app),
            peer,
            origin,
            edge,
            activity,
        }
    }
}

/// An answer's body; hyper drops it once it has all of it, and the connection is then sending.
pub struct Sending {
    body: axum::body::Body,
    activity: Arc<Activity>,
}

impl Drop for Sending {
    fn drop(&mut self) {
        self.activity.set(SENDING);
    }
}

impl Body for Sending {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

type Answer = Pin<Box<dyn Future<Output = Result<hyper::Response<Sending>, Infallible>> + Send>>;

impl Service<hyper::Request<Incoming>> for Tracked {
    type Response = hyper::Response<Sending>;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, mut req: hyper::Request<Incoming>) -> Answer {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        // The one place the client's address is decided; everything else reads this.
        let client = self.edge.proxies.trusted.client(self.origin, req.headers());
        req.extensions_mut().insert(client);
        self.activity.set(HANDLING);
        let activity = Arc::clone(&self.activity);
        let answer = self.app.call(req);
        let drain = self.edge.drain.clone();
        Box::pin(async move {
            let mut response = answer.await?;
            // Draining: each kept-alive connection closes after its next answer, so the client
            // (or the balancer's connection pool) opens its next one to another replica.
            if drain.is_on() {
                response
                    .headers_mut()
                    .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            }
            Ok(response.map(|body| Sending { body, activity }))
        })
    }
}
