//! [`Tx`] on SQLite: each primitive is one statement on the connection a job was given (the
//! writer's, inside its `BEGIN IMMEDIATE` batch and the job's savepoint, or a reader's).
//! Nothing here awaits: [`ready`] drives a rule to its end with one poll.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use rusqlite::{Connection, OptionalExtension, params};

use crate::model::EntityRef;
use crate::model::admin::Member;
use crate::model::wire::{AuditEntry, DeviceInfo, FleetInfo, ProjectInfo, UserInfo};
use crate::service::error::StoreError;

use super::super::audit::{AuditFilter, Record};
use super::super::entities::DeviceQuery;
use super::super::tokens::{
    AuthRow, NewToken, Paging, RefreshRow, TokenFilter, TokenKey, TokenRow,
};
use super::super::tx::{CallerRow, ProjectGone, Res, Tx, UserFields, UserLock, UsersQuery};
use super::{admin, audit, entities, tokens};

/// The connection of one job.
pub struct SqliteTx<'c> {
    conn: &'c Connection,
}

impl<'c> SqliteTx<'c> {
    pub fn new(conn: &'c Connection) -> SqliteTx<'c> {
        SqliteTx { conn }
    }
}

/// Runs a rule over [`SqliteTx`] to its end on the calling thread (the writer thread or a
/// reader): its primitives never await, so one poll finishes it. A rule that awaited
/// something else would be a bug: it is refused, never blocked on.
pub fn ready<T, E: From<StoreError>>(rule: impl Future<Output = Result<T, E>>) -> Result<T, E> {
    match pin!(rule).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(E::from(StoreError::Task(
            "a SQLite rule awaited something other than its connection".into(),
        ))),
    }
}

fn exists(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> Res<bool> {
    Ok(conn.prepare_cached(sql)?.exists(args)?)
}

impl Tx for SqliteTx<'_> {
    async fn caller(&self, token_id: &str) -> Res<Option<CallerRow>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT revoked_at IS NOT NULL, expiry, \
                 (SELECT disabled FROM users u WHERE u.username = tokens.username) \
                 FROM tokens WHERE token_id = ?1",
            )?
            .query_row([token_id], |r| {
                Ok(CallerRow {
                    revoked: r.get(0)?,
                    expiry: r.get(1)?,
                    disabled: r.get(2)?,
                })
            })
            .optional()?;
        Ok(row)
    }
    async fn user_exists(&self, username: &str, _lock: UserLock) -> Res<bool> {
        exists(
            self.conn,
            "SELECT 1 FROM users WHERE username = ?1",
            [username],
        )
    }
    async fn user(&self, username: &str) -> Res<Option<UserInfo>> {
        Ok(entities::user(self.conn, username)?)
    }
    async fn user_count(&self) -> Res<i64> {
        Ok(entities::user_count(self.conn)?)
    }
    async fn users(&self, q: UsersQuery<'_>) -> Res<Vec<UserInfo>> {
        Ok(entities::users(self.conn, q)?)
    }
    async fn is_member(&self, username: &str, project: &str) -> Res<bool> {
        Ok(entities::is_member(self.conn, username, project)?)
    }
    async fn project_exists(&self, key: &str) -> Res<bool> {
        Ok(entities::project_exists(self.conn, key)?)
    }
    async fn projects(&self) -> Res<Vec<ProjectInfo>> {
        Ok(entities::projects(self.conn)?)
    }
    async fn fleet_exists(&self, project: &str, fleet: &str) -> Res<bool> {
        Ok(entities::fleet_exists(self.conn, project, fleet)?)
    }
    async fn fleets(&self, project: &str) -> Res<Vec<FleetInfo>> {
        Ok(entities::fleets(self.conn, project)?)
    }
    async fn insert_user(&self, u: &UserInfo) -> Res<()> {
        Ok(entities::insert_user(self.conn, u)?)
    }
    async fn add_membership(&self, username: &str, project: &str) -> Res<()> {
        Ok(entities::add_membership(self.conn, username, project)?)
    }
    async fn insert_project(&self, p: &ProjectInfo) -> Res<()> {
        Ok(entities::insert_project(self.conn, p)?)
    }
    async fn insert_fleet(&self, project: &str, name: &str) -> Res<()> {
        Ok(entities::insert_fleet(self.conn, project, name)?)
    }

    async fn device_exists(&self, project: &str, uuid: &str) -> Res<bool> {
        Ok(entities::device_exists(self.conn, project, uuid)?)
    }
    async fn device(&self, project: &str, uuid: &str) -> Res<Option<DeviceInfo>> {
        Ok(entities::device(self.conn, project, uuid)?)
    }
    async fn device_for_update(&self, project: &str, uuid: &str) -> Res<Option<DeviceInfo>> {
        self.device(project, uuid).await
    }
    async fn devices(&self, project: &str, q: &DeviceQuery) -> Res<Vec<DeviceInfo>> {
        Ok(entities::devices(self.conn, project, q)?)
    }
    async fn insert_device(&self, d: &DeviceInfo) -> Res<()> {
        Ok(entities::insert_device(self.conn, d)?)
    }
    async fn write_device(&self, d: &DeviceInfo) -> Res<()> {
        Ok(entities::write_device(self.conn, d)?)
    }
    async fn delete_device(&self, project: &str, uuid: &str) -> Res<bool> {
        Ok(entities::delete_device(self.conn, project, uuid)?)
    }

    async fn insert_token(&self, t: &NewToken, refresh_hash: Option<&[u8; 32]>) -> Res<()> {
        Ok(tokens::insert_with(self.conn, t, refresh_hash)?)
    }
    async fn live_count(&self, username: &str, now: i64, cap: u32) -> Res<u32> {
        Ok(tokens::live_count(self.conn, username, now, cap)?)
    }
    async fn live_token(&self, key: TokenKey<'_>) -> Res<Option<TokenRow>> {
        Ok(match key {
            TokenKey::Id(id) => tokens::by_id(self.conn, id)?,
            TokenKey::SecretHash(hash) => tokens::live_by_hash(self.conn, hash)?,
        })
    }
    async fn live_token_for_update(&self, key: TokenKey<'_>) -> Res<Option<TokenRow>> {
        self.live_token(key).await
    }
    async fn refresh_row_for_update(&self, hash: &[u8; 32]) -> Res<Option<RefreshRow>> {
        Ok(tokens::by_refresh_hash(self.conn, hash)?)
    }
    async fn revoke(&self, token_id: &str, at: i64) -> Res<bool> {
        Ok(tokens::revoke(self.conn, token_id, at)?)
    }
    async fn set_chain_start(&self, token_id: &str, start: i64) -> Res<()> {
        Ok(tokens::set_chain_start(self.conn, token_id, start)?)
    }
    async fn touch_last_used(&self, token_id: &str, now: i64) -> Res<()> {
        Ok(tokens::touch_last_used(self.conn, token_id, now)?)
    }
    async fn note_last_use(
        &self,
        token_id: &str,
        now: i64,
        source: Option<&str>,
        agent: Option<&str>,
    ) -> Res<()> {
        self.conn
            .prepare_cached(
                "UPDATE tokens SET last_used = ?2, last_source = ?3, last_agent = ?4 \
                 WHERE token_id = ?1 AND (last_used IS NULL OR last_used <= ?2)",
            )?
            .execute(rusqlite::params![token_id, now, source, agent])?;
        Ok(())
    }
    async fn auth_by_hash(&self, hash: &[u8; 32]) -> Res<Option<AuthRow>> {
        Ok(tokens::auth_by_hash(self.conn, hash)?)
    }
    async fn tokens(&self, filter: &TokenFilter, paging: &Paging) -> Res<Vec<TokenRow>> {
        Ok(tokens::list(self.conn, filter, paging)?)
    }
    async fn count_tokens(&self, filter: &TokenFilter) -> Res<u64> {
        Ok(tokens::count(self.conn, filter)?)
    }

    async fn record(&self, r: &Record, at: i64, result: &str) -> Res<i64> {
        audit::record(self.conn, r, at, result)
    }
    async fn audit_add_count(&self, seq: i64, n: u64) -> Res<()> {
        audit::add_count(self.conn, seq, n)
    }
    async fn audit(&self, f: &AuditFilter, limit: u32) -> Res<Vec<AuditEntry>> {
        audit::list(self.conn, f, limit)
    }
    async fn audit_prune(&self, before: i64) -> Res<usize> {
        audit::prune(self.conn, before)
    }
    async fn meta(&self, key: &str) -> Res<Option<String>> {
        let value = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        Ok(value)
    }
    async fn set_meta(&self, key: &str, value: &str, replace: bool) -> Res<()> {
        let sql = if replace {
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"
        } else {
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)"
        };
        self.conn
            .prepare_cached(sql)?
            .execute(params![key, value])?;
        Ok(())
    }
    async fn default_expiry(&self) -> Res<Option<i64>> {
        let value = self
            .conn
            .prepare_cached("SELECT default_expiry FROM settings WHERE id = 0")?
            .query_row([], |r| r.get(0))
            .optional()?;
        Ok(value.flatten())
    }
    async fn set_default_expiry(&self, secs: Option<i64>) -> Res<()> {
        self.conn
            .prepare_cached("UPDATE settings SET default_expiry = ?1 WHERE id = 0")?
            .execute([secs])?;
        Ok(())
    }
    async fn lock_bootstrap(&self) -> Res<()> {
        Ok(())
    }
    async fn revocation_epoch(&self) -> Res<u64> {
        Ok(crate::service::revocation::current_epoch(self.conn)?)
    }
    async fn webhook_rotated(&self, old: &str, new: &str) -> Res<()> {
        Ok(super::outbox::rotated(self.conn, old, new)?)
    }

    async fn user_for_update(&self, username: &str) -> Res<Option<UserInfo>> {
        self.user(username).await
    }
    async fn enabled_admins_for_update(&self) -> Res<Vec<String>> {
        Ok(admin::enabled_admins(self.conn)?)
    }
    async fn add_user(&self, username: &str, email: Option<&str>, is_admin: bool) -> Res<bool> {
        Ok(admin::add_user(self.conn, username, email, is_admin)?)
    }
    async fn update_user(&self, username: &str, f: UserFields<'_>) -> Res<()> {
        Ok(admin::update_user(self.conn, username, f)?)
    }
    async fn delete_user(&self, username: &str) -> Res<()> {
        Ok(admin::delete_user(self.conn, username)?)
    }
    async fn live_tokens_of_user(&self, username: &str, now: i64) -> Res<Vec<TokenRow>> {
        Ok(admin::live_tokens_of_user(self.conn, username, now)?)
    }
    async fn live_tokens_naming(
        &self,
        target: &EntityRef,
        now: i64,
        _lock: bool,
    ) -> Res<Vec<TokenRow>> {
        Ok(admin::live_tokens_naming(self.conn, target, now)?)
    }
    async fn project(&self, key: &str) -> Res<Option<ProjectInfo>> {
        Ok(admin::project(self.conn, key)?)
    }
    async fn add_project(&self, p: &ProjectInfo) -> Res<bool> {
        Ok(admin::add_project(self.conn, p)?)
    }
    async fn delete_project(&self, key: &str) -> Res<ProjectGone> {
        Ok(admin::delete_project(self.conn, key)?)
    }
    async fn members(&self, project: &str) -> Res<Vec<Member>> {
        Ok(admin::members(self.conn, project)?)
    }
    async fn member_roles(&self, username: &str, project: &str) -> Res<Option<Vec<String>>> {
        Ok(admin::member_roles(self.conn, username, project)?)
    }
    async fn put_member(&self, username: &str, project: &str, roles: &[String]) -> Res<()> {
        Ok(admin::put_member(self.conn, username, project, roles)?)
    }
    async fn delete_membership(&self, username: &str, project: &str) -> Res<bool> {
        Ok(admin::delete_membership(self.conn, username, project)?)
    }
    async fn add_fleet(&self, project: &str, name: &str) -> Res<bool> {
        Ok(admin::add_fleet(self.conn, project, name)?)
    }
    async fn delete_fleet(&self, project: &str, name: &str) -> Res<u64> {
        Ok(admin::delete_fleet(self.conn, project, name)?)
    }
    async fn count_devices(&self, project: &str, fleet: Option<&str>) -> Res<u64> {
        Ok(admin::count_devices(self.conn, project, fleet)?)
    }
    async fn fleet_device_ids(&self, project: &str, fleet: &str) -> Res<Vec<String>> {
        Ok(admin::fleet_device_ids(self.conn, project, fleet)?)
    }
    async fn add_device(&self, d: &DeviceInfo) -> Res<bool> {
        Ok(admin::add_device(self.conn, d)?)
    }
    async fn devices_among(&self, project: &str, ids: &[String]) -> Res<Vec<DeviceInfo>> {
        Ok(admin::devices_among(self.conn, project, ids)?)
    }
    async fn upsert_devices(&self, project: &str, rows: &[DeviceInfo]) -> Res<()> {
        Ok(admin::upsert_devices(self.conn, project, rows)?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::audit::OK;
    use super::super::super::rules::reads;
    use super::super::audit::{add_count, prune, record};
    use super::super::schema::migrate;
    use super::*;
    use crate::model::sanitize::MAX_RECORDED_CHARS;

    /// One page through the rule the service runs (the primitive fetches, the rule cuts).
    fn list(
        c: &Connection,
        f: &AuditFilter,
        limit: u32,
    ) -> Result<(Vec<AuditEntry>, Option<i64>), StoreError> {
        ready(reads::audit(&SqliteTx::new(c), f, limit))
    }

    #[test]
    fn lists_newest_first_with_filters_and_pages_and_prunes() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        for i in 0..5i64 {
            let r = Record {
                actor: if i % 2 == 0 { "admin" } else { "alice" }.into(),
                actor_token_id: "t0".into(),
                action: "create",
                token_id: Some(format!("t{i}")),
                ..Record::default()
            };
            record(&c, &r, 100 + i, OK).unwrap();
        }
        let (page, next) = list(&c, &AuditFilter::default(), 2).unwrap();
        assert_eq!(page.iter().map(|e| e.time).collect::<Vec<_>>(), [104, 103]);
        let f = AuditFilter {
            before_seq: next,
            ..AuditFilter::default()
        };
        let (page, _) = list(&c, &f, 2).unwrap();
        assert_eq!(page[0].time, 102);
        let f = AuditFilter {
            actor: Some("alice".into()),
            since: Some(102),
            ..AuditFilter::default()
        };
        let (page, next) = list(&c, &f, 10).unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(next, None);
        assert_eq!(page[0].count, 1);
        let seq = page[0].id;
        add_count(&c, seq, 41).unwrap();
        let f = AuditFilter {
            actor: Some("alice".into()),
            ..AuditFilter::default()
        };
        let (page, _) = list(&c, &f, 10).unwrap();
        assert_eq!(page.iter().find(|e| e.id == seq).unwrap().count, 42);
        assert_eq!(prune(&c, 103).unwrap(), 3);
        assert_eq!(list(&c, &AuditFilter::default(), 10).unwrap().0.len(), 2);
    }

    #[test]
    fn stored_fields_are_escaped_and_capped() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        let r = Record {
            actor: "admin".into(),
            actor_token_id: "t0".into(),
            action: "revoke",
            token_id: Some(format!("\x1b]52;c;{}", "x".repeat(60_000))),
            ..Record::default()
        };
        record(&c, &r, 1, OK).unwrap();
        let (rows, _) = list(&c, &AuditFilter::default(), 1).unwrap();
        let stored = rows[0].token_id.as_deref().unwrap();
        assert!(stored.starts_with("\\u{1b}]52;c;xxx"), "{stored}");
        assert!(
            stored.chars().count() < MAX_RECORDED_CHARS + 32,
            "{}",
            stored.len()
        );
        assert!(!stored.chars().any(crate::model::sanitize::is_unsafe_char));
    }
}
