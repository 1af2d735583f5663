//! Users, JFrog Access v2 shaped (admins only): `POST /access/api/v2/users`,
//! `GET|PATCH|DELETE /access/api/v2/users/{name}`. This service signs in with access tokens
//! only: a `password` is refused by name, and so are groups.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

use crate::model::admin::UserRemoved;
use crate::model::entity::{validate_name, validate_username};
use crate::model::wire::UserInfo;

use super::super::auth::Caller;
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::super::store::admin::{NewUser, UserChange};
use super::admin::{Admin, Fields, check_email, created};
use super::audit::Source;

const MANAGING: &str = "managing users";

fn check_name(name: &str) -> Result<(), ApiErr> {
    validate_username(name).map_err(|e| ApiErr::bad_request(e.to_string()))
}

/// A user named in the path: a valid username, or a name a user may have from before the
/// rule (the scope grammar's names, e.g. with uppercase).
pub fn check_username_in_path(name: &str) -> Result<(), ApiErr> {
    if validate_name("username", name).is_ok() {
        return Ok(());
    }
    check_name(name)
}

fn new_user(headers: &HeaderMap, body: &[u8]) -> Result<NewUser, ApiErr> {
    let mut f = Fields::parse(headers, body, false)?;
    if f.has("groups") {
        return Err(ApiErr::bad_request(
            "groups: not supported here (projects and their members are: PUT /access/api/v1/projects/{key}/users/{user})",
        ));
    }
    for ignored in [
        "internal_password_disabled",
        "profile_updatable",
        "disable_ui_access",
    ] {
        f.ignore(ignored);
    }
    let username = f
        .string("username")?
        .ok_or_else(|| ApiErr::bad_request("username: is required"))?;
    let email = f.string("email")?.filter(|e| !e.is_empty());
    let admin = f.bool("admin")?.unwrap_or(false);
    f.finish("username, email, admin")?;
    check_name(&username)?;
    if let Some(e) = &email {
        check_email(e)?;
    }
    Ok(NewUser {
        username,
        email,
        admin,
    })
}

pub async fn create(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<UserInfo>), ApiErr> {
    let admin = Admin::check(&state, &p, source, "user_add", MANAGING).await?;
    admin
        .answer(&state, async {
            let user = new_user(&headers, &body)?;
            Ok(state.db.user_add(user, admin.acting()).await?)
        })
        .await
        .map(created)
}

fn unknown(name: &str) -> ApiErr {
    ApiErr::not_found(format!("unknown user \"{name}\""))
}

pub async fn get_one(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path(name): Path<String>,
) -> Result<Json<UserInfo>, ApiErr> {
    let admin = Admin::check(&state, &p, source, "user_read", "reading users").await?;
    admin
        .answer(&state, async {
            check_username_in_path(&name)?;
            state
                .db
                .user(name.clone())
                .await?
                .ok_or_else(|| unknown(&name))
        })
        .await
        .map(Json)
}

fn change(headers: &HeaderMap, body: &[u8]) -> Result<UserChange, ApiErr> {
    let mut f = Fields::parse(headers, body, false)?;
    let email = f.nullable("email")?;
    let admin = f.bool("admin")?;
    let disabled = match f.string("status")?.as_deref() {
        None => None,
        Some("enabled") => Some(false),
        Some("disabled") => Some(true),
        Some(_) => {
            return Err(ApiErr::bad_request(
                "status: must be \"enabled\" or \"disabled\"",
            ));
        }
    };
    f.finish("email, admin, status")?;
    let email = email.map(|e| e.filter(|e| !e.is_empty()));
    if let Some(Some(e)) = &email {
        check_email(e)?;
    }
    let change = UserChange {
        email,
        admin,
        disabled,
    };
    if change == UserChange::default() {
        return Err(ApiErr::bad_request(
            "nothing to change: give email, admin or status",
        ));
    }
    Ok(change)
}

pub async fn update(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<UserInfo>, ApiErr> {
    let admin = Admin::check(&state, &p, source, "user_update", MANAGING).await?;
    admin
        .answer(&state, async {
            check_username_in_path(&name)?;
            let change = change(&headers, &body)?;
            Ok(state.db.user_update(name, change, admin.acting()).await?)
        })
        .await
        .map(Json)
}

pub async fn remove(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path(name): Path<String>,
) -> Result<Json<UserRemoved>, ApiErr> {
    let admin = Admin::check(&state, &p, source, "user_remove", MANAGING).await?;
    admin
        .answer(&state, async {
            check_username_in_path(&name)?;
            Ok(state.db.user_remove(name, admin.acting()).await?)
        })
        .await
        .map(Json)
}
