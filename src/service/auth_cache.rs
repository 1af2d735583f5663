//! Recently authenticated tokens, so a busy client does not cost a database lookup per request.
//!
//! Correctness: a revoke (in this process) clears the cache and bumps a generation before it
//! answers; an entry computed from a read that started before that bump is never inserted. A
//! revoke made by another process sharing the database file is seen within [`TTL_SECS`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::auth::Principal;

const TTL_SECS: i64 = 5;
const MAX_ENTRIES: usize = 10_000;

#[derive(Clone)]
struct Entry {
    principal: Arc<Principal>,
    expiry: Option<i64>,
    last_used: Option<i64>,
    cached_at: i64,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    map: HashMap<[u8; 32], Entry>,
}

#[derive(Default)]
pub struct AuthCache {
    inner: Mutex<Inner>,
}

/// A cache hit.
pub struct Hit {
    pub principal: Arc<Principal>,
    pub expiry: Option<i64>,
    /// `last_used` was older than `granularity`: the caller should record this use.
    pub touch: bool,
}

impl AuthCache {
    /// The entry for `hash` if fresh; marks it used at `now` when its last use is older than
    /// `granularity`.
    pub fn get(&self, hash: &[u8; 32], now: i64, granularity: i64) -> Option<Hit> {
        let mut inner = self.inner.lock().ok()?;
        let entry = inner.map.get_mut(hash)?;
        if now - entry.cached_at >= TTL_SECS {
            inner.map.remove(hash);
            return None;
        }
        let touch = entry.last_used.is_none_or(|t| now - t >= granularity);
        if touch {
            entry.last_used = Some(now);
        }
        Some(Hit {
            principal: Arc::clone(&entry.principal),
            expiry: entry.expiry,
            touch,
        })
    }

    /// Read before the database lookup whose result may be inserted.
    pub fn generation(&self) -> u64 {
        self.inner.lock().map_or(u64::MAX, |i| i.generation)
    }

    pub fn insert(
        &self,
        generation: u64,
        hash: [u8; 32],
        principal: Arc<Principal>,
        expiry: Option<i64>,
        last_used: Option<i64>,
        now: i64,
    ) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.generation != generation {
            return;
        }
        if inner.map.len() >= MAX_ENTRIES {
            inner.map.clear();
        }
        inner.map.insert(
            hash,
            Entry {
                principal,
                expiry,
                last_used,
                cached_at: now,
            },
        );
    }

    /// Forget everything (a token was revoked).
    pub fn invalidate(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.generation = inner.generation.wrapping_add(1);
            inner.map.clear();
        }
    }
}
