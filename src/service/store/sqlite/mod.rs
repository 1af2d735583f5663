//! [`super::backend::Db`] on SQLite: each operation delegates to the functions of
//! [`super::tokens`] and [`super::entities`] on the [`Store`]'s readers or its writer thread.
//!
//! Caller re-checks are sound here because every write runs on the one writer thread inside
//! `BEGIN IMMEDIATE`, which holds the database's write lock: a revoke committed by any process
//! before the transaction began is visible to it, and none can commit while it runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::{Connection, params};

use crate::model::wire::{AuditEntry, DeviceInfo, DevicePatch, FleetInfo, ProjectInfo, UserInfo};
use crate::service::error::StoreError;

use super::audit::{self, AuditFilter, Record};
use super::backend::{DeviceWrite, PoolUse, Write};
use super::disk::DiskWatch;
use super::entities::{self, DeviceQuery};
use super::health::WriteHealth;
use super::tokens;
use super::{READERS, Store};

mod token_ops;

pub struct SqliteDb {
    store: Arc<Store>,
    path: PathBuf,
    in_flight: Arc<AtomicUsize>,
    health: WriteHealth,
}

/// Counts an operation in flight for the pool gauge.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Refuses unless `caller` (when given) is live now: [`StoreError::CallerRevoked`] (or
/// unknown), [`StoreError::CallerExpired`], [`StoreError::CallerDisabled`] (its user disabled
/// or deleted).
pub(super) fn caller_live(conn: &Connection, caller: Option<&str>) -> Result<(), StoreError> {
    use rusqlite::OptionalExtension;
    let Some(id) = caller else { return Ok(()) };
    let row: Option<(bool, Option<i64>, Option<bool>)> = conn
        .prepare_cached(
            "SELECT revoked_at IS NOT NULL, expiry, \
             (SELECT disabled FROM users u WHERE u.username = tokens.username) \
             FROM tokens WHERE token_id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    match row {
        None | Some((true, _, _)) => Err(StoreError::CallerRevoked),
        Some((false, Some(e), _)) if e <= crate::model::clock::now() => {
            Err(StoreError::CallerExpired)
        }
        Some((false, _, Some(false))) => Ok(()),
        Some(_) => Err(StoreError::CallerDisabled),
    }
}

/// Writes one row (the demo seed loads through this too).
fn apply_one(conn: &Connection, w: &Write) -> Result<(), StoreError> {
    match w {
        Write::User(u) => entities::insert_user(conn, u)?,
        Write::Membership { username, project } => {
            entities::add_membership(conn, username, project)?
        }
        Write::Project(p) => entities::insert_project(conn, p)?,
        Write::Fleet { project, name } => entities::insert_fleet(conn, project, name)?,
        Write::Device(d) => entities::insert_device(conn, d)?,
        Write::Token(t) => tokens::insert(conn, t)?,
        Write::Audit { record, at } => {
            audit::record(conn, record, *at, audit::OK)?;
        }
        Write::Meta { key, value } => {
            conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![key, value])?;
        }
    }
    Ok(())
}

impl SqliteDb {
    pub async fn open(path: &Path) -> Result<SqliteDb, StoreError> {
        let owned = path.to_owned();
        let store = tokio::task::spawn_blocking(move || Store::open(&owned))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(SqliteDb::from_store(Arc::new(store), path))
    }

    /// Wraps a store opened elsewhere (the bootstrap opens it before the runtime serves).
    pub fn from_store(store: Arc<Store>, path: &Path) -> SqliteDb {
        SqliteDb {
            store,
            path: path.to_owned(),
            in_flight: Arc::default(),
            health: WriteHealth::new(Some(DiskWatch::new(path))),
        }
    }

    pub fn health(&self) -> &WriteHealth {
        &self.health
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn track(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(Arc::clone(&self.in_flight))
    }

    pub(super) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let _busy = self.track();
        self.store.read(f).await
    }

    pub(super) async fn write<T: Send + 'static, E: From<StoreError> + Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E> {
        // An unlinked or replaced file still takes writes through the open handles: they
        // would be lost at the next start.
        if let Err(e) = self.health.file_ok() {
            self.health.failed(&e);
            return Err(E::from(e));
        }
        let _busy = self.track();
        self.store.write(f).await
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.health.file_ok()?;
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM meta", [], |r| r.get::<_, i64>(0))?))
            .await
            .map(drop)
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// The revocation epoch now (bumped by migration 3's triggers).
    pub async fn revocation_epoch(&self) -> Result<u64, StoreError> {
        self.read(|c| Ok(crate::service::revocation::current_epoch(c)?))
            .await
    }

    pub fn pool_use(&self) -> PoolUse {
        PoolUse {
            in_use: self.in_flight.load(Ordering::Relaxed),
            max: READERS + 1,
        }
    }

    pub async fn service_id(&self, candidate: String) -> Result<String, StoreError> {
        self.write(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('service_id', ?1)",
                [&candidate],
            )?;
            Ok(
                c.query_row("SELECT value FROM meta WHERE key = 'service_id'", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .await
    }

    pub async fn apply_if_empty(&self, batch: Vec<Write>) -> Result<bool, StoreError> {
        self.write(move |c| {
            if entities::user_count(c)? > 0 {
                return Ok(false);
            }
            batch.iter().try_for_each(|w| apply_one(c, w))?;
            Ok(true)
        })
        .await
    }

    pub async fn meta(&self, key: String) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.read(move |c| {
            Ok(c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()?)
        })
        .await
    }

    pub async fn audit_record(
        &self,
        record: Record,
        at: i64,
        result: String,
    ) -> Result<i64, StoreError> {
        self.write(move |c| audit::record(c, &record, at, &result))
            .await
    }

    pub async fn audit_add_count(&self, seq: i64, n: u64) -> Result<(), StoreError> {
        self.write(move |c| audit::add_count(c, seq, n)).await
    }

    pub async fn audit_list(
        &self,
        filter: AuditFilter,
        limit: u32,
    ) -> Result<(Vec<AuditEntry>, Option<i64>), StoreError> {
        self.read(move |c| audit::list(c, &filter, limit)).await
    }

    pub async fn audit_prune(&self, before: i64) -> Result<usize, StoreError> {
        self.write(move |c| audit::prune(c, before)).await
    }

    pub async fn apply(&self, batch: Vec<Write>) -> Result<(), StoreError> {
        self.write(move |c| batch.iter().try_for_each(|w| apply_one(c, w)))
            .await
    }

    pub async fn user(&self, username: String) -> Result<Option<UserInfo>, StoreError> {
        self.read(move |c| Ok(entities::user(c, &username)?)).await
    }

    pub async fn user_count(&self) -> Result<i64, StoreError> {
        self.read(|c| Ok(entities::user_count(c)?)).await
    }

    pub async fn users_page(
        &self,
        contains: Option<String>,
        after: Option<String>,
        limit: u32,
    ) -> Result<(Vec<UserInfo>, Option<String>), StoreError> {
        self.read(move |c| {
            Ok(entities::users_page(
                c,
                contains.as_deref(),
                after.as_deref(),
                limit,
            )?)
        })
        .await
    }

    pub async fn projects(&self) -> Result<Vec<ProjectInfo>, StoreError> {
        self.read(|c| Ok(entities::projects(c)?)).await
    }

    pub async fn project_exists(&self, key: String) -> Result<bool, StoreError> {
        self.read(move |c| Ok(entities::project_exists(c, &key)?))
            .await
    }

    pub async fn fleets(&self, project: String) -> Result<Option<Vec<FleetInfo>>, StoreError> {
        self.read(move |c| {
            if !entities::project_exists(c, &project)? {
                return Ok(None);
            }
            Ok(Some(entities::fleets(c, &project)?))
        })
        .await
    }

    pub async fn device(
        &self,
        project: String,
        uuid: String,
    ) -> Result<Option<DeviceInfo>, StoreError> {
        self.read(move |c| Ok(entities::device(c, &project, &uuid)?))
            .await
    }

    pub async fn devices_page(
        &self,
        project: String,
        query: DeviceQuery,
    ) -> Result<Option<(Vec<DeviceInfo>, Option<String>)>, StoreError> {
        self.read(move |c| {
            if !entities::project_exists(c, &project)? {
                return Ok(None);
            }
            Ok(Some(entities::devices_page(c, &project, &query)?))
        })
        .await
    }

    pub async fn update_device_if<E>(
        &self,
        w: DeviceWrite,
        patch: DevicePatch,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
    ) -> Result<Option<DeviceInfo>, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        self.device_write(w, check, move |c, project, uuid| {
            entities::update_device(c, project, uuid, &patch)
        })
        .await
    }

    pub async fn delete_device_if<E>(
        &self,
        w: DeviceWrite,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
    ) -> Result<bool, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        let gone = self
            .device_write(w, check, |c, project, uuid| {
                Ok(entities::delete_device(c, project, uuid)?.then_some(()))
            })
            .await?;
        Ok(gone.is_some())
    }

    /// One device write in one transaction: the caller re-checked, `check` shown the device
    /// (None when missing), `change` applied when it exists, and the audit row written when
    /// `change` did something (Some).
    async fn device_write<T: Send + 'static, E>(
        &self,
        w: DeviceWrite,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
        change: impl FnOnce(&Connection, &str, &str) -> rusqlite::Result<Option<T>> + Send + 'static,
    ) -> Result<Option<T>, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        self.write(move |c| {
            caller_live(c, w.caller.as_deref())?;
            let dev = entities::device(c, &w.project, &w.uuid).map_err(StoreError::from)?;
            check(dev.as_ref())?;
            if dev.is_none() {
                return Ok(None);
            }
            let done = change(c, &w.project, &w.uuid).map_err(StoreError::from)?;
            if let (Some(r), Some(_)) = (&w.audit, &done) {
                audit::record(c, r, crate::model::clock::now(), audit::OK)?;
            }
            Ok(done)
        })
        .await
    }
}
