//! The transaction primitives every rule is written over ([`super::rules`]), and that each
//! backend implements once: `sqlite/tx.rs` over a `rusqlite::Connection` (inside the writer
//! thread's `BEGIN IMMEDIATE` batch, or on a reader), `pg/tx.rs` over a tokio-postgres
//! transaction (or a pooled client, for reads).
//!
//! A primitive is one statement's worth of work with no decision in it; where the backends
//! must lock differently, the primitive says what it is for (`…_for_update`, [`UserLock`]) and
//! each backend takes the locks that guarantee it (PostgreSQL: the row locks its module docs
//! list; SQLite: nothing more, its one writer holds the database's write lock).
//!
//! `async fn` in a trait used only generically (`T: Tx`), never behind `dyn`: no boxing. The
//! SQLite implementation never awaits, so its writer thread drives a rule with one poll
//! ([`super::sqlite::ready`]).

use crate::model::EntityRef;
use crate::model::admin::Member;
use crate::model::wire::{AuditEntry, DeviceInfo, FleetInfo, ProjectInfo, UserInfo};
use crate::service::error::StoreError;

use super::audit::{AuditFilter, Record};
use super::entities::DeviceQuery;
use super::tokens::{AuthRow, NewToken, Paging, RefreshRow, TokenFilter, TokenKey, TokenRow};

pub type Res<T> = Result<T, StoreError>;

/// How a create reads its user's row. PostgreSQL locks it `FOR NO KEY UPDATE` for a capped
/// create, so that two capped creates of one user cannot both count below the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserLock {
    Read,
    ForCap,
}

/// What the caller re-check reads of the acting token (None: no such token; PostgreSQL also
/// when its user row is gone). PostgreSQL reads it `FOR SHARE` (and its user `FOR KEY SHARE`),
/// ordering the write against any revoke or disable of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerRow {
    pub revoked: bool,
    pub expiry: Option<i64>,
    /// None: the user row is gone.
    pub disabled: Option<bool>,
}

/// One users page: names containing `contains`, after `after`, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct UsersQuery<'a> {
    pub contains: Option<&'a str>,
    pub after: Option<&'a str>,
    pub limit: u32,
    /// Only disabled (`Some(true)`) or only enabled (`Some(false)`) users.
    pub disabled: Option<bool>,
}

/// What a user update stores (every field, as the rule decided them).
#[derive(Debug, Clone, Copy)]
pub struct UserFields<'a> {
    pub email: Option<&'a str>,
    pub admin: bool,
    pub disabled: bool,
}

/// What went with a deleted project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectGone {
    pub members: u64,
    pub devices: u64,
    pub fleets: u64,
}

pub(crate) trait Tx {
    // ---- the caller, users, memberships, projects, fleets -----------------------------------
    async fn caller(&self, token_id: &str) -> Res<Option<CallerRow>>;
    async fn user_exists(&self, username: &str, lock: UserLock) -> Res<bool>;
    async fn user(&self, username: &str) -> Res<Option<UserInfo>>;
    async fn user_count(&self) -> Res<i64>;
    async fn users(&self, q: UsersQuery<'_>) -> Res<Vec<UserInfo>>;
    async fn is_member(&self, username: &str, project: &str) -> Res<bool>;
    async fn project_exists(&self, key: &str) -> Res<bool>;
    async fn projects(&self) -> Res<Vec<ProjectInfo>>;
    async fn fleet_exists(&self, project: &str, fleet: &str) -> Res<bool>;
    async fn fleets(&self, project: &str) -> Res<Vec<FleetInfo>>;
    async fn insert_user(&self, u: &UserInfo) -> Res<()>;
    async fn add_membership(&self, username: &str, project: &str) -> Res<()>;
    async fn insert_project(&self, p: &ProjectInfo) -> Res<()>;
    async fn insert_fleet(&self, project: &str, name: &str) -> Res<()>;

    // ---- devices ------------------------------------------------------------------------------
    async fn device_exists(&self, project: &str, uuid: &str) -> Res<bool>;
    async fn device(&self, project: &str, uuid: &str) -> Res<Option<DeviceInfo>>;
    /// The device a write is about to change (PostgreSQL: locked `FOR UPDATE`).
    async fn device_for_update(&self, project: &str, uuid: &str) -> Res<Option<DeviceInfo>>;
    /// Devices of one page, `q.limit + 1` at most (the rule cuts the page).
    async fn devices(&self, project: &str, q: &DeviceQuery) -> Res<Vec<DeviceInfo>>;
    async fn insert_device(&self, d: &DeviceInfo) -> Res<()>;
    /// Stores `d`'s description and tags.
    async fn write_device(&self, d: &DeviceInfo) -> Res<()>;
    /// Whether a row went.
    async fn delete_device(&self, project: &str, uuid: &str) -> Res<bool>;

    // ---- tokens -------------------------------------------------------------------------------
    async fn insert_token(&self, t: &NewToken, refresh_hash: Option<&[u8; 32]>) -> Res<()>;
    /// Live (not revoked, not expired) tokens of `username`, counted up to `cap`.
    async fn live_count(&self, username: &str, now: i64, cap: u32) -> Res<u32>;
    /// A live token by id or secret hash (no lock: a read).
    async fn live_token(&self, key: TokenKey<'_>) -> Res<Option<TokenRow>>;
    /// The live token a revoke is about to change (PostgreSQL: locked `FOR UPDATE`, so a second
    /// revoke or refresh waits and then finds it revoked).
    async fn live_token_for_update(&self, key: TokenKey<'_>) -> Res<Option<TokenRow>>;
    /// The live token behind a refresh secret, locked as [`Tx::live_token_for_update`].
    async fn refresh_row_for_update(&self, hash: &[u8; 32]) -> Res<Option<RefreshRow>>;
    /// Marks a live token revoked at `at`; whether it was live.
    async fn revoke(&self, token_id: &str, at: i64) -> Res<bool>;
    async fn set_chain_start(&self, token_id: &str, start: i64) -> Res<()>;
    /// `last_used = max(last_used, now)`.
    async fn touch_last_used(&self, token_id: &str, now: i64) -> Res<()>;
    /// `last_used = now` with the use's address and agent, unless a later use is stored
    /// (issue 20 item 5).
    async fn note_last_use(
        &self,
        token_id: &str,
        now: i64,
        source: Option<&str>,
        agent: Option<&str>,
    ) -> Res<()>;
    /// The token behind a secret's hash, revoked or not, with what authentication needs.
    async fn auth_by_hash(&self, hash: &[u8; 32]) -> Res<Option<AuthRow>>;
    /// `limit + 1` rows at most: `TokenPage::cut` makes the page.
    async fn tokens(&self, filter: &TokenFilter, paging: &Paging) -> Res<Vec<TokenRow>>;
    async fn count_tokens(&self, filter: &TokenFilter) -> Res<u64>;

    // ---- audit trail, meta, bootstrap ----------------------------------------------------------
    /// One audit row at `at` with `result` (a count of 1); its row number.
    async fn record(&self, r: &Record, at: i64, result: &str) -> Res<i64>;
    async fn audit_add_count(&self, seq: i64, n: u64) -> Res<()>;
    /// Newest first, `limit + 1` at most.
    async fn audit(&self, f: &AuditFilter, limit: u32) -> Res<Vec<AuditEntry>>;
    async fn audit_prune(&self, before: i64) -> Res<usize>;
    async fn meta(&self, key: &str) -> Res<Option<String>>;
    /// Sets `key`; `replace: false` keeps a value already there.
    async fn set_meta(&self, key: &str, value: &str, replace: bool) -> Res<()>;
    /// The stored default lifetime of a create without `expires_in` (issue 20; None: the serve
    /// default).
    async fn default_expiry(&self) -> Res<Option<i64>>;
    async fn set_default_expiry(&self, secs: Option<i64>) -> Res<()>;
    /// Serializes first starts across processes (PostgreSQL: an advisory lock held until the
    /// transaction ends; SQLite: the writer already holds the write lock).
    async fn lock_bootstrap(&self) -> Res<()>;
    async fn revocation_epoch(&self) -> Res<u64>;
    /// Issue 20 item 4: a refresh replaced `old` by `new`: their outbox events become one
    /// `token.rotated` (store/outbox.rs). Nothing when webhooks are off (no rows).
    async fn webhook_rotated(&self, old: &str, new: &str) -> Res<()>;

    // ---- admin writes (issue 17) ----------------------------------------------------------------
    /// The user a change is about (PostgreSQL: locked `FOR NO KEY UPDATE`).
    async fn user_for_update(&self, username: &str) -> Res<Option<UserInfo>>;
    /// Names of the enabled admins, by name. PostgreSQL locks them `FOR NO KEY UPDATE` (in name
    /// order): two transactions that each take an admin away serialize here, so the second
    /// sees the first's change and the last enabled admin stays.
    async fn enabled_admins_for_update(&self) -> Res<Vec<String>>;
    /// Inserts an enabled internal user; false when the name is taken.
    async fn add_user(&self, username: &str, email: Option<&str>, admin: bool) -> Res<bool>;
    async fn update_user(&self, username: &str, f: UserFields<'_>) -> Res<()>;
    /// Deletes the user's memberships, its token rows and the user.
    async fn delete_user(&self, username: &str) -> Res<()>;
    /// Live (not revoked, not expired at `now`) tokens of `username` (PostgreSQL: locked
    /// `FOR UPDATE`, as a revoke locks its token).
    async fn live_tokens_of_user(&self, username: &str, now: i64) -> Res<Vec<TokenRow>>;
    /// Live tokens that may name `target`: a superset (scope text `LIKE`; for a project also
    /// `project_key`, and any fleet or device in it) that the rule narrows by parsing each
    /// scope. `lock`: PostgreSQL locks them `FOR UPDATE` (they are about to be revoked).
    async fn live_tokens_naming(
        &self,
        target: &EntityRef,
        now: i64,
        lock: bool,
    ) -> Res<Vec<TokenRow>>;
    async fn project(&self, key: &str) -> Res<Option<ProjectInfo>>;
    /// False when the key is taken.
    async fn add_project(&self, p: &ProjectInfo) -> Res<bool>;
    /// Deletes the project's memberships, devices, fleets and the project.
    async fn delete_project(&self, key: &str) -> Res<ProjectGone>;
    /// Members of a project by name, with their roles.
    async fn members(&self, project: &str) -> Res<Vec<Member>>;
    /// A member's roles; None when not a member.
    async fn member_roles(&self, username: &str, project: &str) -> Res<Option<Vec<String>>>;
    /// Adds the membership or replaces its roles.
    async fn put_member(&self, username: &str, project: &str, roles: &[String]) -> Res<()>;
    /// Whether a membership went.
    async fn delete_membership(&self, username: &str, project: &str) -> Res<bool>;
    /// False when the fleet exists.
    async fn add_fleet(&self, project: &str, name: &str) -> Res<bool>;
    /// Deletes the fleet's devices and the fleet; how many devices went.
    async fn delete_fleet(&self, project: &str, name: &str) -> Res<u64>;
    /// Devices of a project, or of one of its fleets.
    async fn count_devices(&self, project: &str, fleet: Option<&str>) -> Res<u64>;
    async fn fleet_device_ids(&self, project: &str, fleet: &str) -> Res<Vec<String>>;
    /// False when the id is taken in the project.
    async fn add_device(&self, d: &DeviceInfo) -> Res<bool>;
    /// The devices of `project` among `ids`.
    async fn devices_among(&self, project: &str, ids: &[String]) -> Res<Vec<DeviceInfo>>;
    /// Inserts each device or, when its id exists in `project`, replaces its name, fleet, tags
    /// and description (address and agent version stay).
    async fn upsert_devices(&self, project: &str, rows: &[DeviceInfo]) -> Res<()>;
}
