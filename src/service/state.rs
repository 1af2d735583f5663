//! What every request handler shares.

use std::sync::Arc;

use super::abuse::Abuse;
use super::auth_cache::AuthCache;
use super::operator::Operator;
use super::store::backend::Db;

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Db>,
    /// `jfac@<service_id>` is the issuer; subjects are `jfac@<service_id>/users/<name>`.
    pub service_id: Arc<str>,
    /// Longest `expires_in` allowed (seconds); None = no limit, and "never" is allowed.
    pub max_expiry: Option<u64>,
    /// Longest `expires_in` for non-admins (None = only `max_expiry` applies).
    pub max_user_expiry: Option<u64>,
    /// Most live tokens per non-admin user (0 = no cap).
    pub max_tokens_per_user: u32,
    /// Seconds after its access token's expiry that a refresh token still works.
    pub refresh_grace: u64,
    pub auth_cache: Arc<AuthCache>,
    /// Metrics and readiness.
    pub ops: Arc<Operator>,
    /// Refusal limits, sampled logs, aggregated refusal rows.
    pub abuse: Arc<Abuse>,
    /// A request body must arrive within this (`--header-timeout`), else 408.
    pub body_timeout: std::time::Duration,
    /// Set on the first stop signal: `/readyz` answers 503 (issue 22).
    pub drain: super::edge::Drain,
}

impl AppState {
    pub fn issuer(&self) -> String {
        format!("jfac@{}", self.service_id)
    }
    pub fn subject(&self, username: &str) -> String {
        format!("jfac@{}/users/{}", self.service_id, username)
    }
}
