//! The SQLite database's file system, watched so that revocation keeps working when it fills.
//!
//! - **Free space**: `statvfs` of the directory holding the database (`f_bavail * f_frsize`,
//!   what a non-root writer may still use), cached for [`FREE_FRESH_FOR`] so a busy service
//!   pays one system call a second at most; dropped at once after a write failed. Under the
//!   floor (`--min-free-disk`, [`DiskOptions`]) what makes the database grow — creates,
//!   refreshes, refusal rows in the audit trail, `last_used` updates — is refused or skipped
//!   ([`StoreError::LowDisk`], 507), while revokes go on.
//! - **The revocation reserve**: `<db>-reserve`, a [`RESERVE_BYTES`] file preallocated next
//!   to the database (so on the same file system) when the service starts. Another process may
//!   fill the disk to zero bytes free, floor or not; a revoke that then fails for lack of
//!   space deletes the reserve and is retried once, into the room it leaves
//!   ([`super::backend::Db::revoke_token_if`]). The reserve is made again (in the background)
//!   as soon as twice its size is free. Without a reserve (it could not be made, or a run of
//!   revokes used up its room) a revoke that finds no space answers 503 + Retry-After.
//! - **The file's identity**: device and inode of the database path, against those of the
//!   file opened at start, checked before every write (one `stat`): a database file deleted,
//!   moved away or replaced under the running service makes writes 503
//!   ([`StoreError::DbFileGone`]) instead of going into a file nobody will read again.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::service::error::StoreError;

const MIB: u64 = 1024 * 1024;
/// Size of the revocation reserve: a revoke writes a few pages (its row, the audit row, the
/// epoch), so this is room for hundreds of revokes after the disk filled.
pub const RESERVE_BYTES: u64 = 4 * MIB;
/// How long a free-space reading is used before the next `statvfs`.
pub const FREE_FRESH_FOR: Duration = Duration::from_secs(1);
/// `--min-free-disk` when not given.
pub const DEFAULT_MIN_FREE: u64 = 256 * MIB;

/// How the service guards the disk holding its SQLite database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskOptions {
    /// Free bytes under which creates, refreshes and refusal rows are refused (0 = no floor).
    pub min_free: u64,
}

impl Default for DiskOptions {
    fn default() -> Self {
        DiskOptions {
            min_free: DEFAULT_MIN_FREE,
        }
    }
}

/// `256MiB`, `1GiB`, `64M`, `4096` (bytes) or `0`: binary units, case-insensitive.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        "t" | "tib" => 40,
        _ => u32::MAX,
    };
    let n: Option<u64> = digits.parse().ok();
    match n {
        Some(n) if shift != u32::MAX => n
            .checked_mul(1u64 << shift)
            .ok_or_else(|| format!("{t} is too large")),
        _ => Err(format!(
            "{t:?} is not a size: use e.g. 256MiB, 1GiB, 64M, a number of bytes, or 0 (off)"
        )),
    }
}

/// Where the reserve of the database at `db` lives.
pub fn reserve_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_owned();
    name.push("-reserve");
    db.with_file_name(name)
}

/// The database file's identity: (device, inode).
fn identity(path: &Path) -> std::io::Result<(u64, u64)> {
    std::fs::metadata(path).map(|m| (m.dev(), m.ino()))
}

struct Reserve {
    path: PathBuf,
    /// Kept at all (the service turns it on; the store alone does not make one).
    enabled: AtomicBool,
    present: AtomicBool,
    /// A (re)creation is under way.
    making: AtomicBool,
}

impl Reserve {
    /// Makes the file (fallocate; zeros where the file system cannot preallocate) and
    /// flushes it, so its blocks are really taken; a partial file is removed.
    fn make(&self) {
        let made = preallocate(&self.path, RESERVE_BYTES);
        match &made {
            Ok(()) => {
                self.present.store(true, Ordering::Release);
                tracing::info!(
                    path = %self.path.display(),
                    bytes = RESERVE_BYTES,
                    "revocation reserve in place"
                );
            }
            Err(e) => {
                let _ = std::fs::remove_file(&self.path);
                tracing::warn!(
                    path = %self.path.display(),
                    error = %e,
                    "could not make the revocation reserve"
                );
            }
        }
        self.making.store(false, Ordering::Release);
    }
}

fn preallocate(path: &Path, bytes: u64) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)?;
    match rustix::fs::fallocate(&file, rustix::fs::FallocateFlags::empty(), 0, bytes) {
        Ok(()) => {}
        Err(e) if e == rustix::io::Errno::OPNOTSUPP => {
            let zeros = vec![0u8; 64 * 1024];
            let mut left = bytes;
            while left > 0 {
                let n = left.min(zeros.len() as u64) as usize;
                file.write_all(&zeros[..n])?;
                left -= n as u64;
            }
        }
        Err(e) => return Err(e.into()),
    }
    file.sync_all()
}

/// See the module docs.
pub struct DiskWatch {
    db: PathBuf,
    dir: PathBuf,
    /// Of the file opened at start; None when it could not be read then (no check).
    opened: Option<(u64, u64)>,
    floor: AtomicU64,
    /// The last reading and when it was taken.
    free: Mutex<Option<(Instant, u64)>>,
    reserve: Arc<Reserve>,
}

impl DiskWatch {
    /// Watches the database at `db` (just opened): no floor and no reserve until
    /// [`DiskWatch::configure`].
    pub fn new(db: &Path) -> DiskWatch {
        let dir = match db.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        DiskWatch {
            db: db.to_owned(),
            dir,
            opened: identity(db).ok(),
            floor: AtomicU64::new(0),
            free: Mutex::new(None),
            reserve: Arc::new(Reserve {
                path: reserve_path(db),
                enabled: AtomicBool::new(false),
                present: AtomicBool::new(false),
                making: AtomicBool::new(false),
            }),
        }
    }

    /// Sets the floor and makes the reserve now (blocking: a preallocation of a few MiB).
    pub fn configure(&self, opts: &DiskOptions) {
        self.floor.store(opts.min_free, Ordering::Relaxed);
        let r = &self.reserve;
        r.enabled.store(true, Ordering::Release);
        if !r.making.swap(true, Ordering::AcqRel) {
            r.make();
        }
        self.invalidate();
    }

    pub fn floor(&self) -> u64 {
        self.floor.load(Ordering::Relaxed)
    }

    pub fn reserve_present(&self) -> bool {
        self.reserve.present.load(Ordering::Acquire)
    }

    /// Err when the path no longer names the file opened at start.
    pub fn file_ok(&self) -> Result<(), StoreError> {
        match (self.opened, identity(&self.db)) {
            (None, _) => Ok(()),
            (Some(was), Ok(now)) if was == now => Ok(()),
            _ => Err(StoreError::DbFileGone),
        }
    }

    /// Free bytes (cached, see the module docs); u64::MAX when the file system cannot be read.
    pub fn free(&self) -> u64 {
        let mut cached = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, bytes)) = *cached
            && at.elapsed() < FREE_FRESH_FOR
        {
            return bytes;
        }
        let bytes = match rustix::fs::statvfs(&self.dir) {
            Ok(s) => s.f_bavail.saturating_mul(s.f_frsize),
            Err(e) => {
                tracing::warn!(
                    dir = %self.dir.display(),
                    error = %e,
                    "cannot read free disk space"
                );
                u64::MAX
            }
        };
        *cached = Some((Instant::now(), bytes));
        drop(cached);
        self.keep_reserve(bytes);
        bytes
    }

    /// The next [`DiskWatch::free`] reads the file system again.
    pub fn invalidate(&self) {
        *self.free.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Err([`StoreError::LowDisk`]) under the floor.
    pub fn room_to_grow(&self) -> Result<(), StoreError> {
        let floor = self.floor();
        if floor == 0 {
            return Ok(());
        }
        let free = self.free();
        if free < floor {
            return Err(StoreError::LowDisk { free, floor });
        }
        Ok(())
    }

    /// Deletes the reserve so that a revoke can be written into its room; false when there
    /// was none (then retrying is pointless).
    pub fn release_reserve(&self) -> bool {
        let r = &self.reserve;
        if !r.enabled.load(Ordering::Acquire) || !r.present.swap(false, Ordering::AcqRel) {
            return false;
        }
        let released = std::fs::remove_file(&r.path);
        self.invalidate();
        match released {
            Ok(()) => {
                tracing::warn!(
                    bytes = RESERVE_BYTES,
                    "the disk is full: released the revocation reserve to write a revoke"
                );
                true
            }
            Err(e) => {
                tracing::warn!(
                    path = %r.path.display(),
                    error = %e,
                    "could not release the revocation reserve"
                );
                false
            }
        }
    }

    /// Makes the reserve again, off the caller's thread, once twice its size is free.
    fn keep_reserve(&self, free: u64) {
        let r = &self.reserve;
        if !r.enabled.load(Ordering::Acquire)
            || r.present.load(Ordering::Acquire)
            || free < 2 * RESERVE_BYTES
            || r.making.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let r = Arc::clone(r);
        let spawned = std::thread::Builder::new()
            .name("tokentab-reserve".into())
            .spawn(move || r.make());
        if let Err(e) = spawned {
            self.reserve.making.store(false, Ordering::Release);
            tracing::warn!(error = %e, "could not start remaking the revocation reserve");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64MiB"), Ok(64 * MIB));
        assert_eq!(parse_size("64m"), Ok(64 * MIB));
        assert_eq!(parse_size("1GiB"), Ok(1024 * MIB));
        assert_eq!(parse_size(" 2 gib "), Ok(2048 * MIB));
        assert!(parse_size("64MB").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("99999999999TiB").is_err());
    }

    #[test]
    fn reserve_sits_next_to_the_database() {
        assert_eq!(
            reserve_path(Path::new("/d/tokentab.db")),
            PathBuf::from("/d/tokentab.db-reserve")
        );
    }

    #[test]
    fn a_replaced_file_is_noticed_and_the_reserve_comes_and_goes() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        std::fs::write(&db, b"x").unwrap();
        let watch = DiskWatch::new(&db);
        assert!(watch.file_ok().is_ok());
        watch.configure(&DiskOptions { min_free: 1 });
        assert!(watch.reserve_present());
        assert_eq!(
            std::fs::metadata(reserve_path(&db)).unwrap().len(),
            RESERVE_BYTES
        );
        assert!(watch.room_to_grow().is_ok());
        assert!(watch.release_reserve());
        assert!(!reserve_path(&db).exists());
        assert!(!watch.release_reserve(), "nothing left to release");
        std::fs::write(dir.path().join("other"), b"y").unwrap();
        std::fs::rename(dir.path().join("other"), &db).unwrap();
        assert!(matches!(watch.file_ok(), Err(StoreError::DbFileGone)));
        std::fs::remove_file(&db).unwrap();
        assert!(matches!(watch.file_ok(), Err(StoreError::DbFileGone)));
    }
}
