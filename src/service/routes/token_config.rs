//! What a token's lifetime may be, asked before a create (so a form can say it up front):
//!
//! - `GET /access/api/v1/config/token/default_expiry` — JFrog's endpoint, JFrog's answer
//!   `{"default_token_expiration": SECONDS}` (jfrog.com/help "Get Token Default Expiry Value";
//!   `reference/jfrog-api.md` §2.7). JFrog reserves it to admins; here any valid token may read
//!   it, as the number is no secret and the tab of a non-admin needs it. `PUT` is not offered:
//!   the default follows the serve flags.
//! - `GET /tokentab/api/v1/config/token/limits` — ours, everything the caller's create is held
//!   to: `{"max_expiry": SECONDS|null, "default_expiry": SECONDS, "never_allowed": bool}`
//!   ([`ServerLimits`]). `max_expiry` is `--max-expiry`, and for a non-admin also
//!   `--max-user-expiry`, exactly as `token_create` enforces them.
//!
//! Both answer for the caller: a non-admin's default is capped by its own limit.

use axum::Json;
use axum::extract::State;

use crate::model::expiry::ServerLimits;

use super::super::auth::Caller;
use super::super::state::AppState;
use super::issued::{default_lifetime, longest_lifetime};

/// JFrog's field name for the default lifetime.
#[derive(serde::Serialize)]
pub struct DefaultExpiry {
    default_token_expiration: u64,
}

pub async fn default_expiry(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> Json<DefaultExpiry> {
    Json(DefaultExpiry {
        default_token_expiration: default_lifetime(&state, p.is_admin()),
    })
}

pub async fn limits(State(state): State<AppState>, Caller(p): Caller) -> Json<ServerLimits> {
    let admin = p.is_admin();
    let max = longest_lifetime(&state, admin);
    Json(ServerLimits {
        max_expiry: max,
        default_expiry: Some(default_lifetime(&state, admin)),
        // As `token_create`: "never" only for an admin, and only with no limit.
        never_allowed: Some(admin && max.is_none()),
    })
}
