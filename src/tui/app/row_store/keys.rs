//! The filter's key terms (`user:`, `status:`, `unused:`, `scope:`) on the store's columns:
//! users are decided once per interned subject, scope kinds once per interned scope (cached
//! across queries), status and `unused:` from the stored seconds. No token is rebuilt per row.

use chrono::{DateTime, Utc};

use crate::model::TokenStatus;
use crate::model::filter_query::{FilterQuery, scope_text_kinds};

use super::{NO_SCOPE, RowStore};

/// A query's key terms compiled against one store.
pub struct KeyMatcher {
    /// Per interned subject: every `user:` term names its user.
    subjects: Vec<bool>,
    /// Per interned scope: it is of every `scope:` kind; None when no `scope:` term is given.
    scopes: Option<Vec<bool>>,
    /// For its `status:` terms.
    query: FilterQuery,
    /// `unused:`: last used (or, never used, issued) before this second.
    unused_before: Option<i64>,
    now: i64,
}

impl RowStore {
    /// Compiles the key terms of `q` (the free text is matched by [`RowStore::matcher`]).
    pub fn key_matcher(&mut self, q: &FilterQuery, now: DateTime<Utc>) -> KeyMatcher {
        let scopes = q.needs_scope_kinds().then(|| {
            for n in self.scope_kinds.len()..self.scopes.len() {
                let kinds = scope_text_kinds(&self.scopes.entries[n].text);
                self.scope_kinds.push(kinds);
            }
            self.scope_kinds.iter().map(|&k| q.kinds_match(k)).collect()
        });
        let subjects = self
            .subjects
            .entries
            .iter()
            .map(|e| q.user_matches(&e.shown))
            .collect();
        // An age beyond the calendar: nothing is that old.
        let unused_before = q.unused.map(|age| {
            now.checked_sub_signed(age)
                .map_or(i64::MIN, |t| t.timestamp())
        });
        KeyMatcher {
            subjects,
            scopes,
            query: q.clone(),
            unused_before,
            now: now.timestamp(),
        }
    }

    /// Whether row `row` satisfies every key term.
    pub fn keys_hit(&self, k: &KeyMatcher, row: usize) -> bool {
        if let Some(before) = k.unused_before {
            // Never used: the issue date counts instead.
            let at = self.last_used_secs(row).unwrap_or(self.issued[row]);
            if at >= before {
                return false;
            }
        }
        if !k.subjects[self.subject[row] as usize] {
            return false;
        }
        if let Some(scopes) = &k.scopes {
            let n = self.scope[row];
            if n == NO_SCOPE || !scopes[n as usize] {
                return false;
            }
        }
        k.query.status_matches(self.status(row, k.now))
    }

    /// The token's status at `now` (epoch seconds), by the rule of `Token::status` (a disabled
    /// user wins over the expiry states).
    pub fn status(&self, row: usize, now: i64) -> TokenStatus {
        if self.user_disabled(row) {
            return TokenStatus::Disabled;
        }
        let soon = now + crate::model::token::EXPIRING_DAYS * 86_400;
        match self.expiry_secs(row) {
            None => TokenStatus::NeverExpires,
            Some(at) if at <= now => TokenStatus::Expired,
            Some(at) if at <= soon => TokenStatus::Expiring,
            Some(_) => TokenStatus::Active,
        }
    }
}
