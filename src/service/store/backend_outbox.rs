//! [`Db`]'s webhook outbox (issue 20 item 4, [`super::outbox`]): the switch the triggers read,
//! and the sweeper's, worker's and listing's operations, each a plain dispatch to the
//! backend's SQL (they differ in how a claim locks).

use crate::service::error::StoreError;

use super::backend::{Db, run};
use super::outbox::{Claimed, DeliveryQuery, DeliveryRow, Outcome, SWITCH, SWITCHED_ON_AT, Sweep};
use super::sqlite::Access;
use super::tx::Tx;

macro_rules! both {
    ($self:ident, $method:ident($($arg:expr),*)) => {
        match $self {
            Db::Sqlite(db) => db.$method($($arg),*).await,
            Db::Postgres(db) => db.$method($($arg),*).await,
        }
    };
}

impl Db {
    /// Turns the outbox triggers on (`serve` with a webhook) or off; when on, the time they
    /// were last turned on (the time now, when they were off).
    pub async fn webhooks_switch(&self, on: bool, now: i64) -> Result<i64, StoreError> {
        let out = run!(self, write, |tx| {
            let was_on = tx.meta(SWITCH).await?.as_deref() == Some("on");
            let value = if on { "on" } else { "off" };
            if was_on != on {
                tx.set_meta(SWITCH, value, true).await?;
            }
            if on && !was_on {
                tx.set_meta(SWITCHED_ON_AT, &now.to_string(), true).await?;
            }
            let at = tx.meta(SWITCHED_ON_AT).await?;
            Ok::<_, StoreError>(at.and_then(|a| a.parse().ok()).unwrap_or(now))
        });
        self.health().record(out)
    }

    /// Writes the `token.expiring` / `token.expired` events due at `s.now` (each once).
    pub async fn outbox_sweep(&self, s: Sweep) -> Result<usize, StoreError> {
        both!(self, outbox_sweep(s))
    }

    /// Takes a lease of `lease` seconds on up to `limit` due rows for `owner`, oldest first.
    pub async fn outbox_claim(
        &self,
        owner: String,
        now: i64,
        lease: i64,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError> {
        both!(self, outbox_claim(owner, now, lease, limit))
    }

    /// Records a try of row `seq`; false when `owner`'s lease on it was lost.
    pub async fn outbox_finish(
        &self,
        seq: i64,
        owner: String,
        now: i64,
        out: Outcome,
    ) -> Result<bool, StoreError> {
        both!(self, outbox_finish(seq, owner, now, out))
    }

    pub async fn outbox_deliveries(
        &self,
        q: DeliveryQuery,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        both!(self, outbox_deliveries(q))
    }

    /// A dead letter back to `pending`, due now, its attempts and age restarted; false when
    /// there is no dead event with that id.
    pub async fn outbox_retry(&self, event_id: String, now: i64) -> Result<bool, StoreError> {
        both!(self, outbox_retry(event_id, now))
    }

    /// Deletes delivered and dead rows finished before `before`.
    pub async fn outbox_prune(&self, before: i64) -> Result<usize, StoreError> {
        both!(self, outbox_prune(before))
    }
}
