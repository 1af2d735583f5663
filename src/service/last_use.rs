//! Where a token was last used (issue 20, item 5): the client address and user agent of the
//! last recorded use, stored with `last_used` (not every use).
//!
//! A use is written when the hourly refresh of `last_used` is due
//! ([`super::auth`]'s `LAST_USED_GRANULARITY`) **or** its address or user agent differs from
//! the last one written, so a leaked token used from a new address shows at once. What a
//! hostile client can cost is bounded: a change is written at most once per [`CHANGE_GAP`]
//! seconds per token and process (a client alternating addresses or agents on every request
//! causes at most 1,800 single-row updates an hour per token, not one per request); the gate
//! is in memory ([`LastSeen`], at most [`MAX_TRACKED`] tokens, then it starts over), seeded
//! from the row whenever authentication reads it, so a restart does not rewrite every token.
//!
//! The address is the one the audit's `Source` reads: the connection layer's [`ClientAddr`]
//! (the peer, or the client a trusted proxy names), without the port. The agent is escaped and
//! capped ([`MAX_AGENT_CHARS`]) before it is stored: a hostile string never reaches a terminal
//! raw.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use axum::extract::FromRequestParts;
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;

use super::edge::ClientAddr;
use crate::model::sanitize::escape_capped;

/// Longest user agent stored (characters, after escaping).
pub const MAX_AGENT_CHARS: usize = 200;
/// A changed address or agent is written at most this often per token (seconds).
pub const CHANGE_GAP: i64 = 2;
/// Tokens the gate remembers before it starts over.
pub const MAX_TRACKED: usize = 100_000;

/// Where one request came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    pub source: Option<String>,
    pub agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Seen {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Seen::of(parts))
    }
}

impl Seen {
    /// The request's client address (the audit's [`Source`], port dropped) and user agent.
    pub fn of(parts: &Parts) -> Seen {
        let source = parts
            .extensions
            .get::<ClientAddr>()
            .map(|a| a.ip.to_string());
        let agent = parts
            .headers
            .get(USER_AGENT)
            .map(|v| agent_text(&String::from_utf8_lossy(v.as_bytes())))
            .filter(|a| !a.is_empty());
        Seen { source, agent }
    }

    fn fingerprint(source: Option<&str>, agent: Option<&str>) -> u64 {
        let mut h = DefaultHasher::new();
        (source, agent).hash(&mut h);
        h.finish()
    }

    pub fn print(&self) -> u64 {
        Seen::fingerprint(self.source.as_deref(), self.agent.as_deref())
    }
}

/// A user agent as stored: every unsafe character escaped, at most [`MAX_AGENT_CHARS`].
pub fn agent_text(raw: &str) -> String {
    escape_capped(raw.trim(), MAX_AGENT_CHARS).into_owned()
}

/// Per token: the fingerprint of the last address and agent written, and when.
#[derive(Default)]
pub struct LastSeen {
    map: Mutex<HashMap<String, (u64, i64)>>,
}

impl LastSeen {
    /// What the row says was written last (authentication read it), unless known already.
    pub fn seed(&self, token_id: &str, source: Option<&str>, agent: Option<&str>, at: i64) {
        let Ok(mut m) = self.map.lock() else { return };
        if m.contains_key(token_id) {
            return;
        }
        if m.len() >= MAX_TRACKED {
            m.clear();
        }
        m.insert(token_id.to_owned(), (Seen::fingerprint(source, agent), at));
    }

    /// Whether this use is to be written: `hourly` (the refresh of `last_used` is due), or a
    /// changed address or agent at least [`CHANGE_GAP`] after the last write; remembers it.
    pub fn due(&self, token_id: &str, print: u64, now: i64, hourly: bool) -> bool {
        let Ok(mut m) = self.map.lock() else {
            return hourly;
        };
        match m.get_mut(token_id) {
            Some((known, at)) => {
                let write = hourly || (*known != print && now - *at >= CHANGE_GAP);
                if write {
                    *known = print;
                    *at = now;
                }
                write
            }
            None => {
                if m.len() >= MAX_TRACKED {
                    m.clear();
                }
                m.insert(token_id.to_owned(), (print, now));
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_written_at_once_then_at_most_once_per_gap() {
        let g = LastSeen::default();
        let a = Seen::fingerprint(Some("127.0.0.1"), Some("curl/8"));
        let b = Seen::fingerprint(Some("203.0.113.7"), Some("curl/8"));
        g.seed("t", Some("127.0.0.1"), Some("curl/8"), 1_000);
        assert!(!g.due("t", a, 1_001, false), "the same: not written");
        assert!(g.due("t", b, 1_011, false), "a new address: at once");
        assert!(
            !g.due("t", a, 1_012, false),
            "a flip back within the gap waits"
        );
        assert!(g.due("t", a, 1_013, false), "after the gap");
        assert!(!g.due("t", a, 1_020, false), "the same again: not written");
        assert!(g.due("t", a, 1_020, true), "the hourly refresh always");
        assert!(g.due("u", a, 5, false), "unknown to the gate: written");
    }

    #[test]
    fn agents_are_escaped_and_capped() {
        let a = agent_text("evil\u{1b}[2J\u{202e}x");
        assert!(!a.contains('\u{1b}') && !a.contains('\u{202e}'), "{a}");
        assert!(agent_text(&"x".repeat(5_000)).chars().count() < MAX_AGENT_CHARS + 40);
    }
}
