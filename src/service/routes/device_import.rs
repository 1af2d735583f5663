//! `POST /api/v2/{project}/devices/import[?dry_run=true]` (admins only): CSV or JSON Lines
//! (`model::device_import`), up to [`MAX_IMPORT_BODY`] and 100,000 rows, all rows or none in
//! one transaction. Every bad row (shape, an id twice in the file, an unknown fleet) is
//! answered at once: 400 in JFrog's error form plus `rows: [{line, field, message}]`, and
//! nothing is written. A dry run answers what would change and writes nothing.

use std::collections::HashSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::model::admin::{ImportReport, ImportRowError};
use crate::model::device_import::{Format, ParsedRow, parse_all};
use crate::model::wire::ErrorItem;

use super::super::auth::Caller;
use super::super::error::{ApiErr, StoreError};
use super::super::state::AppState;
use super::super::store::admin::{ImportRow, Refusal};
use super::admin::{Admin, flag, new_device_uuid};
use super::audit::Source;
use super::project_write::check_key;

/// The import route's own body limit (every other route keeps the router's 64 KiB).
pub const MAX_IMPORT_BODY: usize = 16 * 1024 * 1024;

/// The 400 of an import with bad rows: JFrog's `errors` plus every bad row.
#[derive(Serialize)]
struct BadRows {
    errors: Vec<ErrorItem>,
    rows: Vec<ImportRowError>,
}

fn bad_rows_message(n: usize) -> String {
    let rows = if n == 1 { "row" } else { "rows" };
    format!("{n} bad {rows}; nothing was imported")
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    headers.get(header::CONTENT_TYPE).map(|v| {
        let ct = v.to_str().unwrap_or("?").trim().to_ascii_lowercase();
        ct.split(';').next().unwrap_or_default().trim().to_owned()
    })
}

fn format_of(headers: &HeaderMap, body: &[u8]) -> Result<Format, ApiErr> {
    let sent = media_type(headers);
    Format::detect(sent.as_deref(), body).ok_or_else(|| {
        ApiErr::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!(
                "Content-Type {} is not supported: send text/csv or application/x-ndjson",
                sent.as_deref().unwrap_or("(none)")
            ),
        )
    })
}

/// The rows for the store: a fresh id for each row without one, unique in the file.
fn import_rows(rows: Vec<ParsedRow>) -> Result<Vec<ImportRow>, ApiErr> {
    let mut taken: HashSet<String> = rows
        .iter()
        .filter_map(|r| r.device.device_uuid.clone())
        .collect();
    rows.into_iter()
        .map(|r| {
            let (device_uuid, generated_uuid) = match r.device.device_uuid {
                Some(id) => (id, false),
                None => loop {
                    let id = new_device_uuid()?;
                    if taken.insert(id.clone()) {
                        break (id, true);
                    }
                },
            };
            Ok(ImportRow {
                line: r.line,
                device_uuid,
                generated_uuid,
                device_name: r.device.device_name,
                fleet: r.device.fleet,
                tags: r.device.tags,
                description: r.device.description,
            })
        })
        .collect()
}

/// Runs before the body is read (up to 16 MiB): only an admin's request gets that far; any
/// other is answered at once (401, or the 403 the handler gives, recorded the same way).
pub async fn admin_first(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let p = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(Caller(p)) => p,
        Err(e) => return e.into_response(),
    };
    if !p.is_admin() {
        let Ok(source) = Source::from_request_parts(&mut parts, &state).await;
        if let Err(e) = Admin::check(&state, &p, source, "device_import", IMPORTING).await {
            return e.into_response();
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Whether every bad row is one whose generated id the database already held.
fn only_taken_generated_ids(bad: &[ImportRowError], rows: &[ImportRow]) -> bool {
    bad.iter().all(|b| {
        b.field.as_deref() == Some("device_uuid")
            && rows.iter().any(|r| r.line == b.line && r.generated_uuid)
    })
}

/// Fresh ids for the rows `bad` names, unique among the file's ids.
fn regenerate(rows: &mut [ImportRow], bad: &[ImportRowError]) -> Result<(), ApiErr> {
    let lines: HashSet<u64> = bad.iter().map(|b| b.line).collect();
    let mut taken: HashSet<String> = rows.iter().map(|r| r.device_uuid.clone()).collect();
    for row in rows.iter_mut().filter(|r| lines.contains(&r.line)) {
        row.device_uuid = loop {
            let id = new_device_uuid()?;
            if taken.insert(id.clone()) {
                break id;
            }
        };
    }
    Ok(())
}

const IMPORTING: &str = "importing devices";

enum Outcome {
    Report(ImportReport),
    Bad(Vec<ImportRowError>),
}

pub async fn import(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path(project): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiErr> {
    let admin = Admin::check(&state, &p, source, "device_import", IMPORTING).await?;
    match admin
        .answer(&state, async {
            check_key(&project)?;
            let dry_run = flag(query.as_deref(), "dry_run")?;
            let format = format_of(&headers, &body)?;
            let parsed = tokio::task::spawn_blocking(move || parse_all(&body, format))
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "the import parser failed");
                    ApiErr::internal()
                })?;
            let (good, mut bad) = parsed;
            let rows = import_rows(good)?;
            if !bad.is_empty() && rows.is_empty() {
                return Ok(Outcome::Bad(bad));
            }
            // With bad rows already, a dry run of the good ones finds the rest (unknown fleets).
            let dry_run = dry_run || !bad.is_empty();
            let mut rows = rows;
            let mut tries = 0;
            let out = loop {
                let out = state
                    .db
                    .devices_import(project.clone(), rows.clone(), dry_run, admin.acting())
                    .await;
                match &out {
                    // An id generated here was already a device's (32 bits: rare, not never): the
                    // rows get fresh ones and the import runs again, nothing having been written.
                    Err(StoreError::Refused(Refusal::BadRows(more)))
                        if tries < 3 && only_taken_generated_ids(more, &rows) =>
                    {
                        tries += 1;
                        regenerate(&mut rows, more)?;
                    }
                    _ => break out,
                }
            };
            match out {
                Ok(_) if !bad.is_empty() => Ok(Outcome::Bad(bad)),
                Ok(report) => Ok(Outcome::Report(report)),
                Err(StoreError::Refused(Refusal::BadRows(more))) => {
                    bad.extend(more);
                    bad.sort_by_key(|e| e.line);
                    Ok(Outcome::Bad(bad))
                }
                Err(e) => Err(e.into()),
            }
        })
        .await?
    {
        Outcome::Report(report) => Ok(Json(report).into_response()),
        Outcome::Bad(rows) => {
            let message = bad_rows_message(rows.len());
            let e = admin.refused(&state, ApiErr::bad_request(message)).await;
            let errors = vec![ErrorItem {
                code: e.code.to_owned(),
                message: e.message,
            }];
            Ok((e.status, Json(BadRows { errors, rows })).into_response())
        }
    }
}
