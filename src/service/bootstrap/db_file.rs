//! A SQLite `--db` path checked as the data dir is: whoever can replace the database file can
//! put an admin token in it. Its directory must be writable by this user alone, the database
//! and its `-wal` and `-shm` must belong to this user (the effective uid), and none of them may
//! be a symbolic link.

use std::path::Path;

use super::super::ServiceError;

fn with_suffix(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn unreadable(path: &Path, source: std::io::Error) -> ServiceError {
    ServiceError::Io {
        what: format!("cannot read {}", path.display()),
        source,
    }
}

/// Refuses a database path that another local user could tamper with, naming the fix.
#[cfg(unix)]
pub fn refuse_unsafe_db(db: &Path) -> Result<(), ServiceError> {
    use std::os::unix::fs::MetadataExt;
    let uid = rustix::process::geteuid().as_raw();
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Made here (0700) when missing, and checked even then: someone may have made it first.
    super::files::private_dir(dir)?;
    let meta = std::fs::metadata(dir).map_err(|e| unreadable(dir, e))?;
    refuse_shared_db_dir(dir, db, meta.mode(), meta.uid(), uid)?;
    for path in [
        db.to_owned(),
        with_suffix(db, "-wal"),
        with_suffix(db, "-shm"),
    ] {
        let meta = match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(unreadable(&path, e)),
            Ok(m) => m,
        };
        if meta.file_type().is_symlink() {
            return Err(ServiceError::Config(format!(
                "the database file {} is a symbolic link: give --db the real path of the \
                 database (a link can be pointed elsewhere, and its target's mode would be \
                 changed)",
                path.display()
            )));
        }
        if !meta.file_type().is_file() {
            return Err(ServiceError::Config(format!(
                "the database file {} is not a regular file",
                path.display()
            )));
        }
        if meta.uid() != uid {
            return Err(ServiceError::Config(format!(
                "the database file {} belongs to uid {}, not to this service's user (uid {uid}): \
                 its owner could change it, and with it the admin token. Run `chown {uid} {}` \
                 (and its -wal and -shm) or give --db a database this user made",
                path.display(),
                meta.uid(),
                path.display()
            )));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn refuse_shared_db_dir(
    dir: &Path,
    db: &Path,
    mode: u32,
    owner: u32,
    uid: u32,
) -> Result<(), ServiceError> {
    const STICKY: u32 = 0o1000;
    if mode & 0o022 != 0 {
        let who = if mode & 0o002 != 0 {
            "anyone"
        } else {
            "its group"
        };
        let fix = if mode & STICKY != 0 {
            // A shared directory such as /tmp: narrowing it is not the fix.
            format!(
                "give --db a path in a directory only this user can write (e.g. `mkdir -m 700 \
                 DIR`), not {}",
                db.display()
            )
        } else {
            format!("run `chmod 700 {}`", dir.display())
        };
        return Err(ServiceError::Config(format!(
            "the database directory {} can be written by {who} (mode {:o}); they could \
             replace the database {}: {fix}",
            dir.display(),
            mode & 0o7777,
            db.display()
        )));
    }
    if owner != uid && owner != 0 {
        return Err(ServiceError::Config(format!(
            "the database directory {} belongs to uid {owner}, not to this service's user (uid \
             {uid}) or root: its owner could replace the database {}: give --db a path in a \
             directory of this user",
            dir.display(),
            db.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn refuse_unsafe_db(_db: &Path) -> Result<(), ServiceError> {
    Ok(())
}
