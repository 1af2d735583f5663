//! The audit trail: who changed which token or device, when, from where, and how it ended.
//!
//! A row is written by the change's own transaction (the rules call `Tx::record`), so it
//! exists exactly when the change was committed. Refusals are recorded in a small transaction
//! of their own. Rows never hold a secret or a hash: only ids, names, descriptions, addresses
//! and outcomes. The SQL is each backend's `audit.rs`.

use std::borrow::Cow;

use crate::model::sanitize::{MAX_RECORDED_CHARS, escape_capped};

/// What a handler knows about a change before it is written.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub actor: String,
    pub actor_token_id: String,
    pub action: &'static str,
    pub token_id: Option<String>,
    pub description: Option<String>,
    pub device: Option<String>,
    pub source: Option<String>,
}

pub const OK: &str = "ok";

/// What is stored of a field: control characters escaped, at most [`MAX_RECORDED_CHARS`]
/// (marked as cut). Routes check shapes first; this holds whatever a later route forgets.
pub fn bounded(s: &str) -> Cow<'_, str> {
    escape_capped(s, MAX_RECORDED_CHARS)
}

/// [`bounded`] for an optional field.
pub fn bounded_opt(s: &Option<String>) -> Option<Cow<'_, str>> {
    s.as_deref().map(bounded)
}

/// The two rows of a refresh: the old token replaced, the new one created by it.
pub fn refresh_records(
    rec: Record,
    old_id: &str,
    new: &super::tokens::NewToken,
) -> [(Record, &'static str); 2] {
    let old = Record {
        token_id: Some(old_id.to_owned()),
        description: Some(new.description.clone()),
        ..rec.clone()
    };
    let made = Record {
        token_id: Some(new.token_id.clone()),
        description: Some(new.description.clone()),
        ..rec
    };
    [(old, "ok: replaced"), (made, OK)]
}

/// Which rows `GET /audit` returns.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub token_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Rows at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Rows older than this row number (the paging cursor).
    pub before_seq: Option<i64>,
}
