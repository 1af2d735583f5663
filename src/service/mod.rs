//! The embedded token service: axum + SQLite, the JFrog Access / Connect v2 shapes.

pub mod abuse;
mod auth;
mod auth_cache;
mod bootstrap;
mod connection;
pub mod edge;
mod error;
mod last_use;
mod operator;
mod principal;
mod revocation;
mod routes;
pub mod seed;
mod serve;
mod state;
pub mod store;
mod tls;
pub mod webhooks;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::{hash_secret, new_secret};
pub use bootstrap::AdminToken;
pub use connection::ConnectionLimits;
pub use error::StoreError;
pub use serve::is_loopback;
pub use store::disk::{DiskOptions, parse_size};
pub use tls::{TlsError, TlsFiles};

#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// `127.0.0.1:0` for a random port.
    pub listen: SocketAddr,
    /// The SQLite file.
    pub db_path: PathBuf,
    /// Where `admin.token` is written (mode 0600).
    pub data_dir: PathBuf,
    /// Load `assets/demo-seed.json` into an empty database.
    pub seed: bool,
    /// Upper bound for `expires_in` in seconds (None = no limit; then `0` = never is allowed).
    pub max_expiry: Option<u64>,
    /// Longest lifetime a non-admin may ask for (None = no bound beyond `max_expiry`); non-admins
    /// never get never-expiring tokens.
    pub max_user_expiry: Option<u64>,
    /// Most live tokens a non-admin user may hold (0 = no cap).
    pub max_tokens_per_user: u32,
}

/// JFrog's default expiry: one year.
pub const DEFAULT_MAX_USER_EXPIRY: u64 = 365 * 86_400;
pub const DEFAULT_MAX_TOKENS_PER_USER: u32 = 1_000;

impl ServiceConfig {
    /// The defaults: seeded, no `max_expiry`, non-admins limited to one year and 1,000 tokens.
    pub fn new(listen: SocketAddr, db_path: PathBuf, data_dir: PathBuf) -> ServiceConfig {
        ServiceConfig {
            listen,
            db_path,
            data_dir,
            seed: true,
            max_expiry: None,
            max_user_expiry: Some(DEFAULT_MAX_USER_EXPIRY),
            max_tokens_per_user: DEFAULT_MAX_TOKENS_PER_USER,
        }
    }
}

/// How `tokentab serve` runs beyond [`ServiceConfig`] (the embedded service uses the defaults).
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Keep the data in this PostgreSQL database instead of [`ServiceConfig::db_path`]: any
    /// number of `serve` replicas may share it.
    pub postgres: Option<store::target::PgTarget>,
    /// Serve HTTPS with this certificate and key (PEM).
    pub tls: Option<TlsFiles>,
    /// Replace `admin.token` with a new token and revoke the old one.
    pub rotate_admin_token: bool,
    /// Audit rows older than this are deleted at start and every hour (None = 365 days).
    pub audit_retention: Option<Duration>,
    /// What refused callers may cost: rate limits, sampled logs.
    pub abuse: abuse::AbuseLimits,
    /// The free-disk floor and the revocation reserve (SQLite; see [`store::disk`]).
    pub disk: DiskOptions,
    /// How long refresh tokens keep working (`--refresh-grace`).
    pub refresh: RefreshOptions,
    /// Header-read and idle timeouts and the connection cap of the listener.
    pub connections: ConnectionLimits,
    /// Which peers are trusted proxies, and whether they send a PROXY header (issue 22).
    pub proxies: edge::ProxyOptions,
    /// Issue 20 item 4: POST token and user events to these URLs (None: no outbox rows).
    pub webhooks: Option<webhooks::WebhookOptions>,
}

/// Refresh tokens: each works until its access token's expiry plus `grace` (JFrog's 24 h), and
/// a chain of refreshes never past `--max-expiry` / `--max-user-expiry` from its first issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshOptions {
    pub grace: Duration,
}

impl Default for RefreshOptions {
    fn default() -> Self {
        RefreshOptions {
            grace: Duration::from_secs(24 * 3600),
        }
    }
}

/// How long audit rows are kept unless `--audit-retention` says otherwise.
pub const DEFAULT_AUDIT_RETENTION: Duration = Duration::from_secs(365 * 86_400);
/// How often old audit rows are pruned while the service runs.
const AUDIT_PRUNE_EVERY: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("service start-up failed: {0}")]
    Task(String),
}

/// How long `shutdown` waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A running service. Dropping it does not stop it; call [`ServiceHandle::shutdown`].
pub struct ServiceHandle {
    pub addr: SocketAddr,
    /// `<data dir>/admin.token`.
    pub admin_token_path: PathBuf,
    /// Whether start-up kept, minted or rotated that token.
    pub admin_token: AdminToken,
    tls: Option<Arc<tls::Tls>>,
    drain: edge::Drain,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl ServiceHandle {
    /// `http://127.0.0.1:PORT`, or `https://…` when serving TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Reads the certificate and key files again (SIGHUP); new connections get the new pair.
    /// Ok(false) without TLS (nothing to do). On error the current certificate stays.
    pub fn reload_tls(&self) -> Result<bool, TlsError> {
        match &self.tls {
            Some(t) => t.reload().map(|()| true),
            None => Ok(false),
        }
    }

    /// Starts the drain before a stop: `/readyz` answers 503 and every answer closes its
    /// connection, while everything is still served ([`edge::drain`]).
    pub fn start_draining(&self) {
        self.drain.start();
    }

    /// Graceful: stops accepting, finishes in-flight requests, closes the database.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        if tokio::time::timeout(SHUTDOWN_GRACE, self.task)
            .await
            .is_err()
        {
            tracing::warn!("token service did not stop within {SHUTDOWN_GRACE:?}");
        }
    }
}

/// Deletes audit rows older than `retention`.
async fn prune_audit_once(db: &store::backend::Db, retention: Duration) {
    let before =
        crate::model::clock::now().saturating_sub(retention.as_secs().min(i64::MAX as u64) as i64);
    match db.audit_prune(before).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "pruned old audit rows"),
        Err(e) => tracing::warn!(error = %e, "could not prune old audit rows"),
    }
}

/// [`prune_audit_once`] every [`AUDIT_PRUNE_EVERY`] (start-up did the first).
async fn prune_audit(db: Arc<store::backend::Db>, retention: Duration) {
    let mut every = tokio::time::interval(AUDIT_PRUNE_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        prune_audit_once(&db, retention).await;
    }
}

/// PostgreSQL: empties the auth cache whenever another replica announces a revocation
/// (LISTEN/NOTIFY). Correctness never waits on this — each request reads the epoch itself
/// ([`revocation`]) — it only frees entries that can no longer be used.
async fn drop_cache_on_revocations(
    mut revocations: tokio::sync::watch::Receiver<u64>,
    cache: Arc<auth_cache::AuthCache>,
) {
    while revocations.changed().await.is_ok() {
        cache.clear();
    }
}

/// Opens (or creates and migrates, seeds) the database, makes sure `admin.token` holds a valid
/// admin token, binds and starts serving in a background task.
pub async fn spawn(cfg: ServiceConfig) -> Result<ServiceHandle, ServiceError> {
    spawn_with(cfg, ServeOptions::default()).await
}

/// [`spawn`] with TLS and admin token rotation.
pub async fn spawn_with(
    cfg: ServiceConfig,
    opts: ServeOptions,
) -> Result<ServiceHandle, ServiceError> {
    // Certificate problems first: they are quick to report and need no database.
    let tls = match &opts.tls {
        Some(files) => Some(Arc::new(tls::Tls::new(files.clone())?)),
        None => None,
    };
    let prepared = bootstrap::prepare(&cfg, &opts).await?;
    if let Some(disk) = prepared.db.health().disk() {
        disk.configure(&opts.disk);
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|source| ServiceError::Io {
            what: format!("cannot listen on {}", cfg.listen),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServiceError::Io {
        what: "cannot read the bound address".into(),
        source,
    })?;
    let retention = opts.audit_retention.unwrap_or(DEFAULT_AUDIT_RETENTION);
    prune_audit_once(&prepared.db, retention).await;
    let pruner = tokio::spawn(prune_audit(Arc::clone(&prepared.db), retention));
    let hooks = webhooks::start(
        &prepared.db,
        opts.webhooks.clone(),
        format!("jfac@{}", prepared.service_id),
    )
    .await?;
    let ops = operator::Operator::new(Arc::clone(&prepared.db));
    let db_name = match &opts.postgres {
        Some(t) => t.to_string(),
        None => cfg.db_path.display().to_string(),
    };
    let auth_cache = Arc::new(auth_cache::AuthCache::default());
    let dropper = prepared
        .db
        .revocations()
        .map(|rx| tokio::spawn(drop_cache_on_revocations(rx, Arc::clone(&auth_cache))));
    let abuse = Arc::new(abuse::Abuse::new(opts.abuse));
    let edge = Arc::new(edge::Edge {
        drain: edge::Drain::default(),
        proxies: opts.proxies.clone(),
    });
    let trail_db = Arc::clone(&prepared.db);
    let housekeeping = tokio::spawn(abuse::housekeeping(
        Arc::clone(&abuse),
        Arc::clone(&prepared.db),
    ));
    let app = routes::router(state::AppState {
        ops: Arc::new(ops),
        db: prepared.db,
        service_id: prepared.service_id.into(),
        max_expiry: cfg.max_expiry,
        max_user_expiry: cfg.max_user_expiry,
        max_tokens_per_user: cfg.max_tokens_per_user,
        refresh_grace: opts.refresh.grace.as_secs(),
        auth_cache,
        abuse: Arc::clone(&abuse),
        body_timeout: opts.connections.header_timeout,
        drain: edge.drain.clone(),
    });
    let (stop, stop_rx) = oneshot::channel::<()>();
    let stopped = async move {
        // A dropped handle is not a stop request.
        if stop_rx.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let limits = ConnectionLimits {
        max_connections: connection::connections_within_fd_limit(opts.connections.max_connections),
        ..opts.connections
    };
    let serving = serve::run(
        listener,
        app,
        tls.clone(),
        limits,
        Arc::clone(&edge),
        stopped,
    );
    let task = tokio::spawn(async move {
        serving.await;
        // The pruner holds the store: it must go for the database to close.
        pruner.abort();
        let _ = pruner.await;
        housekeeping.abort();
        let _ = housekeeping.await;
        if let Some(h) = hooks {
            h.stop().await;
        }
        // Refusals counted since the last flush, then the database may close.
        abuse
            .trail
            .flush(&trail_db, crate::model::clock::now())
            .await;
        drop(trail_db);
        if let Some(d) = dropper {
            d.abort();
        }
    });
    tracing::info!(%addr, tls = tls.is_some(), db = %db_name, "token service listening");
    Ok(ServiceHandle {
        addr,
        admin_token_path: prepared.admin_token_path,
        admin_token: prepared.admin_token,
        tls,
        drain: edge.drain.clone(),
        stop,
        task,
    })
}
