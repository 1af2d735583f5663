//! `POST /api/v2/{project}/devices` (admins only): registers one device (`NewDevice`), its
//! `device_uuid` generated (`d-xxxx-xxxx` from the OS RNG) when absent. The fleet must exist.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

use crate::model::admin::NewDevice;
use crate::model::device_import::{check_device, device_from_json};
use crate::model::wire::DeviceInfo;

use super::super::auth::Caller;
use super::super::error::{ApiErr, StoreError};
use super::super::state::AppState;
use super::super::store::admin::Refusal;
use super::admin::{Admin, Fields, created, new_device_uuid};
use super::audit::Source;
use super::project_write::check_key;

/// Tries with fresh ids when a generated one is taken (32 bits: rare, but not never).
const GENERATED_TRIES: usize = 4;

fn new_device(headers: &HeaderMap, body: &[u8]) -> Result<NewDevice, ApiErr> {
    let map = Fields::parse(headers, body, false)?.into_map();
    let dev = device_from_json(&map).map_err(|e| ApiErr::bad_request(e.message))?;
    check_device(&dev).map_err(|e| ApiErr::bad_request(e.message))?;
    Ok(dev)
}

fn info(project: &str, uuid: String, d: NewDevice) -> DeviceInfo {
    DeviceInfo {
        device_uuid: uuid,
        device_name: d.device_name,
        project: project.to_owned(),
        group: d.fleet,
        description: d.description,
        tags: d.tags,
        device_ip: None,
        agent_version: None,
    }
}

pub async fn create(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<DeviceInfo>), ApiErr> {
    let admin = Admin::check(&state, &p, source, "device_add", "registering devices").await?;
    admin
        .answer(&state, async {
            check_key(&project)?;
            let dev = new_device(&headers, &body)?;
            if let Some(uuid) = dev.device_uuid.clone() {
                return Ok(state
                    .db
                    .device_add(info(&project, uuid, dev), admin.acting())
                    .await?);
            }
            let mut tries = 0;
            loop {
                tries += 1;
                let row = info(&project, new_device_uuid()?, dev.clone());
                match state.db.device_add(row, admin.acting()).await {
                    Err(StoreError::Refused(Refusal::Conflict(_))) if tries < GENERATED_TRIES => {}
                    other => return Ok(other?),
                }
            }
        })
        .await
        .map(created)
}
