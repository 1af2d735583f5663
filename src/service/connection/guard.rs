//! Runs one connection and closes it at the header or idle timeout, or when evicted.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use super::activity::{Activity, BUSY, HEAD};

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

/// A connection's future (handshake and HTTP), cut at its deadlines.
///
/// Every change of state happens while the connection's future is polled (bytes read, a
/// request handed to the service, its answer ready), so looking at the state right after that
/// poll is enough to move the deadline; no other task or timer per request is needed.
pub struct Guarded<F> {
    conn: Pin<Box<F>>,
    activity: Arc<Activity>,
    header_timeout: Duration,
    idle_timeout: Duration,
    epoch: Instant,
    seen: Option<u32>,
    deadline: Pin<Box<Sleep>>,
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
        // An answer still going out is not cut by a head's or an idle timeout, nor evicted;
        // only a client that reads none of it for the idle timeout is.
        let writing = this.activity.write_blocked();
        if this.seen != Some(changes) {
            this.seen = Some(changes);
            let now = Instant::now();
            let since = now.saturating_duration_since(this.epoch);
            this.activity
                .set_since_us(u64::try_from(since.as_micros()).unwrap_or(u64::MAX));
            let wait = if state == HEAD && !writing {
                this.header_timeout
            } else {
                this.idle_timeout
            };
            if state != BUSY {
                this.deadline.as_mut().reset(now + wait);
            }
        }
        if state == BUSY {
            return Poll::Pending;
        }
        if !writing && this.activity.must_close(changes) {
            return Poll::Ready(Ended::Evicted);
        }
        match this.deadline.as_mut().poll(cx) {
            Poll::Ready(()) if writing => Poll::Ready(Ended::WriteStalled),
            Poll::Ready(()) if state == HEAD => Poll::Ready(Ended::HeaderTimeout),
            Poll::Ready(()) => Poll::Ready(Ended::IdleTimeout),
            Poll::Pending => Poll::Pending,
        }
    }
}
