//! First start and every start: open the database, give it a service id, create user `admin`
//! (and the demo account) when empty, and make sure `<data dir>/admin.token` holds a valid
//! admin token whose lifetime respects `--max-expiry` (or replace it: `--rotate-admin-token`).
//!
//! Replicas on one PostgreSQL database: the first start's writes (admin user, demo seed, the
//! admin token and where it was written) are one batch applied only to an empty database, under
//! a lock, so exactly one replica makes them and writes `admin.token`. The others find the token
//! recorded in `meta` (`admin_token_at` = `host:path`, `admin_token_id`) and say where it went
//! instead of minting their own.
//!
//! The data dir is the owner's alone: created 0700, and refused when the group or others may
//! write to it (they could swap `admin.token` or the database under us); a SQLite `--db`
//! elsewhere is held to the same rule ([`db_file`]).

mod db_file;
mod files;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::model::wire::UserInfo;

use super::auth::{hash_secret, is_well_formed, new_secret};
use super::error::StoreError;
use super::seed;
use super::store::audit;
use super::store::backend::{Db, Write};
use super::store::target::DbTarget;
use super::store::tokens::{AuthRow, NewToken};
use super::{ServeOptions, ServiceConfig, ServiceError};
use crate::model::clock::now;

pub const ADMIN_USER: &str = "admin";
pub const ADMIN_TOKEN_FILE: &str = "admin.token";
const META_TOKEN_AT: &str = "admin_token_at";
const META_TOKEN_ID: &str = "admin_token_id";

pub struct Prepared {
    pub db: Arc<Db>,
    pub service_id: String,
    pub admin_token_path: PathBuf,
    pub admin_token: AdminToken,
}

/// What start-up did with `admin.token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminToken {
    /// The file's token still works and fits the limits: kept.
    Kept,
    /// None worked (first start, expired, revoked, or longer than `--max-expiry`): a new one.
    Minted,
    /// Replaced on request (`--rotate-admin-token`); the old one is revoked.
    Rotated,
    /// Another replica made the live admin token and wrote it at this `host:path`.
    Elsewhere(String),
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

/// `host:path`: where an admin token file is, as the other replicas are told.
fn location(path: &Path) -> String {
    let host = fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", path.display())
}

/// Everything `spawn` needs before it binds.
pub async fn prepare(cfg: &ServiceConfig, opts: &ServeOptions) -> Result<Prepared, ServiceError> {
    files::private_dir(&cfg.data_dir)?;
    files::refuse_shared_dir(&cfg.data_dir)?;
    let db = match &opts.postgres {
        Some(t) => Db::open(&DbTarget::Postgres(t.clone()))
            .await
            .map_err(|e| match e {
                StoreError::Unavailable(why) => {
                    StoreError::Unavailable(format!("cannot reach PostgreSQL at {t}: {why}"))
                }
                other => other,
            })?,
        None => {
            db_file::refuse_unsafe_db(&cfg.db_path)?;
            Db::open_sqlite(&cfg.db_path).await?
        }
    };
    let service_id = db.service_id(random_service_id()?).await?;
    let path = cfg.data_dir.join(ADMIN_TOKEN_FILE);
    let first = first_start(&db, cfg, &path).await?;
    let admin_token = match first {
        Some(secret) => {
            files::write_private(&cfg.data_dir, &path, &secret)?;
            tracing::info!(path = %path.display(), "wrote a fresh admin token");
            AdminToken::Minted
        }
        None => ensure_admin_token(&db, cfg, &path, opts.rotate_admin_token).await?,
    };
    Ok(Prepared {
        db: Arc::new(db),
        service_id,
        admin_token_path: path,
        admin_token,
    })
}

fn admin_user() -> UserInfo {
    UserInfo {
        username: ADMIN_USER.into(),
        email: None,
        admin: Some(true),
        status: Some("enabled".into()),
        realm: Some("internal".into()),
    }
}

/// On an empty database: the admin user, the demo seed and an admin token in one batch; the
/// token's secret when this process applied it (None: the database was set up already).
async fn first_start(
    db: &Db,
    cfg: &ServiceConfig,
    path: &Path,
) -> Result<Option<Zeroizing<String>>, ServiceError> {
    let started = now();
    let mut batch = vec![Write::User(admin_user())];
    let mut summary = None;
    if cfg.seed {
        let (writes, s) = seed::writes(started)?;
        batch.extend(writes);
        summary = Some(s);
    }
    let (token, secret) = new_admin_token(cfg.max_expiry)?;
    batch.extend(admin_token_writes(token, path));
    if !db.apply_if_empty(batch).await? {
        return Ok(None);
    }
    if let Some(s) = summary {
        tracing::info!(
            projects = s.projects,
            fleets = s.fleets,
            devices = s.devices,
            users = s.users,
            tokens = s.tokens,
            "loaded the demo account"
        );
    }
    Ok(Some(secret))
}

/// The live admin-scoped token of this database that `secret` is, if any.
async fn live_admin(db: &Db, secret: &str) -> Result<Option<AuthRow>, StoreError> {
    if !is_well_formed(secret) {
        return Ok(None);
    }
    let row = db.auth_by_hash(hash_secret(secret)).await?;
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

fn new_admin_token(max_expiry: Option<u64>) -> Result<(NewToken, Zeroizing<String>), StoreError> {
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
    Ok((token, secret))
}

/// The token, its audit row, and where it is written (for the other replicas).
fn admin_token_writes(token: NewToken, path: &Path) -> Vec<Write> {
    let record = by_service("create", &token.token_id, &token.description);
    vec![
        Write::Meta {
            key: META_TOKEN_ID.into(),
            value: token.token_id.clone(),
        },
        Write::Meta {
            key: META_TOKEN_AT.into(),
            value: location(path),
        },
        Write::Audit {
            record,
            at: token.issued_at,
        },
        Write::Token(token),
    ]
}

/// The admin token another replica made and wrote elsewhere, while it is still live.
async fn made_elsewhere(db: &Db, path: &Path) -> Result<Option<String>, StoreError> {
    let Some(at) = db.meta(META_TOKEN_AT.into()).await? else {
        return Ok(None);
    };
    if at == location(path) {
        return Ok(None);
    }
    let Some(id) = db.meta(META_TOKEN_ID.into()).await? else {
        return Ok(None);
    };
    let live = db
        .token_by_id(id)
        .await?
        .is_some_and(|t| t.expiry.is_none_or(|e| e > now()));
    Ok(live.then_some(at))
}

/// Keeps `admin.token` if it still works and fits `max_expiry` (and no rotation is asked), or
/// points at the live one another replica wrote; otherwise mints a fresh admin token (expiring
/// after `max_expiry`, if set), writes it, and revokes the one it replaces.
async fn ensure_admin_token(
    db: &Db,
    cfg: &ServiceConfig,
    path: &Path,
    rotate: bool,
) -> Result<AdminToken, ServiceError> {
    let old = match fs::read_to_string(path) {
        Ok(text) => live_admin(db, Zeroizing::new(text).trim()).await?,
        Err(_) => None,
    };
    if let Some(old) = &old {
        if !rotate && fits(old.token.expiry, cfg.max_expiry) {
            files::restrict(path)?;
            return Ok(AdminToken::Kept);
        }
    }
    if old.is_none() && !rotate {
        if let Some(at) = made_elsewhere(db, path).await? {
            return Ok(AdminToken::Elsewhere(at));
        }
    }
    // A rotation also revokes the admin token recorded for the database (it may be another
    // replica's); a lost file alone revokes nothing: the token may live on elsewhere.
    let recorded = if rotate {
        db.meta(META_TOKEN_ID.into()).await?
    } else {
        None
    };
    let (token, secret) = new_admin_token(cfg.max_expiry)?;
    let new_id = token.token_id.clone();
    db.apply(admin_token_writes(token, path)).await?;
    files::write_private(&cfg.data_dir, path, &secret)?;
    // Only after the new file is in place: a failure above leaves the old token working.
    let mut replaced: Vec<String> = old
        .map(|o| o.token.token_id)
        .into_iter()
        .chain(recorded)
        .filter(|id| *id != new_id)
        .collect();
    replaced.dedup();
    for id in replaced {
        let record = audit::Record {
            description: None,
            ..by_service("revoke", &id, "")
        };
        let outcome = db
            .revoke_token_if(id.clone(), now(), None, |_| true, Some(record))
            .await?;
        tracing::info!(path = %path.display(), revoked = %id, ?outcome, "replaced the admin token");
    }
    Ok(if rotate {
        AdminToken::Rotated
    } else {
        tracing::info!(path = %path.display(), "wrote a fresh admin token");
        AdminToken::Minted
    })
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
