//! Keeping the WAL bounded without stalling commits for long: a checkpointer thread copies the
//! WAL into the database file off the request path, and the writer starts the WAL over once a
//! cycle.
//!
//! SQLite starts the WAL over at the first commit after a checkpoint copied *every* frame;
//! under a continuous stream of commits a background pass never catches up with the end of
//! the WAL, so alone it lets the WAL grow without bound (measured: 8 GB in 25 s). So after
//! every commit the writer looks at how much WAL there is (the frames its WAL hook was told
//! of, [`WalWatch::committed`]):
//! - past [`WAL_CHECKPOINT_BYTES`] it keeps the checkpointer running PASSIVE passes back to
//!   back (one nudge per pass): they copy while commits go on, and keep the uncopied tail
//!   short;
//! - past [`WAL_RESTART_BYTES`] the checkpointer starts no new pass and the writer, between
//!   two batches, runs a PASSIVE pass itself. Nothing commits meanwhile, so it copies every
//!   frame (only the short tail the checkpointer left) and the next commit starts the WAL
//!   over. That pause is the only one, once per WAL cycle; past [`WAL_HARD_BYTES`] the
//!   writer retries until the pass completes (backpressure, so the WAL stays under 64 MiB).
//!
//! A WAL started over keeps its file (up to [`WAL_FILE_LIMIT`]), so the next cycle writes
//! over blocks the file already has instead of growing it again; the checkpointer truncates
//! it once writes have paused for [`IDLE_TRUNCATE`].

use std::cell::Cell;
use std::os::raw::c_int;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::hooks::Wal;

use crate::service::error::StoreError;

use super::connect::{BUSY_TIMEOUT, WAL_FILE_LIMIT};
use super::files;

/// How often the background checkpointer looks for new commits.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// Checkpoint at least this often while writes never pause.
const CHECKPOINT_AT_LEAST: Duration = Duration::from_secs(5);
/// More WAL than this keeps the checkpointer copying (PASSIVE passes back to back).
pub const WAL_CHECKPOINT_BYTES: u64 = 4 * 1024 * 1024;
/// More WAL than this is started over by the writer (its own PASSIVE pass copies the rest,
/// then its next commit restarts the WAL). The larger, the rarer that pause: at 30 MiB the
/// pauses (one per cycle, each holding up the writes queued meanwhile) were what kept the p99
/// of creates at 16 clients over 5 ms (issue 19); 48 MiB halves how often they come and
/// leaves [`WAL_HARD_BYTES`] room under the 64 MiB goal.
pub const WAL_RESTART_BYTES: u64 = 48 * 1024 * 1024;
/// Past this the writer commits nothing more until its pass completes (backpressure: a slow
/// PASSIVE pass holding the checkpoint lock, or a long reader, must not let the WAL grow
/// without bound).
pub const WAL_HARD_BYTES: u64 = 56 * 1024 * 1024;
/// How long the writer keeps retrying past [`WAL_HARD_BYTES`] before it commits again anyway.
const WAL_HARD_WAIT: Duration = Duration::from_secs(5);
/// After writes have paused this long, a WAL file larger than [`WAL_IDLE_BYTES`] is truncated.
pub const IDLE_TRUNCATE: Duration = Duration::from_secs(5);
/// What an idle WAL file may keep.
pub const WAL_IDLE_BYTES: u64 = 4 * 1024 * 1024;
/// A WAL frame's header (before each page).
const FRAME_HEADER: u64 = 24;

thread_local! {
    /// Frames in the WAL after the last commit on this thread's connection (the writer's WAL
    /// hook runs on the writer thread, inside its COMMIT).
    static WAL_FRAMES: Cell<u64> = const { Cell::new(0) };
}

fn count_frames(_: &Wal, frames: c_int) -> rusqlite::Result<()> {
    WAL_FRAMES.with(|f| f.set(u64::try_from(frames).unwrap_or(0)));
    Ok(())
}

/// Shared by the writer and the checkpointer.
#[derive(Default)]
struct WalFlags {
    /// Something was committed since the checkpointer last looked.
    dirty: AtomicBool,
    /// A nudge is on its way to the checkpointer (one per pass).
    nudged: AtomicBool,
    /// The writer is starting the WAL over: the checkpointer starts no pass meanwhile.
    restarting: AtomicBool,
}

/// What the writer needs to keep the WAL bounded.
pub struct WalWatch {
    /// Bytes of WAL per frame (a page and its header).
    frame_bytes: u64,
    flags: Arc<WalFlags>,
    nudge: mpsc::Sender<()>,
}

/// The checkpointer thread; dropping this stops it (after the writer, whose [`WalWatch`]
/// holds the other sender, is gone).
pub struct Checkpointer {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Checkpointer {
    pub fn stop(self) {
        drop(self.stop);
        let _ = self.thread.join();
    }
}

/// Sets the writer's connection up (no automatic checkpoints, the WAL hook) and starts the
/// checkpointer on a connection of its own.
pub fn start(path: &Path, writer: &Connection) -> Result<(WalWatch, Checkpointer), StoreError> {
    writer.pragma_update(None, "wal_autocheckpoint", 0)?;
    // After wal_autocheckpoint: setting that pragma replaces the WAL hook.
    writer.wal_hook(Some(count_frames));
    let page: u64 = writer.pragma_query_value(None, "page_size", |r| r.get(0))?;
    let flags = Arc::new(WalFlags::default());
    flags.dirty.store(true, Ordering::Release);
    let (nudge, nudges) = mpsc::channel::<()>();
    let thread = start_checkpointer(path, Arc::clone(&flags), nudges)?;
    let watch = WalWatch {
        frame_bytes: page + FRAME_HEADER,
        flags,
        nudge: nudge.clone(),
    };
    Ok((
        watch,
        Checkpointer {
            stop: nudge,
            thread,
        },
    ))
}

/// Copies the WAL back into the database file off the request path, preferably when writes
/// pause: a checkpoint's fsync then never lands in the middle of a burst of commits. Under
/// continuous writing it still runs every [`CHECKPOINT_AT_LEAST`], and at once when the writer
/// sends a nudge (more than [`WAL_CHECKPOINT_BYTES`] of WAL), except while the writer restarts
/// the WAL. Stops when every sender of `nudges` is gone.
fn start_checkpointer(
    path: &Path,
    flags: Arc<WalFlags>,
    nudges: mpsc::Receiver<()>,
) -> Result<JoinHandle<()>, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_size_limit", WAL_FILE_LIMIT)?;
    let mut idle = IdleTruncate::new(files::wal_path(path));
    files::spawn_thread("tokentab-checkpoint", path, move || {
        let mut last = Instant::now();
        let mut pending = false;
        loop {
            let nudged = match nudges.recv_timeout(CHECKPOINT_EVERY) {
                Ok(()) => true,
                Err(mpsc::RecvTimeoutError::Timeout) => false,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            // `dirty` set again since the last tick means writes are still going on.
            let busy = flags.dirty.swap(false, Ordering::AcqRel);
            pending |= busy;
            if busy {
                idle.wrote();
            }
            if flags.restarting.load(Ordering::Acquire) {
                // The writer's own pass needs the checkpoint lock.
                flags.nudged.store(false, Ordering::Release);
                continue;
            }
            if !nudged && (!pending || (busy && last.elapsed() < CHECKPOINT_AT_LEAST)) {
                if !pending {
                    idle.maybe_truncate(&conn);
                }
                continue;
            }
            // From here on a commit nudges again: passes run back to back while writes go on.
            flags.nudged.store(false, Ordering::Release);
            checkpoint(&conn, "PASSIVE");
            pending = false;
            last = Instant::now();
        }
    })
}

/// Gives back the disk a burst of writes took, once writes have paused.
struct IdleTruncate {
    wal: PathBuf,
    since: Instant,
    /// Looked at since the last write (truncated, small enough, or refused because a reader or
    /// writer was busy).
    tried: bool,
}

impl IdleTruncate {
    fn new(wal: PathBuf) -> IdleTruncate {
        IdleTruncate {
            wal,
            since: Instant::now(),
            tried: false,
        }
    }

    fn wrote(&mut self) {
        self.since = Instant::now();
        self.tried = false;
    }

    /// A TRUNCATE checkpoint that never waits: with no busy handler it gives up at once when
    /// a writer or a reader is using the WAL (and is tried again after the next pause), so it
    /// never holds up a commit for longer than the truncation itself.
    fn maybe_truncate(&mut self, conn: &Connection) {
        if self.tried || self.since.elapsed() < IDLE_TRUNCATE {
            return;
        }
        // Once per pause: an idle checkpointer does not look at the file 10 times a second.
        self.tried = true;
        if files::size(&self.wal) <= WAL_IDLE_BYTES {
            return;
        }
        if conn.busy_timeout(Duration::ZERO).is_ok() {
            checkpoint(conn, "TRUNCATE");
            let _ = conn.busy_timeout(BUSY_TIMEOUT);
        }
    }
}

/// Runs a checkpoint; whether it copied every frame of the WAL (false: another checkpoint was
/// running, or readers stayed on the frames it left, or it failed).
fn checkpoint(conn: &Connection, mode: &str) -> bool {
    let done: rusqlite::Result<(i64, i64, i64)> =
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        });
    match done {
        Ok((busy, log, copied)) => busy == 0 && log == copied,
        Err(e) => {
            tracing::warn!(error = %e, mode, "WAL checkpoint failed");
            false
        }
    }
}

impl WalWatch {
    /// After a commit, on the writer's connection (no transaction open): a nudge to the
    /// checkpointer when the WAL is big; when it is too big, a pass of the writer's own so
    /// that the next commit starts the WAL over.
    pub fn committed(&self, conn: &Connection) {
        let flags = &self.flags;
        flags.dirty.store(true, Ordering::Release);
        let size = WAL_FRAMES.with(Cell::get) * self.frame_bytes;
        if size > WAL_RESTART_BYTES {
            flags.restarting.store(true, Ordering::Release);
            // Busy while a pass of the checkpointer's is still running: tried again after the
            // next commit, or, past the hard limit, until it works.
            let started = Instant::now();
            let mut copied = checkpoint(conn, "PASSIVE");
            while !copied && size > WAL_HARD_BYTES && started.elapsed() < WAL_HARD_WAIT {
                std::thread::sleep(Duration::from_millis(1));
                copied = checkpoint(conn, "PASSIVE");
            }
        } else {
            flags.restarting.store(false, Ordering::Release);
            if size > WAL_CHECKPOINT_BYTES && !flags.nudged.swap(true, Ordering::AcqRel) {
                let _ = self.nudge.send(());
            }
        }
    }
}
