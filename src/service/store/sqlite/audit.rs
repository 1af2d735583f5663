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

#[cfg(test)]
mod tests {
    use super::super::super::audit::OK;
    use super::super::super::rules::reads;
    use super::super::{SqliteTx, ready};
    use super::*;
    use crate::model::sanitize::MAX_RECORDED_CHARS;

    /// One page through the rule the service runs (the primitive fetches, the rule cuts).
    fn list(
        c: &Connection,
        f: &AuditFilter,
        limit: u32,
    ) -> Result<(Vec<AuditEntry>, Option<i64>), StoreError> {
        ready(reads::audit(&SqliteTx::new(c), f, limit))
    }

    #[test]
    fn lists_newest_first_with_filters_and_pages_and_prunes() {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut c).unwrap();
        for i in 0..5i64 {
            let r = Record {
                actor: if i % 2 == 0 { "admin" } else { "alice" }.into(),
                actor_token_id: "t0".into(),
                action: "create",
                token_id: Some(format!("t{i}")),
                ..Record::default()
            };
            record(&c, &r, 100 + i, OK).unwrap();
        }
        let (page, next) = list(&c, &AuditFilter::default(), 2).unwrap();
        assert_eq!(page.iter().map(|e| e.time).collect::<Vec<_>>(), [104, 103]);
        let f = AuditFilter {
            before_seq: next,
            ..AuditFilter::default()
        };
        let (page, _) = list(&c, &f, 2).unwrap();
        assert_eq!(page[0].time, 102);
        let f = AuditFilter {
            actor: Some("alice".into()),
            since: Some(102),
            ..AuditFilter::default()
        };
        let (page, next) = list(&c, &f, 10).unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(next, None);
        assert_eq!(page[0].count, 1);
        let seq = page[0].id;
        add_count(&c, seq, 41).unwrap();
        let f = AuditFilter {
            actor: Some("alice".into()),
            ..AuditFilter::default()
        };
        let (page, _) = list(&c, &f, 10).unwrap();
        assert_eq!(page.iter().find(|e| e.id == seq).unwrap().count, 42);
        assert_eq!(prune(&c, 103).unwrap(), 3);
        assert_eq!(list(&c, &AuditFilter::default(), 10).unwrap().0.len(), 2);
    }

    #[test]
    fn stored_fields_are_escaped_and_capped() {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut c).unwrap();
        let r = Record {
            actor: "admin".into(),
            actor_token_id: "t0".into(),
            action: "revoke",
            token_id: Some(format!("\x1b]52;c;{}", "x".repeat(60_000))),
            ..Record::default()
        };
        record(&c, &r, 1, OK).unwrap();
        let (rows, _) = list(&c, &AuditFilter::default(), 1).unwrap();
        let stored = rows[0].token_id.as_deref().unwrap();
        assert!(stored.starts_with("\\u{1b}]52;c;xxx"), "{stored}");
        assert!(
            stored.chars().count() < MAX_RECORDED_CHARS + 32,
            "{}",
            stored.len()
        );
        assert!(!stored.chars().any(crate::model::sanitize::is_unsafe_char));
    }
}
