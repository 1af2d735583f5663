//! Draining before a stop: on the first SIGTERM `tokentab serve` turns `/readyz` to 503 and
//! answers every request with `Connection: close` for `--drain-seconds`, still serving, so a
//! load balancer takes the replica out at its next failed health checks and its kept-alive
//! connections move to the other replicas; only then does the listener close.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// `--drain-seconds` unless given: HAProxy's default health check (`inter 2s`, `fall 3`) takes a
/// replica out within 6 s of its first 503, plus one check in flight; 10 s covers that with
/// room for a loaded machine.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// Whether this replica is draining; shared by `/readyz`, every connection and the handle.
#[derive(Debug, Clone, Default)]
pub struct Drain(Arc<AtomicBool>);

impl Drain {
    /// From now on `/readyz` answers 503 and every answer closes its connection.
    pub fn start(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}
