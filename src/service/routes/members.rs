//! Project membership, JFrog Access v1 shaped (admins only):
//! `GET /access/api/v1/projects/{key}/users`, `PUT|DELETE …/users/{user}`. Roles are stored and
//! shown; membership itself is what grants (a non-admin's Connect grants on a project hold
//! only while the user is a member of it).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

use crate::model::admin::{Member, MemberList};
use crate::model::entity::validate_name;

use super::super::auth::Caller;
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::admin::{Admin, Fields};
use super::audit::Source;
use super::project_write::{check_key, unknown_project};
use super::user_write::check_username_in_path;

const MANAGING: &str = "managing project members";
pub const MAX_ROLES: usize = 16;

pub async fn list(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path(key): Path<String>,
) -> Result<Json<MemberList>, ApiErr> {
    let admin = Admin::check(&state, &p, source, "member_read", "listing project members").await?;
    admin
        .answer(&state, async {
            check_key(&key)?;
            let members = state.db.members(key.clone()).await?;
            members
                .map(|members| MemberList { members })
                .ok_or_else(|| unknown_project(&key))
        })
        .await
        .map(Json)
}

/// The body of a PUT: optional; `name` must be the path's user; `roles` at most 16 names.
fn member(headers: &HeaderMap, body: &[u8], user: &str) -> Result<Member, ApiErr> {
    let mut f = Fields::parse(headers, body, true)?;
    let name = f.string("name")?;
    let roles = f.strings("roles")?.unwrap_or_default();
    f.finish("name, roles")?;
    if let Some(n) = name.filter(|n| n != user) {
        return Err(ApiErr::bad_request(format!(
            "name: \"{}\" is not the user in the path ({user})",
            crate::model::entity::shown(&n)
        )));
    }
    if roles.len() > MAX_ROLES {
        return Err(ApiErr::bad_request(format!(
            "roles: {} roles; at most {MAX_ROLES}",
            roles.len()
        )));
    }
    for role in &roles {
        validate_name("role", role).map_err(|e| ApiErr::bad_request(format!("roles: {e}")))?;
    }
    Ok(Member {
        name: user.to_owned(),
        roles,
    })
}

pub async fn put(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path((key, user)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Member>, ApiErr> {
    let admin = Admin::check(&state, &p, source, "member_add", MANAGING).await?;
    admin
        .answer(&state, async {
            check_key(&key)?;
            check_username_in_path(&user)?;
            let m = member(&headers, &body, &user)?;
            Ok(state.db.member_put(key, m, admin.acting()).await?)
        })
        .await
        .map(Json)
}

pub async fn remove(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path((key, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiErr> {
    let admin = Admin::check(&state, &p, source, "member_remove", MANAGING).await?;
    admin
        .answer(&state, async {
            check_key(&key)?;
            check_username_in_path(&user)?;
            state.db.member_remove(key, user, admin.acting()).await?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}
