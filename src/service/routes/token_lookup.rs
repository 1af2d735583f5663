//! `POST /tokentab/api/v1/tokens/lookup` (admin; issue 20, `tokentab scan`): body
//! `{"sha256": ["<hex>", …]}` (at most [`MAX_LOOKUP`]); answers each hash, in order, with
//! `live`, `revoked`, `expired` or `unknown`, and for a known one its id, user, subject,
//! description and expiry. Only hashes travel: the secrets stay where they were found.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;

use crate::model::clock::now;
use crate::model::lookup::{
    LookupHit, LookupRequest, LookupResponse, LookupStatus, MAX_LOOKUP, is_sha256_hex,
};

use super::super::auth::Caller;
use super::super::error::ApiErr;
use super::super::state::AppState;

pub async fn lookup(
    State(state): State<AppState>,
    Caller(p): Caller,
    body: Bytes,
) -> Result<Json<LookupResponse>, ApiErr> {
    if !p.is_admin() {
        return Err(ApiErr::forbidden("looking tokens up needs an admin token"));
    }
    let req: LookupRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiErr::bad_request(format!(
            "the body must be {{\"sha256\": [\"<64 hex>\", …]}}: {e}"
        ))
    })?;
    if req.sha256.len() > MAX_LOOKUP {
        return Err(ApiErr::bad_request(format!(
            "at most {MAX_LOOKUP} hashes per request ({} sent)",
            req.sha256.len()
        )));
    }
    let mut hashes = Vec::with_capacity(req.sha256.len());
    for (i, h) in req.sha256.iter().enumerate() {
        hashes.push(
            parse_hex(h).ok_or_else(|| {
                ApiErr::bad_request(format!("sha256[{i}] is not 64 lower-case hex"))
            })?,
        );
    }
    let now = now();
    let mut tokens = Vec::with_capacity(hashes.len());
    for (hex, hash) in req.sha256.into_iter().zip(hashes) {
        let hit = match state.db.auth_by_hash(hash).await? {
            None => LookupHit {
                sha256: hex,
                status: LookupStatus::Unknown,
                token_id: None,
                username: None,
                subject: None,
                description: None,
                expiry: None,
            },
            Some(row) => {
                let t = row.token;
                let status = if row.revoked {
                    LookupStatus::Revoked
                } else if t.expiry.is_some_and(|e| e <= now) {
                    LookupStatus::Expired
                } else {
                    LookupStatus::Live
                };
                LookupHit {
                    sha256: hex,
                    status,
                    subject: Some(state.subject(&t.username)),
                    token_id: Some(t.token_id),
                    username: Some(t.username),
                    description: Some(t.description),
                    expiry: t.expiry,
                }
            }
        };
        tokens.push(hit);
    }
    Ok(Json(LookupResponse { tokens }))
}

fn parse_hex(s: &str) -> Option<[u8; 32]> {
    if !is_sha256_hex(s) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}
