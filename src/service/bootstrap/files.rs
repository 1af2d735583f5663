//! The data dir and `admin.token` on disk: owner-only, refused when others may write there.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::super::ServiceError;
use super::ADMIN_TOKEN_FILE;

fn io_err(path: &Path, source: std::io::Error) -> ServiceError {
    ServiceError::Io {
        what: format!("cannot write {}", path.display()),
        source,
    }
}

/// Refuses a data dir that the group or others may write to, naming the fix.
#[cfg(unix)]
pub fn refuse_shared_dir(dir: &Path) -> Result<(), ServiceError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(dir)
        .map_err(|source| ServiceError::Io {
            what: format!("cannot read {}", dir.display()),
            source,
        })?
        .permissions()
        .mode();
    if mode & 0o022 != 0 {
        return Err(ServiceError::Config(format!(
            "the data directory {} can be written by {} (mode {:o}); it holds the admin token \
             and the database: run `chmod 700 {}`",
            dir.display(),
            if mode & 0o002 != 0 {
                "anyone"
            } else {
                "its group"
            },
            mode & 0o777,
            dir.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn refuse_shared_dir(_dir: &Path) -> Result<(), ServiceError> {
    Ok(())
}

#[cfg(unix)]
pub fn restrict(path: &Path) -> Result<(), ServiceError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|e| io_err(path, e))
}

#[cfg(not(unix))]
pub fn restrict(_path: &Path) -> Result<(), ServiceError> {
    Ok(())
}

/// Creates `dir` (and its parents) readable by the owner only, if missing.
pub fn private_dir(dir: &Path) -> Result<(), ServiceError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| io_err(dir, e))
}

/// Writes `secret` to `path` with mode 0600 (parent directories 0700), atomically.
pub fn write_private(dir: &Path, path: &Path, secret: &str) -> Result<(), ServiceError> {
    private_dir(dir)?;
    let tmp = dir.join(format!(".{ADMIN_TOKEN_FILE}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(&tmp).map_err(|e| io_err(&tmp, e))?;
    file.write_all(secret.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|e| io_err(&tmp, e))?;
    drop(file);
    fs::rename(&tmp, path).map_err(|e| io_err(path, e))?;
    restrict(path)
}
