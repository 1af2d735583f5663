//! Projects, JFrog Access v1 shaped: `POST /access/api/v1/projects` (admin),
//! `GET /access/api/v1/projects/{key}` (admin, or a token that may read in it),
//! `DELETE /access/api/v1/projects/{key}[?force=true]` (admin).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};

use crate::model::admin::ProjectRemoved;
use crate::model::entity::validate_project_key;
use crate::model::wire::ProjectInfo;

use super::super::auth::Caller;
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::admin::{Admin, Fields, created, flag, text};
use super::audit::Source;
use super::token_create::MAX_DESCRIPTION;

const MANAGING: &str = "managing projects";
pub const MAX_DISPLAY_NAME: usize = 128;

pub fn check_key(key: &str) -> Result<(), ApiErr> {
    validate_project_key(key).map_err(|e| ApiErr::bad_request(e.to_string()))
}

pub fn unknown_project(key: &str) -> ApiErr {
    ApiErr::not_found(format!("unknown project \"{key}\""))
}

fn new_project(headers: &HeaderMap, body: &[u8]) -> Result<ProjectInfo, ApiErr> {
    let mut f = Fields::parse(headers, body, false)?;
    f.ignore("admin_privileges");
    f.ignore("storage_quota_bytes");
    let key = f
        .string("project_key")?
        .ok_or_else(|| ApiErr::bad_request("project_key: is required"))?;
    let display_name = f.string("display_name")?.filter(|d| !d.trim().is_empty());
    let description = f.string("description")?.unwrap_or_default();
    f.finish("project_key, display_name, description")?;
    validate_project_key(&key).map_err(|e| ApiErr::bad_request(format!("project_key: {e}")))?;
    if let Some(d) = &display_name {
        text("display_name", d, MAX_DISPLAY_NAME)?;
    }
    text("description", &description, MAX_DESCRIPTION)?;
    Ok(ProjectInfo {
        display_name: display_name.unwrap_or_else(|| key.clone()),
        project_key: key,
        description,
    })
}

pub async fn create(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<ProjectInfo>), ApiErr> {
    let admin = Admin::check(&state, &p, source, "project_add", MANAGING).await?;
    admin
        .answer(&state, async {
            let project = new_project(&headers, &body)?;
            Ok(state.db.project_add(project, admin.acting()).await?)
        })
        .await
        .map(created)
}

pub async fn get_one(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(key): Path<String>,
) -> Result<Json<ProjectInfo>, ApiErr> {
    check_key(&key)?;
    if !p.is_admin() && p.device_filter(&key).is_none() {
        return Err(ApiErr::forbidden(format!(
            "reading project {key} needs an admin token or one that may read in it"
        )));
    }
    let project = state.db.project(key.clone()).await?;
    project.map(Json).ok_or_else(|| unknown_project(&key))
}

pub async fn remove(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<ProjectRemoved>, ApiErr> {
    let admin = Admin::check(&state, &p, source, "project_remove", MANAGING).await?;
    admin
        .answer(&state, async {
            check_key(&key)?;
            let force = flag(query.as_deref(), "force")?;
            Ok(state.db.project_remove(key, force, admin.acting()).await?)
        })
        .await
        .map(Json)
}
