//! `POST /api/v2/{project}/devices/import[?dry_run=true]` (admins only): CSV or JSON Lines
//! (`model::device_import`), up to [`MAX_IMPORT_BODY`] and 100,000 rows, all rows or none in
//! one transaction. Every bad row (shape, an id twice in the file, an unknown fleet) is
//! answered at once: 400 in JFrog's error form plus `rows: [{line, field, message}]`, and
//! nothing is written. A dry run answers what would change and writes nothing.

use std::collections::HashSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
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
    let admin = Admin::check(&state, &p, source, "device_import", "importing devices").await?;
    let r = async {
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
        match state
            .db
            .devices_import(project, rows, dry_run, admin.acting())
            .await
        {
            Ok(_) if !bad.is_empty() => Ok(Outcome::Bad(bad)),
            Ok(report) => Ok(Outcome::Report(report)),
            Err(StoreError::Refused(Refusal::BadRows(more))) => {
                bad.extend(more);
                bad.sort_by_key(|e| e.line);
                Ok(Outcome::Bad(bad))
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    match admin.answer(&state, r).await? {
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
