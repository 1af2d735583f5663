//! `POST /access/api/v1/tokens` with `grant_type=refresh_token` (JFrog §1.2): a new access and
//! refresh token with the same scope and lifetime length; the old pair stops working.
//!
//! A refresh token works until its access token's expiry plus `--refresh-grace`, and a chain of
//! refreshes ends at the caller's lifetime limit (`--max-expiry`, and `--max-user-expiry` for a
//! non-admin) counted from the chain's first issue ([`super::super::store::refresh`]).
//!
//! Only the owner may refresh: a refresh token that is unknown, already used, or another
//! user's gets the same 404 as JFrog's "not found", so it tells nothing about its existence.

use axum::response::Response;
use zeroize::Zeroizing;

use crate::model::wire::CreateTokenRequest;
use std::sync::Arc;

use super::super::auth::{Principal, hash_secret, is_well_formed, new_secret};
use super::super::error::ApiErr;
use super::super::operator::ReplacedToken;
use super::super::state::AppState;
use super::super::store::backend::Refresh;
use super::super::store::refresh::RefreshLimits;
use super::audit::{Source, by as audit_by, refused};
use super::issued::{created_response, longest_lifetime};

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
    let req = Refresh {
        refresh_hash,
        access_hash,
        username: p.username.clone(),
        caller: p.token_id.clone(),
        new_token_id: uuid::Uuid::new_v4().to_string(),
        secret_hash,
        next_refresh_hash,
        limits: RefreshLimits {
            grace: state.refresh_grace,
            chain: longest_lifetime(&state, p.is_admin()),
        },
        audit: Some(rec),
    };
    let written = match state.db.refresh_token(req).await {
        Ok(Some(made)) => Ok((made.token, made.lifetime)),
        Ok(None) => Err(not_found()),
        Err(e) => Err(ApiErr::from(e)),
    };
    let (new, expires_in) = match written {
        Ok(v) => v,
        Err(e) => return Err(refused(&state, failed, e).await),
    };
    let mut resp = created_response(&new, &secret, Some(&next_refresh), expires_in)?;
    resp.extensions_mut().insert(ReplacedToken);
    Ok(resp)
}
