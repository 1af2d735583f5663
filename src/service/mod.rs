//! The embedded token service: axum + SQLite, the JFrog Access / Connect v2 shapes.

use std::net::SocketAddr;
use std::path::PathBuf;

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
    #[error("not implemented yet")]
    Todo,
}

/// A running service. Dropping it does not stop it; call [`ServiceHandle::shutdown`].
pub struct ServiceHandle {
    pub addr: SocketAddr,
    /// `<data dir>/admin.token`.
    pub admin_token_path: PathBuf,
}

impl ServiceHandle {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Graceful: stops accepting, finishes in-flight requests, closes the database.
    pub async fn shutdown(self) {}
}

/// Opens (or creates and migrates, seeds) the database, makes sure `admin.token` holds a valid
/// admin token, binds and starts serving in a background task.
pub async fn spawn(cfg: ServiceConfig) -> Result<ServiceHandle, ServiceError> {
    let _ = cfg;
    Err(ServiceError::Todo)
}

/// `tokentab serve`: resolves paths and limits from the arguments, starts the service, prints
/// `tokentab serve: listening on http://ADDR` (one line, stdout, flushed) and the admin token
/// path, then serves until SIGINT/SIGTERM and shuts down gracefully. Exit code 0, 1 on error.
pub async fn run_serve(
    args: crate::cli::ServeArgs,
    data_dir: Option<PathBuf>,
) -> std::process::ExitCode {
    let _ = (args, data_dir);
    std::process::ExitCode::FAILURE
}
