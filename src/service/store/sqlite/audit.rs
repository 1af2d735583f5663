//! The audit trail on SQLite. [`record`] runs inside the change's own write job, so a row
//! exists exactly when the change was committed.

use rusqlite::{Connection, params};

use crate::model::wire::AuditEntry;
use crate::service::error::StoreError;

use super::super::audit::{AuditFilter, Record, bounded, bounded_opt};

/// Writes one row at `at` with `result` (a count of 1); its row number.
pub fn record(conn: &Connection, r: &Record, at: i64, result: &str) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit (at, actor, actor_token_id, action, target_token_id, description, \
         device, source, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        at,
        bounded(&r.actor),
        bounded(&r.actor_token_id),
        r.action,
        bounded_opt(&r.token_id),
        bounded_opt(&r.description),
        bounded_opt(&r.device),
        bounded_opt(&r.source),
        bounded(result)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Adds `n` to the count of row `seq` (refusals aggregated into it, see
/// `service::abuse::refusal_trail`).
pub fn add_count(conn: &Connection, seq: i64, n: u64) -> Result<(), StoreError> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    conn.prepare_cached("UPDATE audit SET count = count + ?2 WHERE seq = ?1")?
        .execute(params![seq, n])?;
    Ok(())
}

/// Newest first, `limit + 1` at most.
pub fn list(conn: &Connection, f: &AuditFilter, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT seq, at, actor, actor_token_id, action, target_token_id, description, device, \
         source, result, count FROM audit \
         WHERE (?1 IS NULL OR target_token_id = ?1) AND (?2 IS NULL OR actor = ?2) \
           AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR at >= ?4) \
           AND (?5 IS NULL OR seq < ?5) \
         ORDER BY seq DESC LIMIT ?6",
    )?;
    let rows = st.query_map(
        params![
            f.token_id,
            f.actor,
            f.action,
            f.since,
            f.before_seq,
            i64::from(limit) + 1
        ],
        |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                time: r.get(1)?,
                actor: r.get(2)?,
                actor_token_id: r.get(3)?,
                action: r.get(4)?,
                token_id: r.get(5)?,
                description: r.get(6)?,
                device: r.get(7)?,
                source: r.get(8)?,
                result: r.get(9)?,
                count: r.get(10)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Deletes rows older than `before` (seconds since the epoch); how many went.
pub fn prune(conn: &Connection, before: i64) -> Result<usize, StoreError> {
    Ok(conn
        .prepare_cached("DELETE FROM audit WHERE at < ?1")?
        .execute([before])?)
}
