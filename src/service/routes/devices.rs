//! Connect v2: `GET /api/v2/{project}/fleets`, `GET /api/v2/{project}/devices`, and
//! `GET/PATCH/DELETE /api/v2/{project}/devices/{uuid}` (r / w / d on the device).
//!
//! A device the token has no right on at all (r, w nor d) answers exactly like one that does
//! not exist: 404 `unknown device "<project>/<uuid>"`. A device it has some right on but not the
//! one asked for answers 403: the scope grammar already lets the token see that device.
//!
//! A PATCH answers with the device only when the token may also read it; a write-only grant
//! gets 204 No Content, so writing never discloses what the device holds.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::model::device_import::MAX_DEVICE_NAME;
use crate::model::entity::{ResourcePath, validate_name};
use crate::model::scope::Action;
use crate::model::wire::{DeviceInfo, DeviceList, DevicePatch, FleetList};

use super::super::auth::{BearerHash, Caller, Principal, authenticate_at_seen, authenticate_hash};
use super::super::error::ApiErr;
use super::super::last_use::Seen;
use super::super::state::AppState;
use super::super::store::audit::Record;
use super::super::store::backend::DeviceWrite;
use super::super::store::entities::DeviceQuery;
use super::audit::{Source, by as audit_by, refused};
use super::body::{check_text, json_fields};
use super::project_write::{check_key, unknown_project};
use super::query::Params;
use super::token_create::MAX_DESCRIPTION;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;
const MAX_TAGS: usize = 100;
const MAX_TAG_LEN: usize = 64;

fn check_ids(project: &str, uuid: &str) -> Result<(), ApiErr> {
    check_key(project)?;
    validate_name("device id", uuid).map_err(|e| ApiErr::bad_request(e.to_string()))
}

fn no_right(action: Action, what: &str) -> ApiErr {
    ApiErr::forbidden(format!(
        "this token has no {} permission on {what}",
        action.label().to_ascii_lowercase()
    ))
}

pub async fn fleets(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project): Path<String>,
) -> Result<Json<FleetList>, ApiErr> {
    check_key(&project)?;
    if !p.can(ResourcePath::project(&project), Action::Read) {
        return Err(no_right(Action::Read, &format!("project {project}")));
    }
    let fleets = state
        .db
        .fleets(project.clone())
        .await?
        .ok_or_else(|| unknown_project(&project))?;
    Ok(Json(FleetList { fleets }))
}

pub async fn list(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(project): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<DeviceList>, ApiErr> {
    check_key(&project)?;
    let filter = p
        .device_filter(&project)
        .ok_or_else(|| no_right(Action::Read, &format!("anything in project {project}")))?;
    let q = Params::parse(query.as_deref());
    let query = DeviceQuery {
        fleet: q.get("group_name").map(str::to_owned),
        tags: q.all("tags"),
        search: q.get("search").map(str::to_owned),
        after: q.get("after").map(str::to_owned),
        limit: q.number("limit", 1, MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT),
        filter,
    };
    let (devices, after) = state
        .db
        .devices_page(project.clone(), query)
        .await?
        .ok_or_else(|| unknown_project(&project))?;
    Ok(Json(DeviceList { devices, after }))
}

/// A write on `project/uuid` acting for `p`, recorded as `rec`.
fn device_write(p: &Principal, project: &str, uuid: &str, rec: Record) -> DeviceWrite {
    DeviceWrite {
        project: project.to_owned(),
        uuid: uuid.to_owned(),
        caller: Some(p.token_id.clone()),
        audit: Some(rec),
    }
}

/// The one answer for a device that does not exist and one the token may not see.
fn missing(project: &str, uuid: &str) -> ApiErr {
    ApiErr::not_found(format!("unknown device \"{project}/{uuid}\""))
}

/// The device if the token has any right on it, else [`missing`]; then 403 unless it may do
/// `action`.
fn authorize(
    p: &Principal,
    dev: Option<DeviceInfo>,
    project: &str,
    uuid: &str,
    action: Action,
) -> Result<DeviceInfo, ApiErr> {
    let dev = dev.ok_or_else(|| missing(project, uuid))?;
    let path = device_path(&dev);
    if p.can(path, action) {
        return Ok(dev);
    }
    let visible = [Action::Read, Action::Write, Action::Delete]
        .into_iter()
        .any(|a| p.can(path, a));
    if !visible {
        return Err(missing(project, uuid));
    }
    Err(no_right(
        action,
        &format!("device {}/{}", dev.project, dev.device_uuid),
    ))
}

/// The hot path of a Connect device reading itself: the revocation epoch and the device come
/// from one statement ([`crate::service::revocation`], "One statement for both"), then the
/// token is checked under that epoch. Answers in the order of every other route: 401 (token),
/// then 400 (path, ids), then 404/403.
pub async fn get_one(
    State(state): State<AppState>,
    BearerHash(hash): BearerHash,
    seen: Seen,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let ids = match path {
        Ok(Path((project, uuid))) => check_ids(&project, &uuid)
            .map(|()| (project, uuid))
            .map_err(IntoResponse::into_response),
        Err(rejected) => Err(rejected.into_response()),
    };
    let (project, uuid) = match ids {
        Ok(ids) => ids,
        Err(bad) => {
            return match authenticate_hash(&state, hash).await {
                Ok(_) => bad,
                Err(e) => e.into_response(),
            };
        }
    };
    let read = async {
        let (epoch, dev) = state
            .db
            .device_with_epoch(project.clone(), uuid.clone())
            .await?;
        let p = authenticate_at_seen(&state, hash, epoch, Some(&seen)).await?;
        authorize(&p, dev, &project, &uuid, Action::Read)
    };
    match read.await {
        Ok(dev) => Json(dev).into_response(),
        Err(e) => e.into_response(),
    }
}

fn check_patch(patch: &DevicePatch) -> Result<(), ApiErr> {
    if let Some(n) = &patch.device_name {
        if n.trim().is_empty() {
            return Err(ApiErr::bad_request("device_name: is empty"));
        }
        check_text("device_name", n, MAX_DEVICE_NAME)?;
    }
    if let Some(d) = &patch.description {
        check_text("description", d, MAX_DESCRIPTION)?;
    }
    if let Some(tags) = &patch.tags {
        if tags.len() > MAX_TAGS {
            return Err(ApiErr::bad_request(format!(
                "at most {MAX_TAGS} tags per device"
            )));
        }
        for t in tags {
            if t.trim().is_empty() {
                return Err(ApiErr::bad_request(format!(
                    "tags must be 1 to {MAX_TAG_LEN} printable characters"
                )));
            }
            check_text("tag", t, MAX_TAG_LEN)?;
        }
    }
    Ok(())
}

/// A PATCH body: JSON (415 otherwise), only `device_name`, `description` and `tags` (others refused by name),
/// at least one of them.
fn parse_patch(headers: &HeaderMap, body: &[u8]) -> Result<DevicePatch, ApiErr> {
    let fields = json_fields(headers, body)?;
    let patch: DevicePatch = serde_json::from_value(Value::Object(fields))
        .map_err(|e| ApiErr::bad_request(format!("invalid field: {e}")))?;
    if patch == DevicePatch::default() {
        return Err(nothing_to_change());
    }
    Ok(patch)
}

fn nothing_to_change() -> ApiErr {
    ApiErr::bad_request("nothing to change: give a new device_name, description or tags")
}

/// Every field the patch gives already has that value.
fn changes_nothing(patch: &DevicePatch, dev: &DeviceInfo) -> bool {
    patch
        .device_name
        .as_ref()
        .is_none_or(|n| *n == dev.device_name)
        && patch
            .description
            .as_ref()
            .is_none_or(|d| *d == dev.description)
        && patch.tags.as_ref().is_none_or(|t| *t == dev.tags)
}

pub async fn patch(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path((project, uuid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiErr> {
    check_ids(&project, &uuid)?;
    let patch = parse_patch(&headers, &body)?;
    check_patch(&patch)?;
    let mut rec = audit_by(&p, "device_update", source);
    rec.device = Some(format!("{project}/{uuid}"));
    let failed = rec.clone();
    let w = device_write(&p, &project, &uuid, rec);
    let (who, pr, ud, wanted) = (Arc::clone(&p), project.clone(), uuid.clone(), patch.clone());
    let dev = state
        .db
        .update_device_if(w, patch, move |dev| {
            let dev = authorize(&who, dev.cloned(), &pr, &ud, Action::Write)?;
            if changes_nothing(&wanted, &dev) {
                return Err(nothing_to_change());
            }
            Ok(())
        })
        .await
        .and_then(|dev| dev.ok_or_else(|| missing(&project, &uuid)));
    match dev {
        Ok(dev) if p.can(device_path(&dev), Action::Read) => Ok(Json(dev).into_response()),
        Ok(_) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => Err(refused(&state, failed, e).await),
    }
}

fn device_path(dev: &DeviceInfo) -> ResourcePath<'_> {
    ResourcePath::device(&dev.project, &dev.group, &dev.device_uuid)
}

/// A delete's answer: Connect's `{"message":"Success"}` plus how many live tokens named the
/// device (their grants on it are now useless).
#[derive(Serialize)]
pub struct Message {
    message: &'static str,
    live_tokens_naming: u64,
}

pub async fn delete(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path((project, uuid)): Path<(String, String)>,
) -> Result<Json<Message>, ApiErr> {
    check_ids(&project, &uuid)?;
    let mut rec = audit_by(&p, "device_delete", source);
    rec.device = Some(format!("{project}/{uuid}"));
    let failed = rec.clone();
    let w = device_write(&p, &project, &uuid, rec);
    let (pr, ud) = (project.clone(), uuid.clone());
    let deleted = state
        .db
        .delete_device_if(w, move |dev| {
            authorize(&p, dev.cloned(), &pr, &ud, Action::Delete).map(drop)
        })
        .await
        .and_then(|gone| gone.ok_or_else(|| missing(&project, &uuid)));
    match deleted {
        Ok(live_tokens_naming) => Ok(Json(Message {
            message: "Success",
            live_tokens_naming,
        })),
        Err(e) => Err(refused(&state, failed, e).await),
    }
}
