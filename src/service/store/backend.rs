//! One storage interface, two backends: [`Db`] is SQLite (one machine) or PostgreSQL (any
//! number of `serve` replicas on one database).
//!
//! Why an enum and not a trait object: with two backends known at compile time, a `match` per
//! call is static dispatch and the futures stay unboxed (an `async fn` behind `dyn` needs a
//! `Box<dyn Future>` per call on the hot path), and the router state stays one concrete type
//! (a generic `S: Storage` would spread a type parameter over every handler). The conformance
//! suite (`tests/it/store_conformance.rs`) still runs one body against both.
//!
//! The types a unit of work takes and answers live in [`super::work`].
//!
//! Every operation the routes, bootstrap and seed use is here, at the level of one request's
//! unit of work: a write that checks something first ("the device exists and the caller may
//! patch it", "the user and every scope target exist") is one operation, run in one
//! transaction on either backend, with the check handed in as a closure. Each is the same
//! text for both backends ([`run!`]): open a transaction on this backend, run the rule of
//! [`super::rules`] (or one primitive of [`super::tx::Tx`]) over it, commit.
//!
//! Writes that act for a caller take its token id (`caller`) and re-check, inside their own
//! transaction, that the token is still live: [`StoreError::CallerRevoked`] otherwise. Each
//! backend's module docs say why no revoked caller can slip through.

use std::path::Path;

use crate::model::wire::{AuditEntry, DeviceInfo, DevicePatch, FleetInfo, ProjectInfo, UserInfo};
use crate::service::error::StoreError;

use super::audit::{AuditFilter, Record};
use super::entities::DeviceQuery;
use super::health::{Failed, WriteHealth};
use super::pg::PgDb;
use super::rules::revoke::{RevokeIf, RevokeKey};
use super::rules::{create, devices, entities, reads, refresh, revoke};
use super::sqlite::{Access, SqliteDb};
use super::target::DbTarget;
use super::tokens::{
    AuthRow, Order, Paging, TokenCursor, TokenFilter, TokenKey, TokenPage, TokenRow,
};
use super::tx::{Tx, UsersQuery};

pub use super::work::{
    CreateCheck, CreateToken, DeviceWrite, PoolUse, Refresh, Refreshed, RevokeOutcome, Write,
};

pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgDb),
}

/// `run!(self, how, |tx| body)`: `body` (an expression over `tx: &impl Tx`, the same text
/// for both backends) run as a `read`, a `point` read (lookups by key only: SQLite runs it on
/// the calling task, [`Access::Point`]; PostgreSQL as any read), a `write` (one transaction)
/// or a `write_one` (a single statement: PostgreSQL runs it without `BEGIN`/`COMMIT`; SQLite
/// as any write). The closure owns what it uses: SQLite runs reads and writes on other threads.
macro_rules! run {
    ($self:ident, point, |$tx:ident| $body:expr) => {
        run!(@ $self, Point, read, |$tx| $body)
    };
    ($self:ident, read, |$tx:ident| $body:expr) => {
        run!(@ $self, Read, read, |$tx| $body)
    };
    ($self:ident, write, |$tx:ident| $body:expr) => {
        run!(@ $self, Write, write, |$tx| $body)
    };
    ($self:ident, write_one, |$tx:ident| $body:expr) => {
        run!(@ $self, Write, write_one, |$tx| $body)
    };
    (@ $self:ident, $access:ident, $pg:ident, |$tx:ident| $body:expr) => {
        match $self {
            Db::Sqlite(db) => db.run(Access::$access, async move |$tx| $body).await,
            Db::Postgres(db) => db.$pg(async move |$tx| $body).await,
        }
    };
}
/// For the admin operations' file (`backend_admin.rs`): it needs `Db` and `Access` in scope.
pub(super) use run;

/// A revoke: `rule` run over a clone of `req` (`run!(self, write, …)`), once more when it
/// failed because the disk is full and the revocation reserve was just deleted to make room.
macro_rules! revoke_into_reserve {
    ($self:ident, $rule:path, $req:expr) => {{
        let req = $req;
        let mut retried = false;
        loop {
            let once = req.clone();
            let out = run!($self, write, |tx| $rule(tx, once).await);
            if !std::mem::replace(&mut retried, true) && $self.reserve_released_for(&out) {
                continue;
            }
            break $self.health().record(out);
        }
    }};
}

impl Db {
    /// Opens (creating and migrating when needed) the database `target` names. On PostgreSQL
    /// the migrations run under an advisory lock, so replicas starting together migrate once.
    pub async fn open(target: &DbTarget) -> Result<Db, StoreError> {
        match target {
            DbTarget::Sqlite(path) => SqliteDb::open(path).await.map(Db::Sqlite),
            DbTarget::Postgres(t) => PgDb::connect(t).await.map(Db::Postgres),
        }
    }

    /// Opens a SQLite file (the embedded service and the default of `serve`).
    pub async fn open_sqlite(path: &Path) -> Result<Db, StoreError> {
        SqliteDb::open(path).await.map(Db::Sqlite)
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Readiness: Ok when a query round-trips (SQLite: and the file is still where it was).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(db) => db.ping().await,
            Db::Postgres(db) => db.ping().await,
        }
    }

    /// Whether writes work, and (SQLite) the disk and file behind them: see
    /// [`super::health`]. Every write below reports its outcome there.
    pub fn health(&self) -> &WriteHealth {
        match self {
            Db::Sqlite(db) => db.health(),
            Db::Postgres(db) => db.health(),
        }
    }

    /// A tiny write (a `meta` row) whose outcome goes to [`Db::health`]: `/readyz` tries one
    /// while writes are failing, so that it turns ready again once they work.
    pub async fn probe_write(&self) -> Result<(), StoreError> {
        self.apply(vec![Write::Meta {
            key: "write_probe".into(),
            value: crate::model::clock::now().to_string(),
        }])
        .await
    }

    pub fn pool_use(&self) -> PoolUse {
        match self {
            Db::Sqlite(db) => db.pool_use(),
            Db::Postgres(db) => db.pool_use(),
        }
    }

    /// Revocations committed by any process (PostgreSQL: LISTEN/NOTIFY), as a counter that
    /// changes whenever caches derived from token rows must be dropped. None on SQLite, where
    /// the validity check per request does the whole job (issue 8's design).
    pub fn revocations(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        match self {
            Db::Sqlite(_) => None,
            Db::Postgres(db) => Some(db.revocations()),
        }
    }

    /// The stored revocation epoch: it grows in the same transaction as every revoke, user
    /// admin/name change and membership change, on both backends (triggers).
    pub async fn revocation_epoch(&self) -> Result<u64, StoreError> {
        run!(self, point, |tx| tx.revocation_epoch().await)
    }

    // ---- meta and bootstrap ------------------------------------------------------------

    /// The stored service id; `candidate` is stored first when there is none. Every replica
    /// gets the same answer.
    pub async fn service_id(&self, candidate: String) -> Result<String, StoreError> {
        let out = run!(self, write_one, |tx| entities::service_id(tx, &candidate)
            .await);
        self.health().record(out)
    }

    /// Applies `batch` in one transaction only if the database has no user yet; true when
    /// applied. Replicas starting together on an empty database apply it exactly once.
    pub async fn apply_if_empty(&self, batch: Vec<Write>) -> Result<bool, StoreError> {
        let out = run!(self, write, |tx| entities::apply_if_empty(tx, &batch).await);
        self.health().record(out)
    }

    /// Applies `batch` in one transaction.
    pub async fn apply(&self, batch: Vec<Write>) -> Result<(), StoreError> {
        let out = run!(self, write, |tx| entities::apply(tx, &batch).await);
        self.health().record(out)
    }

    /// A `meta` value.
    pub async fn meta(&self, key: String) -> Result<Option<String>, StoreError> {
        run!(self, point, |tx| tx.meta(&key).await)
    }

    // ---- audit trail -----------------------------------------------------------------------

    /// One row in a transaction of its own (a refused request); its row number.
    pub async fn audit_record(
        &self,
        record: Record,
        at: i64,
        result: String,
    ) -> Result<i64, StoreError> {
        let out = run!(self, write_one, |tx| tx.record(&record, at, &result).await);
        self.health().record(out)
    }

    /// Adds `n` to row `seq`'s count (aggregated refusals).
    pub async fn audit_add_count(&self, seq: i64, n: u64) -> Result<(), StoreError> {
        let out = run!(self, write_one, |tx| tx.audit_add_count(seq, n).await);
        self.health().record(out)
    }

    /// Newest first, at most `limit`; the second value is the cursor while more remain.
    pub async fn audit_list(
        &self,
        filter: AuditFilter,
        limit: u32,
    ) -> Result<(Vec<AuditEntry>, Option<i64>), StoreError> {
        run!(self, read, |tx| reads::audit(tx, &filter, limit).await)
    }

    /// Deletes rows older than `before`; how many went.
    pub async fn audit_prune(&self, before: i64) -> Result<usize, StoreError> {
        let out = run!(self, write_one, |tx| tx.audit_prune(before).await);
        self.health().record(out)
    }

    // ---- tokens --------------------------------------------------------------------------

    /// Inserts the token when its user, its project and every scope target exist (and a
    /// limited request's rules hold), in one transaction that also re-checks the caller.
    /// Refused with [`StoreError::LowDisk`] under the free-disk floor.
    pub async fn create_token(&self, req: CreateToken) -> Result<CreateCheck, StoreError> {
        self.health().room_to_grow()?;
        let out = run!(self, write, |tx| create::create(tx, &req).await);
        self.health().record(out)
    }

    /// See [`Refresh`]; None when there is no such live refreshable token of that user.
    /// Refused with [`StoreError::LowDisk`] under the free-disk floor.
    pub async fn refresh_token(&self, req: Refresh) -> Result<Option<Refreshed>, StoreError> {
        self.health().room_to_grow()?;
        let out = run!(self, write, |tx| refresh::refresh(tx, req).await);
        self.health().record(out)
    }

    /// A live token by the hash of its secret.
    pub async fn live_token_by_hash(&self, hash: [u8; 32]) -> Result<Option<TokenRow>, StoreError> {
        run!(self, point, |tx| tx
            .live_token(TokenKey::SecretHash(&hash))
            .await)
    }

    /// Revokes the live token whose secret hashes to `hash` if `may(row)` allows, re-checking
    /// `caller`; its id when revoked, None when unknown, revoked or refused. `audit` (with the
    /// token's id and description filled in) is written with the revoke. Runs into the
    /// revocation reserve when the disk is full, as [`Db::revoke_token_if`].
    pub async fn revoke_by_hash_if(
        &self,
        hash: [u8; 32],
        now: i64,
        caller: Option<String>,
        may: impl FnOnce(&TokenRow) -> bool + Clone + Send + 'static,
        audit: Option<Record>,
    ) -> Result<Option<String>, StoreError> {
        let req = RevokeIf {
            key: RevokeKey::SecretHash(hash),
            now,
            caller,
            may,
            audit,
        };
        revoke_into_reserve!(self, revoke::revoke_found_if, req)
    }

    /// True when `out` says the disk is full and the revocation reserve was just deleted to
    /// make room: the revoke is then tried once more.
    fn reserve_released_for<T>(&self, out: &Result<T, StoreError>) -> bool {
        matches!(out, Err(e) if e.is_out_of_space()) && self.health().release_reserve()
    }

    /// Live tokens matching `filter` (the `total` of a first page).
    pub async fn count_tokens(&self, filter: TokenFilter) -> Result<u64, StoreError> {
        run!(self, read, |tx| tx.count_tokens(&filter).await)
    }

    /// The token behind a secret's hash, revoked or not, with what authentication needs.
    pub async fn auth_by_hash(&self, hash: [u8; 32]) -> Result<Option<AuthRow>, StoreError> {
        run!(self, point, |tx| tx.auth_by_hash(&hash).await)
    }

    /// A live token by id.
    pub async fn token_by_id(&self, id: String) -> Result<Option<TokenRow>, StoreError> {
        run!(self, point, |tx| tx.live_token(TokenKey::Id(&id)).await)
    }

    /// Revokes the live token `id` if `may(row)` says so, in one transaction that re-checks
    /// `caller` (when given). Acknowledged = committed: every later request sees it. `audit`
    /// is written in the same transaction whatever the outcome
    /// ([`RevokeOutcome::audit_result`]; the description filled in when the token was found).
    ///
    /// No free-disk floor applies. When the write fails for lack of space (another process
    /// filled the disk to zero), the revocation reserve ([`super::disk`]) is deleted and the
    /// revoke tried once more, into that room.
    pub async fn revoke_token_if(
        &self,
        id: String,
        now: i64,
        caller: Option<String>,
        may: impl FnOnce(&TokenRow) -> bool + Clone + Send + 'static,
        audit: Option<Record>,
    ) -> Result<RevokeOutcome, StoreError> {
        let req = RevokeIf {
            key: RevokeKey::Id(id),
            now,
            caller,
            may,
            audit,
        };
        revoke_into_reserve!(self, revoke::revoke_if, req)
    }

    /// `last_used = max(last_used, now)`: a late or slow update never moves it back. Skipped
    /// under the free-disk floor (the room is kept for revokes).
    pub async fn touch_last_used(&self, id: String, now: i64) -> Result<(), StoreError> {
        if self.health().room_to_grow().is_err() {
            return Ok(());
        }
        let out = run!(self, write_one, |tx| tx.touch_last_used(&id, now).await);
        self.health().record(out)
    }

    /// One page of live tokens; cursors are the same opaque keyset values on both backends.
    pub async fn list_tokens(
        &self,
        filter: TokenFilter,
        order: Order,
        limit: Option<u32>,
        after: Option<TokenCursor>,
    ) -> Result<TokenPage, StoreError> {
        let paging = Paging {
            order,
            limit,
            after,
        };
        run!(self, read, |tx| reads::tokens(tx, &filter, &paging).await)
    }

    // ---- users, projects, fleets ----------------------------------------------------------

    pub async fn user(&self, username: String) -> Result<Option<UserInfo>, StoreError> {
        run!(self, point, |tx| tx.user(&username).await)
    }

    pub async fn user_count(&self) -> Result<i64, StoreError> {
        run!(self, read, |tx| tx.user_count().await)
    }

    /// Users by name after `after`, whose name contains `contains`, only disabled ones
    /// (`disabled: Some(true)`) or only enabled ones (`Some(false)`); and the next cursor.
    pub async fn users_page(
        &self,
        contains: Option<String>,
        after: Option<String>,
        limit: u32,
        disabled: Option<bool>,
    ) -> Result<(Vec<UserInfo>, Option<String>), StoreError> {
        run!(self, read, |tx| {
            let q = UsersQuery {
                contains: contains.as_deref(),
                after: after.as_deref(),
                limit,
                disabled,
            };
            reads::users(tx, q).await
        })
    }

    pub async fn projects(&self) -> Result<Vec<ProjectInfo>, StoreError> {
        run!(self, read, |tx| tx.projects().await)
    }

    pub async fn project_exists(&self, key: String) -> Result<bool, StoreError> {
        run!(self, point, |tx| tx.project_exists(&key).await)
    }

    /// None when the project does not exist.
    pub async fn fleets(&self, project: String) -> Result<Option<Vec<FleetInfo>>, StoreError> {
        run!(self, read, |tx| reads::fleets(tx, &project).await)
    }

    // ---- devices ---------------------------------------------------------------------------

    pub async fn device(
        &self,
        project: String,
        uuid: String,
    ) -> Result<Option<DeviceInfo>, StoreError> {
        run!(self, point, |tx| tx.device(&project, &uuid).await)
    }

    /// One page ordered by device id and the `after` of the next; None when the project does
    /// not exist.
    pub async fn devices_page(
        &self,
        project: String,
        query: DeviceQuery,
    ) -> Result<Option<(Vec<DeviceInfo>, Option<String>)>, StoreError> {
        run!(self, read, |tx| reads::devices(tx, &project, &query).await)
    }

    /// Applies `patch` if `check(device)` allows it (it sees None for a missing device), in
    /// one transaction that re-checks the caller and writes the audit row when a row changed.
    /// Ok(None): missing and `check` let it pass.
    pub async fn update_device_if<E>(
        &self,
        w: DeviceWrite,
        patch: DevicePatch,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
    ) -> Result<Option<DeviceInfo>, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        let check = move |d: Option<&DeviceInfo>| check(d).map_err(Failed::Check);
        let out = run!(self, write, |tx| devices::update_if(tx, &w, &patch, check)
            .await);
        self.health().record_device(out)
    }

    /// Deletes the device if `check(device)` allows it; when a row went (and then the audit
    /// row is written in the same transaction), how many live tokens named the device.
    pub async fn delete_device_if<E>(
        &self,
        w: DeviceWrite,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
    ) -> Result<Option<u64>, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        let check = move |d: Option<&DeviceInfo>| check(d).map_err(Failed::Check);
        let out = run!(self, write, |tx| devices::delete_if(tx, &w, check).await);
        self.health().record_device(out)
    }
}
