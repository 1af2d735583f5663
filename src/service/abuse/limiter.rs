//! Refusals earn a wait: each source address and each presented token may be refused
//! `burst` times at once and `per_second` times a second after that (GCRA, `governor`). One
//! that is out of credit is answered 429 with `Retry-After` before anything else happens: no
//! authentication, no database, no log line.
//!
//! Only refusals cost credit (any 4xx but our own 429), so a client that is served never
//! meets the limit, however fast it goes. The check on the way in is one atomic load while
//! nobody is blocked. Tokens are keyed by a per-process keyed hash of the Authorization
//! header, so no secret is held here. Behind a proxy every client shares the proxy's address:
//! run the proxy's own limits there (README, "A shared service").

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Who is charged for a refusal.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Offender {
    Source(IpAddr),
    /// A keyed hash of the Authorization header.
    Token(u64),
}

/// Who sent a request, as the limiter sees it.
pub struct Requester {
    pub source: Option<IpAddr>,
    /// The Authorization header as sent (a cheap clone of its bytes).
    pub auth: Option<HeaderValue>,
}

pub struct RefusalLimiter {
    limiter: Option<DefaultKeyedRateLimiter<Offender>>,
    clock: DefaultClock,
    hasher: std::collections::hash_map::RandomState,
    /// Offenders out of credit, until when.
    blocked: Mutex<HashMap<Offender, Instant>>,
    /// `blocked.len()`, readable without the lock.
    blocked_now: AtomicUsize,
    /// Requests answered 429 since the last [`RefusalLimiter::take_limited`].
    limited: AtomicU64,
}

impl RefusalLimiter {
    /// `per_second` 0 turns the limit off.
    pub fn new(per_second: u32, burst: u32) -> RefusalLimiter {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
            RateLimiter::dashmap(Quota::per_second(rate).allow_burst(burst))
        });
        RefusalLimiter {
            limiter,
            clock: DefaultClock::default(),
            hasher: Default::default(),
            blocked: Mutex::new(HashMap::new()),
            blocked_now: AtomicUsize::new(0),
            limited: AtomicU64::new(0),
        }
    }

    fn blocked(&self) -> MutexGuard<'_, HashMap<Offender, Instant>> {
        self.blocked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The offenders a request is charged to: its source address and its token, if any. The
    /// token's hash is computed only when needed (someone is blocked, or this is a refusal).
    fn offenders(&self, who: &Requester) -> [Option<Offender>; 2] {
        [
            who.source.map(Offender::Source),
            who.auth
                .as_ref()
                .map(|a| Offender::Token(self.hasher.hash_one(a.as_bytes()))),
        ]
    }

    /// How long the request must wait when one of its offenders is out of credit.
    pub fn wait(&self, who: &Requester) -> Option<Duration> {
        if self.blocked_now.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let offenders = self.offenders(who);
        let now = Instant::now();
        let mut blocked = self.blocked();
        let mut longest = None;
        for o in offenders.iter().flatten() {
            match blocked.get(o) {
                Some(until) if *until > now => {
                    longest = longest.max(Some(*until - now));
                }
                Some(_) => {
                    blocked.remove(o);
                    self.blocked_now.store(blocked.len(), Ordering::Relaxed);
                }
                None => {}
            }
        }
        if longest.is_some() {
            self.limited.fetch_add(1, Ordering::Relaxed);
        }
        longest
    }

    /// Charges one refusal to each offender; an offender out of credit is blocked until it
    /// has one again.
    pub fn charge(&self, who: &Requester) {
        let Some(limiter) = &self.limiter else {
            return;
        };
        for o in self.offenders(who).iter().flatten() {
            if let Err(not_until) = limiter.check_key(o) {
                let wait = not_until.wait_time_from(self.clock.now());
                let mut blocked = self.blocked();
                blocked.insert(*o, Instant::now() + wait);
                self.blocked_now.store(blocked.len(), Ordering::Relaxed);
            }
        }
    }

    /// Forgets offenders whose credit is full again and blocks that ended (memory stays
    /// bounded by the offenders of the last few seconds).
    pub fn sweep(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let now = Instant::now();
        let mut blocked = self.blocked();
        blocked.retain(|_, until| *until > now);
        blocked.shrink_to_fit();
        self.blocked_now.store(blocked.len(), Ordering::Relaxed);
    }

    /// How many requests were answered 429 since the last call.
    pub fn take_limited(&self) -> u64 {
        self.limited.swap(0, Ordering::Relaxed)
    }

    /// Offenders tracked now (the limiter's keys).
    pub fn tracked(&self) -> usize {
        self.limiter.as_ref().map_or(0, |l| l.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(ip: [u8; 4], auth: Option<&HeaderValue>) -> Requester {
        Requester {
            source: Some(ip.into()),
            auth: auth.cloned(),
        }
    }

    #[test]
    fn refusals_past_the_burst_block_until_credit_returns_and_others_are_untouched() {
        let l = RefusalLimiter::new(10, 3);
        let auth = HeaderValue::from_static("Bearer x");
        let a = who([10, 0, 0, 1], Some(&auth));
        let b = who([10, 0, 0, 2], None);
        for _ in 0..3 {
            assert_eq!(l.wait(&a), None);
            l.charge(&a);
        }
        assert_eq!(l.wait(&a), None, "the burst is 3 refusals");
        l.charge(&a);
        let wait = l.wait(&a).expect("out of credit");
        assert!(
            wait <= Duration::from_millis(100),
            "{wait:?}: 10/s means 100 ms a refusal"
        );
        assert_eq!(l.wait(&b), None, "another source is not slowed");
        // The same token from another address is out of credit too.
        let c = who([10, 0, 0, 3], Some(&auth));
        assert!(l.wait(&c).is_some());
        assert_eq!(l.take_limited(), 2);
        std::thread::sleep(wait + Duration::from_millis(5));
        assert_eq!(l.wait(&a), None, "credit came back");
        l.sweep();
        assert_eq!(l.blocked_now.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn zero_turns_it_off() {
        let l = RefusalLimiter::new(0, 0);
        let a = who([10, 0, 0, 1], None);
        for _ in 0..1000 {
            l.charge(&a);
        }
        assert_eq!(l.wait(&a), None);
    }
}
