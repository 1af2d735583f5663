//! Webhook deliveries over HTTP (issue 20 item 4, admins only):
//! `GET /tokentab/api/v1/webhooks/deliveries` (`state`, `limit`, `cursor`; newest first) and
//! `POST /tokentab/api/v1/webhooks/deliveries/{event_id}/retry` (a dead letter sent again).

use axum::Json;
use axum::extract::{Path, RawQuery, State};

use crate::model::clock::now;
use crate::model::webhook::{Delivery, DeliveryList};

use super::super::auth::Caller;
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::super::store::audit::OK;
use super::super::store::outbox::{DEAD, DELIVERED, DeliveryQuery, DeliveryRow, PENDING};
use super::audit::{DEFAULT_LIMIT, MAX_LIMIT, Source, by};
use super::query::Params;

fn wire(r: DeliveryRow) -> Delivery {
    Delivery {
        event_id: r.event_id,
        kind: r.kind,
        token_id: r.token_id,
        username: r.username,
        state: r.state,
        attempts: r.attempts,
        last_error: r.last_error,
        next_try: r.next_try,
        occurred_at: r.occurred_at,
        done_at: r.done_at,
    }
}

pub async fn list(
    State(state): State<AppState>,
    Caller(p): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<DeliveryList>, ApiErr> {
    if !p.is_admin() {
        return Err(ApiErr::forbidden(
            "only an admin can read webhook deliveries",
        ));
    }
    let q = Params::parse(query.as_deref());
    let limit = q
        .number("limit", 1, u32::MAX)?
        .unwrap_or(DEFAULT_LIMIT)
        .min(MAX_LIMIT);
    let state_filter = match q.get("state") {
        None | Some("") => None,
        Some(s @ (PENDING | DELIVERED | DEAD)) => Some(s.to_owned()),
        Some(_) => {
            return Err(ApiErr::bad_request(
                "state must be pending, delivered or dead",
            ));
        }
    };
    let before_seq = q.seq_cursor()?;
    let mut rows = state
        .db
        .outbox_deliveries(DeliveryQuery {
            state: state_filter,
            before_seq,
            limit,
        })
        .await?;
    let cursor = (rows.len() > limit as usize).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.seq.to_string())
    });
    Ok(Json(DeliveryList {
        deliveries: rows.into_iter().map(wire).collect(),
        cursor: cursor.flatten(),
    }))
}

/// Recorded in the audit trail as `webhook_retry` (the event id in the description).
pub async fn retry(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    Path(event_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiErr> {
    if !p.is_admin() {
        return Err(ApiErr::forbidden(
            "only an admin can retry webhook deliveries",
        ));
    }
    if event_id.len() > 64 || !event_id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return Err(ApiErr::bad_request("not an event id"));
    }
    if !state.db.outbox_retry(event_id.clone(), now()).await? {
        return Err(ApiErr::not_found(
            "no dead webhook delivery with that event id",
        ));
    }
    let mut record = by(&p, "webhook_retry", source);
    record.description = Some(format!("event {event_id}"));
    if let Err(e) = state.db.audit_record(record, now(), OK.into()).await {
        tracing::warn!(error = %e, "could not record a webhook retry in the audit trail");
    }
    Ok(Json(
        serde_json::json!({ "event_id": event_id, "state": PENDING }),
    ))
}
