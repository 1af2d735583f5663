//! Read-only connections kept idle between reads ([`Readers`]): one set for the reads on the
//! blocking pool, one for the point reads run on the calling task (`store.rs`, [`super::Access`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};

use crate::service::error::StoreError;

use super::connect::configure;

/// Up to `keep` idle reader connections of one database file; one is opened when none is
/// idle (a burst wider than `keep`), and dropped after its read when `keep` are idle again.
///
/// Each statement on a reader outside an explicit transaction is a read transaction of its
/// own, begun when the statement starts: it sees every commit made before that, by any
/// process (WAL). A pooled connection holds no transaction between reads (rusqlite resets a
/// statement when its rows are dropped).
pub struct Readers {
    path: PathBuf,
    keep: usize,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub fn new(path: &Path, keep: usize) -> Readers {
        Readers {
            path: path.to_owned(),
            keep,
            idle: Mutex::new(Vec::with_capacity(keep)),
        }
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        conn.pragma_update(None, "query_only", "ON")?;
        // Page reads straight from the mapping instead of a read() per page.
        conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
        Ok(conn)
    }

    /// Opens connections until `n` are idle (so that the first requests do not pay for it).
    pub fn warm(&self, n: usize) -> Result<(), StoreError> {
        let missing = n
            .min(self.keep)
            .saturating_sub(self.idle.lock().map_err(|_| StoreError::Poisoned)?.len());
        let opened = (0..missing)
            .map(|_| self.open())
            .collect::<Result<Vec<_>, _>>()?;
        self.idle
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .extend(opened);
        Ok(())
    }

    /// Runs `f` on an idle connection (or a new one), on the calling thread.
    pub fn with<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let pooled = self.idle.lock().map_err(|_| StoreError::Poisoned)?.pop();
        let conn = match pooled {
            Some(c) => c,
            None => self.open()?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().map_err(|_| StoreError::Poisoned)?;
        if idle.len() < self.keep {
            idle.push(conn);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pooled connection keeps no read transaction between reads: the next read on the same
    /// connection sees what was committed after the previous one (the revocation proof's
    /// "a read begins when its statement starts").
    #[test]
    fn a_pooled_reader_sees_each_later_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let writer = Connection::open(&path).unwrap();
        configure(&writer).unwrap();
        writer
            .execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES (0, 1);",
            )
            .unwrap();
        let readers = Readers::new(&path, 1);
        let read = || {
            readers.with(|c| {
                c.prepare_cached("SELECT v FROM t WHERE id = 0")?
                    .query_row([], |r| r.get::<_, i64>(0))
                    .map_err(StoreError::from)
            })
        };
        for v in 1..4 {
            assert_eq!(read().unwrap(), v);
            writer.execute("UPDATE t SET v = v + 1", []).unwrap();
        }
        assert_eq!(
            readers.idle.lock().unwrap().len(),
            1,
            "one connection, reused"
        );
    }
}
