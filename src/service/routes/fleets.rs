//! Fleets (Connect's groups) of a project (admins only): `POST /api/v2/{project}/fleets`,
//! `DELETE /api/v2/{project}/fleets/{name}[?force=true]`. A deleted fleet's answer says how
//! many live tokens named it (their grants on it are now useless).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};

use crate::model::admin::FleetRemoved;
use crate::model::entity::validate_name;
use crate::model::wire::FleetInfo;

use super::super::auth::Caller;
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::admin::{Admin, Fields, created, flag};
use super::audit::Source;
use super::project_write::check_key;

const MANAGING: &str = "managing fleets";

fn check_fleet(field: &str, name: &str) -> Result<(), ApiErr> {
    validate_name("fleet name", name).map_err(|e| ApiErr::bad_request(format!("{field}: {e}")))
}

pub async fn create(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<FleetInfo>), ApiErr> {
    let admin = Admin::check(&state, &p, source, "fleet_add", MANAGING).await?;
    admin
        .answer(&state, async {
            check_key(&project)?;
            let mut f = Fields::parse(&headers, &body, false)?;
            let name = f
                .string("name")?
                .ok_or_else(|| ApiErr::bad_request("name: is required"))?;
            f.finish("name")?;
            check_fleet("name", &name)?;
            Ok(state.db.fleet_add(project, name, admin.acting()).await?)
        })
        .await
        .map(created)
}

pub async fn remove(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path((project, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Json<FleetRemoved>, ApiErr> {
    let admin = Admin::check(&state, &p, source, "fleet_remove", MANAGING).await?;
    admin
        .answer(&state, async {
            check_key(&project)?;
            check_fleet("fleet", &name)?;
            let force = flag(query.as_deref(), "force")?;
            Ok(state
                .db
                .fleet_remove(project, name, force, admin.acting())
                .await?)
        })
        .await
        .map(Json)
}
