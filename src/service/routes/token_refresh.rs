//! `POST /access/api/v1/tokens` with `grant_type=refresh_token` (JFrog §1.2): a new access and
//! refresh token with the same scope and lifetime length; the old pair stops working.
//!
//! Only the owner may refresh: a refresh token that is unknown, already used, or another
//! user's gets the same 404 as JFrog's "not found", so it tells nothing about its existence.

use axum::response::Response;
use zeroize::Zeroizing;

use crate::model::wire::CreateTokenRequest;
use std::sync::Arc;

use super::super::auth::{Principal, hash_secret, is_well_formed, new_secret};
use super::super::error::ApiErr;
use super::super::revocation::recheck_caller;
use super::super::state::{AppState, now};
use super::super::store::audit::{self, Record};
use super::super::store::tokens::{self, NewToken};
use super::audit::{Source, by as audit_by, refused};
use super::token_create::created_response;

fn not_found() -> ApiErr {
    ApiErr::not_found("Token matching the provided refresh token was not found.")
}

/// Create fields a refresh cannot change: each is refused by name rather than ignored.
fn refuse_changes(req: &CreateTokenRequest, p: &Principal) -> Result<(), ApiErr> {
    let changed = [
        ("scope", req.scope.is_some()),
        ("expires_in", req.expires_in.is_some()),
        ("description", req.description.is_some()),
        ("audience", req.audience.is_some()),
        ("project_key", req.project_key.is_some()),
        (
            "include_reference_token",
            req.include_reference_token == Some(true),
        ),
        ("refreshable", req.refreshable == Some(false)),
        (
            "username",
            req.username.as_ref().is_some_and(|u| *u != p.username),
        ),
    ];
    match changed.iter().find(|(_, c)| *c) {
        Some((field, _)) => Err(ApiErr::bad_request(format!(
            "{field} cannot be set when refreshing: the new token keeps the old one's"
        ))),
        None => Ok(()),
    }
}

pub async fn refresh(
    state: AppState,
    p: Arc<Principal>,
    source: Source,
    req: CreateTokenRequest,
    refresh: Option<Zeroizing<String>>,
    access: Option<Zeroizing<String>>,
) -> Result<Response, ApiErr> {
    if !p.is_identity() {
        return Err(ApiErr::forbidden(
            "this token cannot refresh tokens: use a user or admin token",
        ));
    }
    refuse_changes(&req, &p)?;
    let Some(refresh) = refresh else {
        return Err(ApiErr::bad_request(
            "refresh_token is required with grant_type=refresh_token",
        ));
    };
    if !is_well_formed(&refresh) {
        return Err(refused(&state, audit_by(&p, "refresh", source), not_found()).await);
    }
    let rec = audit_by(&p, "refresh", source);
    let failed = rec.clone();
    let refresh_hash = hash_secret(&refresh);
    let access_hash = access.as_ref().map(|a| hash_secret(a));
    let secret = new_secret()?;
    let next_refresh = new_secret()?;
    let secret_hash = hash_secret(&secret);
    let next_refresh_hash = hash_secret(&next_refresh);
    let written = state
        .store
        .write(move |tx| {
            let now = now();
            recheck_caller(tx, &p.token_id, now)?;
            let old = tokens::by_refresh_hash(tx, &refresh_hash)?.ok_or_else(not_found)?;
            if old.token.username != p.username || access_hash.is_some_and(|h| h != old.secret_hash)
            {
                return Err(not_found());
            }
            let lifetime = old
                .token
                .expiry
                .map(|e| e.saturating_sub(old.token.issued_at).max(0) as u64);
            let new = NewToken {
                token_id: uuid::Uuid::new_v4().to_string(),
                secret_hash,
                username: old.token.username,
                scope: old.token.scope,
                audience: old.audience,
                description: old.token.description,
                project_key: old.token.project_key,
                refreshable: true,
                issued_at: now,
                expiry: lifetime.map(|l| now.saturating_add(l as i64)),
            };
            tokens::revoke(tx, &old.token.token_id, now)?;
            tokens::insert(tx, &new)?;
            tokens::set_refresh_hash(tx, &new.token_id, &next_refresh_hash)?;
            // One row per token: the old one refreshed away, the new one created by it.
            let old_rec = Record {
                token_id: Some(old.token.token_id.clone()),
                description: Some(new.description.clone()),
                ..rec.clone()
            };
            audit::record(tx, &old_rec, now, "ok: replaced")?;
            let new_rec = Record {
                token_id: Some(new.token_id.clone()),
                description: Some(new.description.clone()),
                ..rec
            };
            audit::record(tx, &new_rec, now, audit::OK)?;
            Ok::<_, ApiErr>((new, lifetime))
        })
        .await;
    let (new, expires_in) = match written {
        Ok(v) => v,
        Err(e) => return Err(refused(&state, failed, e).await),
    };
    created_response(&new, &secret, Some(&next_refresh), expires_in)
}
