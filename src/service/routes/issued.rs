//! What a create and a refresh both answer with: the 200 that carries the new secrets, and the
//! longest lifetime a caller may give a token. Shared by `token_create` and `token_refresh`
//! (which calls nothing of the create path but these), so neither imports the other's file back.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::super::error::ApiErr;
use super::super::state::AppState;
use super::super::store::tokens::NewToken;

/// The create (and refresh) response: JFrog's fields, with the secrets.
#[derive(Serialize)]
struct CreatedBody<'a> {
    token_id: &'a str,
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<u64>,
    scope: &'a str,
    token_type: &'static str,
}

/// 200 with the secrets; `Cache-Control: no-store`. Nothing else keeps them.
pub fn created_response(
    token: &NewToken,
    access: &str,
    refresh: Option<&str>,
    expires_in: Option<u64>,
) -> Result<Response, ApiErr> {
    let body = serde_json::to_vec(&CreatedBody {
        token_id: &token.token_id,
        access_token: access,
        refresh_token: refresh,
        expires_in,
        scope: &token.scope,
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

/// The longest lifetime a caller may give a token (None: no limit): `admin` callers are held
/// only to `--max-expiry`, others also to `--max-user-expiry`.
pub fn longest_lifetime(state: &AppState, admin: bool) -> Option<u64> {
    let user_max = if admin { None } else { state.max_user_expiry };
    match (state.max_expiry, user_max) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// JFrog's default-expiry: one year, for a create that names no lifetime.
pub const DEFAULT_EXPIRES_IN: u64 = 365 * 86_400;

/// What a create without `expires_in` gets: `stored` (the default an admin set with
/// `PUT /access/api/v1/config/token/default_expiry`, issue 20) or else [`DEFAULT_EXPIRES_IN`],
/// capped by the caller's [`longest_lifetime`]. The create and the limits endpoints both say
/// this one number.
pub fn default_lifetime(state: &AppState, admin: bool, stored: Option<u64>) -> u64 {
    let base = stored.unwrap_or(DEFAULT_EXPIRES_IN);
    longest_lifetime(state, admin).map_or(base, |m| base.min(m))
}
