//! The audit trail on PostgreSQL: the rows, filters and cursor of the SQLite backend's
//! `store/audit.rs`. [`record`] takes the change's own transaction, so a row exists exactly
//! when the change committed.

use deadpool_postgres::GenericClient;

use crate::model::wire::AuditEntry;
use crate::service::error::StoreError;
use crate::service::store::audit::{AuditFilter, Record, bounded, bounded_opt};

use super::{PgDb, classify};

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

impl PgDb {
    pub async fn audit_record(
        &self,
        record: Record,
        at: i64,
        result: String,
    ) -> Result<i64, StoreError> {
        let client = self.client().await?;
        self::record(&client, &record, at, &result).await
    }

    /// Adds `n` to the count of row `seq`.
    pub async fn audit_add_count(&self, seq: i64, n: u64) -> Result<(), StoreError> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let client = self.client().await?;
        client
            .execute(
                "UPDATE audit SET count = count + $2 WHERE seq = $1",
                &[&seq, &n],
            )
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Newest first, at most `limit`; the second value is the cursor while more remain.
    pub async fn audit_list(
        &self,
        f: AuditFilter,
        limit: u32,
    ) -> Result<(Vec<AuditEntry>, Option<i64>), StoreError> {
        let client = self.client().await?;
        let stmt = client
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
        let rows = client
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
        let mut entries = rows
            .iter()
            .map(entry)
            .collect::<Result<Vec<_>, _>>()
            .map_err(classify)?;
        let more = entries.len() > limit as usize;
        entries.truncate(limit as usize);
        let next = if more {
            entries.last().map(|e| e.id)
        } else {
            None
        };
        Ok((entries, next))
    }

    /// Deletes rows older than `before` (seconds since the epoch); how many went.
    pub async fn audit_prune(&self, before: i64) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute("DELETE FROM audit WHERE at < $1", &[&before])
            .await
            .map_err(classify)?;
        Ok(n as usize)
    }
}
