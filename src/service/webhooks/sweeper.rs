//! The sweeper (a tokio task on every replica): writes the `token.expiring` events whose lead
//! time has come and the `token.expired` events, each once per token (and lead time) whoever
//! sweeps, and prunes finished rows after the retention time.

use std::sync::Arc;

use crate::model::clock::now;
use crate::service::store::backend::Db;
use crate::service::store::outbox::Sweep;

use super::Webhooks;

/// One sweep at `now`. `on_at`: when webhooks were switched on (tokens that expired before
/// get no `token.expired`).
pub async fn once(db: &Db, hooks: &Webhooks, on_at: i64) {
    let t = now();
    let max_age = hooks.opts.max_age.as_secs() as i64;
    let sweep = Sweep {
        now: t,
        leads: hooks
            .opts
            .leads
            .iter()
            .map(|d| d.as_secs() as i64)
            .collect(),
        // Older than the dead-letter age would be dead on arrival; and the range stays small.
        expired_since: on_at.max(t.saturating_sub(max_age)),
    };
    match db.outbox_sweep(sweep).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(events = n, "webhook sweep queued expiry events"),
        Err(e) => tracing::warn!(error = %e, "webhook sweep failed"),
    }
    // A finished row is also the sweep's "already sent" mark: it stays while its token can
    // still be swept (the longest lead time, the dead-letter age).
    let keep = hooks
        .opts
        .retention
        .max(hooks.opts.max_age)
        .max(hooks.opts.leads.iter().copied().max().unwrap_or_default())
        .as_secs() as i64;
    match db.outbox_prune(t.saturating_sub(keep)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "pruned finished webhook deliveries"),
        Err(e) => tracing::warn!(error = %e, "could not prune webhook deliveries"),
    }
}

/// [`once`] every `sweep_every`, until aborted.
pub async fn run(db: Arc<Db>, hooks: Arc<Webhooks>, on_at: i64) {
    let mut every = tokio::time::interval(hooks.opts.sweep_every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        once(&db, &hooks, on_at).await;
    }
}
