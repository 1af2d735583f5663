//! Connections to the database file: every connection's settings ([`configure`]) and the
//! writer's first connection, migrated ([`open_writer`]).

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::service::error::StoreError;

use super::schema;

/// How long a connection waits for another's lock before SQLITE_BUSY.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// What a WAL file is truncated to when SQLite starts the WAL over (`journal_size_limit`): no
/// less than a whole cycle (`wal.rs`), so each cycle writes over the blocks the last one left
/// instead of growing the file again (cut to 4 MiB at every restart, the creates' p99 at 16
/// clients was 5.7-6.0 ms in 60 s runs on this machine's ext4; kept, 5.0-5.2 ms, interleaved).
/// `wal.rs` truncates it once writes pause.
pub(super) const WAL_FILE_LIMIT: i64 = 64 * 1024 * 1024;

/// Page size of new database files. A create dirties a few leaf pages at random places
/// (the token id, secret hash and audit indexes), and each is a whole page in the WAL: 2 KiB
/// pages instead of SQLite's 4 KiB halve the WAL written per create, so a WAL cycle (and its
/// one restart pause, see `wal.rs`) covers twice as many creates.
const PAGE_SIZE: i64 = 2048;

/// Every connection's settings.
pub(super) fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Takes effect only on a new file (before WAL mode is set); kept by existing ones.
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    // WAL + NORMAL: a commit is in the WAL (the OS has it) before it returns, so a killed
    // process loses nothing it acknowledged; only a power cut may drop the last commits.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "journal_size_limit", WAL_FILE_LIMIT)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// The writer's connection, configured and migrated. Processes opening a new file together
/// can meet SQLITE_BUSY where SQLite does not call the busy handler (where waiting could
/// deadlock, as around the switch to WAL; seen about once in 40 three-way opens on a loaded
/// machine): the start is tried again, for up to [`BUSY_TIMEOUT`].
pub(super) fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    let started = Instant::now();
    loop {
        let opened = Connection::open(path)
            .map_err(StoreError::from)
            .and_then(|mut conn| {
                configure(&conn)?;
                schema::migrate(&mut conn)?;
                Ok(conn)
            });
        match opened {
            Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}
