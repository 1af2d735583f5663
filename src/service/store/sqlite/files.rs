//! The database's files on disk: private modes whatever the umask, and the WAL's size; the
//! threads that work on them.
//!
//! SQLite creates a database file with mode 0644 (its `SQLITE_DEFAULT_FILE_PERMISSIONS`, forced
//! with fchmod, so the umask does not narrow it) and gives the `-wal` and `-shm` files the mode
//! of the database file. Creating the database file 0600 before SQLite opens it therefore makes
//! all three 0600; files left by an older version are narrowed here.

use std::path::{Path, PathBuf};

use crate::service::error::StoreError;

fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn with_suffix(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A named thread working on the database file `path` (which its error names).
pub fn spawn_thread(
    name: &str,
    path: &Path,
    body: impl FnOnce() + Send + 'static,
) -> Result<std::thread::JoinHandle<()>, StoreError> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(body)
        .map_err(|source| io(path, source))
}

pub fn wal_path(db: &Path) -> PathBuf {
    with_suffix(db, "-wal")
}

/// The file's size in bytes; 0 when it does not exist.
pub fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Creates the database's directory (0700) when missing, and the database file (0600) when
/// missing; narrows an existing database, `-wal` and `-shm` to 0600.
pub fn prepare(db: &Path) -> Result<(), StoreError> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|e| io(dir, e))?;
    }
    private(db, true)?;
    for path in [with_suffix(db, "-wal"), with_suffix(db, "-shm")] {
        private(&path, false)?;
    }
    Ok(())
}

/// Opens `path` (creating it 0600 when `create`) without following a symbolic link, and
/// narrows it to 0600 through the open file: a link is refused, never its target changed.
#[cfg(unix)]
fn private(path: &Path, create: bool) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true)
        .custom_flags((rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32);
    if create {
        opts.write(true).create(true).truncate(false).mode(0o600);
    }
    let file = match opts.open(path) {
        Ok(f) => f,
        Err(e) if !create && e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(path, e)),
    };
    let meta = file.metadata().map_err(|e| io(path, e))?;
    if meta.permissions().mode() & 0o777 != 0o600 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io(path, e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn private(path: &Path, create: bool) -> Result<(), StoreError> {
    if create {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(false);
        drop(opts.open(path).map_err(|e| io(path, e))?);
    }
    Ok(())
}
