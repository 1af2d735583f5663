//! The embedded token service: axum + SQLite, the JFrog Access / Connect v2 shapes.

mod auth;
mod auth_cache;
mod bootstrap;
mod error;
mod operator;
mod routes;
pub mod seed;
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
    let ops = operator::Operator::new(std::sync::Arc::new(store::backend::Db::Sqlite(
        store::sqlite::SqliteDb::from_store(prepared.store.clone(), &cfg.db_path),
    )));
    let app = routes::router(state::AppState {
        ops: std::sync::Arc::new(ops),
        store: prepared.store,
        service_id: prepared.service_id.into(),
        max_expiry: cfg.max_expiry,
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
