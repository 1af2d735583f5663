//! `GET /metrics` (Prometheus), `GET /readyz` (503 while the database is unreachable or
//! cannot be written, or while the replica drains before a stop, see [`ready`]), and
//! the middleware that counts every request. Liveness stays `GET /access/api/v1/system/ping`:
//! it answers whenever the process serves HTTP, whatever the database does.
//! Neither endpoint needs a token: they say nothing about tokens, users or devices.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::error::{ApiErr, StoreError};
use super::super::operator::{Operator, ReplacedToken, UNMATCHED};
use super::super::state::AppState;

/// A readiness check slower than this counts as a failure.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub const METRICS_PATH: &str = "/metrics";
pub const READY_PATH: &str = "/readyz";

pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiErr> {
    let text = state.ops.encode().map_err(|_| ApiErr::internal())?;
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// 503 while the database file is gone or replaced, the disk is under the free-space floor,
/// or writes fail (then a probe write is tried: ready again as soon as one succeeds); else
/// whether a read round-trips.
pub async fn ready(State(state): State<AppState>) -> Result<Json<Value>, ApiErr> {
    if state.drain.is_on() {
        // Not a warning: every health check says it until the replica stops.
        return Err(ApiErr::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "not ready: draining, this replica is stopping",
        ));
    }
    let db = state.ops.db();
    let health = db.health();
    health.file_ok().map_err(unavailable)?;
    health.room_to_grow().map_err(unavailable)?;
    if let Some(why) = health.failure() {
        match tokio::time::timeout(READY_TIMEOUT, db.probe_write()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return Err(unavailable(StoreError::Unavailable(format!(
                    "writes are failing: {e}"
                ))));
            }
            Err(_) => {
                return Err(unavailable(StoreError::Unavailable(format!(
                    "writes are failing ({why}) and a test write did not finish within \
                     {READY_TIMEOUT:?}"
                ))));
            }
        }
    }
    match tokio::time::timeout(READY_TIMEOUT, db.ping()).await {
        Ok(Ok(())) => Ok(Json(json!({ "status": "ready", "database": db.kind() }))),
        Ok(Err(e)) => Err(unavailable(e)),
        Err(_) => Err(unavailable(StoreError::Unavailable(format!(
            "no answer within {READY_TIMEOUT:?}"
        )))),
    }
}

/// Always 503 (with Retry-After), whatever the failure.
fn unavailable(e: StoreError) -> ApiErr {
    tracing::warn!(error = %e, "not ready");
    ApiErr::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "SERVICE_UNAVAILABLE",
        format!("not ready: {e}"),
    )
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PATCH => "PATCH",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts each request under its route template, with its final status and latency.
pub async fn track(
    ops: &Operator,
    req: Request,
    next: impl AsyncFnOnce(Request) -> Response,
) -> Response {
    let start = Instant::now();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = method_label(req.method());
    let resp = next(req).await;
    let route = route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
    ops.record(route, method, resp.status().as_u16(), start.elapsed());
    if resp.extensions().get::<ReplacedToken>().is_some() {
        ops.record_replaced();
    }
    resp
}
