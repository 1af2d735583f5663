//! What a hostile caller can make the service spend, bounded: refusals rate-limited per source
//! address and per token ([`limiter`]), client-error log lines sampled ([`log_sampler`]),
//! refusals aggregated in the audit trail ([`refusal_trail`]). Stored and logged strings are
//! capped and escaped where they are written (`model::sanitize::escape_capped`); path ids are
//! checked by shape in the routes before any lookup.

pub mod limiter;
pub mod log_sampler;
pub mod refusal_trail;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::edge::ClientAddr;
use super::error::ApiErr;
use super::store::backend::Db;

/// How much a hostile caller may cost (flags of `tokentab serve`; the defaults below).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbuseLimits {
    /// Refusals a source address or a token may earn a second, sustained (0 = no limit).
    pub refusals_per_second: u32,
    /// Refusals it may earn at once before the rate applies.
    pub refusal_burst: u32,
    /// Client-error (4xx) request lines logged a second at most (0 = all).
    pub log_client_errors_per_second: u32,
}

impl Default for AbuseLimits {
    fn default() -> Self {
        AbuseLimits {
            refusals_per_second: 10,
            refusal_burst: 100,
            log_client_errors_per_second: 20,
        }
    }
}

/// How often the limiter forgets old offenders and the suppressed-line counts are logged.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

pub struct Abuse {
    pub limiter: limiter::RefusalLimiter,
    pub logs: log_sampler::LogSampler,
    pub trail: refusal_trail::RefusalTrail,
}

impl Abuse {
    pub fn new(limits: AbuseLimits) -> Abuse {
        Abuse {
            limiter: limiter::RefusalLimiter::new(limits.refusals_per_second, limits.refusal_burst),
            logs: log_sampler::LogSampler::new(limits.log_client_errors_per_second),
            trail: refusal_trail::RefusalTrail::default(),
        }
    }

    /// Logs what was suppressed or limited since the last call; forgets old offenders.
    fn sweep(&self) {
        self.limiter.sweep();
        let limited = self.limiter.take_limited();
        if limited > 0 {
            tracing::warn!(
                target: "tokentab::service::http",
                requests = limited,
                offenders = self.limiter.tracked(),
                "answered 429: sources or tokens refused too often"
            );
        }
        let suppressed = self.logs.take_suppressed();
        if suppressed > 0 {
            tracing::info!(
                target: "tokentab::service::http",
                lines = suppressed,
                "suppressed {suppressed} client-error request lines"
            );
        }
    }
}

/// The background work: audit counts flushed, offenders swept, summaries logged.
pub async fn housekeeping(abuse: Arc<Abuse>, db: Arc<Db>) {
    let flush = refusal_trail::flush_forever(&abuse.trail, &db);
    let sweep = async {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            abuse.sweep();
        }
    };
    tokio::join!(flush, sweep);
}

/// Middleware: 429 for a source or token out of refusal credit, before anything else runs;
/// every refusal (4xx but 429) charged to both.
pub async fn limit_refusals(
    abuse: &Abuse,
    req: Request,
    next: impl AsyncFnOnce(Request) -> Response,
) -> Response {
    let source = req.extensions().get::<ClientAddr>().map(|a| a.ip);
    let who = limiter::Requester {
        source,
        auth: req.headers().get(header::AUTHORIZATION).cloned(),
    };
    let limiter = &abuse.limiter;
    if let Some(wait) = limiter.wait(&who) {
        return too_many(wait);
    }
    let resp = next(req).await;
    let status = resp.status();
    if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
        limiter.charge(&who);
    }
    resp
}

fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut resp = ApiErr::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TOO_MANY_REQUESTS",
        format!("too many refused requests from this address or token: retry in {secs} s"),
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}
