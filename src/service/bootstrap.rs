//! First start and every start: open the database, give it a service id, create user `admin`
//! (and the demo account) when empty, and make sure `<data dir>/admin.token` holds a valid
//! admin token whose lifetime respects `--max-expiry` (or replace it: `--rotate-admin-token`).
//!
//! The data dir is the owner's alone: created 0700, and refused when the group or others may
//! write to it (they could swap `admin.token` or the database under us).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroizing;

use crate::model::wire::UserInfo;

use super::ServiceConfig;
use super::ServiceError;
use super::auth::{hash_secret, is_well_formed, new_secret};
use super::error::StoreError;
use super::seed;
use super::state::now;
use super::store::Store;
use super::store::audit;
use super::store::entities;
use super::store::tokens::{self, NewToken};

pub const ADMIN_USER: &str = "admin";
pub const ADMIN_TOKEN_FILE: &str = "admin.token";

pub struct Prepared {
    pub store: Arc<Store>,
    pub service_id: String,
    pub admin_token_path: PathBuf,
    pub admin_token: AdminToken,
}

/// What start-up did with `admin.token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminToken {
    /// The file's token still works and fits the limits: kept.
    Kept,
    /// None worked (first start, expired, revoked, or longer than `--max-expiry`): a new one.
    Minted,
    /// Replaced on request (`--rotate-admin-token`); the old one is revoked.
    Rotated,
}

fn random_service_id() -> Result<String, StoreError> {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    let tail: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("01{tail}"))
}

fn service_id(conn: &Connection) -> Result<String, StoreError> {
    let found: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'service_id'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let id = random_service_id()?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('service_id', ?1)",
        [&id],
    )?;
    Ok(id)
}

/// Blocking: everything `spawn` needs before it binds.
pub fn prepare(cfg: &ServiceConfig, rotate: bool) -> Result<Prepared, ServiceError> {
    private_dir(&cfg.data_dir)?;
    refuse_shared_dir(&cfg.data_dir)?;
    let store = Arc::new(Store::open(&cfg.db_path)?);
    let started = now();
    let seed = cfg.seed;
    let service_id = store.write_now(move |tx| {
        let id = service_id(tx)?;
        if entities::user_count(tx)? == 0 {
            entities::insert_user(
                tx,
                &UserInfo {
                    username: ADMIN_USER.into(),
                    email: None,
                    admin: Some(true),
                    status: Some("enabled".into()),
                    realm: Some("internal".into()),
                },
            )?;
            if seed {
                let s = seed::load(tx, started)?;
                tracing::info!(
                    projects = s.projects,
                    fleets = s.fleets,
                    devices = s.devices,
                    users = s.users,
                    tokens = s.tokens,
                    "loaded the demo account"
                );
            }
        }
        Ok::<_, StoreError>(id)
    })?;
    let (admin_token_path, admin_token) =
        ensure_admin_token(&store, &cfg.data_dir, cfg.max_expiry, rotate)?;
    Ok(Prepared {
        store,
        service_id,
        admin_token_path,
        admin_token,
    })
}

/// The live admin-scoped token of this database that `secret` is, if any.
fn live_admin(store: &Store, secret: &str) -> Result<Option<tokens::AuthRow>, StoreError> {
    if !is_well_formed(secret) {
        return Ok(None);
    }
    let hash = hash_secret(secret);
    let row = store.read_now(|c| Ok::<_, StoreError>(tokens::auth_by_hash(c, &hash)?))?;
    Ok(row.filter(|r| {
        !r.revoked
            && r.token.expiry.is_none_or(|e| e > now())
            && r.token
                .scope
                .parse::<crate::model::Scope>()
                .is_ok_and(|s| s.is_admin())
    }))
}

/// Whether a token expiring at `expiry` lives no longer than `max_expiry` from now.
fn fits(expiry: Option<i64>, max_expiry: Option<u64>) -> bool {
    match (max_expiry, expiry) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(max), Some(e)) => e <= now().saturating_add(i64::try_from(max).unwrap_or(i64::MAX)),
    }
}

fn io_err(path: &Path, source: std::io::Error) -> ServiceError {
    ServiceError::Io {
        what: format!("cannot write {}", path.display()),
        source,
    }
}

/// Keeps `admin.token` if it still works and fits `max_expiry` (and no rotation is asked);
/// otherwise mints a fresh admin token (expiring after `max_expiry`, if set), writes it, and
/// revokes the old one when it was still live.
fn ensure_admin_token(
    store: &Store,
    data_dir: &Path,
    max_expiry: Option<u64>,
    rotate: bool,
) -> Result<(PathBuf, AdminToken), ServiceError> {
    let path = data_dir.join(ADMIN_TOKEN_FILE);
    let old = match fs::read_to_string(&path) {
        Ok(text) => live_admin(store, Zeroizing::new(text).trim())?,
        Err(_) => None,
    };
    if let Some(old) = &old {
        if !rotate && fits(old.token.expiry, max_expiry) {
            restrict(&path)?;
            return Ok((path, AdminToken::Kept));
        }
    }
    let secret = new_secret()?;
    let issued_at = now();
    let expiry = max_expiry.map(|m| issued_at.saturating_add(i64::try_from(m).unwrap_or(i64::MAX)));
    let token = NewToken {
        token_id: uuid::Uuid::new_v4().to_string(),
        secret_hash: hash_secret(&secret),
        username: ADMIN_USER.into(),
        scope: crate::model::scope::ADMIN.into(),
        audience: "*@*".into(),
        description: "tokentab admin token (admin.token)".into(),
        project_key: None,
        refreshable: false,
        issued_at,
        expiry,
    };
    let made = by_service("create", &token.token_id, &token.description);
    store.write_now(move |tx| {
        tokens::insert(tx, &token)?;
        audit::record(tx, &made, issued_at, audit::OK)
    })?;
    write_private(data_dir, &path, &secret)?;
    let outcome = match old {
        Some(old) => {
            // Only after the new file is in place: a failure above leaves the old token working.
            let id = old.token.token_id;
            tracing::info!(path = %path.display(), revoked = %id, "replaced the admin token");
            let revoked = by_service("revoke", &id, &old.token.description);
            store.write_now(move |tx| {
                let now = now();
                tokens::revoke(tx, &id, now)?;
                audit::record(tx, &revoked, now, audit::OK)
            })?;
            if rotate {
                AdminToken::Rotated
            } else {
                AdminToken::Minted
            }
        }
        None => {
            tracing::info!(path = %path.display(), "wrote a fresh admin token");
            AdminToken::Minted
        }
    };
    Ok((path, outcome))
}

/// An audit row for what start-up itself does to the admin token (no request, no caller token).
fn by_service(action: &'static str, token_id: &str, description: &str) -> audit::Record {
    audit::Record {
        actor: "tokentab serve".into(),
        actor_token_id: "-".into(),
        action,
        token_id: Some(token_id.to_owned()),
        description: Some(description.to_owned()),
        ..audit::Record::default()
    }
}

/// Refuses a data dir that the group or others may write to, naming the fix.
#[cfg(unix)]
fn refuse_shared_dir(dir: &Path) -> Result<(), ServiceError> {
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
fn refuse_shared_dir(_dir: &Path) -> Result<(), ServiceError> {
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path) -> Result<(), ServiceError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|e| io_err(path, e))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> Result<(), ServiceError> {
    Ok(())
}

/// Creates `dir` (and its parents) readable by the owner only, if missing.
fn private_dir(dir: &Path) -> Result<(), ServiceError> {
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
fn write_private(dir: &Path, path: &Path, secret: &str) -> Result<(), ServiceError> {
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
