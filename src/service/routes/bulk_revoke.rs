//! `POST /tokentab/api/v1/tokens/revoke` (issue 20, item 3): revoke by scope target, user,
//! filter words or ids, in one transaction; a dry run unless `"dry_run": false`. The same
//! rights as revoke by id: an admin any token, a user token its user's own (a custom token,
//! which can revoke only itself, is refused). What is picked and kept:
//! [`crate::model::bulk_revoke`]. Nothing picked is 404 with what was asked and what was kept,
//! never a success for nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;

use crate::model::bulk_revoke::{BulkRevokeReply, BulkRevokeRequest, MAX_FILTER_LEN, MAX_IDS};
use crate::model::clock::now;
use crate::model::filter_query::FilterQuery;
use crate::model::sanitize::clean;
use crate::model::scope::selector::ScopeTarget;
use crate::model::token::is_token_id_shape;

use super::super::auth::{Caller, Principal};
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::super::store::BulkRevoke;
use super::audit::{Source, by as audit_by, refused};
use super::body::{check_text, json_fields};

pub async fn bulk_revoke(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<BulkRevokeReply>, ApiErr> {
    let rec = audit_by(&p, "revoke", source);
    let mut refusal = rec.clone();
    refusal.action = "bulk_revoke";
    let req = match request(&p, &headers, &body) {
        Ok(r) => r,
        Err(e) => return Err(refused(&state, refusal, e).await),
    };
    let asked = asked(&req);
    let dry_run = req.dry_run;
    let reply = state.db.bulk_revoke(plan(&p, req, Some(rec))?).await?;
    if reply.matched == 0 {
        return Err(ApiErr::not_found(nothing_matched(&asked, &reply, dry_run)));
    }
    Ok(Json(reply))
}

fn request(p: &Principal, headers: &HeaderMap, body: &[u8]) -> Result<BulkRevokeRequest, ApiErr> {
    if !p.is_identity() {
        return Err(ApiErr::forbidden(
            "this token can revoke only itself: use a user or admin token",
        ));
    }
    let fields = json_fields(headers, body)?;
    let req: BulkRevokeRequest = serde_json::from_value(fields.into())
        .map_err(|e| ApiErr::bad_request(clean(&format!("bulk revoke: {e}"))))?;
    if req.scope.is_none() && req.user.is_none() && req.filter.is_none() && req.token_ids.is_none()
    {
        return Err(ApiErr::bad_request(
            "say what to revoke: scope (e.g. fleet:demo/edge-eu), user, filter or token_ids",
        ));
    }
    if req.exact && req.scope.is_none() {
        return Err(ApiErr::bad_request("exact applies to scope: name one"));
    }
    Ok(req)
}

/// The rule's request: every selector checked, a non-admin held to its own tokens.
fn plan(
    p: &Principal,
    req: BulkRevokeRequest,
    audit: Option<super::super::store::audit::Record>,
) -> Result<BulkRevoke, ApiErr> {
    let bad = |e: String| ApiErr::bad_request(clean(&e));
    let target = match &req.scope {
        Some(s) => Some(s.parse::<ScopeTarget>().map_err(|e| bad(e.to_string()))?),
        None => None,
    };
    if let Some(u) = &req.user {
        super::user_write::check_username_in_path(u)?;
    }
    let filter = match &req.filter {
        Some(f) => {
            check_text("filter", f, MAX_FILTER_LEN)?;
            Some(FilterQuery::parse(f).map_err(|e| bad(format!("filter: {e}")))?)
        }
        None => None,
    };
    if let Some(ids) = &req.token_ids {
        if ids.len() > MAX_IDS {
            return Err(bad(format!("token_ids: at most {MAX_IDS} at once")));
        }
        if let Some(id) = ids.iter().find(|id| !is_token_id_shape(id)) {
            return Err(bad(format!("token_ids: \"{id}\" is not a token id")));
        }
    }
    Ok(BulkRevoke {
        target,
        exact: req.exact,
        user: req.user,
        filter,
        ids: req.token_ids,
        include_admin: req.include_admin,
        dry_run: req.dry_run,
        now: now(),
        caller: p.token_id.clone(),
        only_user: (!p.is_admin()).then(|| p.username.clone()),
        audit,
    })
}

/// "scope fleet:demo/edge-eu, user alice" for messages.
fn asked(req: &BulkRevokeRequest) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &req.scope {
        let exact = if req.exact { " (exact)" } else { "" };
        parts.push(format!("scope {s}{exact}"));
    }
    if let Some(u) = &req.user {
        parts.push(format!("user {u}"));
    }
    if let Some(f) = &req.filter {
        parts.push(format!("filter \"{f}\""));
    }
    if let Some(ids) = &req.token_ids {
        parts.push(format!("{} token ids", ids.len()));
    }
    clean(&parts.join(", "))
}

fn nothing_matched(asked: &str, reply: &BulkRevokeReply, dry_run: bool) -> String {
    let verb = if dry_run { "would be" } else { "was" };
    let mut msg = format!("no live token matches {asked}: nothing {verb} revoked");
    let admin = reply
        .kept
        .iter()
        .filter(|t| t.kept_because.as_deref() == Some(crate::model::bulk_revoke::KEPT_ADMIN))
        .count();
    let own = reply.kept.len() - admin;
    if admin > 0 {
        msg.push_str(&format!(
            " ({admin} admin-scoped token(s) kept: add include_admin to take them too)"
        ));
    }
    if own > 0 {
        msg.push_str(" (your own token is kept: revoke it by id)");
    }
    msg
}
