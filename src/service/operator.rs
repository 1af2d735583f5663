//! What operators watch: Prometheus metrics (`GET /metrics`) and readiness (`GET /readyz`).
//! One [`Operator`] per running service, so services started side by side (tests, the TUI's
//! embedded one) never mix their figures.
//!
//! Token and auth counters are derived from the request metrics (route template, method,
//! status) instead of being bumped inside the handlers, so they hold for every path that
//! creates, revokes or refuses: a 200 to `POST /access/api/v1/tokens` is one created token,
//! a 200 to a revoking `DELETE` one revoked token, any 401 one authentication failure.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::store::backend::Db;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The route template (`/api/v2/{project}/devices/{uuid}`), never the raw path: bounded
    /// cardinality, and no ids or secrets in labels.
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.1 ms .. ~1.6 s
    Histogram::new(exponential_buckets(0.0001, 2.0, 15))
}

/// Label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// Routes whose 200 means a token was created or revoked.
const CREATE_ROUTE: &str = "/access/api/v1/tokens";
const REVOKE_ROUTES: &[&str] = &["/access/api/v1/tokens/{id}", "/access/api/v1/tokens/revoke"];

/// A response extension: this response replaced a token (a refresh revoked the old one), which
/// its route and status alone do not tell.
#[derive(Clone, Copy, Debug)]
pub struct ReplacedToken;

pub struct Operator {
    db: Arc<Db>,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    tokens_created: Counter,
    tokens_revoked: Counter,
    auth_failures: Counter,
    pool: Family<PoolLabels, Gauge>,
}

impl Operator {
    /// `db` answers readiness and feeds the pool gauge.
    pub fn new(db: Arc<Db>) -> Operator {
        let mut registry = Registry::with_prefix("tokentab");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        let tokens_created = Counter::default();
        let tokens_revoked = Counter::default();
        let auth_failures = Counter::default();
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route template, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route template",
            latency.clone(),
        );
        registry.register("tokens_created", "Tokens created", tokens_created.clone());
        registry.register("tokens_revoked", "Tokens revoked", tokens_revoked.clone());
        registry.register(
            "auth_failures",
            "Requests refused with 401 (missing, unknown, expired or revoked token)",
            auth_failures.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database connections: in_use now, and max allowed",
            pool.clone(),
        );
        Operator {
            db,
            registry,
            requests,
            latency,
            tokens_created,
            tokens_revoked,
            auth_failures,
            pool,
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Counts one finished request.
    pub fn record(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
        match (method, status) {
            (_, 401) => {
                self.auth_failures.inc();
            }
            ("POST", 200) if route == CREATE_ROUTE => {
                self.tokens_created.inc();
            }
            ("DELETE", 200) if REVOKE_ROUTES.contains(&route) => {
                self.tokens_revoked.inc();
            }
            _ => {}
        }
    }

    /// A token revoked by a refresh (counted besides the created one).
    pub fn record_replaced(&self) {
        self.tokens_revoked.inc();
    }

    /// The exposition text (OpenMetrics, which Prometheus scrapes as its text format).
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let used = self.db.pool_use();
        let gauge = |state| self.pool.get_or_create(&PoolLabels { state }).clone();
        gauge("in_use").set(used.in_use as i64);
        gauge("max").set(used.max as i64);
        let mut out = String::with_capacity(4096);
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}
