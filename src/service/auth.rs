//! Bearer secrets (generation, hashing, shape) and the caller behind a request: [`Principal`].
//! When a token stops working (the revocation rule and its proof): [`super::revocation`].

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::model::scope::Scope;
use crate::model::token_format::{self, Shape};

use super::error::{ApiErr, StoreError};
use super::last_use::Seen;
pub use super::principal::Principal;
use super::state::AppState;
use super::store::backend::Db;
use super::store::tokens::UserState;
use crate::model::clock::now;

/// Refresh `last_used` at most this often per token (JFrog's is lazy too).
const LAST_USED_GRANULARITY: i64 = 3600;

/// A fresh secret: 256 bits from the OS CSPRNG in the current format ([`token_format`]).
pub fn new_secret() -> Result<Zeroizing<String>, StoreError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut bytes[..]).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(Zeroizing::new(token_format::encode(&bytes)))
}

/// What the database keeps instead of the secret.
pub fn hash_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `s` has the shape of one of our secrets (checked before any lookup): the current
/// format with a checksum that holds, or the legacy one.
pub fn is_well_formed(s: &str) -> bool {
    token_format::is_well_formed(s)
}

/// The bearer secret of a request.
fn bearer(headers: &HeaderMap) -> Result<&str, ApiErr> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiErr::unauthorized(
            "missing access token: send Authorization: Bearer <token>",
        ));
    };
    let value = value
        .to_str()
        .map_err(|_| ApiErr::unauthorized("malformed Authorization header"))?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or_else(|| ApiErr::unauthorized("malformed Authorization header"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiErr::unauthorized(
            "unsupported authorization scheme: use Bearer",
        ));
    }
    let token = token.trim();
    match token_format::shape(token) {
        Shape::Current | Shape::Legacy => Ok(token),
        Shape::BadChecksum => Err(ApiErr::unauthorized(
            "access token checksum does not match: the token is mistyped, truncated or not \
             one of ours",
        )),
        Shape::Other => Err(ApiErr::unauthorized("malformed access token")),
    }
}

fn record_use(state: &AppState, token_id: String, now: i64) {
    let db = Arc::clone(&state.db);
    tokio::spawn(async move {
        let done = db.touch_last_used(token_id, now).await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "could not record last_used");
        }
    });
}

/// Records this use when due: with where it came from when the request says
/// ([`super::last_use`]: the hourly refresh, or a changed address or agent), else as before.
fn record_seen(state: &AppState, token_id: &str, now: i64, hourly: bool, seen: Option<&Seen>) {
    let Some(seen) = seen else {
        if hourly {
            record_use(state, token_id.to_owned(), now);
        }
        return;
    };
    if !state
        .auth_cache
        .last_seen
        .due(token_id, seen.print(), now, hourly)
    {
        return;
    }
    let db = Arc::clone(&state.db);
    let (id, seen) = (token_id.to_owned(), seen.clone());
    tokio::spawn(async move {
        let done = db.note_last_use(id, now, seen.source, seen.agent).await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "could not record last_used");
        }
    });
}

/// The revocation epoch from a read that began after the request arrived, shared with the
/// requests for which that is true too (single flight, [`super::revocation`]). SQLite: on the
/// caller's thread; PostgreSQL: one primary-key statement.
async fn current_epoch(state: &AppState) -> Result<u64, ApiErr> {
    Ok(match &*state.db {
        Db::Sqlite(db) => state.auth_cache.epochs.current(db.path()).await?,
        Db::Postgres(db) => {
            state
                .auth_cache
                .epochs
                .current_from(|| db.revocation_epoch())
                .await?
        }
    })
}

/// Authenticates a request: 401 for missing, malformed, unknown, revoked or expired tokens.
/// Validity is read after the request arrived (see [`super::revocation`]).
#[allow(dead_code)] // for a caller without the request's parts ([`authenticate_seen`] records where from)
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Arc<Principal>, ApiErr> {
    authenticate_hash(state, bearer_hash(headers)?).await
}

/// [`authenticate`], recording where the request came from ([`super::last_use`]).
pub async fn authenticate_seen(
    state: &AppState,
    headers: &HeaderMap,
    seen: &Seen,
) -> Result<Arc<Principal>, ApiErr> {
    let hash = bearer_hash(headers)?;
    let epoch = current_epoch(state).await?;
    authenticate_at_seen(state, hash, epoch, Some(seen)).await
}

/// The hash of a request's bearer secret: 401 when it is missing or not of our shape (checked
/// before any lookup).
pub fn bearer_hash(headers: &HeaderMap) -> Result<[u8; 32], ApiErr> {
    Ok(hash_secret(bearer(headers)?))
}

/// [`authenticate`] for a secret already hashed ([`bearer_hash`]).
pub async fn authenticate_hash(state: &AppState, hash: [u8; 32]) -> Result<Arc<Principal>, ApiErr> {
    let epoch = current_epoch(state).await?;
    authenticate_at(state, hash, epoch).await
}

/// Authenticates the secret hashed to `hash` under `epoch`, which must come from a read that
/// began after the request arrived: [`current_epoch`]'s, or the epoch returned by the
/// statement that read what the request asked for ([`super::revocation`], "One statement for
/// both").
pub async fn authenticate_at(
    state: &AppState,
    hash: [u8; 32],
    epoch: u64,
) -> Result<Arc<Principal>, ApiErr> {
    authenticate_at_seen(state, hash, epoch, None).await
}

/// [`authenticate_at`], recording where the request came from when `seen` says.
pub async fn authenticate_at_seen(
    state: &AppState,
    hash: [u8; 32],
    epoch: u64,
    seen: Option<&Seen>,
) -> Result<Arc<Principal>, ApiErr> {
    let now = now();
    let expired = || ApiErr::unauthorized("this access token has expired");
    if let Some(hit) = state
        .auth_cache
        .get(epoch, &hash, now, LAST_USED_GRANULARITY)
    {
        if hit.expiry.is_some_and(|e| e <= now) {
            return Err(expired());
        }
        record_seen(state, &hit.principal.token_id, now, hit.touch, seen);
        return Ok(hit.principal);
    }
    let row = state
        .db
        .auth_by_hash(hash)
        .await?
        .ok_or_else(|| ApiErr::unauthorized("unknown access token"))?;
    if row.revoked {
        return Err(ApiErr::unauthorized("this access token has been revoked"));
    }
    match row.user {
        UserState::Enabled => {}
        UserState::Disabled => {
            return Err(ApiErr::unauthorized(
                "the user of this access token is disabled",
            ));
        }
        UserState::Gone => {
            return Err(ApiErr::unauthorized(
                "the user of this access token no longer exists",
            ));
        }
    }
    if row.token.expiry.is_some_and(|e| e <= now) {
        return Err(expired());
    }
    let scope: Scope = row.token.scope.parse().map_err(|_| {
        tracing::error!(token_id = %row.token.token_id, "stored scope does not parse");
        ApiErr::unauthorized("this access token's scope is not valid")
    })?;
    let mut last_used = row.token.last_used;
    let hourly = last_used.is_none_or(|t| now - t >= LAST_USED_GRANULARITY);
    if hourly {
        last_used = Some(now);
    }
    state.auth_cache.last_seen.seed(
        &row.token.token_id,
        row.token.last_source.as_deref(),
        row.token.last_agent.as_deref(),
        row.token.last_used.unwrap_or(0),
    );
    record_seen(state, &row.token.token_id, now, hourly, seen);
    let principal = Arc::new(Principal {
        token_id: row.token.token_id,
        username: row.token.username,
        user_admin: row.user_admin,
        scope,
        memberships: row.memberships,
    });
    state.auth_cache.insert(
        epoch,
        hash,
        Arc::clone(&principal),
        row.token.expiry,
        last_used,
    );
    Ok(principal)
}

/// Extractor: the bearer secret's hash (401 when missing or malformed), for a handler that
/// reads the revocation epoch in the statement that reads its answer and then calls
/// [`authenticate_at`].
pub struct BearerHash(pub [u8; 32]);

impl FromRequestParts<AppState> for BearerHash {
    type Rejection = ApiErr;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiErr> {
        bearer_hash(&parts.headers).map(BearerHash)
    }
}

/// Extractor: the authenticated caller (401 otherwise). Reads only the Authorization header.
pub struct Caller(pub Arc<Principal>);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiErr;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiErr> {
        let seen = Seen::of(parts);
        authenticate_seen(state, &parts.headers, &seen)
            .await
            .map(Caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_url_safe() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_ne!(*a, *b);
        assert!(is_well_formed(&a), "{}", a.len());
        assert!(a.bytes().all(|c| c.is_ascii_graphic()));
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&"a".repeat(42)));
        assert!(!is_well_formed(&format!("{}=", "a".repeat(42))));
        assert_eq!(a.len(), token_format::TOKEN_LEN);
        assert!(a.starts_with("tkt_"));
        assert!(is_well_formed(&"a".repeat(43)), "legacy secrets stay valid");
    }
}
