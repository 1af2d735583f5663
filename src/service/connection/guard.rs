//! Runs one connection and closes it at the header or idle timeout, or when evicted.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use super::activity::{Activity, HANDLING, HEAD, IDLE, SENDING};

/// Why a connection's task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The connection ended by itself (client closed, `Connection: close`, an error, shutdown).
    Finished,
    /// No whole request head within the header timeout.
    HeaderTimeout,
    /// Kept alive with no new request for the idle timeout.
    IdleTimeout,
    /// The client read nothing of its answer for the idle timeout.
    WriteStalled,
    /// Closed to make room at the connection cap, or at shutdown.
    Evicted,
}

/// At shutdown, how long a connection still waiting for its request head is given.
const SHUTDOWN_HEAD_GRACE: Duration = Duration::from_millis(500);

/// A connection's future (handshake and HTTP), cut at its deadlines.
///
/// Every change of state happens while the connection's future is polled (bytes read, a
/// request handed to the service, its answer handed to hyper and flushed), so looking at the
/// state right after that poll is enough to move the deadline; no other task or timer per
/// request is needed.
pub struct Guarded<F> {
    conn: Pin<Box<F>>,
    activity: Arc<Activity>,
    header_timeout: Duration,
    idle_timeout: Duration,
    epoch: Instant,
    seen: Option<u32>,
    deadline: Pin<Box<Sleep>>,
    /// At shutdown: when a connection still waiting for its head is closed.
    closing_grace: Option<Instant>,
}

impl<F: Future<Output = ()>> Guarded<F> {
    pub fn new(
        conn: F,
        activity: Arc<Activity>,
        header_timeout: Duration,
        idle_timeout: Duration,
        epoch: Instant,
    ) -> Guarded<F> {
        Guarded {
            conn: Box::pin(conn),
            activity,
            header_timeout,
            idle_timeout,
            epoch,
            seen: None,
            deadline: Box::pin(tokio::time::sleep(header_timeout)),
            closing_grace: None,
        }
    }
}

impl<F: Future<Output = ()>> Future for Guarded<F> {
    type Output = Ended;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Ended> {
        let this = self.get_mut();
        this.activity.register(cx.waker());
        if this.conn.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Ended::Finished);
        }
        let (state, changes) = this.activity.load();
        if this.seen != Some(changes) {
            this.seen = Some(changes);
            let now = Instant::now();
            let since = now.saturating_duration_since(this.epoch);
            this.activity
                .set_since_us(u64::try_from(since.as_micros()).unwrap_or(u64::MAX));
            let wait = match state {
                HEAD => this.header_timeout,
                _ => this.idle_timeout,
            };
            this.deadline.as_mut().reset(now + wait);
        }
        match state {
            // A handler is never cut.
            HANDLING => Poll::Pending,
            // An answer going out is cut only when the client takes none of it for the idle
            // timeout (every write that goes through after one that could not is a change).
            SENDING => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Ended::WriteStalled),
                Poll::Pending => Poll::Pending,
            },
            _ if this.activity.evicted_at(changes) => Poll::Ready(Ended::Evicted),
            IDLE if this.activity.is_closing() => Poll::Ready(Ended::Evicted),
            HEAD if this.activity.is_closing() => {
                // A request sent just before the stop may not have been read yet (the socket's
                // readiness comes a moment after the accept): a moment to read it.
                let grace = *this
                    .closing_grace
                    .get_or_insert_with(|| Instant::now() + SHUTDOWN_HEAD_GRACE);
                if this.deadline.deadline() > grace {
                    this.deadline.as_mut().reset(grace);
                }
                match this.deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Ended::Evicted),
                    Poll::Pending => Poll::Pending,
                }
            }
            _ => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) if state == HEAD => Poll::Ready(Ended::HeaderTimeout),
                Poll::Ready(()) => Poll::Ready(Ended::IdleTimeout),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
