//! The SQLite database file: WAL mode, embedded migrations, one writer thread and a small pool of
//! readers.
//!
//! - Reads run on pooled read-only connections ([`super::readers`]). A point read (a lookup by
//!   key: the token behind a secret, a device; [`Access::Point`]) runs on the calling task, at
//!   no cost beyond the lookup's own; any other read (lists, counts, exports) on tokio's
//!   blocking pool ([`Access::Read`]), at most [`READERS`] at a time, so that a long one never
//!   holds up an async worker.
//! - Writes are jobs for a dedicated writer thread ([`Store::write`]). It commits whatever jobs
//!   are queued in one transaction, each job inside its own savepoint (a failing job rolls back
//!   alone), and answers every job only after the commit: group commit, so concurrent writers
//!   do not queue behind one commit each.
//! - A checkpointer thread copies the WAL into the database file off the request path, and
//!   the writer starts the WAL over once a cycle ([`super::wal`]).
//! - Files are private: the database file is created 0600 before SQLite opens it, and SQLite
//!   gives its `-wal` and `-shm` files the database file's mode, whatever the umask.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use rusqlite::Connection;

use crate::service::error::StoreError;

use super::connect::open_writer;
use super::files;
use super::readers::Readers;
use super::wal::{self, Checkpointer, WalWatch};

/// Concurrent reads on the blocking pool (and idle reader connections kept for them).
pub const READERS: usize = 4;
/// Idle connections kept for point reads (at most one per async worker runs at a time).
pub const POINT_READERS: usize = 4;
/// Most jobs committed together.
const MAX_BATCH: usize = 256;
/// Called once the batch's fate is known: None = committed.
type Deliver = Box<dyn FnOnce(Option<&StoreError>) + Send>;
/// Runs on the writer thread (or is told the transaction could not start).
type Job = Box<dyn FnOnce(Result<&Connection, &StoreError>) -> Deliver + Send>;

pub struct Store {
    path: PathBuf,
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<JoinHandle<()>>,
    readers: Readers,
    points: Readers,
    read_slots: tokio::sync::Semaphore,
    /// Stopped after the writer.
    checkpointer: Option<Checkpointer>,
}

impl Drop for Store {
    fn drop(&mut self) {
        // Queued jobs finish first; then the checkpointer stops.
        drop(self.jobs.take());
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
        if let Some(c) = self.checkpointer.take() {
            c.stop();
        }
    }
}

fn writer_loop(conn: Connection, jobs: mpsc::Receiver<Job>, watch: WalWatch) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            let e = StoreError::from(e);
            for job in batch {
                job(Err(&e))(Some(&e));
            }
            continue;
        }
        let mut deliveries = Vec::with_capacity(batch.len());
        for job in batch {
            match catch_unwind(AssertUnwindSafe(|| job(Ok(&conn)))) {
                Ok(d) => deliveries.push(d),
                Err(_) => {
                    // The job's caller sees its reply channel closed.
                    tracing::error!("a database job panicked; its changes were rolled back");
                    let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                }
            }
        }
        let committed = conn.execute_batch("COMMIT").map_err(StoreError::from);
        if committed.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        } else {
            watch.committed(&conn);
        }
        let failure = committed.err();
        for d in deliveries {
            d(failure.as_ref());
        }
    }
}

/// Runs `f` inside a savepoint: its changes stay only when it returns Ok.
fn in_savepoint<T, E: From<StoreError>>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    conn.execute_batch("SAVEPOINT job")
        .map_err(StoreError::from)?;
    let out = f(conn);
    match out {
        Ok(v) => match conn.execute_batch("RELEASE job") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                Err(E::from(StoreError::from(e)))
            }
        },
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
            Err(e)
        }
    }
}

fn make_job<T, E>(
    f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    reply: impl FnOnce(Result<T, E>) + Send + 'static,
) -> Job
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    Box::new(move |conn: Result<&Connection, &StoreError>| -> Deliver {
        let out = match conn {
            Ok(c) => in_savepoint(c, f),
            Err(e) => Err(E::from(e.reissue())),
        };
        Box::new(move |failure: Option<&StoreError>| {
            reply(match failure {
                Some(e) => Err(E::from(e.reissue())),
                None => out,
            })
        })
    })
}

fn writer_gone() -> StoreError {
    StoreError::Task("the database writer has stopped".into())
}

impl Store {
    /// Opens or creates the database file (and its directory, 0700) and migrates it. The
    /// database file and its `-wal` and `-shm` are made 0600.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        files::prepare(path)?;
        let writer = open_writer(path)?;
        let (watch, checkpointer) = wal::start(path, &writer)?;
        let checkpointer = Some(checkpointer);
        let (jobs, queue) = mpsc::channel::<Job>();
        let writer = files::spawn_thread("tokentab-writer", path, move || {
            writer_loop(writer, queue, watch)
        })?;
        let points = Readers::new(path, POINT_READERS);
        points.warm(POINT_READERS)?;
        Ok(Store {
            path: path.to_owned(),
            jobs: Some(jobs),
            writer: Some(writer),
            readers: Readers::new(path, READERS),
            points,
            read_slots: tokio::sync::Semaphore::new(READERS),
            checkpointer,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a reader connection, on the calling thread.
    pub fn read_now<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.readers.with(f)
    }

    /// Hands `f` to the writer thread; `reply` gets its outcome after the commit.
    fn submit<T, E>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        reply: impl FnOnce(Result<T, E>) + Send + 'static,
    ) -> Result<(), StoreError>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let jobs = self.jobs.as_ref().ok_or_else(writer_gone)?;
        jobs.send(make_job(f, reply)).map_err(|_| writer_gone())
    }

    /// Runs `f` as one write on the writer thread and waits (blocking) for its commit. Its
    /// changes are kept only when it returns Ok. Not for async code: use [`Store::run`].
    pub fn write_now<T, E>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.submit(f, move |out| drop(tx.send(out)))?;
        rx.recv().map_err(|_| E::from(writer_gone()))?
    }

    /// [`Access::Point`] runs `f` on the calling task, on a point-read connection;
    /// [`Access::Read`] runs [`Store::read_now`] on the blocking pool, at most [`READERS`] at
    /// once; [`Access::Write`] is [`Store::write_now`] without blocking, resolving once the
    /// write is committed.
    pub async fn run<T, E>(
        self: &Arc<Self>,
        access: Access,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let task_error = |e: &dyn std::fmt::Display| E::from(StoreError::Task(e.to_string()));
        match access {
            Access::Point => self.points.with(f),
            Access::Read => {
                let _slot = self
                    .read_slots
                    .acquire()
                    .await
                    .map_err(|e| task_error(&e))?;
                let store = Arc::clone(self);
                tokio::task::spawn_blocking(move || store.read_now(f))
                    .await
                    .map_err(|e| task_error(&e))?
            }
            Access::Write => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                self.submit(f, move |out| drop(tx.send(out)))?;
                rx.await.map_err(|_| E::from(writer_gone()))?
            }
        }
    }
}

/// Where a job runs: on a reader connection (on the calling task, or on the blocking pool),
/// or as a write of the writer thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A lookup by key (an index seek or a few, rows in pages the mapping keeps in memory):
    /// microseconds, less than a hop to the blocking pool and back. Never a scan, a list or
    /// anything whose cost grows with the data: that would stall the async worker.
    Point,
    /// Any other read: on the blocking pool.
    Read,
    Write,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(store: &Store) -> Vec<String> {
        store
            .read_now(|c| {
                let mut st = c.prepare("SELECT username FROM users ORDER BY username")?;
                let rows = st.query_map([], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<Vec<String>>>()
                    .map_err(StoreError::from)
            })
            .unwrap()
    }

    fn add(c: &Connection, name: &str) -> Result<(), StoreError> {
        c.execute("INSERT INTO users (username) VALUES (?1)", [name])?;
        Ok(())
    }

    #[test]
    fn failed_and_panicking_jobs_roll_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("t.db")).unwrap());
        let mut threads = Vec::new();
        for i in 0..40 {
            let store = Arc::clone(&store);
            threads.push(std::thread::spawn(move || {
                store.write_now(move |c| {
                    add(c, &format!("u{i:02}"))?;
                    match i % 4 {
                        1 => Err(StoreError::Corrupt("refused".into())),
                        2 if i == 2 => panic!("job panics"),
                        _ => Ok(()),
                    }
                })
            }));
        }
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let expected: Vec<String> = (0..40)
            .filter(|i| i % 4 != 1 && *i != 2)
            .map(|i| format!("u{i:02}"))
            .collect();
        assert_eq!(names(&store), expected);
        assert!(results[1].is_err() && results[2].is_err() && results[0].is_ok());
        // The writer survived the panic.
        store.write_now(|c| add(c, "late")).unwrap();
        assert!(names(&store).contains(&"late".to_owned()));
    }
}
