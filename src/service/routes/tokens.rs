//! `/access/api/v1/tokens`: create (JSON or form), list, get (by id or `me`), revoke.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::model::EntityRef;
use crate::model::entity::{validate_name, validate_project_key};
use crate::model::scope::{Scope, ScopeItem};
use crate::model::wire::{CreateTokenRequest, TokenInfo, TokenList};

use super::super::auth::{Caller, Principal, hash_secret, new_secret};
use super::super::error::ApiErr;
use super::super::state::{AppState, now};
use super::super::store::entities;
use super::super::store::tokens::{
    self, NewToken, Order, OrderKey, RevokeResult, TokenCursor, TokenFilter, TokenRow,
};
use super::query::Params;

pub const MAX_DESCRIPTION: usize = 1024;
const MAX_AUDIENCE: usize = 255;
/// Used when `expires_in` is absent (JFrog's default-expiry), capped by the service limit.
pub const DEFAULT_EXPIRES_IN: u64 = 365 * 86_400;
/// Nothing beyond 100 years.
const MAX_EXPIRES_IN: u64 = 100 * 366 * 86_400;
const MAX_LIST_LIMIT: u32 = 10_000;

/// The create response: JFrog's fields, with the secret.
#[derive(Serialize)]
struct CreatedBody<'a> {
    token_id: &'a str,
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<u64>,
    scope: &'a str,
    token_type: &'static str,
}

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
    }
}

fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<CreateTokenRequest, ApiErr> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if is_form {
        let map: serde_json::Map<String, serde_json::Value> = Params::from_bytes(body)
            .pairs()
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        return serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| ApiErr::bad_request(format!("invalid form field: {e}")));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(CreateTokenRequest::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiErr::bad_request(format!("invalid JSON body: {e}")))
}

/// Description rules shared with device patches.
pub fn check_description(text: &str) -> Result<(), ApiErr> {
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(ApiErr::bad_request(format!(
            "description is longer than {MAX_DESCRIPTION} characters"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(ApiErr::bad_request(
            "description must not contain control characters",
        ));
    }
    Ok(())
}

fn days(secs: u64) -> String {
    if secs % 86_400 == 0 {
        format!("{} days", secs / 86_400)
    } else {
        format!("{secs} seconds")
    }
}

/// Seconds to live (None = never) under the service's limit.
fn lifetime(requested: Option<u64>, max: Option<u64>) -> Result<Option<u64>, ApiErr> {
    match (requested, max) {
        (None, None) => Ok(Some(DEFAULT_EXPIRES_IN)),
        (None, Some(m)) => Ok(Some(DEFAULT_EXPIRES_IN.min(m))),
        (Some(0), None) => Ok(None),
        (Some(0), Some(m)) => Err(ApiErr::forbidden(format!(
            "tokens that never expire are not allowed here: the longest lifetime is {}",
            days(m)
        ))),
        (Some(n), Some(m)) if n > m => Err(ApiErr::forbidden(format!(
            "expires_in {n} is above this server's limit of {}",
            days(m)
        ))),
        (Some(n), _) if n > MAX_EXPIRES_IN => Err(ApiErr::bad_request(
            "expires_in is too large (at most 100 years)",
        )),
        (Some(n), _) => Ok(Some(n)),
    }
}

/// Validates a create request and checks the caller's rights, without touching the database.
fn plan(
    state: &AppState,
    p: &Principal,
    req: CreateTokenRequest,
) -> Result<(NewToken, Scope, Option<u64>), ApiErr> {
    if !p.is_identity() {
        return Err(ApiErr::forbidden(
            "this token cannot create tokens: use a user or admin token",
        ));
    }
    match req.grant_type.as_deref() {
        None | Some("") | Some("client_credentials") => {}
        Some("refresh_token") => {
            return Err(ApiErr::bad_request(
                "refreshing tokens is not supported by this server",
            ));
        }
        Some(_) => {
            return Err(ApiErr::bad_request("grant_type must be client_credentials"));
        }
    }
    let description = req.description.unwrap_or_default();
    check_description(&description)?;
    let scope_text = req
        .scope
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| crate::model::scope::USER.to_owned());
    let scope: Scope = scope_text
        .parse()
        .map_err(|e| ApiErr::bad_request(format!("invalid scope: {e}")))?;
    let username = req.username.unwrap_or_else(|| p.username.clone());
    validate_name("username", &username).map_err(|e| ApiErr::bad_request(e.to_string()))?;
    if let Some(key) = &req.project_key {
        validate_project_key(key).map_err(|e| ApiErr::bad_request(e.to_string()))?;
    }
    let audience = if scope.is_custom() {
        "jfcon@*".to_owned()
    } else {
        match req.audience.filter(|a| !a.trim().is_empty()) {
            None => "*@*".to_owned(),
            Some(a) if a.chars().count() > MAX_AUDIENCE || a.chars().any(char::is_control) => {
                return Err(ApiErr::bad_request(format!(
                    "audience must be at most {MAX_AUDIENCE} printable characters"
                )));
            }
            Some(a) => a,
        }
    };
    if !p.is_admin() {
        if username != p.username {
            return Err(ApiErr::forbidden(
                "only an admin can create tokens for another user",
            ));
        }
        if scope.items() != [ScopeItem::User] {
            return Err(ApiErr::forbidden(
                "only an admin can create admin-scoped or custom tokens",
            ));
        }
    }
    let expires_in = lifetime(req.expires_in, state.max_expiry)?;
    let issued_at = now();
    let new = NewToken {
        token_id: uuid::Uuid::new_v4().to_string(),
        secret_hash: [0; 32],
        username,
        scope: scope.to_string(),
        audience,
        description,
        project_key: req.project_key,
        refreshable: req.refreshable.unwrap_or(false),
        issued_at,
        expiry: expires_in.map(|s| issued_at.saturating_add(s as i64)),
    };
    Ok((new, scope, expires_in))
}

/// 400 naming the first user, project, fleet or device that does not exist.
fn check_targets(conn: &rusqlite::Connection, new: &NewToken, scope: &Scope) -> Result<(), ApiErr> {
    if entities::user(conn, &new.username)?.is_none() {
        return Err(ApiErr::bad_request(format!(
            "unknown user \"{}\"",
            new.username
        )));
    }
    if let Some(key) = &new.project_key {
        if !entities::project_exists(conn, key)? {
            return Err(ApiErr::bad_request(format!("unknown project \"{key}\"")));
        }
    }
    for (target, _) in scope.grants() {
        if !entities::project_exists(conn, target.project())? {
            return Err(ApiErr::bad_request(format!(
                "unknown project \"{}\"",
                target.project()
            )));
        }
        let found = match target {
            EntityRef::Project { .. } => true,
            EntityRef::Fleet { project, fleet } => entities::fleet_exists(conn, project, fleet)?,
            EntityRef::Device { project, device } => {
                entities::device_exists(conn, project, device)?
            }
        };
        if !found {
            return Err(ApiErr::bad_request(format!(
                "unknown {} \"{}\"",
                target.kind(),
                target.target()
            )));
        }
    }
    Ok(())
}

pub async fn create(
    State(state): State<AppState>,
    Caller(p): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiErr> {
    let req = parse_body(&headers, &body)?;
    let (mut new, scope, expires_in) = plan(&state, &p, req)?;
    let secret: Zeroizing<String> = new_secret()?;
    new.secret_hash = hash_secret(&secret);
    let stored = new.clone();
    state
        .store
        .write(move |tx| {
            check_targets(tx, &stored, &scope)?;
            tokens::insert(tx, &stored)?;
            Ok::<_, ApiErr>(())
        })
        .await?;
    // The secret leaves in the response body; nothing else keeps it.
    let body = serde_json::to_vec(&CreatedBody {
        token_id: &new.token_id,
        access_token: &secret,
        expires_in,
        scope: &new.scope,
        token_type: "Bearer",
    })
    .map_err(|_| ApiErr::internal())?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

pub async fn list(
    State(state): State<AppState>,
    Caller(p): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<TokenList>, ApiErr> {
    if !p.is_identity() {
        return Err(ApiErr::forbidden(
            "this token cannot list tokens: use a user or admin token",
        ));
    }
    let q = Params::parse(query.as_deref());
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
    let limit = q.number("limit", 1, MAX_LIST_LIMIT)?;
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
            return Ok(Json(TokenList::default()));
        }
        filter.username = Some(p.username.clone());
    }
    // The first page of a paged listing says how many there are in all.
    let first_of_pages = limit.is_some() && cursor.is_none();
    let (page, total) = state
        .store
        .read(move |c| {
            let page =
                tokens::list(c, &filter, order, limit, cursor.as_ref()).map_err(ApiErr::from)?;
            let total = if first_of_pages && page.next.is_some() {
                Some(tokens::count(c, &filter).map_err(ApiErr::from)?)
            } else {
                None
            };
            Ok::<_, ApiErr>((page, total))
        })
        .await?;
    Ok(Json(TokenList {
        total,
        cursor: page.next.map(|c| c.encode()),
        tokens: page
            .tokens
            .into_iter()
            .map(|t| token_info(&state, t))
            .collect(),
    }))
}

/// Whether `p` may see or revoke `t`: admins any, a token itself, an identity token its user's.
fn may_manage(p: &Principal, t: &TokenRow) -> bool {
    p.is_admin() || t.token_id == p.token_id || (p.is_identity() && t.username == p.username)
}

fn resolve_id(p: &Principal, id: String) -> String {
    if id == "me" { p.token_id.clone() } else { id }
}

pub async fn get_one(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> Result<Json<TokenInfo>, ApiErr> {
    let id = resolve_id(&p, id);
    let row = state
        .store
        .read(move |c| tokens::by_id(c, &id).map_err(ApiErr::from))
        .await?
        .ok_or_else(|| ApiErr::not_found("token not found"))?;
    if !may_manage(&p, &row) {
        return Err(ApiErr::forbidden("this token belongs to another user"));
    }
    Ok(Json(token_info(&state, row)))
}

pub async fn revoke(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiErr> {
    let id = resolve_id(&p, id);
    let outcome = state
        .store
        .write(move |tx| {
            let Some(row) = tokens::by_id(tx, &id)? else {
                return Ok(RevokeResult::Gone);
            };
            if !may_manage(&p, &row) {
                return Err(ApiErr::forbidden(
                    "only an admin or the token's owner can revoke it",
                ));
            }
            Ok(tokens::revoke(tx, &id, now())?)
        })
        .await?;
    if outcome == RevokeResult::Revoked {
        // After the commit, before the answer: no later request authenticates from the cache.
        state.auth_cache.invalidate();
    }
    Ok(match outcome {
        RevokeResult::Revoked => (StatusCode::OK, "OK").into_response(),
        RevokeResult::Gone => StatusCode::NO_CONTENT.into_response(),
    })
}
