//! [`Tx`] on PostgreSQL, over a tokio-postgres transaction (writes) or a pooled client (reads).
//!
//! The locks that keep the guarantees of this backend's module docs:
//! - [`Tx::caller`]: `FOR SHARE` on the caller's token row and `FOR KEY SHARE` on its user's
//!   row, so a write is ordered against any revoke of the caller (the revoke's `UPDATE` locks
//!   the token row) and any disable of its user (whose trigger locks the user row
//!   `FOR UPDATE`, pg/schema.rs). The user lock is weaker than a capped create's
//!   `FOR NO KEY UPDATE` of the same row, so the two never deadlock.
//! - [`Tx::user_exists`] with [`UserLock::ForCap`]: `FOR NO KEY UPDATE` on the user row, so two
//!   capped creates of one user cannot both count below the cap.
//! - `…_for_update`: `FOR UPDATE` on the token (or device) a write replaces: a second revoke or
//!   refresh with the same secret waits, then finds the row revoked.
//! - Admin changes (issue 17): a change that may take an admin away (demote, disable,
//!   remove) first locks every enabled admin `FOR NO KEY UPDATE` in name order
//!   ([`Tx::enabled_admins_for_update`]), before its caller check, then the user changed
//!   ([`Tx::user_for_update`]): two such changes serialize and the second sees the first (the
//!   last enabled admin stays). Taking the admin locks before the caller check's `FOR KEY
//!   SHARE` of its own user matters: two admins disabling each other would otherwise each
//!   hold a key share the other's disable (`FOR UPDATE` of the row, by its trigger) waits for
//!   (a deadlock, `store_admin_two_admins_disabling_each_other`). Tokens about to be revoked
//!   by a user or project removal are locked `FOR UPDATE` as a revoke locks its token.

use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use crate::model::EntityRef;
use crate::model::admin::Member;
use crate::model::wire::{AuditEntry, DeviceInfo, FleetInfo, ProjectInfo, UserInfo};

use super::super::audit::{AuditFilter, Record};
use super::super::entities::DeviceQuery;
use super::super::tokens::{
    AuthRow, NewToken, Paging, RefreshRow, TokenFilter, TokenKey, TokenRow,
};
use super::super::tx::{CallerRow, ProjectGone, Res, Tx, UserFields, UserLock, UsersQuery};
use super::errors::classify;
use super::tokens::exec;
use super::{admin, audit, entities, tokens};

/// `pg_advisory_xact_lock` key for the first-start bootstrap ("tt-boot!").
const BOOTSTRAP_LOCK: i64 = 0x7474_2d62_6f6f_7421;

/// A transaction (or, for reads, a pooled client).
pub struct PgTx<'a, C> {
    c: &'a C,
}

impl<'a, C: GenericClient> PgTx<'a, C> {
    pub fn new(c: &'a C) -> PgTx<'a, C> {
        PgTx { c }
    }

    async fn exists(&self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> Res<bool> {
        Ok(self
            .c
            .query_opt(sql, args)
            .await
            .map_err(classify)?
            .is_some())
    }

    async fn one<T>(&self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> Res<T>
    where
        T: for<'r> tokio_postgres::types::FromSql<'r>,
    {
        let row = self.c.query_one(sql, args).await.map_err(classify)?;
        row.try_get(0).map_err(classify)
    }
}

impl<C: GenericClient> Tx for PgTx<'_, C> {
    async fn caller(&self, token_id: &str) -> Res<Option<CallerRow>> {
        let sql = "SELECT t.revoked_at IS NOT NULL, t.expiry, u.disabled FROM tokens t \
                   JOIN users u ON u.username = t.username WHERE t.token_id = $1 \
                   FOR SHARE OF t FOR KEY SHARE OF u";
        let Some(row) = self
            .c
            .query_opt(sql, &[&token_id])
            .await
            .map_err(classify)?
        else {
            return Ok(None);
        };
        Ok(Some(CallerRow {
            revoked: row.try_get(0).map_err(classify)?,
            expiry: row.try_get(1).map_err(classify)?,
            disabled: Some(row.try_get(2).map_err(classify)?),
        }))
    }
    async fn user_exists(&self, username: &str, lock: UserLock) -> Res<bool> {
        let sql = match lock {
            UserLock::ForCap => "SELECT 1 FROM users WHERE username = $1 FOR NO KEY UPDATE",
            UserLock::Read => "SELECT 1 FROM users WHERE username = $1",
        };
        self.exists(sql, &[&username]).await
    }
    async fn user(&self, username: &str) -> Res<Option<UserInfo>> {
        entities::user(self.c, username).await
    }
    async fn user_count(&self) -> Res<i64> {
        self.one("SELECT count(*) FROM users", &[]).await
    }
    async fn users(&self, q: UsersQuery<'_>) -> Res<Vec<UserInfo>> {
        entities::users(self.c, q).await
    }
    async fn is_member(&self, username: &str, project: &str) -> Res<bool> {
        let sql = "SELECT 1 FROM memberships WHERE username = $1 AND project_key = $2";
        self.exists(sql, &[&username, &project]).await
    }
    async fn project_exists(&self, key: &str) -> Res<bool> {
        let sql = "SELECT 1 FROM projects WHERE project_key = $1";
        self.exists(sql, &[&key]).await
    }
    async fn projects(&self) -> Res<Vec<ProjectInfo>> {
        entities::projects(self.c).await
    }
    async fn fleet_exists(&self, project: &str, fleet: &str) -> Res<bool> {
        let sql = "SELECT 1 FROM fleets WHERE project_key = $1 AND name = $2";
        self.exists(sql, &[&project, &fleet]).await
    }
    async fn fleets(&self, project: &str) -> Res<Vec<FleetInfo>> {
        entities::fleets(self.c, project).await
    }
    async fn insert_user(&self, u: &UserInfo) -> Res<()> {
        entities::insert_user(self.c, u).await.map(drop)
    }
    async fn add_membership(&self, username: &str, project: &str) -> Res<()> {
        let sql = "INSERT INTO memberships (username, project_key) VALUES ($1, $2) \
                   ON CONFLICT DO NOTHING";
        exec(self.c, sql, &[&username, &project]).await.map(drop)
    }
    async fn insert_project(&self, p: &ProjectInfo) -> Res<()> {
        let sql = "INSERT INTO projects (project_key, display_name, description) \
                   VALUES ($1, $2, $3)";
        let args: [&(dyn ToSql + Sync); 3] = [&p.project_key, &p.display_name, &p.description];
        exec(self.c, sql, &args).await.map(drop)
    }
    async fn insert_fleet(&self, project: &str, name: &str) -> Res<()> {
        let sql = "INSERT INTO fleets (project_key, name) VALUES ($1, $2)";
        exec(self.c, sql, &[&project, &name]).await.map(drop)
    }

    async fn device_exists(&self, project: &str, uuid: &str) -> Res<bool> {
        let sql = "SELECT 1 FROM devices WHERE project_key = $1 AND device_uuid = $2";
        self.exists(sql, &[&project, &uuid]).await
    }
    async fn device(&self, project: &str, uuid: &str) -> Res<Option<DeviceInfo>> {
        entities::device(self.c, project, uuid, false).await
    }
    async fn device_for_update(&self, project: &str, uuid: &str) -> Res<Option<DeviceInfo>> {
        entities::device(self.c, project, uuid, true).await
    }
    async fn devices(&self, project: &str, q: &DeviceQuery) -> Res<Vec<DeviceInfo>> {
        entities::devices(self.c, project, q).await
    }
    async fn insert_device(&self, d: &DeviceInfo) -> Res<()> {
        entities::insert_device(self.c, d).await.map(drop)
    }
    async fn write_device(&self, d: &DeviceInfo) -> Res<()> {
        entities::write_device(self.c, d).await.map(drop)
    }
    async fn delete_device(&self, project: &str, uuid: &str) -> Res<bool> {
        let sql = "DELETE FROM devices WHERE project_key = $1 AND device_uuid = $2";
        Ok(exec(self.c, sql, &[&project, &uuid]).await? == 1)
    }

    async fn insert_token(&self, t: &NewToken, refresh_hash: Option<&[u8; 32]>) -> Res<()> {
        tokens::insert(self.c, t, refresh_hash).await
    }
    async fn live_count(&self, username: &str, now: i64, cap: u32) -> Res<u32> {
        tokens::live_count(self.c, username, now, cap).await
    }
    async fn live_token(&self, key: TokenKey<'_>) -> Res<Option<TokenRow>> {
        tokens::live(self.c, key, false).await
    }
    async fn live_token_for_update(&self, key: TokenKey<'_>) -> Res<Option<TokenRow>> {
        tokens::live(self.c, key, true).await
    }
    async fn refresh_row_for_update(&self, hash: &[u8; 32]) -> Res<Option<RefreshRow>> {
        tokens::refresh_row_for_update(self.c, hash).await
    }
    /// The epoch_token_revoked trigger bumps the epoch and queues the NOTIFY, delivered at
    /// commit.
    async fn revoke(&self, token_id: &str, at: i64) -> Res<bool> {
        let sql = "UPDATE tokens SET revoked_at = $2 WHERE token_id = $1 AND revoked_at IS NULL";
        Ok(exec(self.c, sql, &[&token_id, &at]).await? > 0)
    }
    async fn set_chain_start(&self, token_id: &str, start: i64) -> Res<()> {
        let sql = "UPDATE tokens SET chain_issued_at = $2 WHERE token_id = $1";
        exec(self.c, sql, &[&token_id, &start]).await.map(drop)
    }
    async fn touch_last_used(&self, token_id: &str, now: i64) -> Res<()> {
        let sql = "UPDATE tokens SET last_used = $2 WHERE token_id = $1 \
                   AND (last_used IS NULL OR last_used < $2)";
        exec(self.c, sql, &[&token_id, &now]).await.map(drop)
    }
    async fn note_last_use(
        &self,
        token_id: &str,
        now: i64,
        source: Option<&str>,
        agent: Option<&str>,
    ) -> Res<()> {
        let sql = "UPDATE tokens SET last_used = $2, last_source = $3, last_agent = $4 \
                   WHERE token_id = $1 AND (last_used IS NULL OR last_used <= $2)";
        exec(self.c, sql, &[&token_id, &now, &source, &agent])
            .await
            .map(drop)
    }
    async fn auth_by_hash(&self, hash: &[u8; 32]) -> Res<Option<AuthRow>> {
        tokens::auth_by_hash(self.c, hash).await
    }
    async fn tokens(&self, filter: &TokenFilter, paging: &Paging) -> Res<Vec<TokenRow>> {
        tokens::list(self.c, filter, paging).await
    }
    async fn count_tokens(&self, filter: &TokenFilter) -> Res<u64> {
        tokens::count(self.c, filter).await
    }

    async fn record(&self, r: &Record, at: i64, result: &str) -> Res<i64> {
        audit::record(self.c, r, at, result).await
    }
    async fn audit_add_count(&self, seq: i64, n: u64) -> Res<()> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let sql = "UPDATE audit SET count = count + $2 WHERE seq = $1";
        exec(self.c, sql, &[&seq, &n]).await.map(drop)
    }
    async fn audit(&self, f: &AuditFilter, limit: u32) -> Res<Vec<AuditEntry>> {
        audit::list(self.c, f, limit).await
    }
    async fn audit_prune(&self, before: i64) -> Res<usize> {
        let sql = "DELETE FROM audit WHERE at < $1";
        Ok(exec(self.c, sql, &[&before]).await? as usize)
    }
    async fn meta(&self, key: &str) -> Res<Option<String>> {
        let sql = "SELECT value FROM meta WHERE key = $1";
        let row = self.c.query_opt(sql, &[&key]).await.map_err(classify)?;
        row.map(|r| r.try_get(0)).transpose().map_err(classify)
    }
    async fn set_meta(&self, key: &str, value: &str, replace: bool) -> Res<()> {
        let sql = if replace {
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        } else {
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        };
        exec(self.c, sql, &[&key, &value]).await.map(drop)
    }
    async fn default_expiry(&self) -> Res<Option<i64>> {
        let sql = "SELECT default_expiry FROM settings WHERE id = 0";
        let row = self.c.query_opt(sql, &[]).await.map_err(classify)?;
        Ok(row
            .map(|r| r.try_get::<_, Option<i64>>(0))
            .transpose()
            .map_err(classify)?
            .flatten())
    }
    async fn set_default_expiry(&self, secs: Option<i64>) -> Res<()> {
        let sql = "UPDATE settings SET default_expiry = $1 WHERE id = 0";
        exec(self.c, sql, &[&secs]).await.map(drop)
    }
    /// Serialized across replicas by a transaction-scoped advisory lock: the second replica
    /// waits, then finds users and applies nothing.
    async fn lock_bootstrap(&self) -> Res<()> {
        let sql = "SELECT pg_advisory_xact_lock($1)";
        exec(self.c, sql, &[&BOOTSTRAP_LOCK]).await.map(drop)
    }
    /// Prepared once per pooled connection: every request runs it (parse and plan were most of
    /// its cost on the server).
    async fn revocation_epoch(&self) -> Res<u64> {
        let stmt = self
            .c
            .prepare_cached("SELECT epoch FROM revocation_epoch")
            .await
            .map_err(classify)?;
        let epoch: i64 = self.c.query_one(&stmt, &[]).await.map_err(classify)?.get(0);
        Ok(epoch as u64)
    }
    async fn webhook_rotated(&self, old: &str, new: &str) -> Res<()> {
        super::outbox::rotated(self.c, old, new).await
    }

    async fn user_for_update(&self, username: &str) -> Res<Option<UserInfo>> {
        let row = self
            .c
            .query_opt(
                "SELECT username, email, admin, status, realm FROM users WHERE username = $1 \
                 FOR NO KEY UPDATE",
                &[&username],
            )
            .await
            .map_err(classify)?;
        row.as_ref()
            .map(entities::user_row)
            .transpose()
            .map_err(classify)
    }
    async fn enabled_admins_for_update(&self) -> Res<Vec<String>> {
        admin::enabled_admins_for_update(self.c).await
    }
    async fn add_user(&self, username: &str, email: Option<&str>, is_admin: bool) -> Res<bool> {
        admin::add_user(self.c, username, email, is_admin).await
    }
    async fn update_user(&self, username: &str, f: UserFields<'_>) -> Res<()> {
        admin::update_user(self.c, username, f).await
    }
    async fn delete_user(&self, username: &str) -> Res<()> {
        admin::delete_user(self.c, username).await
    }
    async fn live_tokens_of_user(&self, username: &str, now: i64) -> Res<Vec<TokenRow>> {
        admin::live_tokens_of_user(self.c, username, now).await
    }
    async fn live_tokens_naming(
        &self,
        target: &EntityRef,
        now: i64,
        lock: bool,
    ) -> Res<Vec<TokenRow>> {
        admin::live_tokens_naming(self.c, target, now, lock).await
    }
    async fn project(&self, key: &str) -> Res<Option<ProjectInfo>> {
        admin::project(self.c, key).await
    }
    async fn add_project(&self, p: &ProjectInfo) -> Res<bool> {
        admin::add_project(self.c, p).await
    }
    async fn delete_project(&self, key: &str) -> Res<ProjectGone> {
        admin::delete_project(self.c, key).await
    }
    async fn members(&self, project: &str) -> Res<Vec<Member>> {
        admin::members(self.c, project).await
    }
    async fn member_roles(&self, username: &str, project: &str) -> Res<Option<Vec<String>>> {
        admin::member_roles(self.c, username, project).await
    }
    async fn put_member(&self, username: &str, project: &str, roles: &[String]) -> Res<()> {
        admin::put_member(self.c, username, project, roles).await
    }
    async fn delete_membership(&self, username: &str, project: &str) -> Res<bool> {
        let sql = "DELETE FROM memberships WHERE username = $1 AND project_key = $2";
        Ok(exec(self.c, sql, &[&username, &project]).await? == 1)
    }
    async fn add_fleet(&self, project: &str, name: &str) -> Res<bool> {
        let sql = "INSERT INTO fleets (project_key, name) VALUES ($1, $2) ON CONFLICT DO NOTHING";
        Ok(exec(self.c, sql, &[&project, &name]).await? == 1)
    }
    async fn delete_fleet(&self, project: &str, name: &str) -> Res<u64> {
        admin::delete_fleet(self.c, project, name).await
    }
    async fn count_devices(&self, project: &str, fleet: Option<&str>) -> Res<u64> {
        admin::count_devices(self.c, project, fleet).await
    }
    async fn fleet_device_ids(&self, project: &str, fleet: &str) -> Res<Vec<String>> {
        admin::fleet_device_ids(self.c, project, fleet).await
    }
    async fn add_device(&self, d: &DeviceInfo) -> Res<bool> {
        admin::add_device(self.c, d).await
    }
    async fn devices_among(&self, project: &str, ids: &[String]) -> Res<Vec<DeviceInfo>> {
        admin::devices_among(self.c, project, ids).await
    }
    async fn upsert_devices(&self, project: &str, rows: &[DeviceInfo]) -> Res<()> {
        admin::upsert_devices(self.c, project, rows).await
    }
}
