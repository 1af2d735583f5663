//! The embedded token service: axum + SQLite, the JFrog Access / Connect v2 shapes.

mod auth;
mod auth_cache;
mod bootstrap;
mod error;
mod revocation;
mod routes;
mod seed;
mod serve;
mod state;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::{hash_secret, new_secret};
pub use error::StoreError;
pub use serve::parse_duration;

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
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl ServiceHandle {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
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

/// Opens (or creates and migrates, seeds) the database, makes sure `admin.token` holds a valid
/// admin token, binds and starts serving in a background task.
pub async fn spawn(cfg: ServiceConfig) -> Result<ServiceHandle, ServiceError> {
    let prepared = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || bootstrap::prepare(&cfg))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))??
    };
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
    let app = routes::router(state::AppState {
        store: prepared.store,
        service_id: prepared.service_id.into(),
        max_expiry: cfg.max_expiry,
        max_user_expiry: cfg.max_user_expiry,
        max_tokens_per_user: cfg.max_tokens_per_user,
        auth_cache: Default::default(),
    });
    let (stop, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stopped = async move {
            // A dropped handle is not a stop request.
            if stop_rx.await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stopped)
            .await
        {
            tracing::error!(error = %e, "token service stopped with an error");
        }
    });
    tracing::info!(%addr, db = %cfg.db_path.display(), "token service listening");
    Ok(ServiceHandle {
        addr,
        admin_token_path: prepared.admin_token_path,
        stop,
        task,
    })
}

/// `tokentab serve`: resolves paths and limits from the arguments, starts the service, prints
/// `tokentab serve: listening on http://ADDR` (one line, stdout, flushed) and the admin token
/// path, then serves until SIGINT/SIGTERM and shuts down gracefully. Exit code 0, 1 on error.
pub async fn run_serve(
    args: crate::cli::ServeArgs,
    data_dir: Option<PathBuf>,
) -> std::process::ExitCode {
    serve::run(args, data_dir).await
}
