//! `/access/api/v1/tokens`: list, get (by id or `me`), revoke by id (or `me`) and by value.
//! Create and refresh: [`super::token_create`].
//!
//! What a caller may not see answers exactly like what does not exist: `GET …/tokens/{id}` 404
//! "token not found", `DELETE …/tokens/{id}` 204 (JFrog's "not found or already revoked"),
//! revoke by value 404. A token that manages no tokens (custom scope) is 403 for any id but its
//! own, whether that id exists or not.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::model::token::is_token_id_shape;
use crate::model::wire::{LastUseWire, TokenInfo, TokenList};

use super::super::auth::{Caller, Principal, hash_secret, is_well_formed};
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::super::store::backend::RevokeOutcome;
use super::super::store::tokens::{Order, OrderKey, TokenCursor, TokenFilter, TokenRow};
use super::audit::{Source, by as audit_by, refused};
use super::body::{fields, take_secret};
use super::query::Params;
use super::token_changes::changed_since;
use super::token_page_body;
use crate::model::clock::now;

/// `GET /tokens` page size when `limit` is absent; a `cursor` comes back while more remain.
pub const DEFAULT_LIST_LIMIT: u32 = 1_000;
/// Largest page: a bigger `limit` is lowered to this.
pub const MAX_LIST_LIMIT: u32 = 10_000;

pub fn token_info(state: &AppState, t: TokenRow) -> TokenInfo {
    TokenInfo {
        subject: state.subject(&t.username),
        issuer: state.issuer(),
        token_id: t.token_id,
        expiry: t.expiry,
        issued_at: t.issued_at,
        description: Some(t.description).filter(|d| !d.is_empty()),
        refreshable: Some(t.refreshable),
        last_used: t.last_used,
        project: t.project_key,
        scope: Some(t.scope),
        user_status: Some(
            if t.user_disabled {
                "disabled"
            } else {
                "enabled"
            }
            .into(),
        ),
        last_use: (t.last_source.is_some() || t.last_agent.is_some()).then(|| {
            Box::new(LastUseWire {
                last_used_from: t.last_source,
                last_used_agent: t.last_agent,
            })
        }),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Caller(p): Caller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiErr> {
    if !p.is_identity() {
        return Err(ApiErr::forbidden(
            "this token cannot list tokens: use a user or admin token",
        ));
    }
    let q = Params::parse(query.as_deref());
    if let Some(since) = q.get("changed_since") {
        return changed_since(&state, &p, &q, since, token_info, MAX_LIST_LIMIT).await;
    }
    let order_key = match q.get("order_by") {
        None => OrderKey::default(),
        Some(o) => OrderKey::parse(o).ok_or_else(|| {
            ApiErr::bad_request("order_by must be one of created, token_id, owner, subject, expiry")
        })?,
    };
    let order = Order {
        key: order_key,
        descending: q.bool("descending_order")?.unwrap_or(false),
    };
    let asked_limit = q.number("limit", 1, u32::MAX)?;
    // A client that names a page size pages on purpose; one that does not gets pages anyway.
    let paging = asked_limit.is_some();
    let limit = Some(
        asked_limit
            .unwrap_or(DEFAULT_LIST_LIMIT)
            .min(MAX_LIST_LIMIT),
    );
    let cursor = match q.get("cursor") {
        None => None,
        Some(c) => Some(
            TokenCursor::decode(c)
                .filter(|c| c.order == order)
                .ok_or_else(|| {
                    ApiErr::bad_request("cursor is not valid for this listing (start over)")
                })?,
        ),
    };
    let mut filter = TokenFilter {
        username: q.get("username").map(str::to_owned),
        token_id: q.get("token_id").map(str::to_owned),
        refreshable: q.bool("refreshable")?,
        description: q.get("description").map(TokenFilter::description_pattern),
    };
    if !p.is_admin() {
        if filter.username.as_ref().is_some_and(|u| *u != p.username) {
            return Ok(Json(TokenList::default()).into_response());
        }
        filter.username = Some(p.username.clone());
    }
    // The first page of a listing paged on purpose says how many there are in all.
    let first_of_pages = paging && cursor.is_none();
    // Read before the page: a change in between comes again after it, never not at all.
    let changes_cursor = match cursor {
        None => Some(state.db.change_cursor().await?.encode()),
        Some(_) => None,
    };
    let page = state
        .db
        .list_tokens(filter.clone(), order, limit, cursor)
        .await?;
    // Counted after the page was read: on a busy database the two may differ by the rows
    // created in between, which "about N in all" allows for.
    let total = if first_of_pages && page.next.is_some() {
        Some(state.db.count_tokens(filter).await?)
    } else {
        None
    };
    let cursor = page.next.map(|c| c.encode());
    let link = cursor.as_deref().map(|c| next_link(query.as_deref(), c));
    let envelope = TokenList {
        total,
        cursor,
        tokens: Vec::new(),
        changes_cursor,
    };
    let mut resp = token_page_body::streamed(state, &envelope, page.tokens, token_info);
    // The next page's address in a header too (RFC 8288, as GitHub pages): a client can ask
    // for it before this body is read.
    if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert(header::LINK, link);
    }
    Ok(resp)
}

/// `</access/api/v1/tokens?…&cursor=C>; rel="next"`: this listing's query with the next cursor.
fn next_link(query: Option<&str>, cursor: &str) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if k != "cursor" {
            q.append_pair(&k, &v);
        }
    }
    q.append_pair("cursor", cursor);
    format!("</access/api/v1/tokens?{}>; rel=\"next\"", q.finish())
}

/// Whether `p` may see or revoke `t`: admins any, a token itself, an identity token its user's.
fn may_manage(p: &Principal, t: &TokenRow) -> bool {
    p.is_admin() || t.token_id == p.token_id || (p.is_identity() && t.username == p.username)
}

fn resolve_id(p: &Principal, id: String) -> String {
    if id == "me" { p.token_id.clone() } else { id }
}

fn token_not_found() -> ApiErr {
    ApiErr::not_found("token not found")
}

pub async fn get_one(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> Result<Json<TokenInfo>, ApiErr> {
    if !is_token_id_shape(&id) {
        return Err(token_not_found());
    }
    let id = resolve_id(&p, id);
    let row = state
        .db
        .token_by_id(id)
        .await?
        .filter(|row| may_manage(&p, row))
        .ok_or_else(token_not_found)?;
    Ok(Json(token_info(&state, row)))
}

pub async fn revoke(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path(id): Path<String>,
) -> Result<Response, ApiErr> {
    if !is_token_id_shape(&id) {
        return Err(token_not_found());
    }
    let id = resolve_id(&p, id);
    let action = if id == p.token_id {
        "revoke_self"
    } else {
        "revoke"
    };
    let mut rec = audit_by(&p, action, source);
    rec.token_id = Some(id.clone());
    if !p.is_identity() && id != p.token_id {
        let e = ApiErr::forbidden("this token can revoke only itself: use a user or admin token");
        return Err(refused(&state, rec, e).await);
    }
    let caller = Some(p.token_id.clone());
    let outcome = state
        .db
        .revoke_token_if(id, now(), caller, move |row| may_manage(&p, row), Some(rec))
        .await?;
    Ok(match outcome {
        RevokeOutcome::Revoked => (StatusCode::OK, "OK").into_response(),
        RevokeOutcome::Gone | RevokeOutcome::Refused => StatusCode::NO_CONTENT.into_response(),
    })
}

#[derive(Serialize)]
pub struct RevokedBody {
    #[serde(rename = "revoked-token-id")]
    revoked_token_id: String,
}

/// `DELETE /access/api/v1/tokens/revoke` with `{"token": …}` or `token=…`: the same rights as
/// revoke by id; a value that is unknown, revoked, malformed or not the caller's to revoke is 404.
pub async fn revoke_by_value(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RevokedBody>, ApiErr> {
    let mut fields = fields(&headers, &body)?;
    let token = take_secret(&mut fields, "token")?
        .ok_or_else(|| ApiErr::bad_request("token is required: {\"token\": \"<access token>\"}"))?;
    if let Some(other) = fields.keys().next() {
        return Err(ApiErr::bad_request(format!(
            "unknown field \"{other}\": revoke by value takes only token"
        )));
    }
    if !is_well_formed(&token) {
        let rec = audit_by(&p, "revoke_by_value", source);
        return Err(refused(&state, rec, token_not_found()).await);
    }
    let hash = hash_secret(&token);
    let rec = audit_by(&p, "revoke_by_value", source);
    let failed = rec.clone();
    let caller = Some(p.token_id.clone());
    let revoked = state
        .db
        .revoke_by_hash_if(
            hash,
            now(),
            caller,
            move |row| may_manage(&p, row),
            Some(rec),
        )
        .await
        .map_err(ApiErr::from)
        .and_then(|id| id.ok_or_else(token_not_found));
    let revoked = match revoked {
        Ok(id) => id,
        Err(e) => return Err(refused(&state, failed, e).await),
    };
    Ok(Json(RevokedBody {
        revoked_token_id: revoked,
    }))
}
