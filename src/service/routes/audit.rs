//! The audit trail over HTTP: `GET /tokentab/api/v1/audit` (admins only), the client address
//! of a request ([`Source`]), and how handlers record refusals ([`refused`]).

use axum::Json;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;

use crate::model::wire::AuditList;

use super::super::auth::{Caller, Principal};
use super::super::edge::ClientAddr;
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::super::store::audit::{AuditFilter, Record};
use super::query::Params;
use crate::model::clock::now;

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1_000;

/// The client's address: the connection layer's [`ClientAddr`] (the peer, or who a trusted
/// proxy says the client is), always set by [`crate::service::spawn`]'s listener.
pub struct Source(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Source(
            parts
                .extensions
                .get::<ClientAddr>()
                .map(ClientAddr::to_string),
        ))
    }
}

/// A record for `action` by `p` from `source`; the handler adds the target.
pub fn by(p: &Principal, action: &'static str, source: Source) -> Record {
    Record {
        actor: p.username.clone(),
        actor_token_id: p.token_id.clone(),
        action,
        source: source.0,
        ..Record::default()
    }
}

/// How a refusal reads in the trail: status and JFrog code, never the message.
pub fn outcome(e: &ApiErr) -> String {
    format!("{} {}", e.status.as_u16(), e.code)
}

/// Records a refused change, then hands the error back. A client error (4xx) is recorded,
/// aggregated with the same token's same refusals of the minute
/// ([`crate::service::abuse::refusal_trail`]); a server error is not a decision anybody made.
/// Nothing is recorded while the disk is under the free-space floor.
pub async fn refused(state: &AppState, r: Record, e: ApiErr) -> ApiErr {
    // Under the free-disk floor the room is kept for revokes.
    if state.db.health().room_to_grow().is_err() {
        return e;
    }
    if e.status.is_client_error() {
        state
            .abuse
            .trail
            .record(&state.db, r, now(), outcome(&e))
            .await;
    }
    e
}

/// `since` as RFC 3339 or seconds since the epoch.
fn parse_since(s: &str) -> Result<i64, ApiErr> {
    if let Ok(n) = s.trim().parse::<i64>() {
        return Ok(n);
    }
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.timestamp())
        .map_err(|_| {
            ApiErr::bad_request("since must be RFC 3339 (2026-11-01T00:00:00Z) or epoch seconds")
        })
}

pub async fn list(
    State(state): State<AppState>,
    Caller(p): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<AuditList>, ApiErr> {
    if !p.is_admin() {
        return Err(ApiErr::forbidden("only an admin can read the audit trail"));
    }
    let q = Params::parse(query.as_deref());
    let limit = q
        .number("limit", 1, u32::MAX)?
        .unwrap_or(DEFAULT_LIMIT)
        .min(MAX_LIMIT);
    let before_seq = q.seq_cursor()?;
    let filter = AuditFilter {
        token_id: q.get("token_id").map(str::to_owned),
        actor: q.get("actor").map(str::to_owned),
        action: q.get("action").map(str::to_owned),
        since: q.get("since").map(parse_since).transpose()?,
        before_seq,
    };
    let (entries, next) = state.db.audit_list(filter, limit).await?;
    Ok(Json(AuditList {
        entries,
        cursor: next.map(|n| n.to_string()),
    }))
}
