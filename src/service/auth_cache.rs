//! Principals by secret hash, so a busy client does not cost a database lookup per request.
//!
//! Holds only what cannot change without bumping the revocation epoch (the parsed scope, the
//! user's admin flag and memberships, the token's fixed expiry). Every entry is tagged with the
//! epoch it was read under and used only while that is still the current epoch; the rule and
//! its proof are in [`super::revocation`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::principal::Principal;
use super::revocation::EpochReader;

const MAX_ENTRIES: usize = 10_000;

#[derive(Clone)]
struct Entry {
    principal: Arc<Principal>,
    expiry: Option<i64>,
    last_used: Option<i64>,
}

#[derive(Default)]
struct Inner {
    /// The newest epoch seen; entries belong to it.
    epoch: u64,
    map: HashMap<[u8; 32], Entry>,
}

#[derive(Default)]
pub struct AuthCache {
    inner: Mutex<Inner>,
    pub epochs: EpochReader,
    /// Where each token was last used, as last written (issue 20 item 5).
    pub last_seen: super::last_use::LastSeen,
}

/// A cache hit.
pub struct Hit {
    pub principal: Arc<Principal>,
    pub expiry: Option<i64>,
    /// `last_used` was older than `granularity`: the caller should record this use.
    pub touch: bool,
}

impl Inner {
    /// Moves to `epoch` if it is newer (dropping every entry); whether `epoch` is current.
    fn advance(&mut self, epoch: u64) -> bool {
        if epoch > self.epoch {
            self.epoch = epoch;
            self.map.clear();
        }
        epoch == self.epoch
    }
}

impl AuthCache {
    /// The entry for `hash` read under `epoch` (just read from the database); marks it used at
    /// `now` when its last use is older than `granularity`.
    pub fn get(&self, epoch: u64, hash: &[u8; 32], now: i64, granularity: i64) -> Option<Hit> {
        let mut inner = self.inner.lock().ok()?;
        if !inner.advance(epoch) {
            return None;
        }
        let entry = inner.map.get_mut(hash)?;
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

    /// Drops every entry (a revocation was announced; the next request's epoch read would drop
    /// them too, this only frees them sooner).
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.map.clear();
        }
    }

    /// Caches a principal whose row was read after `epoch` was read.
    pub fn insert(
        &self,
        epoch: u64,
        hash: [u8; 32],
        principal: Arc<Principal>,
        expiry: Option<i64>,
        last_used: Option<i64>,
    ) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if !inner.advance(epoch) {
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
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Scope;

    fn principal(id: &str) -> Arc<Principal> {
        Arc::new(Principal {
            token_id: id.into(),
            username: "u".into(),
            user_admin: false,
            scope: crate::model::scope::USER.parse::<Scope>().unwrap(),
            memberships: Vec::new(),
        })
    }

    #[test]
    fn entries_live_only_within_their_epoch() {
        let cache = AuthCache::default();
        cache.insert(3, [1; 32], principal("a"), None, Some(0));
        assert!(cache.get(3, &[1; 32], 10, 3600).is_some());
        // A newer epoch (something was revoked) drops every entry.
        assert!(cache.get(4, &[1; 32], 10, 3600).is_none());
        assert!(cache.get(3, &[1; 32], 10, 3600).is_none());
        // A row read under an older epoch is never cached once a newer one was seen.
        cache.insert(3, [2; 32], principal("b"), None, Some(0));
        assert!(cache.get(4, &[2; 32], 10, 3600).is_none());
        cache.insert(4, [2; 32], principal("b"), None, Some(0));
        let hit = cache.get(4, &[2; 32], 10, 3600).unwrap();
        assert_eq!(hit.principal.token_id, "b");
        assert!(!hit.touch, "used 10 s after the last recorded use");
        assert!(cache.get(4, &[2; 32], 4000, 3600).unwrap().touch);
    }
}
