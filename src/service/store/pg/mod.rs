//! [`super::backend::Db`] on PostgreSQL: tokio-postgres + a deadpool pool, TLS with rustls,
//! for any number of `serve` replicas sharing one database as stateless peers.
//!
//! # Revocation across replicas: why no stale request slips through
//!
//! The rule: once a revoke is acknowledged by any replica, the next request on every replica
//! that presents the token is refused, and a write acting for it is refused.
//!
//! 1. A revoke is acknowledged only after its transaction committed (`UPDATE tokens SET
//!    revoked_at …`, and in the same transaction a trigger bumps `revocation_epoch` and queues
//!    `pg_notify('tokentab_revoked', epoch)`, delivered at commit).
//! 2. Validity is read after the request arrived, as on SQLite ([`crate::service::revocation`]
//!    has the rule and its proof): the request first reads `revocation_epoch` (one
//!    primary-key statement), then either uses a principal cached under exactly that epoch or
//!    reads the token row by its secret hash (`Tx::auth_by_hash`) and caches it under the
//!    epoch read *before* it. Under READ COMMITTED each statement sees every transaction
//!    committed before it started, so a request that starts after the acknowledgment reads an
//!    epoch at least the revoke's: no entry read before the revoke matches it, and a fresh row
//!    read sees `revoked_at`. The cache saves PostgreSQL the token row, user and membership
//!    read (the costly part); the epoch read is the one round trip every request pays, and a
//!    device GET pays none of its own: its one statement returns the epoch beside the device
//!    (`epoch_reads.rs`; one statement, one snapshot; "One statement for both" in
//!    [`crate::service::revocation`]). Concurrent device GETs share that statement: one
//!    statement reads a batch of them, and every request of a batch was queued before the
//!    statement was sent, so it too began after each of them arrived (`device_batch.rs`).
//! 3. A write (create, refresh, revoke by id or by value, device PATCH/DELETE) re-checks its
//!    caller inside its own transaction with `SELECT … FOR SHARE` on the caller's token row and
//!    `FOR KEY SHARE` on its user's row (refused when revoked, unknown, expired, or the user
//!    disabled or deleted; a disable locks that row `FOR UPDATE`, so it is ordered against the
//!    check the same way). A revoke's `UPDATE` of the token row
//!    locks that row too, so the two are ordered: either the revoke committed first (the
//!    `FOR SHARE` re-reads the newest row version, sees `revoked_at`, and the write is refused
//!    with 401) or the write holds the lock first (the revoke waits until the write commits,
//!    so the write was acknowledged before the revoke was: it is not a stale request).
//! 4. LISTEN/NOTIFY ([`listen`]) is for caches only: each replica keeps a dedicated
//!    connection listening on `tokentab_revoked` and publishes a counter
//!    ([`PgDb::revocations`]) that changes on every notification and on every reconnect of
//!    that connection (notifications may have been missed while it was down), so anything
//!    derived from token rows can be dropped promptly (the service empties its auth cache on
//!    each change). Correctness never waits on it: a NOTIFY
//!    arrives after the commit and could lose a race with the next request, which is why 2
//!    and 3 do not depend on it.
//!
//! Keyset cursors are values of the rows (sort key + `seq`), not positions or server state,
//! so a cursor from one replica is valid on any other; both backends make and read them with
//! the same code (`store/tokens.rs`).
//! `last_used` is only ever raised (`GREATEST`), so a slow replica's update never moves it
//! back.
//!
//! Files, laid out as `sqlite/`: `tx.rs` (the primitives, and the locks that keep the
//! guarantees above), `tokens.rs`, `entities.rs`, `audit.rs` (their SQL), `schema.rs`
//! (migrations); PostgreSQL's own: `errors.rs` (what a failure means: 503 or an error),
//! `listen.rs` (LISTEN/NOTIFY), `tls.rs`, `device_batch.rs` (device GETs read in batches, on
//! [`device_batch::IN_FLIGHT`] connections of their own beside the pool's [`POOL_SIZE`]).

mod admin;
mod audit;
mod changes;
mod device_batch;
mod entities;
mod epoch_reads;
mod errors;
pub mod listen;
mod outbox;
mod schema;
mod tls;
mod tokens;
mod tx;

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio::sync::watch;

use crate::service::error::StoreError;

use super::health::WriteHealth;
use super::target::PgTarget;
use super::work::PoolUse;

use errors::classify;
use errors::pool_error;
pub use tx::PgTx;

/// Most pooled connections per replica.
pub const POOL_SIZE: usize = 16;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a request waits for a pooled connection before it is answered 503.
const WAIT_TIMEOUT: Duration = Duration::from_secs(5);

pub struct PgDb {
    pool: Pool,
    epoch: watch::Receiver<u64>,
    listener: tokio::task::JoinHandle<()>,
    health: WriteHealth,
    /// Batches concurrent device reads into one statement ([`device_batch`]).
    devices: device_batch::DeviceBatcher,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

/// The driver's configuration for `t`, password included (never logged).
fn driver_config(t: &PgTarget) -> Result<tokio_postgres::Config, StoreError> {
    let mut cfg = tokio_postgres::Config::new();
    cfg.user(&t.user)
        .host(&t.host)
        .port(t.port)
        .dbname(&t.dbname)
        .application_name("tokentab")
        .connect_timeout(CONNECT_TIMEOUT)
        .ssl_mode(match t.sslmode {
            super::target::SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            _ => tokio_postgres::config::SslMode::Require,
        });
    if let Some(p) = t.password()? {
        cfg.password(p.as_bytes());
    }
    if let Some(s) = &t.schema {
        cfg.options(format!("-c search_path={s}"));
    }
    Ok(cfg)
}

/// A pool of at most `size` connections made with `cfg`.
fn make_pool(
    cfg: tokio_postgres::Config,
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    size: usize,
) -> Result<Pool, StoreError> {
    let manager_cfg = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = match tls {
        Some(tls) => Manager::from_config(cfg, tls, manager_cfg),
        None => Manager::from_config(cfg, tokio_postgres::NoTls, manager_cfg),
    };
    Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .wait_timeout(Some(WAIT_TIMEOUT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|e| StoreError::Config(format!("PostgreSQL pool: {e}")))
}

impl PgDb {
    /// Connects, migrates (once across replicas: advisory lock) and starts the revocation
    /// listener.
    pub async fn connect(t: &PgTarget) -> Result<PgDb, StoreError> {
        let cfg = driver_config(t)?;
        let tls = tls::connector(t)?;
        let pool = make_pool(cfg.clone(), tls.clone(), POOL_SIZE)?;
        {
            let mut client = pool.get().await.map_err(pool_error)?;
            let client: &mut tokio_postgres::Client = &mut client;
            let applied = schema::migrate(client, t.schema.as_deref()).await?;
            if applied > 0 {
                tracing::info!(db = %t, migrations = applied, "migrated the PostgreSQL schema");
            }
        }
        let devices = device_batch::DeviceBatcher::start(make_pool(
            device_batch::session(cfg.clone()),
            tls.clone(),
            device_batch::IN_FLIGHT,
        )?);
        let (epoch, listener) = listen::start(cfg, tls);
        Ok(PgDb {
            devices,
            pool,
            epoch,
            listener,
            health: WriteHealth::new(None),
        })
    }

    async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// Runs `f` over a pooled client (each statement sees what was committed before it).
    pub async fn read<T, E: From<StoreError>>(
        &self,
        f: impl AsyncFnOnce(&PgTx<'_, Object>) -> Result<T, E>,
    ) -> Result<T, E> {
        let client = self.client().await?;
        f(&PgTx::new(&client)).await
    }

    /// Runs `f`'s one statement on a pooled client, where it commits on its own (no
    /// `BEGIN`/`COMMIT` round trips for a single write).
    pub async fn write_one<T, E: From<StoreError>>(
        &self,
        f: impl AsyncFnOnce(&PgTx<'_, Object>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.read(f).await
    }

    /// Runs `f` in one transaction, committed when it returns Ok (and only then answered),
    /// rolled back when it returns Err.
    pub async fn write<T, E: From<StoreError>>(
        &self,
        f: impl AsyncFnOnce(&PgTx<'_, deadpool_postgres::Transaction<'_>>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        let out = f(&PgTx::new(&tx)).await?;
        tx.commit().await.map_err(classify)?;
        Ok(out)
    }

    /// The revocation epoch now (bumped by triggers in every revoking transaction).
    pub async fn revocation_epoch(&self) -> Result<u64, StoreError> {
        use super::tx::Tx;
        self.read(async |tx| tx.revocation_epoch().await).await
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .query_one("SELECT 1", &[])
            .await
            .map_err(classify)
            .map(drop)
    }

    pub fn health(&self) -> &WriteHealth {
        &self.health
    }

    pub fn pool_use(&self) -> PoolUse {
        let s = self.pool.status();
        PoolUse {
            in_use: s.size.saturating_sub(s.available),
            max: s.max_size,
        }
    }

    pub fn revocations(&self) -> watch::Receiver<u64> {
        self.epoch.clone()
    }
}
