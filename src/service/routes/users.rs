//! `GET /access/api/v2/users` (admin): `limit`, `cursor`, `username` contains, `status`
//! (`enabled` | `disabled`).

use axum::Json;
use axum::extract::{RawQuery, State};

use crate::model::wire::UserList;

use super::super::auth::Caller;
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::query::Params;

const DEFAULT_LIMIT: u32 = 1000;
const MAX_LIMIT: u32 = 120_000;

pub async fn list(
    State(state): State<AppState>,
    Caller(p): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<UserList>, ApiErr> {
    if !p.is_admin() {
        return Err(ApiErr::forbidden("listing users needs an admin token"));
    }
    let q = Params::parse(query.as_deref());
    let limit = q.number("limit", 1, MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
    let contains = q.get("username").map(str::to_owned);
    let cursor = q.get("cursor").map(str::to_owned);
    let disabled = match q.get("status") {
        None => None,
        Some("enabled") => Some(false),
        Some("disabled") => Some(true),
        Some(_) => {
            return Err(ApiErr::bad_request("status must be enabled or disabled"));
        }
    };
    let (users, cursor) = state
        .db
        .users_page(contains, cursor, limit, disabled)
        .await?;
    Ok(Json(UserList { users, cursor }))
}
