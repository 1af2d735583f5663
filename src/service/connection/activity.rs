//! What a connection is doing, as seen from its socket (bytes arriving) and from the service
//! (a request being answered): the state [`super::guard`] times and [`super::registry`] picks
//! eviction victims by.

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
use hyper::body::Incoming;
use hyper::service::Service;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Waiting for a request head: since the accept, or since the first byte of the next request.
pub const HEAD: u8 = 0;
/// A request is being answered.
pub const BUSY: u8 = 1;
/// Kept alive between requests, nothing received yet.
pub const IDLE: u8 = 2;

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
    /// The socket's last write or flush could not go through: an answer is still going out.
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

    /// Whether an answer is waiting for the client to read it.
    pub fn write_blocked(&self) -> bool {
        self.write_blocked.load(Ordering::Relaxed)
    }

    /// After each write or flush: `blocked` when it could not go through.
    fn wrote(&self, blocked: bool) {
        if self.write_blocked.load(Ordering::Relaxed) != blocked {
            self.write_blocked.store(blocked, Ordering::Relaxed);
            self.changes.fetch_add(1, Ordering::Relaxed);
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

    /// Whether it should close now that it is at `changes` with nothing in progress.
    pub fn must_close(&self, changes: u32) -> bool {
        self.closing.load(Ordering::Acquire)
            || self.evict_at.load(Ordering::Acquire) == u64::from(changes)
    }

    pub fn register(&self, waker: &std::task::Waker) {
        self.waker.register(waker);
    }
}

/// The socket (TCP or TLS) of a connection: a byte arriving on an idle connection starts a
/// request head; a write that cannot go through means an answer is still going out (hyper
/// holds the rest of it), so the connection is not idle yet.
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
        self.activity.wrote(polled.is_pending());
        polled
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The router as one connection's hyper service: gives handlers the client's address
/// ([`ConnectInfo`], as axum's own server does) and marks the connection busy while a request
/// is answered.
pub struct Tracked {
    app: TowerToHyperService<axum::Router>,
    peer: SocketAddr,
    activity: Arc<Activity>,
}

impl Tracked {
    pub fn new(app: axum::Router, peer: SocketAddr, activity: Arc<Activity>) -> Tracked {
        Tracked {
            app: TowerToHyperService::new(app),
            peer,
            activity,
        }
    }
}

/// Marks the connection idle when the answer is ready (or the request was dropped).
struct BusyUntilDropped(Arc<Activity>);

impl Drop for BusyUntilDropped {
    fn drop(&mut self) {
        self.0.set(IDLE);
    }
}

type Answer = Pin<Box<dyn Future<Output = Result<axum::response::Response, Infallible>> + Send>>;

impl Service<hyper::Request<Incoming>> for Tracked {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, mut req: hyper::Request<Incoming>) -> Answer {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        self.activity.set(BUSY);
        let busy = BusyUntilDropped(Arc::clone(&self.activity));
        let answer = self.app.call(req);
        Box::pin(async move {
            let out = answer.await;
            drop(busy);
            out
        })
    }
}
