//! `GET /access/api/v1/projects`: a bare array of the projects the token may read anything in.

use axum::Json;
use axum::extract::State;

use crate::model::wire::ProjectInfo;

use super::super::auth::Caller;
use super::super::error::ApiErr;
use super::super::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> Result<Json<Vec<ProjectInfo>>, ApiErr> {
    let all = state.db.projects().await?;
    Ok(Json(
        all.into_iter()
            .filter(|proj| p.device_filter(&proj.project_key).is_some())
            .collect(),
    ))
}
