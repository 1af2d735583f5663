//! Whether the database can be written now: shared by the store, which reports every write's
//! outcome here ([`super::backend::Db`]), and `GET /readyz`, which reads it.
//!
//! - A write that failed for a reason outside the request ([`StoreError::is_unavailable`]:
//!   disk full, I/O error, read-only, the file gone; PostgreSQL refusing connections or
//!   read-only) marks the database failing: `/readyz` answers 503 until a write succeeds,
//!   its own probe write included. Other errors (a revoked caller, a constraint) say nothing
//!   about the database and change nothing.
//! - SQLite only, through [`DiskWatch`]: free space under the floor and a database file
//!   deleted or replaced are read from the file system itself, whatever the last write did.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::service::error::StoreError;

use super::disk::DiskWatch;

pub struct WriteHealth {
    failing: AtomicBool,
    /// Why the last failing write failed.
    why: Mutex<String>,
    disk: Option<DiskWatch>,
}

impl WriteHealth {
    /// `disk`: the SQLite file's watch (None on PostgreSQL, whose disk is the server's).
    pub fn new(disk: Option<DiskWatch>) -> WriteHealth {
        WriteHealth {
            failing: AtomicBool::new(false),
            why: Mutex::new(String::new()),
            disk,
        }
    }

    pub fn disk(&self) -> Option<&DiskWatch> {
        self.disk.as_ref()
    }

    /// Notes a write's outcome and hands it back.
    pub fn record<T>(&self, out: Result<T, StoreError>) -> Result<T, StoreError> {
        match &out {
            Ok(_) => self.succeeded(),
            Err(e) => self.failed(e),
        }
        out
    }

    pub fn failed(&self, e: &StoreError) {
        if !e.is_unavailable() {
            return;
        }
        *self.why.lock().unwrap_or_else(PoisonError::into_inner) = e.to_string();
        if !self.failing.swap(true, Ordering::AcqRel) {
            tracing::warn!(error = %e, "database writes are failing");
        }
        if let Some(d) = &self.disk {
            d.invalidate();
        }
    }

    pub fn succeeded(&self) {
        if self.failing.load(Ordering::Acquire) && self.failing.swap(false, Ordering::AcqRel) {
            tracing::info!("database writes succeed again");
        }
    }

    /// Why the last write failed, while no write succeeded since.
    pub fn failure(&self) -> Option<String> {
        self.failing.load(Ordering::Acquire).then(|| {
            self.why
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        })
    }

    /// Err([`StoreError::DbFileGone`]) when the database file was deleted or replaced.
    pub fn file_ok(&self) -> Result<(), StoreError> {
        self.disk.as_ref().map_or(Ok(()), DiskWatch::file_ok)
    }

    /// Err([`StoreError::LowDisk`]) under the free-space floor.
    pub fn room_to_grow(&self) -> Result<(), StoreError> {
        self.disk.as_ref().map_or(Ok(()), DiskWatch::room_to_grow)
    }

    /// See [`DiskWatch::release_reserve`]; false without one.
    pub fn release_reserve(&self) -> bool {
        self.disk.as_ref().is_some_and(DiskWatch::release_reserve)
    }
}

/// Why a device write failed: its check said no, or the store failed (reported to
/// [`WriteHealth`]).
pub(super) enum Failed<E> {
    Check(E),
    Store(StoreError),
}

impl<E> From<StoreError> for Failed<E> {
    fn from(e: StoreError) -> Self {
        Failed::Store(e)
    }
}

impl WriteHealth {
    /// [`WriteHealth::record`] for a device write, whose check may fail on its own.
    pub(super) fn record_device<T, E: From<StoreError>>(
        &self,
        out: Result<T, Failed<E>>,
    ) -> Result<T, E> {
        match out {
            Ok(v) => {
                self.succeeded();
                Ok(v)
            }
            Err(Failed::Check(e)) => Err(e),
            Err(Failed::Store(e)) => {
                self.failed(&e);
                Err(E::from(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_outside_the_request_count_and_a_success_clears_them() {
        let h = WriteHealth::new(None);
        h.failed(&StoreError::CallerRevoked);
        assert_eq!(h.failure(), None);
        h.failed(&StoreError::Unavailable("connection refused".into()));
        assert!(h.failure().unwrap().contains("connection refused"));
        let _ = h.record(Err::<(), _>(StoreError::Corrupt("x".into())));
        assert!(h.failure().is_some(), "an unrelated error changes nothing");
        let _ = h.record(Ok(()));
        assert_eq!(h.failure(), None);
        assert!(h.room_to_grow().is_ok() && h.file_ok().is_ok() && !h.release_reserve());
    }
}
