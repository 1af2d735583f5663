//! The webhook outbox on SQLite ([`super::super::outbox`]). Writes run as jobs of the writer
//! thread, inside its `BEGIN IMMEDIATE`: a claim reads the due rows and takes their lease
//! while holding the database's write lock, so two processes on one file never claim the same
//! row.

use rusqlite::{Connection, Row, params};

use crate::service::error::StoreError;

use super::super::outbox::{
    CLAIMED_COLUMNS, Claimed, DELIVERY_COLUMNS, DeliveryQuery, DeliveryRow, Outcome, Sweep,
};
use super::{Access, SqliteDb};

fn claimed(r: &Row<'_>) -> rusqlite::Result<Claimed> {
    Ok(Claimed {
        seq: r.get(0)?,
        event_id: r.get(1)?,
        kind: r.get(2)?,
        token_id: r.get(3)?,
        username: r.get(4)?,
        description: r.get(5)?,
        scope: r.get(6)?,
        expiry: r.get(7)?,
        previous_id: r.get(8)?,
        lead: r.get(9)?,
        occurred_at: r.get(10)?,
        attempts: r.get(11)?,
        first_try: r.get(12)?,
        acked: r.get(13)?,
    })
}

fn delivery(r: &Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        seq: r.get(0)?,
        event_id: r.get(1)?,
        kind: r.get(2)?,
        token_id: r.get(3)?,
        username: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        last_error: r.get(7)?,
        next_try: r.get(8)?,
        occurred_at: r.get(9)?,
        done_at: r.get(10)?,
    })
}

/// The refresh rule's rotation, in its transaction: the old token's `token.revoked` goes
/// (the rotation says it) and the new token's `token.created` becomes `token.rotated`.
pub fn rotated(conn: &Connection, old: &str, new: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM webhook_outbox WHERE token_id = ?1 AND kind = 'token.revoked' \
         AND state = 'pending' AND attempts = 0",
    )?
    .execute([old])?;
    conn.prepare_cached(
        "UPDATE webhook_outbox SET kind = 'token.rotated', previous_id = ?1 \
         WHERE token_id = ?2 AND kind = 'token.created' AND state = 'pending'",
    )?
    .execute([old, new])?;
    Ok(())
}

fn sweep(c: &Connection, s: &Sweep) -> rusqlite::Result<usize> {
    let mut n = 0;
    for lead in &s.leads {
        n += c
            .prepare_cached(
                "INSERT OR IGNORE INTO webhook_outbox (kind, ord_key, token_id, username, \
                 description, scope, expiry, lead, occurred_at, dedup, first_try) \
                 SELECT 'token.expiring', token_id, token_id, username, description, scope, \
                 expiry, ?2, ?1, token_id || ':expiring:' || ?2, ?1 FROM tokens \
                 WHERE revoked_at IS NULL AND expiry_order > ?1 AND expiry_order <= ?1 + ?2 \
                 AND issued_at <= expiry - ?2",
            )?
            .execute(params![s.now, lead])?;
    }
    n += c
        .prepare_cached(
            "INSERT OR IGNORE INTO webhook_outbox (kind, ord_key, token_id, username, \
             description, scope, expiry, occurred_at, dedup, first_try) \
             SELECT 'token.expired', token_id, token_id, username, description, scope, \
             expiry, expiry, token_id || ':expired', ?1 FROM tokens \
             WHERE revoked_at IS NULL AND expiry_order <= ?1 AND expiry_order > ?2",
        )?
        .execute(params![s.now, s.expired_since])?;
    Ok(n)
}

fn claim(
    c: &Connection,
    owner: &str,
    now: i64,
    lease: i64,
    limit: u32,
) -> rusqlite::Result<Vec<Claimed>> {
    c.prepare_cached(&format!(
        "UPDATE webhook_outbox SET lease_until = ?2 + ?3, lease_owner = ?1 WHERE seq IN (
            SELECT o.seq FROM webhook_outbox o
            WHERE o.state = 'pending' AND o.next_try <= ?2
              AND (o.lease_until IS NULL OR o.lease_until < ?2)
              AND NOT EXISTS (SELECT 1 FROM webhook_outbox e WHERE e.state = 'pending'
                  AND e.seq < o.seq AND (e.ord_key = o.ord_key OR e.ord_key = o.previous_id))
            ORDER BY o.seq LIMIT ?4)
         RETURNING {CLAIMED_COLUMNS}"
    ))?
    .query_map(params![owner, now, lease, limit], claimed)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map(|mut v| {
        v.sort_by_key(|c| c.seq);
        v
    })
}

fn finish(
    c: &Connection,
    seq: i64,
    owner: &str,
    now: i64,
    out: &Outcome,
) -> rusqlite::Result<bool> {
    let n = match out {
        Outcome::Delivered => c
            .prepare_cached(
                "UPDATE webhook_outbox SET state = 'delivered', done_at = ?3, \
                 attempts = attempts + 1, lease_until = NULL, lease_owner = NULL, \
                 last_error = NULL WHERE seq = ?1 AND lease_owner = ?2",
            )?
            .execute(params![seq, owner, now])?,
        Outcome::Failed {
            error,
            acked,
            next_try,
            dead,
        } => c
            .prepare_cached(
                "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?3, \
                 acked = ?4, next_try = ?5, lease_until = NULL, lease_owner = NULL, \
                 state = CASE WHEN ?6 THEN 'dead' ELSE 'pending' END, \
                 done_at = CASE WHEN ?6 THEN ?7 END WHERE seq = ?1 AND lease_owner = ?2",
            )?
            .execute(params![seq, owner, error, acked, next_try, dead, now])?,
    };
    Ok(n == 1)
}

fn deliveries(c: &Connection, q: &DeliveryQuery) -> rusqlite::Result<Vec<DeliveryRow>> {
    c.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_outbox \
         WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR seq < ?2) \
         ORDER BY seq DESC LIMIT ?3"
    ))?
    .query_map(
        params![q.state, q.before_seq, i64::from(q.limit) + 1],
        delivery,
    )?
    .collect()
}

fn retry(c: &Connection, event_id: &str, now: i64) -> rusqlite::Result<bool> {
    let n = c
        .prepare_cached(
            "UPDATE webhook_outbox SET state = 'pending', attempts = 0, first_try = ?2, \
             next_try = ?2, done_at = NULL, lease_until = NULL, lease_owner = NULL \
             WHERE event_id = ?1 AND state = 'dead'",
        )?
        .execute(params![event_id, now])?;
    Ok(n == 1)
}

fn prune(c: &Connection, before: i64) -> rusqlite::Result<usize> {
    c.prepare_cached("DELETE FROM webhook_outbox WHERE state <> 'pending' AND done_at < ?1")?
        .execute([before])
}

impl SqliteDb {
    async fn outbox_job<T: Send + 'static>(
        &self,
        access: Access,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.store
            .run(access, move |c| f(c).map_err(StoreError::from))
            .await
    }

    pub async fn outbox_sweep(&self, s: Sweep) -> Result<usize, StoreError> {
        self.outbox_job(Access::Write, move |c| sweep(c, &s)).await
    }

    pub async fn outbox_claim(
        &self,
        owner: String,
        now: i64,
        lease: i64,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError> {
        self.outbox_job(Access::Write, move |c| claim(c, &owner, now, lease, limit))
            .await
    }

    pub async fn outbox_finish(
        &self,
        seq: i64,
        owner: String,
        now: i64,
        out: Outcome,
    ) -> Result<bool, StoreError> {
        self.outbox_job(Access::Write, move |c| finish(c, seq, &owner, now, &out))
            .await
    }

    pub async fn outbox_deliveries(
        &self,
        q: DeliveryQuery,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        self.outbox_job(Access::Read, move |c| deliveries(c, &q))
            .await
    }

    pub async fn outbox_retry(&self, event_id: String, now: i64) -> Result<bool, StoreError> {
        self.outbox_job(Access::Write, move |c| retry(c, &event_id, now))
            .await
    }

    pub async fn outbox_prune(&self, before: i64) -> Result<usize, StoreError> {
        self.outbox_job(Access::Write, move |c| prune(c, before))
            .await
    }
}
