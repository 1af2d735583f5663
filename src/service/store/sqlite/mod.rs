//! [`super::backend::Db`] on SQLite: every operation runs a rule ([`super::rules`]) or a
//! primitive over [`SqliteTx`], on one of the [`Store`]'s readers or as one job of its writer
//! thread (see [`store`]: group commit, a savepoint per job, WAL management).
//!
//! Caller re-checks are sound here because every write runs on the one writer thread inside
//! `BEGIN IMMEDIATE`, which holds the database's write lock: a revoke committed by any process
//! before the transaction began is visible to it, and none can commit while it runs. For the
//! same reason the primitives need no row locks (`…_for_update` are plain reads here).
//!
//! Files: `store.rs` (the writer thread, readers), `wal.rs` (the checkpointer, the WAL's
//! bounds), `readers.rs` (reader connections), `tx.rs` (the primitives), `tokens.rs`,
//! `entities.rs`, `admin.rs`, `audit.rs` (their SQL), `schema.rs` (migrations), `files.rs`.

mod admin;
pub mod audit;
mod changes;
mod connect;
pub mod entities;
mod epoch_reads;
mod files;
pub mod outbox;
mod readers;
mod schema;
pub mod store;
pub mod tokens;
mod tx;
mod wal;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::service::error::StoreError;

use super::disk::DiskWatch;
use super::health::WriteHealth;
use super::work::PoolUse;

pub use store::{Access, READERS, Store};
pub use tx::{SqliteTx, ready};

pub struct SqliteDb {
    store: Arc<Store>,
    path: PathBuf,
    in_flight: Arc<AtomicUsize>,
    health: WriteHealth,
}

/// Counts an operation in flight for the pool gauge.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl SqliteDb {
    pub async fn open(path: &Path) -> Result<SqliteDb, StoreError> {
        let owned = path.to_owned();
        let store = tokio::task::spawn_blocking(move || Store::open(&owned))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(SqliteDb::from_store(Arc::new(store), path))
    }

    /// Wraps a store opened elsewhere (the bootstrap opens it before the runtime serves).
    pub fn from_store(store: Arc<Store>, path: &Path) -> SqliteDb {
        SqliteDb {
            store,
            path: path.to_owned(),
            in_flight: Arc::default(),
            health: WriteHealth::new(Some(DiskWatch::new(path))),
        }
    }

    pub fn health(&self) -> &WriteHealth {
        &self.health
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn track(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(Arc::clone(&self.in_flight))
    }

    /// Runs `f` over a reader connection ([`Access::Point`] on the calling task,
    /// [`Access::Read`] on the blocking pool) or as one job of the writer thread ([`Access::Write`]: its changes are committed when it returns
    /// Ok, and the answer comes after the commit; rolled back when it returns Err).
    pub async fn run<T, E>(
        &self,
        access: Access,
        f: impl AsyncFnOnce(&SqliteTx<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        // An unlinked or replaced file still takes writes through the open handles: they
        // would be lost at the next start.
        if access == Access::Write {
            if let Err(e) = self.health.file_ok() {
                self.health.failed(&e);
                return Err(E::from(e));
            }
        }
        // The gauge counts what can run short: the blocking pool's readers and the writer. A
        // point read waits for nothing and holds its connection for microseconds.
        let _busy = (access != Access::Point).then(|| self.track());
        let job = move |c: &rusqlite::Connection| ready(f(&SqliteTx::new(c)));
        self.store.run(access, job).await
    }

    /// Readiness: the file is still where it was and a query round-trips.
    pub async fn ping(&self) -> Result<(), StoreError> {
        use super::tx::Tx;
        self.health.file_ok()?;
        self.run(Access::Read, async |tx| tx.meta("").await)
            .await
            .map(drop)
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    pub fn pool_use(&self) -> PoolUse {
        PoolUse {
            in_use: self.in_flight.load(Ordering::Relaxed),
            max: READERS + 1,
        }
    }
}
