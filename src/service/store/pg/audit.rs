//! The audit trail on PostgreSQL: the statements behind `pg/tx.rs`'s audit primitives, the
//! rows and filters of SQLite's `sqlite/audit.rs`. [`record`] takes the change's own
//! transaction, so a row exists exactly when the change committed.

use deadpool_postgres::GenericClient;

use crate::model::wire::AuditEntry;
use crate::service::error::StoreError;
use crate::service::store::audit::{AuditFilter, Record, bounded, bounded_opt};
use crate::service::store::tx::Res;

use super::errors::classify;

/// Writes one row at `at` with `result` (a count of 1), its fields bounded as on SQLite; its
/// row number.
pub(super) async fn record(
    tx: &impl GenericClient,
    r: &Record,
    at: i64,
    result: &str,
) -> Result<i64, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO audit (at, actor, actor_token_id, action, target_token_id, \
             description, device, source, result) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING seq",
        )
        .await
        .map_err(classify)?;
    let row = tx
        .query_one(
            &stmt,
            &[
                &at,
                &bounded(&r.actor),
                &bounded(&r.actor_token_id),
                &r.action,
                &bounded_opt(&r.token_id),
                &bounded_opt(&r.description),
                &bounded_opt(&r.device),
                &bounded_opt(&r.source),
                &bounded(result),
            ],
        )
        .await
        .map_err(classify)?;
    row.try_get(0).map_err(classify)
}

fn entry(r: &tokio_postgres::Row) -> Result<AuditEntry, tokio_postgres::Error> {
    Ok(AuditEntry {
        id: r.try_get(0)?,
        time: r.try_get(1)?,
        actor: r.try_get(2)?,
        actor_token_id: r.try_get(3)?,
        action: r.try_get(4)?,
        token_id: r.try_get(5)?,
        description: r.try_get(6)?,
        device: r.try_get(7)?,
        source: r.try_get(8)?,
        result: r.try_get(9)?,
        count: r.try_get(10)?,
    })
}

/// Newest first, `limit + 1` at most.
pub(super) async fn list(
    c: &impl GenericClient,
    f: &AuditFilter,
    limit: u32,
) -> Res<Vec<AuditEntry>> {
    let stmt = c
        .prepare_cached(
            "SELECT seq, at, actor, actor_token_id, action, target_token_id, description, \
             device, source, result, count FROM audit \
             WHERE ($1::text IS NULL OR target_token_id = $1) \
               AND ($2::text IS NULL OR actor = $2) \
               AND ($3::text IS NULL OR action = $3) \
               AND ($4::bigint IS NULL OR at >= $4) \
               AND ($5::bigint IS NULL OR seq < $5) \
             ORDER BY seq DESC LIMIT $6",
        )
        .await
        .map_err(classify)?;
    let rows = c
        .query(
            &stmt,
            &[
                &f.token_id,
                &f.actor,
                &f.action,
                &f.since,
                &f.before_seq,
                &(i64::from(limit) + 1),
            ],
        )
        .await
        .map_err(classify)?;
    rows.iter()
        .map(entry)
        .collect::<Result<Vec<_>, _>>()
        .map_err(classify)
}
