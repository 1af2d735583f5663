//! What a PostgreSQL failure means for the service: unavailability (503 + Retry-After, and
//! `/readyz` failing until a write works) or an error of the request.

use std::error::Error as _;

use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

use crate::service::error::StoreError;

/// Connection failures (server down, restarting, refusing connections, pool timeout),
/// transactions PostgreSQL aborted to resolve a conflict, a read-only server or database
/// (25006), exhausted resources (53: disk full, out of memory, too many connections) and
/// system I/O errors (58) become [`StoreError::Unavailable`] (503 + Retry-After); everything
/// else is an error.
pub(crate) fn classify(e: tokio_postgres::Error) -> StoreError {
    let unavailable = match e.code() {
        Some(code) => {
            let c = code.code();
            // 08: connection, 57P: shutdown / restart, 40: serialization failure or deadlock
            // (PostgreSQL rolled the transaction back; a retry may succeed).
            c.starts_with("08")
                || c.starts_with("57P")
                || c.starts_with("40")
                || c.starts_with("53")
                || c.starts_with("58")
                || *code == SqlState::READ_ONLY_SQL_TRANSACTION
                || *code == SqlState::TOO_MANY_CONNECTIONS
                || *code == SqlState::CANNOT_CONNECT_NOW
        }
        None => e.is_closed() || e.source().is_some_and(|s| s.is::<std::io::Error>()),
    };
    if unavailable {
        // The driver's top message ("error connecting to server") hides the cause.
        let mut why = e.to_string();
        let mut cause = e.source();
        while let Some(c) = cause {
            why = format!("{why}: {c}");
            cause = c.source();
        }
        StoreError::Unavailable(why)
    } else {
        StoreError::Postgres(e)
    }
}

/// A connection that cannot be had, whatever PostgreSQL's reason (down, refusing
/// connections to this database or role, a changed password), is unavailability: 503.
pub(super) fn pool_error(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => match classify(e) {
            StoreError::Postgres(e) => {
                StoreError::Unavailable(format!("cannot connect: {}", StoreError::Postgres(e)))
            }
            other => other,
        },
        other => StoreError::Unavailable(other.to_string()),
    }
}
