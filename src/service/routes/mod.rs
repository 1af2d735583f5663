//! The HTTP surface: the JFrog Access and Connect endpoints the service speaks (README, "The
//! embedded token service"), request logs, and JFrog's array error form for every error, axum's
//! own rejections included.

mod admin;
mod audit;
mod body;
mod body_deadline;
mod bulk_revoke;
mod device_import;
mod device_register;
mod devices;
mod fleets;
mod issued;
mod members;
mod operator;
mod project_write;
mod projects;
pub mod query;
mod token_changes;
mod token_config;
mod token_create;
mod token_lookup;
mod token_page_body;
mod token_refresh;
pub mod tokens;
mod user_write;
mod users;
mod webhooks;

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};

use std::sync::Arc;

use super::abuse::{self, Abuse, log_sampler::Sample};
use super::edge::ClientAddr;
use super::error::ApiErr;
use super::operator::Operator;
use super::state::AppState;
use crate::model::sanitize::{MAX_RECORDED_CHARS, escape_capped, sanitize_line};

const MAX_BODY: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/access/api/v1/system/ping", get(|| async { "OK" }))
        .route(
            "/access/api/v1/tokens",
            get(tokens::list).post(token_create::create),
        )
        .route(
            "/access/api/v1/tokens/revoke",
            delete(tokens::revoke_by_value),
        )
        .route(
            "/access/api/v1/tokens/{id}",
            get(tokens::get_one).delete(tokens::revoke),
        )
        .route(
            "/access/api/v2/users",
            get(users::list).post(user_write::create),
        )
        .route(
            "/access/api/v2/users/{name}",
            get(user_write::get_one)
                .patch(user_write::update)
                .delete(user_write::remove),
        )
        .route("/tokentab/api/v1/audit", get(audit::list))
        .route("/tokentab/api/v1/tokens/lookup", post(token_lookup::lookup))
        .route(
            "/tokentab/api/v1/tokens/revoke",
            post(bulk_revoke::bulk_revoke),
        )
        .route("/tokentab/api/v1/webhooks/deliveries", get(webhooks::list))
        .route(
            "/tokentab/api/v1/webhooks/deliveries/{event_id}/retry",
            post(webhooks::retry),
        )
        .route(
            "/access/api/v1/config/token/default_expiry",
            get(token_config::default_expiry).put(token_config::set_default_expiry),
        )
        .route(
            "/tokentab/api/v1/config/token/limits",
            get(token_config::limits),
        )
        .route(
            "/access/api/v1/projects",
            get(projects::list).post(project_write::create),
        )
        .route(
            "/access/api/v1/projects/{key}",
            get(project_write::get_one).delete(project_write::remove),
        )
        .route("/access/api/v1/projects/{key}/users", get(members::list))
        .route(
            "/access/api/v1/projects/{key}/users/{user}",
            put(members::put).delete(members::remove),
        )
        .route(
            "/api/v2/{project}/fleets",
            get(devices::fleets).post(fleets::create),
        )
        .route("/api/v2/{project}/fleets/{name}", delete(fleets::remove))
        .route(
            "/api/v2/{project}/devices",
            get(devices::list).post(device_register::create),
        )
        .route(
            "/api/v2/{project}/devices/{uuid}",
            get(devices::get_one)
                .patch(devices::patch)
                .delete(devices::delete),
        )
        .route(operator::METRICS_PATH, get(operator::metrics))
        .route(operator::READY_PATH, get(operator::ready))
        .fallback(|| async { ApiErr::not_found("no such endpoint") })
        // One `layer` call (a tuple: the first is outermost) boxes the two as one service.
        .layer((
            DefaultBodyLimit::max(MAX_BODY),
            middleware::from_fn_with_state(
                (state.body_timeout, MAX_BODY),
                body_deadline::read_body_within,
            ),
        ))
        // The import takes files: its own limit, added after the 64 KiB layers above so that
        // they never wrap it (and it never loosens them).
        .merge(import_router(&state))
        // One layer in front of every route, not four: each `from_fn` layer costs a boxed
        // future and a clone of every boxed service under it, per request. It holds only what
        // it uses (the whole state would be cloned per request).
        .layer(middleware::from_fn_with_state(
            Arc::new(Front {
                ops: Arc::clone(&state.ops),
                abuse: Arc::clone(&state.abuse),
            }),
            front,
        ))
        .with_state(state)
}

/// What [`front`] needs.
struct Front {
    ops: Arc<Operator>,
    abuse: Arc<Abuse>,
}

/// Outermost first: count the request ([`operator::track`]), refuse it when its source or
/// token is out of refusal credit ([`abuse::limit_refusals`]), log it and normalise its error
/// ([`log_and_normalize`]), refuse a NUL in its path or query ([`refuse_nul`]), route it.
async fn front(State(front): State<Arc<Front>>, req: Request, next: Next) -> Response {
    let Front { ops, abuse } = &*front;
    operator::track(ops, req, async |req| {
        abuse::limit_refusals(abuse, req, async |req| {
            log_and_normalize(abuse, req, async |req| refuse_nul(req, next).await).await
        })
        .await
    })
    .await
}

/// `POST /api/v2/{project}/devices/import` with its own body limit (16 MiB).
fn import_router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/api/v2/{project}/devices/import",
            post(device_import::import),
        )
        .layer(middleware::from_fn_with_state(
            (state.body_timeout, device_import::MAX_IMPORT_BODY),
            body_deadline::read_body_within,
        ))
        .layer(DefaultBodyLimit::max(device_import::MAX_IMPORT_BODY))
        // Outermost: nobody but an admin gets 16 MiB read.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            device_import::admin_first,
        ))
}

/// 400 for a NUL (`%00`) anywhere in the path or query: no stored id, name or text holds one,
/// and PostgreSQL cannot even compare text with it (it would be a 500 there).
async fn refuse_nul(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let has_nul = |s: &str| {
        s.as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"%00"))
    };
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        return ApiErr::bad_request("the request's path or query contains U+0000 (NUL)")
            .into_response();
    }
    next.run(req).await
}

/// Logs method, path (escaped, at most [`MAX_RECORDED_CHARS`]), status and latency (never
/// headers: the Authorization header carries the secret); client errors are sampled
/// ([`abuse::log_sampler`]). Rewrites error responses that are not JSON (axum's rejections: bad
/// path, 405, 413 …) into JFrog's `{"errors":[…]}` form.
async fn log_and_normalize(
    abuse: &Abuse,
    req: Request,
    next: impl AsyncFnOnce(Request) -> Response,
) -> Response {
    let logging = tracing::enabled!(target: "tokentab::service::http", tracing::Level::INFO);
    let start = Instant::now();
    let seen = logging.then(|| {
        let client = req.extensions().get::<ClientAddr>().copied();
        (req.method().clone(), req.uri().path().to_owned(), client)
    });
    let resp = next(req).await;
    let status = resp.status();
    if let Some((method, path, client)) = seen {
        let sample = if status.is_client_error() {
            abuse.logs.client_error()
        } else {
            Sample::Write {
                suppressed_before: 0,
            }
        };
        if let Sample::Write { suppressed_before } = sample {
            if suppressed_before > 0 {
                tracing::info!(
                    target: "tokentab::service::http",
                    lines = suppressed_before,
                    "suppressed {suppressed_before} client-error request lines"
                );
            }
            let path = escape_capped(&path, MAX_RECORDED_CHARS);
            tracing::info!(
                target: "tokentab::service::http",
                %method,
                %path,
                status = status.as_u16(),
                latency_us = start.elapsed().as_micros() as u64,
                client = client.map(tracing::field::display),
                "request"
            );
        }
    }
    if status.is_client_error() || status.is_server_error() {
        let is_json = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        if !is_json {
            return rewrite_error(status, resp.into_body()).await;
        }
    }
    resp
}

async fn rewrite_error(status: StatusCode, body: Body) -> Response {
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let text = sanitize_line(text.trim()).into_owned();
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_owned()
    } else {
        text
    };
    let code = match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "BAD_REQUEST",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        s if s.is_server_error() => "INTERNAL_ERROR",
        _ => "BAD_REQUEST",
    };
    ApiErr::new(status, code, message).into_response()
}
