//! When a token stops working: the revocation rule, and why no stale request slips through.
//!
//! # The rule
//!
//! A request is served for a token only if, in a read that *began after the request arrived*,
//! the token's row was not revoked (and its expiry, which never changes, has not passed).
//! A write (create, revoke, refresh, device PATCH/DELETE) additionally re-reads its caller's row
//! inside its own write transaction and fails with 401 when the token is revoked or expired.
//!
//! # How it stays cheap
//!
//! Reading the token row, its user and memberships on every request would cost three lookups
//! per request. Instead the process keeps an [`AuthCache`](super::auth_cache::AuthCache) of
//! principals by secret hash, tagged with the **revocation epoch** they were read under. The
//! epoch is one row (`revocation_epoch`) that SQLite triggers bump in the same transaction as
//! every change that can make a cached principal wrong: a token revoked, deleted or altered
//! (revoke, revoke by value, `/tokens/me`, refresh, admin-token rotation, a manual `UPDATE`),
//! a user's admin or disabled flag (or the user deleted), a membership. Triggers, not application code, so no writer — this
//! process, another `tokentab serve`, the tab's embedded service, or `sqlite3` — can revoke
//! without bumping it.
//!
//! Each request obtains an epoch read ([`EpochReader::current`], one primary-key lookup on a
//! dedicated connection, no blocking-pool hop) that *began after the request arrived*, then:
//! - a cache entry tagged with exactly that epoch is used (expiry checked against the clock);
//! - otherwise the token row is read from the database and, if valid, cached under the epoch
//!   read *before* that row read. An epoch newer than the cache's clears the whole cache.
//!
//! On SQLite both reads run on the request's own task, with no hop to the blocking pool: the
//! epoch on the reader's dedicated connections, the token row (on a miss) as a point read
//! (`Access::Point` in `store/sqlite/store.rs`) on one of a few pooled read-only connections.
//! Either is one statement in autocommit mode, so its read transaction begins when the
//! statement starts (after the request arrived, and the row read after the epoch read ended),
//! and none stays open on a pooled connection between two reads (rusqlite resets a statement
//! once its rows are dropped; `store/sqlite/readers.rs` tests that a pooled connection sees a
//! later commit).
//!
//! Concurrent requests share epoch reads (single flight). Reads are numbered in the order they
//! start (the number is taken, under a lock, just before the query runs). A request notes the
//! number of reads started so far when it arrives, `a`, and accepts only the result of a read
//! numbered above `a`; one read runs at a time, and its leader first yields once to the
//! scheduler so that requests already queued note their arrival and share it. A request that
//! arrives while a read is running (numbered ≤ its `a`) waits for the next one — unless a read
//! numbered above its `a` failed: then it reads on its own (unshared), so an unreachable
//! database costs each request one failed read, not a queue of them. PostgreSQL replicas share
//! their per-request epoch statement the same way ([`EpochReader::current_from`]).
//!
//! # One statement for both
//!
//! A request whose answer is one point read may take its epoch from that read instead
//! (`GET /api/v2/{project}/devices/{uuid}`, the read a Connect device makes of itself:
//! `store/epoch_reads.rs`). The statement joins the epoch row with the device row
//! (`SELECT <device columns>, e.epoch FROM revocation_epoch e LEFT JOIN devices ON …`, so the
//! epoch is there even when the device is not) and runs after the request arrived. One
//! statement is one read on either backend: on SQLite it runs in autocommit mode on a point
//! reader, so it is one read transaction, begun when the statement starts; on PostgreSQL, under
//! READ COMMITTED, one statement reads one snapshot, taken when it starts. Its epoch is
//! therefore from a read that began after the request arrived, which is all step 1 of the proof
//! asks of it ("Q led that read"); steps 2 and 3 are unchanged: the token is then checked
//! under that epoch (the cache, or a row read that begins after the statement ended). The
//! device row read in the same statement is answered only if the token passes. Such a request
//! takes no part in the single flight: it costs no read beyond the one it needed anyway, and
//! no wait for a shared one.
//!
//! On PostgreSQL concurrent device GETs share such a statement (`store/pg/device_batch.rs`):
//! each request is queued after it arrived, one task takes what is queued and only then sends
//! one statement that reads the epoch row beside every queued device. That statement began
//! after each request of its batch arrived, so the epoch it returns serves each of them as its
//! own statement would have; a request whose batch failed reads alone, later still. Measured
//! with `tests/benches/wrk_reads.sh` on PostgreSQL (DB_URL, 32 connections, load average ~5):
//! 16.0k -> 23.4k req/s, serve 37.6 -> 24.8 µs and PostgreSQL 41.3 -> 16.3 µs of CPU per read
//! (about 6 reads per statement).
//!
//! `PRAGMA data_version` (does SQLite's shared memory say anything committed since?) was
//! considered as a cheaper epoch read and not used: the pragma begins a read transaction like
//! any statement, and that is most of what an epoch read costs (measured through Python's
//! sqlite3 3.40 on a WAL file, per call: `SELECT 1` 0.7-1.2 µs, `PRAGMA data_version` 3.9 µs,
//! the epoch `SELECT` 4.8-5.0 µs), and its value is per connection, so it cannot be shared.
//! The combined statement above saves the whole epoch read instead.
//!
//! Measured with wrk (release, 32 connections, 1,000 distinct device tokens, bare axum in the
//! same run; README, Bench): with the device row read through the blocking pool, a checked
//! device read did 28k req/s at 50 µs of server CPU each beside bare axum's 100k (0.28×); with
//! point reads on the calling task, 42k at 29 µs (0.42×), p99 under 2.7 ms. With the epoch
//! read in the device's statement (and mimalloc, since removed, one front middleware; load average 9, so
//! rates are low): 19.7 µs per read where the previous build took 27.6 µs in the same run, and
//! the bench's ratio to bare axum 0.54× on SQLite, 0.29× on PostgreSQL (was 0.34×, 0.15×).
//!
//! # Proof that a revoked token is never served after the revoke is acknowledged
//!
//! Let revoke R commit at time t, setting the epoch to e (the trigger runs inside R's
//! transaction, so the row change and the bump become visible together). Only after that
//! commit does any process answer R. Take a request Q that arrives after R was answered:
//! 1. Q uses an epoch read that began after t, so it reads some e' ≥ e (the epoch only grows;
//!    SQLite shows a read that starts after a commit everything that commit wrote). If Q led
//!    that read (or took its epoch from the statement that read its answer, "One statement for
//!    both" above), it began during Q. If Q shares it: Q noted `a` reads started on arrival and
//!    took the result of read number n > a. Numbers are handed out in increasing order under
//!    the lock Q noted `a` under, so number n was taken after Q's arrival, and the read's
//!    query runs only after its number is taken: it began after Q arrived, hence after t.
//!    Neither a failed read (no result is kept) nor a cancelled leader (it gives up its
//!    claim, and a waiter leads a new, higher-numbered read) can hand Q an older result.
//! 2. If Q uses a cache entry, the entry's tag equals e' ≥ e. That tag was read *before* the row
//!    read that produced the entry, so that row read began after the epoch reached e, i.e.
//!    after t, and saw the token revoked — such a row is never cached. So the entry is not for
//!    the token R revoked.
//! 3. Otherwise Q reads the row itself, in a read that begins after its epoch read ended,
//!    hence after t, and sees it revoked: 401.
//!
//! A write also checks inside its own `BEGIN IMMEDIATE` transaction. Writers on one database are
//! serialised by SQLite, so either R committed first and the write sees the token revoked (401),
//! or the write committed first and happened, acknowledged or not, before the revoke did.
//!
//! # Scale-out (PostgreSQL, N replicas)
//!
//! The rule does not depend on SQLite: "validity is read in the request's own query/transaction;
//! caches are an optimisation keyed by a monotonic epoch bumped in the revoking transaction"
//! holds for any database that gives read-after-commit visibility. On PostgreSQL the epoch is
//! the same row bumped by the same triggers, and each request on every replica reads it with
//! one statement of its own (READ COMMITTED: a statement sees every commit before it began), so
//! steps 1–3 hold as written; writes re-check their caller with `SELECT … FOR SHARE`, which
//! orders them against a revoke's row lock (`store/pg/mod.rs`). `LISTEN/NOTIFY` only empties
//! the cache sooner; it never replaces the read.
//!
//! What it would take for a NOTIFY to replace the read (not built): step 1 needs, for each
//! request, a fact established *after* it arrived that no revoke committed before then is
//! unseen. A notification proves nothing by its absence: PostgreSQL delivers it to a listener
//! after the commit, between the listener's commands, with no bound in time. Either (a) the
//! replica asks its listening connection after the request arrived (a round trip, and even then
//! it rests on how a backend delivers notifications before it answers, which PostgreSQL does not
//! document as a guarantee): no cheaper than the epoch statement it would replace; or (b) a revoke is acknowledged only after every live
//! replica has confirmed the new epoch, and a replica that cannot confirm within a lease stops
//! using its cache: that needs a registry of live replicas, bounded clock drift between them,
//! and makes a revoke wait for the slowest replica. Neither beats one statement per device
//! read, which is what the hot path now pays ("One statement for both").

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Notify;

use super::error::StoreError;

/// Idle epoch connections kept; more are opened under a burst and then dropped.
const IDLE_CONNECTIONS: usize = 4;
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The current revocation epoch as seen by `conn` (a fresh read transaction).
pub fn current_epoch(conn: &Connection) -> rusqlite::Result<u64> {
    let epoch: i64 = conn
        .prepare_cached("SELECT epoch FROM revocation_epoch WHERE id = 0")?
        .query_row([], |r| r.get(0))?;
    Ok(epoch as u64)
}

/// Reads the epoch on the calling thread, on a few dedicated reader connections, sharing one
/// read between concurrent requests ([`SingleFlight`]). The query is a primary-key lookup in
/// a one-row table (microseconds), cheaper than a hop to the blocking pool.
#[derive(Default)]
pub struct EpochReader {
    idle: Mutex<Vec<Connection>>,
    flight: SingleFlight,
}

impl EpochReader {
    fn open(path: &Path) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "query_only", "ON")?;
        Ok(conn)
    }

    /// The epoch from a read of the database file at `path` that began after this call.
    pub async fn current(&self, path: &Path) -> Result<u64, StoreError> {
        self.flight.get(|| self.read(path)).await
    }

    /// The epoch from an asynchronous `read` (PostgreSQL: one statement) that began after this
    /// call, shared by the requests for which that is true, as [`EpochReader::current`].
    pub async fn current_from<E, F>(&self, read: impl FnOnce() -> F) -> Result<u64, E>
    where
        F: std::future::Future<Output = Result<u64, E>>,
    {
        self.flight.get_async(read).await
    }

    fn read(&self, path: &Path) -> Result<u64, StoreError> {
        let pooled = self.idle.lock().map_err(|_| StoreError::Poisoned)?.pop();
        let conn = match pooled {
            Some(c) => c,
            None => Self::open(path)?,
        };
        let epoch = current_epoch(&conn)?;
        let mut idle = self.idle.lock().map_err(|_| StoreError::Poisoned)?;
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(conn);
        }
        Ok(epoch)
    }
}

/// Single flight for epoch reads: a caller gets the result of a read that started after it
/// called, shared with every other caller for whom that is true (the rule and proof are in
/// the module docs).
#[derive(Default)]
pub struct SingleFlight {
    state: Mutex<Flight>,
    /// Woken when a read ends or its leader gives up.
    ended: Notify,
}

#[derive(Default)]
struct Flight {
    /// Reads started so far, i.e. the number of the newest one.
    started: u64,
    /// A caller leads the next read (it is waiting for its turn or running it).
    led: bool,
    /// The newest successful read: its number and the epoch it saw.
    last: Option<(u64, u64)>,
    /// The number of the newest read that failed.
    failed: u64,
}

/// What a waiting caller does after a read ended.
enum Next {
    Shared(u64),
    Alone,
    Lead,
    Wait,
}

/// The leader's claim; dropping it (read done, or the leader's future dropped) records the
/// read's result if any and lets the waiters look again: one of them leads the next read.
struct Lead<'a> {
    flight: &'a SingleFlight,
    /// The read's number and epoch, once it succeeded.
    result: Option<(u64, u64)>,
    /// The read's number, when it failed.
    failed: Option<u64>,
}

impl<'a> Lead<'a> {
    /// For the caller that just set `led`.
    fn new(flight: &'a SingleFlight) -> Self {
        Lead {
            flight,
            result: None,
            failed: None,
        }
    }
}

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        {
            let mut flight = self.flight.lock();
            flight.led = false;
            if self.result.is_some() {
                flight.last = self.result;
            }
            if let Some(n) = self.failed {
                flight.failed = flight.failed.max(n);
            }
        }
        self.flight.ended.notify_waiters();
    }
}

impl SingleFlight {
    fn lock(&self) -> MutexGuard<'_, Flight> {
        // Every update leaves the fields consistent, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The result of a `read` that started after this call: this caller's own, or a
    /// concurrent caller's.
    pub async fn get<E>(&self, read: impl FnOnce() -> Result<u64, E>) -> Result<u64, E> {
        self.get_async(|| std::future::ready(read())).await
    }

    /// [`SingleFlight::get`] for a read that is itself asynchronous. The read's number is taken
    /// before its future is created, so its statement starts after the number, as the proof
    /// needs.
    pub async fn get_async<E, F>(&self, read: impl FnOnce() -> F) -> Result<u64, E>
    where
        F: std::future::Future<Output = Result<u64, E>>,
    {
        // Registered before looking, so an end signalled after the look is not missed.
        let mut ended = std::pin::pin!(self.ended.notified());
        let arrival = {
            let mut flight = self.lock();
            // No read numbered above `started` exists yet: lead, or wait.
            if !flight.led {
                flight.led = true;
                None
            } else {
                Some(flight.started)
            }
        };
        let mut lead = match arrival {
            None => Lead::new(self),
            Some(arrival) => loop {
                ended.as_mut().await;
                ended.set(self.ended.notified());
                let next = {
                    let mut flight = self.lock();
                    match flight.last {
                        Some((number, epoch)) if number > arrival => Next::Shared(epoch),
                        // A read that began after this caller arrived failed (the database is
                        // down or slow to answer): read alone rather than queue behind one
                        // failing read after another. This read too begins after arrival; it
                        // is not shared.
                        _ if flight.failed > arrival => Next::Alone,
                        _ if !flight.led => {
                            flight.led = true;
                            Next::Lead
                        }
                        _ => Next::Wait,
                    }
                };
                match next {
                    Next::Shared(epoch) => return Ok(epoch),
                    Next::Alone => return read().await,
                    Next::Lead => break Lead::new(self),
                    Next::Wait => {}
                }
            },
        };
        // Let callers already queued on this worker arrive, so they can share this read.
        tokio::task::yield_now().await;
        let number = {
            let mut flight = self.lock();
            flight.started += 1;
            flight.started
        };
        let out = read().await;
        match &out {
            Ok(epoch) => lead.result = Some((number, *epoch)),
            Err(_) => lead.failed = Some(number),
        }
        drop(lead);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::mpsc;
    use std::task::{Context, Poll, Waker};

    /// Polls `fut` once without a runtime waker: how far it gets right now.
    fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        fut.poll(&mut Context::from_waker(Waker::noop()))
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    /// A read that started before a request arrived is never used for it, even when it ends
    /// after the request arrived; the request gets a read of its own that sees the revoke.
    #[test]
    fn a_read_started_before_a_request_is_not_used_for_it() {
        let flight = std::sync::Arc::new(SingleFlight::default());
        let database_epoch = std::sync::Arc::new(AtomicU64::new(1));
        let reads = std::sync::Arc::new(AtomicU64::new(0));
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let (release_tx, release_rx) = mpsc::channel::<()>();

        // Request A leads a read that sees epoch 1 and then stalls inside the query.
        let leader = {
            let (flight, database_epoch, reads) =
                (flight.clone(), database_epoch.clone(), reads.clone());
            std::thread::spawn(move || {
                runtime().block_on(flight.get(|| {
                    reads.fetch_add(1, Ordering::SeqCst);
                    let seen = database_epoch.load(Ordering::SeqCst);
                    started_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                    Ok::<_, ()>(seen)
                }))
            })
        };
        started_rx.recv().unwrap();

        // A revoke commits (epoch 2), then request B arrives while A's read is still running.
        database_epoch.store(2, Ordering::SeqCst);
        let mut b = pin!(flight.get(|| {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(database_epoch.load(Ordering::SeqCst))
        }));
        assert!(
            poll_once(b.as_mut()).is_pending(),
            "B waits for the running read"
        );

        // A's read ends; B must not take its result.
        release_tx.send(()).unwrap();
        assert_eq!(leader.join().unwrap(), Ok(1));
        assert_eq!(
            runtime().block_on(b),
            Ok(2),
            "B used a read older than its arrival"
        );
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    /// Requests that arrive before a read starts share it.
    #[test]
    fn requests_waiting_for_the_same_read_share_it() {
        let flight = SingleFlight::default();
        let reads = AtomicU64::new(0);
        let read = || {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(7)
        };
        runtime().block_on(async {
            let (a, b, c) = tokio::join!(flight.get(read), flight.get(read), flight.get(read));
            assert_eq!((a, b, c), (Ok(7), Ok(7), Ok(7)));
        });
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        // A later request does not reuse that read.
        assert_eq!(runtime().block_on(flight.get(read)), Ok(7));
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    /// A leader dropped before its read ran (a cancelled request) does not wedge the others,
    /// and a failed read is never handed out.
    #[test]
    fn a_dropped_leader_or_a_failed_read_does_not_wedge_the_others() {
        let flight = SingleFlight::default();
        let mut a = Box::pin(flight.get(|| Ok::<_, ()>(1)));
        assert!(poll_once(a.as_mut()).is_pending(), "A leads and yields");
        let mut b = pin!(flight.get(|| Ok::<_, ()>(2)));
        assert!(poll_once(b.as_mut()).is_pending(), "B waits for A's read");
        drop(a);
        assert_eq!(runtime().block_on(b), Ok(2));

        assert_eq!(
            runtime().block_on(flight.get(|| Err::<u64, _>("disk"))),
            Err("disk")
        );
        assert_eq!(runtime().block_on(flight.get(|| Ok::<_, &str>(3))), Ok(3));
    }
}
