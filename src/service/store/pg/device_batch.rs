//! Concurrent device reads (`GET /api/v2/{project}/devices/{uuid}`, with the revocation epoch)
//! answered by one statement per batch on PostgreSQL.
//!
//! Every request used to send its own statement: PostgreSQL's backend woke up, bound, planned
//! (from the cache), started and ended an executor and flushed a reply for each, and serve woke
//! up for each reply, which cost more CPU than the lookup itself. Here a request hands its
//! `(project, uuid)` to one task per replica ([`run`]); the task takes every request queued so
//! far (up to [`MAX_BATCH`]) and reads them all with one statement on a pooled connection
//! ([`BATCH_SQL`]: the epoch row joined with the requested devices), with at most
//! [`IN_FLIGHT`] such statements running at once. While they run, the next requests queue,
//! so the batch grows with the load and a lone request is not delayed.
//!
//! Why the guarantee still holds ([`crate::service::revocation`], "One statement for both"):
//! a request is queued after it arrived, and the statement that reads its batch is sent only
//! after the task took it from the queue, so that statement begins after the request
//! arrived; under READ COMMITTED one statement reads one snapshot, taken when it starts. Its
//! epoch is therefore from a read that began after the request arrived, exactly what the
//! single statement gave. When the batch fails (or the task is gone), each of its requests
//! runs the single statement itself ([`super::PgDb::device_alone`]), which begins later still.

use deadpool_postgres::Pool;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::model::wire::DeviceInfo;
use crate::service::error::StoreError;

use super::entities::device_row;
use super::errors::{classify, pool_error};

/// Most requests one statement reads.
const MAX_BATCH: usize = 128;
/// Most batch statements running at once, each on its own connection of the batches' pool.
pub(super) const IN_FLIGHT: usize = 2;

/// The devices asked for, in the order asked (`q.i` from 1), each with the epoch row; a device
/// that does not exist gives a row of NULLs beside the epoch.
const BATCH_SQL: &str = "SELECT d.device_uuid, d.device_name, d.project_key, d.fleet, \
     d.description, d.tags::text, d.device_ip, d.agent_version, e.epoch, q.i \
     FROM revocation_epoch e \
     CROSS JOIN unnest($1::text[], $2::text[]) WITH ORDINALITY AS q(p, u, i) \
     LEFT JOIN devices d ON d.project_key = q.p AND d.device_uuid = q.u";

/// The driver's configuration `cfg` for the batches' own connections: their sessions always
/// use the statement's generic plan. With PostgreSQL's default (`auto`) the plan cache keeps
/// planning the statement anew for each array length while the generic plan's estimate looks
/// costlier, e.g. while `revocation_epoch` has no statistics (a new database): measured, that
/// planning was most of the backend's CPU per batch.
pub(super) fn session(mut cfg: tokio_postgres::Config) -> tokio_postgres::Config {
    let options = match cfg.get_options() {
        Some(o) => format!("{o} -c plan_cache_mode=force_generic_plan"),
        None => "-c plan_cache_mode=force_generic_plan".to_owned(),
    };
    cfg.options(options);
    cfg
}

/// The epoch and the device (if any), from one statement that began after the request arrived.
pub(super) type Answer = (u64, Option<DeviceInfo>);

struct Ask {
    project: String,
    uuid: String,
    reply: oneshot::Sender<Answer>,
}

/// The sending side of a replica's batch task (the task ends when this is dropped).
pub(super) struct DeviceBatcher {
    tx: mpsc::UnboundedSender<Ask>,
}

impl DeviceBatcher {
    /// Starts the task on `pool` (connections made with [`session`]).
    pub fn start(pool: Pool) -> DeviceBatcher {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(pool, rx));
        DeviceBatcher { tx }
    }

    /// The answer from a batch statement, or `None` when the batch failed (the caller then
    /// reads alone).
    pub async fn get(&self, project: &str, uuid: &str) -> Option<Answer> {
        let (reply, answer) = oneshot::channel();
        let ask = Ask {
            project: project.to_owned(),
            uuid: uuid.to_owned(),
            reply,
        };
        self.tx.send(ask).ok()?;
        answer.await.ok()
    }
}

/// Takes what is queued (after a batch slot is free) and reads it with one statement, until
/// every sender is gone.
async fn run(pool: Pool, mut rx: mpsc::UnboundedReceiver<Ask>) {
    let slots = std::sync::Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut batch = Vec::with_capacity(16);
        if rx.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            if let Err(e) = answer(&pool, batch).await {
                // Its requests read alone and answer (or report) the error themselves.
                tracing::debug!(error = %e, "batched device read failed");
            }
            drop(slot);
        });
    }
}

/// Reads `batch` with one statement and answers each request (a request left unanswered, on
/// an error, reads alone).
async fn answer(pool: &Pool, batch: Vec<Ask>) -> Result<(), StoreError> {
    let rows = {
        let client = pool.get().await.map_err(pool_error)?;
        let stmt = client.prepare_cached(BATCH_SQL).await.map_err(classify)?;
        let projects: Vec<&str> = batch.iter().map(|a| a.project.as_str()).collect();
        let uuids: Vec<&str> = batch.iter().map(|a| a.uuid.as_str()).collect();
        client
            .query(&stmt, &[&projects, &uuids])
            .await
            .map_err(classify)?
    };
    let mut asks: Vec<Option<Ask>> = batch.into_iter().map(Some).collect();
    for row in &rows {
        let epoch: i64 = row.try_get(8).map_err(classify)?;
        let i: i64 = row.try_get(9).map_err(classify)?;
        let found: Option<String> = row.try_get(0).map_err(classify)?;
        let device = match found {
            Some(_) => Some(device_row(row)?),
            None => None,
        };
        let ask = usize::try_from(i - 1)
            .ok()
            .and_then(|i| asks.get_mut(i))
            .and_then(Option::take);
        if let Some(ask) = ask {
            // A request that gave up (its client went away) needs no answer.
            let _ = ask.reply.send((epoch as u64, device));
        }
    }
    Ok(())
}
