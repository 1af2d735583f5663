//! Webhooks (issue 20 item 4): events about tokens and users POSTed, signed, to the URLs
//! `serve --webhook` names, at least once, in order per token, from one replica each.
//!
//! - Events are written to the outbox (`webhook_outbox`, [`crate::service::store::outbox`])
//!   by triggers, in the same transaction as the change: a revoke by any path (by id, by
//!   value, in bulk, a user's tokens at its disable), a create, a disable. Triggers rather
//!   than calls in each rule so that no writer can forget one (a new bulk path included);
//!   they write only while `meta.webhooks` is `on`, which `serve` sets from its flags at each
//!   start: with no webhook configured no row is written and no task runs. The refresh rule
//!   turns the rotation's pair into one `token.rotated`.
//! - [`sweeper`]: `token.expiring` at each lead time and `token.expired`, once per token.
//! - [`worker`]: claims due rows under a lease, POSTs them ([`event`] bodies, [`sign`]
//!   signatures), backs off, dead-letters.

pub mod event;
pub mod secret;
pub mod sign;
pub mod sweeper;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::store::backend::Db;
pub use secret::WebhookSecret;

/// `serve`'s webhook flags.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// Every event goes to each (`--webhook`, repeatable).
    pub targets: Vec<String>,
    /// The HMAC key (`--webhook-secret-file`).
    pub secret: Arc<WebhookSecret>,
    /// `token.expiring` this long before expiry, each once (`--webhook-expiring`, 7d,1d).
    pub leads: Vec<Duration>,
    /// One POST's limit (`--webhook-timeout`).
    pub timeout: Duration,
    /// Given up after this many tries (`--webhook-max-attempts`) ...
    pub max_attempts: u32,
    /// ... or this long after the first (`--webhook-max-age`).
    pub max_age: Duration,
    /// The longest wait between tries (`--webhook-backoff-max`).
    pub backoff_max: Duration,
    /// Delivered and dead rows are deleted after this (`--webhook-retention`).
    pub retention: Duration,
    /// How often expiry events are looked for (`--webhook-sweep-every`).
    pub sweep_every: Duration,
    /// How often the worker looks for due rows when none were due.
    pub poll_every: Duration,
}

pub const DEFAULT_LEADS: &str = "7d,1d";

impl WebhookOptions {
    /// The defaults for `targets` signed with `secret`.
    pub fn new(targets: Vec<String>, secret: WebhookSecret) -> WebhookOptions {
        WebhookOptions {
            targets,
            secret: Arc::new(secret),
            leads: vec![Duration::from_secs(7 * 86_400), Duration::from_secs(86_400)],
            timeout: Duration::from_secs(10),
            max_attempts: 100,
            max_age: Duration::from_secs(3 * 86_400),
            backoff_max: Duration::from_secs(600),
            retention: Duration::from_secs(7 * 86_400),
            sweep_every: Duration::from_secs(60),
            poll_every: worker::DEFAULT_POLL,
        }
    }
}

/// What the tasks share.
pub struct Webhooks {
    pub opts: WebhookOptions,
    pub secret: Arc<WebhookSecret>,
    /// `jfac@<service id>`.
    pub issuer: String,
}

impl Webhooks {
    /// A claim's lease: every target's timeout and a margin. A process killed mid-delivery
    /// holds its rows this long, then another (or its restart) sends them again.
    pub fn lease_secs(&self) -> i64 {
        let n = self.opts.targets.len() as u64 + 1;
        (self.opts.timeout.as_secs().max(1) * n + 2) as i64
    }
}

/// The running tasks; aborted at shutdown.
pub struct Running(Vec<JoinHandle<()>>);

impl Running {
    /// Stops the tasks and waits for them to let go of the database.
    pub async fn stop(self) {
        for t in &self.0 {
            t.abort();
        }
        for t in self.0 {
            let _ = t.await;
        }
    }
}

/// Sets the outbox switch from `opts` and, when there are webhooks, starts the sweeper and the
/// worker.
pub async fn start(
    db: &Arc<Db>,
    opts: Option<WebhookOptions>,
    issuer: String,
) -> Result<Option<Running>, super::ServiceError> {
    let now = crate::model::clock::now();
    let on_at = db.webhooks_switch(opts.is_some(), now).await?;
    let Some(opts) = opts else {
        return Ok(None);
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(opts.timeout)
        .build()
        .map_err(|e| super::ServiceError::Config(format!("webhook client: {e}")))?;
    let hooks = Arc::new(Webhooks {
        secret: Arc::clone(&opts.secret),
        opts,
        issuer,
    });
    let owner = uuid::Uuid::new_v4().to_string();
    tracing::info!(
        targets = ?hooks.opts.targets.iter().map(|u| worker::shown(u)).collect::<Vec<_>>(),
        "webhooks on"
    );
    Ok(Some(Running(vec![
        tokio::spawn(sweeper::run(Arc::clone(db), Arc::clone(&hooks), on_at)),
        tokio::spawn(worker::run(Arc::clone(db), hooks, client, owner)),
    ])))
}
