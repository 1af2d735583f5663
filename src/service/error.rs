//! Errors of the service: the store's, and the HTTP ones rendered in JFrog's array form.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::model::wire::ErrorBody;

use super::store::admin::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot use the database file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("a database connection lock was poisoned by a panic")]
    Poisoned,
    #[error("a database task failed: {0}")]
    Task(String),
    #[error("the database is newer than this tokentab (schema version {0})")]
    TooNew(i64),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    #[error("PostgreSQL error: {}", pg_cause(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The database cannot be reached now (down, restarting, pool exhausted): a 503 to retry.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Config(String),
    /// A write re-checked its caller's token inside its transaction and found it revoked.
    #[error("the caller's access token has been revoked")]
    CallerRevoked,
    /// … or found it expired.
    #[error("the caller's access token has expired")]
    CallerExpired,
    /// The SQLite file at the configured path is not the one the service opened (deleted,
    /// moved away or replaced): writes would go to a file nobody will read again.
    #[error("the database file was deleted or replaced: restart the service")]
    DbFileGone,
    /// Free space of the database's file system is under `--min-free-disk`: what makes the
    /// database grow (creates, refreshes, refusal rows) is refused; revokes still run.
    #[error(
        "the server's disk is nearly full ({} MiB free, floor {} MiB): creates are refused, \
         revokes still work",
        .free / MIB,
        .floor / MIB
    )]
    LowDisk { free: u64, floor: u64 },
    /// … or found its user disabled.
    #[error("the caller's user is disabled")]
    CallerDisabled,
    /// A rule refused the change (nothing was written: the transaction rolled back).
    #[error("{0}")]
    Refused(Refusal),
}

const MIB: u64 = 1024 * 1024;

impl StoreError {
    /// A write (or read) that failed for a reason outside the request, which a retry later
    /// may cure: the disk is full, I/O failed, the database is read-only, cannot be opened
    /// or is locked too long, its file is gone; PostgreSQL refusing ([`Self::Unavailable`]).
    /// These answer 503 + Retry-After and turn `/readyz` to 503.
    pub fn is_unavailable(&self) -> bool {
        use rusqlite::ErrorCode as C;
        match self {
            StoreError::Unavailable(_) | StoreError::DbFileGone => true,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                C::DiskFull
                    | C::SystemIoFailure
                    | C::ReadOnly
                    | C::CannotOpen
                    | C::DatabaseBusy
                    | C::DatabaseLocked
            ),
            _ => false,
        }
    }

    /// SQLite could not grow a file: SQLITE_FULL, or an I/O error (SQLite reports some
    /// ENOSPC cases, e.g. growing the `-shm` file, as SQLITE_IOERR_*).
    pub fn is_out_of_space(&self) -> bool {
        use rusqlite::ErrorCode as C;
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, C::DiskFull | C::SystemIoFailure)
        )
    }

    /// The same failure again, for each job of a batch whose transaction failed (the
    /// driver's error is not `Clone`); keeps what [`Self::is_unavailable`] looks at.
    pub fn reissue(&self) -> StoreError {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, msg)) => {
                StoreError::Sqlite(rusqlite::Error::SqliteFailure(*e, msg.clone()))
            }
            StoreError::DbFileGone => StoreError::DbFileGone,
            other if other.is_unavailable() => StoreError::Unavailable(other.to_string()),
            other => StoreError::Task(other.to_string()),
        }
    }
}

/// An HTTP error: status, JFrog error code and a message safe to show.
#[derive(Debug)]
pub struct ApiErr {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiErr {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiErr {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal error (see the service log)",
        )
    }
}

impl From<StoreError> for ApiErr {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "database unavailable");
            let message = match &e {
                StoreError::DbFileGone => e.to_string(),
                e if e.is_out_of_space() => {
                    "the server's disk is full: nothing was written; retry shortly".into()
                }
                _ => "the database is unavailable: retry shortly".into(),
            };
            return ApiErr::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                message,
            );
        }
        match e {
            StoreError::LowDisk { .. } => {
                return ApiErr::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "INSUFFICIENT_STORAGE",
                    e.to_string(),
                );
            }
            StoreError::CallerRevoked => {
                return ApiErr::unauthorized(
                    "this access token has been revoked (found when writing)",
                );
            }
            StoreError::CallerExpired => {
                return ApiErr::unauthorized("this access token has expired");
            }
            StoreError::CallerDisabled => {
                return ApiErr::unauthorized(
                    "the user of this access token is disabled (found when writing)",
                );
            }
            StoreError::Refused(r) => return ApiErr::from(r),
            _ => {}
        }
        tracing::error!(error = %e, "store failure");
        ApiErr::internal()
    }
}

impl From<rusqlite::Error> for ApiErr {
    fn from(e: rusqlite::Error) -> Self {
        ApiErr::from(StoreError::from(e))
    }
}

/// Longest message sent: errors may quote input, which must not flood a client.
const MAX_MESSAGE: usize = 500;

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        let clean = crate::model::sanitize::sanitize_line(&self.message);
        let mut message: String = clean.chars().take(MAX_MESSAGE).collect();
        if clean.chars().count() > MAX_MESSAGE {
            message.push('…');
        }
        let body = axum::Json(ErrorBody::one(self.code, message));
        let mut resp = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

/// The server's message and SQLSTATE for a database error (the driver's own text is only
/// "db error"); never its DETAIL, which can quote row values.
fn pg_cause(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

// ---- admin refusals (issue 17): `Refusal` lives with the store's admin types -------------

impl From<Refusal> for StoreError {
    fn from(r: Refusal) -> Self {
        StoreError::Refused(r)
    }
}

impl From<Refusal> for ApiErr {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Missing(m) => ApiErr::not_found(m),
            Refusal::Conflict(m) => ApiErr::new(StatusCode::CONFLICT, "CONFLICT", m),
            Refusal::Invalid(m) => ApiErr::bad_request(m),
            r @ Refusal::BadRows(_) => ApiErr::bad_request(r.to_string()),
        }
    }
}
