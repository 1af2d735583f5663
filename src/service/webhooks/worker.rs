//! The delivery worker (a tokio task per `serve`): claims due outbox rows under a lease, POSTs
//! each to every target that has not acknowledged it yet (rows of different tokens at once),
//! and records the outcome: delivered, tried again later (exponential backoff with jitter),
//! or dead after too many attempts or too long.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;

use crate::model::clock::now;
use crate::service::store::backend::Db;
use crate::service::store::outbox::{Claimed, Outcome};

use super::{Webhooks, event, sign};

/// Rows claimed at once.
const BATCH: u32 = 16;
/// The most of a failed delivery's error text kept.
const MAX_ERROR: usize = 200;

/// Runs until aborted.
pub async fn run(db: Arc<Db>, hooks: Arc<Webhooks>, client: reqwest::Client, owner: String) {
    loop {
        let claimed = db
            .outbox_claim(owner.clone(), now(), hooks.lease_secs(), BATCH)
            .await;
        match claimed {
            Ok(rows) if !rows.is_empty() => {
                let full = rows.len() as u32 == BATCH;
                join_all(rows.into_iter().map(|row| {
                    let (db, hooks, client, owner) = (&db, &hooks, &client, &owner);
                    async move {
                        let out = deliver(hooks, client, &row).await;
                        if let Err(e) = db.outbox_finish(row.seq, owner.clone(), now(), out).await {
                            tracing::warn!(error = %e, "could not record a webhook delivery");
                        }
                    }
                }))
                .await;
                if full {
                    continue;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not claim webhook deliveries"),
        }
        tokio::time::sleep(hooks.opts.poll_every).await;
    }
}

/// One try of `row` to every target not in its `acked` list.
async fn deliver(hooks: &Webhooks, client: &reqwest::Client, row: &Claimed) -> Outcome {
    let body = event::body(row, &hooks.issuer);
    let mut acked: Vec<String> = row.acked.lines().map(str::to_owned).collect();
    let mut error = None;
    for url in &hooks.opts.targets {
        if acked.iter().any(|a| a == url) {
            continue;
        }
        match post(hooks, client, url, row, &body).await {
            Ok(()) => acked.push(url.clone()),
            Err(e) => {
                tracing::info!(event = %row.event_id, target = %shown(url), error = %e,
                    "webhook delivery failed");
                error.get_or_insert(format!("{}: {e}", shown(url)));
            }
        }
    }
    let Some(mut error) = error else {
        return Outcome::Delivered;
    };
    truncate(&mut error, MAX_ERROR);
    let attempts = row.attempts + 1;
    let t = now();
    let dead = attempts >= i64::from(hooks.opts.max_attempts)
        || t.saturating_sub(row.first_try) >= hooks.opts.max_age.as_secs() as i64;
    Outcome::Failed {
        error,
        acked: acked.join("\n"),
        next_try: t + backoff(hooks, attempts),
        dead,
    }
}

async fn post(
    hooks: &Webhooks,
    client: &reqwest::Client,
    url: &str,
    row: &Claimed,
    body: &[u8],
) -> Result<(), String> {
    let ts = now();
    let sig = sign::signature(hooks.secret.bytes(), ts, body);
    let resp = client
        .post(url)
        .timeout(hooks.opts.timeout)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("tokentab/", env!("CARGO_PKG_VERSION")),
        )
        .header("tokentab-event", &row.kind)
        .header("tokentab-event-id", &row.event_id)
        .header("tokentab-timestamp", ts.to_string())
        .header("tokentab-signature", sig)
        .body(body.to_vec())
        .send()
        .await
        .map_err(|e| {
            let e = e.without_url();
            if e.is_timeout() {
                "timed out".to_owned()
            } else if e.is_connect() {
                "cannot connect".to_owned()
            } else {
                e.to_string()
            }
        })?;
    let status = resp.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

/// Seconds before try `attempts + 1`: `2^(attempts-1)` s up to `backoff_max`, then a random
/// part of it between a half and all of it (replicas and targets do not retry in step).
fn backoff(hooks: &Webhooks, attempts: i64) -> i64 {
    let max = hooks.opts.backoff_max.as_secs().max(1);
    let full = 1u64
        .checked_shl(attempts.saturating_sub(1).clamp(0, 62) as u32)
        .unwrap_or(u64::MAX)
        .min(max);
    let jitter = getrandom::u64().unwrap_or(0) % (full / 2 + 1);
    (full - jitter).max(1) as i64
}

/// A target as logs and errors show it: scheme, host and port (no user info, path or query,
/// which may hold a credential).
pub fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "(bad URL)".into(),
    }
}

fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut at = max;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
    }
}

/// How long the worker waits between polls when nothing is due.
pub const DEFAULT_POLL: Duration = Duration::from_millis(500);
