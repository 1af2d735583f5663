//! What a token's lifetime may be, asked before a create (so a form can say it up front):
//!
//! - `GET /access/api/v1/config/token/default_expiry` — JFrog's endpoint, JFrog's answer
//!   `{"default_token_expiration": SECONDS}` (jfrog.com/help "Get Token Default Expiry Value";
//!   `reference/jfrog-api.md` §2.7). JFrog reserves it to admins; here any valid token may read
//!   it, as the number is no secret and the tab of a non-admin needs it.
//! - `PUT` the same path (admin; JFrog's body `{"default_token_expiration": SECONDS}`, or
//!   `null` for the serve default; issue 20): stored in the database (one `settings` row), so
//!   every replica's next create without `expires_in` gets it; 1 second to `--max-expiry`
//!   (100 years without one); audited `default_expiry_set`.
//! - `GET /tokentab/api/v1/config/token/limits` — ours, everything the caller's create is held
//!   to: `{"max_expiry": SECONDS|null, "default_expiry": SECONDS, "never_allowed": bool}`
//!   ([`ServerLimits`]). `max_expiry` is `--max-expiry`, and for a non-admin also
//!   `--max-user-expiry`, exactly as `token_create` enforces them.
//!
//! Both answer for the caller: a non-admin's default is capped by its own limit.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde_json::Value;

use crate::model::expiry::ServerLimits;

use super::super::auth::Caller;
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::admin::Admin;
use super::audit::Source;
use super::issued::{default_lifetime, longest_lifetime};

/// JFrog's field name for the default lifetime.
const FIELD: &str = "default_token_expiration";

/// The longest default without `--max-expiry`: 100 years.
const MAX_DEFAULT: u64 = 100 * 365 * 86_400;

#[derive(serde::Serialize)]
pub struct DefaultExpiry {
    default_token_expiration: u64,
}

/// What the caller's create without `expires_in` gets now.
async fn current(state: &AppState, admin: bool) -> Result<u64, ApiErr> {
    let stored = state.db.default_expiry().await?;
    Ok(default_lifetime(state, admin, stored))
}

pub async fn default_expiry(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> Result<Json<DefaultExpiry>, ApiErr> {
    Ok(Json(DefaultExpiry {
        default_token_expiration: current(&state, p.is_admin()).await?,
    }))
}

/// `PUT`: admin; `{"default_token_expiration": SECONDS | null}`; answers as `GET`.
pub async fn set_default_expiry(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    body: Bytes,
) -> Result<Json<DefaultExpiry>, ApiErr> {
    let admin = Admin::check(
        &state,
        &p,
        source,
        "default_expiry_set",
        "setting the default token expiry",
    )
    .await?;
    let secs = admin
        .answer(&state, async { requested(&state, &body) })
        .await?;
    admin
        .answer(&state, async {
            Ok(state.db.set_default_expiry(secs, admin.acting()).await?)
        })
        .await?;
    Ok(Json(DefaultExpiry {
        default_token_expiration: current(&state, true).await?,
    }))
}

/// The body's lifetime (None: back to the serve default), within the bounds.
fn requested(state: &AppState, body: &[u8]) -> Result<Option<u64>, ApiErr> {
    let shape =
        || format!("the body must be {{\"{FIELD}\": SECONDS}} (or null for the serve default)");
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiErr::bad_request(shape()));
    };
    let value = map
        .remove(FIELD)
        .ok_or_else(|| ApiErr::bad_request(shape()))?;
    if let Some(other) = map.keys().next() {
        return Err(ApiErr::bad_request(format!(
            "unknown field \"{}\": {}",
            crate::model::sanitize::sanitize_line(other),
            shape()
        )));
    }
    if value.is_null() {
        return Ok(None);
    }
    let max = state.max_expiry.unwrap_or(MAX_DEFAULT);
    match value.as_u64() {
        Some(0) => Err(ApiErr::bad_request(format!(
            "{FIELD} must be at least 1 second (a token that never expires is asked for by \
             its create: expires_in 0)"
        ))),
        Some(s) if s > max => Err(ApiErr::bad_request(format!(
            "{FIELD} {s} is longer than this server's limit of {max} seconds (--max-expiry)"
        ))),
        Some(s) => Ok(Some(s)),
        None => Err(ApiErr::bad_request(shape())),
    }
}

pub async fn limits(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> Result<Json<ServerLimits>, ApiErr> {
    let admin = p.is_admin();
    let max = longest_lifetime(&state, admin);
    let stored = state.db.default_expiry().await?;
    Ok(Json(ServerLimits {
        max_expiry: max,
        default_expiry: Some(default_lifetime(&state, admin, stored)),
        // As `token_create`: "never" only for an admin, and only with no limit.
        never_allowed: Some(admin && max.is_none()),
        default_chosen: stored.is_some(),
    }))
}
