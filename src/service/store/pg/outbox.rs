//! The webhook outbox on PostgreSQL ([`super::super::outbox`]). Replicas claim due rows in one
//! statement that locks them `FOR UPDATE SKIP LOCKED` and takes their lease: a row another
//! replica is claiming is skipped, not waited for, and a leased row is not due, so each event
//! goes out from one replica at a time.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use crate::service::error::StoreError;

use super::super::outbox::{
    CLAIMED_COLUMNS, Claimed, DELIVERY_COLUMNS, DeliveryQuery, DeliveryRow, Outcome, Sweep,
};
use super::PgDb;
use super::errors::classify;

type Res<T> = Result<T, StoreError>;

fn claimed(r: &Row) -> Res<Claimed> {
    Ok(Claimed {
        seq: r.try_get(0).map_err(classify)?,
        event_id: r.try_get(1).map_err(classify)?,
        kind: r.try_get(2).map_err(classify)?,
        token_id: r.try_get(3).map_err(classify)?,
        username: r.try_get(4).map_err(classify)?,
        description: r.try_get(5).map_err(classify)?,
        scope: r.try_get(6).map_err(classify)?,
        expiry: r.try_get(7).map_err(classify)?,
        previous_id: r.try_get(8).map_err(classify)?,
        lead: r.try_get(9).map_err(classify)?,
        occurred_at: r.try_get(10).map_err(classify)?,
        attempts: r.try_get(11).map_err(classify)?,
        first_try: r.try_get(12).map_err(classify)?,
        acked: r.try_get(13).map_err(classify)?,
    })
}

fn delivery(r: &Row) -> Res<DeliveryRow> {
    Ok(DeliveryRow {
        seq: r.try_get(0).map_err(classify)?,
        event_id: r.try_get(1).map_err(classify)?,
        kind: r.try_get(2).map_err(classify)?,
        token_id: r.try_get(3).map_err(classify)?,
        username: r.try_get(4).map_err(classify)?,
        state: r.try_get(5).map_err(classify)?,
        attempts: r.try_get(6).map_err(classify)?,
        last_error: r.try_get(7).map_err(classify)?,
        next_try: r.try_get(8).map_err(classify)?,
        occurred_at: r.try_get(9).map_err(classify)?,
        done_at: r.try_get(10).map_err(classify)?,
    })
}

/// SQLite's [`super::super::sqlite::outbox::rotated`] on PostgreSQL.
pub async fn rotated<C: GenericClient>(c: &C, old: &str, new: &str) -> Res<()> {
    c.execute(
        "DELETE FROM webhook_outbox WHERE token_id = $1 AND kind = 'token.revoked' \
         AND state = 'pending' AND attempts = 0",
        &[&old],
    )
    .await
    .map_err(classify)?;
    c.execute(
        "UPDATE webhook_outbox SET kind = 'token.rotated', previous_id = $1 \
         WHERE token_id = $2 AND kind = 'token.created' AND state = 'pending'",
        &[&old, &new],
    )
    .await
    .map_err(classify)?;
    Ok(())
}

const EXPIRING: &str = "INSERT INTO webhook_outbox (kind, ord_key, token_id, username, \
     description, scope, expiry, lead, occurred_at, dedup, first_try) \
     SELECT 'token.expiring', token_id, token_id, username, description, scope, expiry, \
     $2::bigint, $1::bigint, token_id || ':expiring:' || $2::bigint::text, $1::bigint \
     FROM tokens WHERE revoked_at IS NULL AND expiry_order > $1::bigint \
     AND expiry_order <= $1::bigint + $2::bigint AND issued_at <= expiry - $2::bigint \
     ON CONFLICT (dedup) DO NOTHING";

const EXPIRED: &str = "INSERT INTO webhook_outbox (kind, ord_key, token_id, username, \
     description, scope, expiry, occurred_at, dedup, first_try) \
     SELECT 'token.expired', token_id, token_id, username, description, scope, expiry, expiry, \
     token_id || ':expired', $1::bigint FROM tokens \
     WHERE revoked_at IS NULL AND expiry_order <= $1::bigint AND expiry_order > $2::bigint \
     ON CONFLICT (dedup) DO NOTHING";

impl PgDb {
    pub async fn outbox_sweep(&self, s: Sweep) -> Res<usize> {
        let c = self.client().await?;
        let mut n = 0;
        for lead in &s.leads {
            n += c
                .execute(EXPIRING, &[&s.now, lead])
                .await
                .map_err(classify)?;
        }
        n += c
            .execute(EXPIRED, &[&s.now, &s.expired_since])
            .await
            .map_err(classify)?;
        Ok(n as usize)
    }

    pub async fn outbox_claim(
        &self,
        owner: String,
        now: i64,
        lease: i64,
        limit: u32,
    ) -> Res<Vec<Claimed>> {
        let c = self.client().await?;
        let sql = format!(
            "WITH due AS (
                SELECT o.seq FROM webhook_outbox o
                WHERE o.state = 'pending' AND o.next_try <= $2
                  AND (o.lease_until IS NULL OR o.lease_until < $2)
                  AND NOT EXISTS (SELECT 1 FROM webhook_outbox e WHERE e.state = 'pending'
                      AND e.seq < o.seq AND (e.ord_key = o.ord_key OR e.ord_key = o.previous_id))
                ORDER BY o.seq LIMIT $4 FOR UPDATE SKIP LOCKED)
             UPDATE webhook_outbox w SET lease_until = $2::bigint + $3::bigint, lease_owner = $1
             FROM due WHERE w.seq = due.seq RETURNING {}",
            CLAIMED_COLUMNS
                .split(", ")
                .map(|col| format!("w.{col}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let rows = c
            .query(&sql, &[&owner, &now, &lease, &i64::from(limit)])
            .await
            .map_err(classify)?;
        let mut out = rows.iter().map(claimed).collect::<Res<Vec<_>>>()?;
        out.sort_by_key(|c| c.seq);
        Ok(out)
    }

    pub async fn outbox_finish(
        &self,
        seq: i64,
        owner: String,
        now: i64,
        out: Outcome,
    ) -> Res<bool> {
        let c = self.client().await?;
        let n = match out {
            Outcome::Delivered => c
                .execute(
                    "UPDATE webhook_outbox SET state = 'delivered', done_at = $3, \
                     attempts = attempts + 1, lease_until = NULL, lease_owner = NULL, \
                     last_error = NULL WHERE seq = $1 AND lease_owner = $2",
                    &[&seq, &owner, &now],
                )
                .await
                .map_err(classify)?,
            Outcome::Failed {
                error,
                acked,
                next_try,
                dead,
            } => c
                .execute(
                    "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $3, \
                     acked = $4, next_try = $5, lease_until = NULL, lease_owner = NULL, \
                     state = CASE WHEN $6 THEN 'dead' ELSE 'pending' END, \
                     done_at = CASE WHEN $6 THEN $7::bigint END \
                     WHERE seq = $1 AND lease_owner = $2",
                    &[&seq, &owner, &error, &acked, &next_try, &dead, &now],
                )
                .await
                .map_err(classify)?,
        };
        Ok(n == 1)
    }

    pub async fn outbox_deliveries(&self, q: DeliveryQuery) -> Res<Vec<DeliveryRow>> {
        let c = self.client().await?;
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_outbox \
             WHERE ($1::text IS NULL OR state = $1) AND ($2::bigint IS NULL OR seq < $2) \
             ORDER BY seq DESC LIMIT $3"
        );
        let rows = c
            .query(&sql, &[&q.state, &q.before_seq, &(i64::from(q.limit) + 1)])
            .await
            .map_err(classify)?;
        rows.iter().map(delivery).collect()
    }

    pub async fn outbox_retry(&self, event_id: String, now: i64) -> Res<bool> {
        let c = self.client().await?;
        let n = c
            .execute(
                "UPDATE webhook_outbox SET state = 'pending', attempts = 0, first_try = $2, \
                 next_try = $2, done_at = NULL, lease_until = NULL, lease_owner = NULL \
                 WHERE event_id = $1 AND state = 'dead'",
                &[&event_id, &now],
            )
            .await
            .map_err(classify)?;
        Ok(n == 1)
    }

    pub async fn outbox_prune(&self, before: i64) -> Res<usize> {
        let c = self.client().await?;
        let n = c
            .execute(
                "DELETE FROM webhook_outbox WHERE state <> 'pending' AND done_at < $1",
                &[&before],
            )
            .await
            .map_err(classify)?;
        Ok(n as usize)
    }
}
