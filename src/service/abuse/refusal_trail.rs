//! Refusals in the audit trail, aggregated: at most one row per (actor token, action, result)
//! per minute, with a count. A caller who is refused a thousand times costs one row and a
//! counter, not a thousand rows.
//!
//! The first refusal of a minute writes its row at once (so the trail shows it immediately);
//! later ones in the same minute only bump a counter in memory, which [`RefusalTrail::flush`]
//! adds to the row's `count` every [`FLUSH_EVERY`] and when the service stops. Successful
//! changes never come here: they are recorded in their own transaction, one row each.
//!
//! Per process: replicas each keep their own minute, so N replicas write at most N rows per key
//! and minute. Memory is bounded by [`MAX_KEYS`]: past it, refusals of new keys are counted
//! under one overflow key per action and result (actor `(many tokens)`).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::super::store::audit::Record;
use super::super::store::backend::Db;

/// How often counts gathered in memory are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);
/// Most distinct keys held at once.
const MAX_KEYS: usize = 10_000;
/// The actor of the overflow rows.
const MANY: &str = "(many tokens)";

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Key {
    actor_token_id: String,
    action: &'static str,
    result: String,
}

#[derive(Debug)]
struct Slot {
    minute: i64,
    /// The row, once written (None while its insert is in flight).
    seq: Option<i64>,
    /// Refusals since the row was written (or since the last flush).
    pending: u64,
}

#[derive(Default)]
pub struct RefusalTrail {
    slots: Mutex<HashMap<Key, Slot>>,
}

/// What one refusal asks of the database.
enum Step {
    /// Counted in memory: nothing to write.
    Counted,
    /// Write a new row; first add `flush` to the previous minute's row.
    Insert { flush: Option<(i64, u64)> },
}

impl RefusalTrail {
    fn slots(&self) -> MutexGuard<'_, HashMap<Key, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records one refusal of `r` at `at` with `result` (`403 FORBIDDEN` …).
    pub async fn record(&self, db: &Db, mut r: Record, at: i64, result: String) {
        let minute = at.div_euclid(60);
        let mut key = Key {
            actor_token_id: r.actor_token_id.clone(),
            action: r.action,
            result: result.clone(),
        };
        let step = {
            let mut slots = self.slots();
            if !slots.contains_key(&key) && slots.len() >= MAX_KEYS {
                key.actor_token_id = MANY.into();
                r = Record {
                    actor: MANY.into(),
                    actor_token_id: MANY.into(),
                    action: r.action,
                    ..Record::default()
                };
            }
            match slots.get_mut(&key) {
                Some(slot) if slot.minute == minute => {
                    slot.pending += 1;
                    Step::Counted
                }
                Some(slot) => {
                    let flush = slot.seq.map(|seq| (seq, slot.pending));
                    *slot = Slot {
                        minute,
                        seq: None,
                        pending: 0,
                    };
                    Step::Insert { flush }
                }
                None => {
                    slots.insert(
                        key.clone(),
                        Slot {
                            minute,
                            seq: None,
                            pending: 0,
                        },
                    );
                    Step::Insert { flush: None }
                }
            }
        };
        let Step::Insert { flush } = step else {
            return;
        };
        if let Some((seq, n)) = flush.filter(|(_, n)| *n > 0) {
            add_count(db, seq, n).await;
        }
        match db.audit_record(r, at, result).await {
            Ok(seq) => {
                if let Some(slot) = self.slots().get_mut(&key).filter(|s| s.minute == minute) {
                    slot.seq = Some(seq);
                }
            }
            Err(e) => {
                // The next refusal tries to write the row again.
                self.slots().remove(&key);
                tracing::warn!(error = %e, "could not record a refusal in the audit trail");
            }
        }
    }

    /// Writes the counts gathered in memory, and forgets keys whose minute is over (`now`).
    pub async fn flush(&self, db: &Db, now: i64) {
        let minute = now.div_euclid(60);
        let due: Vec<(i64, u64)> = {
            let mut slots = self.slots();
            let mut due = Vec::new();
            slots.retain(|_, slot| {
                if let Some(seq) = slot.seq.filter(|_| slot.pending > 0) {
                    due.push((seq, slot.pending));
                    slot.pending = 0;
                }
                // A row still being inserted keeps its slot until it has a number.
                slot.minute == minute || slot.seq.is_none()
            });
            due
        };
        for (seq, n) in due {
            add_count(db, seq, n).await;
        }
    }

    /// Keys held now (for tests and metrics).
    pub fn len(&self) -> usize {
        self.slots().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

async fn add_count(db: &Db, seq: i64, n: u64) {
    if let Err(e) = db.audit_add_count(seq, n).await {
        tracing::warn!(error = %e, refusals = n, "could not add refusals to the audit trail");
    }
}

/// [`RefusalTrail::flush`] every [`FLUSH_EVERY`] until the task is dropped.
pub async fn flush_forever(trail: &RefusalTrail, db: &Db) {
    let mut every = tokio::time::interval(FLUSH_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        trail.flush(db, crate::model::clock::now()).await;
    }
}
