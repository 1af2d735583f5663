//! Storage: one interface ([`backend::Db`]), two backends (SQLite for one machine,
//! PostgreSQL for any number of `serve` replicas), every business rule written once.
//!
//! # Layout
//!
//! - [`backend`]: `enum Db { Sqlite, Postgres }`, static dispatch (its module docs say why an
//!   enum). Each operation is "open a transaction on this backend, run a rule, commit".
//! - [`rules`]: the business rules (create with its checks and caps, refresh, revoke by id and
//!   by value, device writes, bootstrap and entity writes, paged reads), each one generic
//!   function over [`tx::Tx`]. A new rule (user or fleet management, a bulk revoke, an outbox)
//!   is one more function there, and runs on both backends.
//! - [`tx`]: the trait of transaction primitives (one statement each, no decision in them).
//!   Where the backends must lock differently the primitive is named for its intent
//!   (`device_for_update`, `refresh_row_for_update`, [`tx::UserLock`]) and each backend keeps
//!   its own guarantee: PostgreSQL takes the row locks its module docs list, SQLite's single
//!   writer needs none.
//! - [`sqlite`] and [`pg`], laid out alike: `mod.rs` (the handle: connections, `read` /
//!   `write` running a rule in a transaction), `tx.rs` (the primitives), `tokens.rs`,
//!   `entities.rs`, `audit.rs` (the SQL behind them), `schema.rs` (migrations); besides,
//!   SQLite's `store.rs` (writer thread, group commit, WAL) and `files.rs`, PostgreSQL's
//!   `errors.rs`, `listen.rs` and `tls.rs`.
//! - Shared types, used by the rules, both backends and the routes: [`work`] (what a unit of
//!   work takes and answers), [`tokens`] (token rows, filters, the keyset cursor), [`audit`]
//!   (audit records), [`entities`] (device queries), [`refresh`] (refresh limits);
//!   [`health`] and [`disk`] (write health, SQLite's free-disk floor), [`target`] (which
//!   database).
//!
//! # How a rule runs
//!
//! `async fn` in [`tx::Tx`], used only generically (no `dyn`, no boxing). On PostgreSQL the
//! rule is awaited inside a tokio-postgres transaction and committed after. On SQLite the
//! primitives are synchronous calls on the job's `rusqlite::Connection`, and the writer thread
//! runs the rule's future with one poll ([`sqlite::ready`]); the writer thread, group commit,
//! savepoints and WAL management are unchanged. Imports run one way: rules never import a
//! backend, backends never import [`backend`].

pub mod admin;
pub mod audit;
pub mod backend;
mod backend_admin;
mod backend_bulk;
mod backend_changes;
mod backend_outbox;
mod backend_settings;
pub mod changes;
pub mod disk;
pub mod entities;
mod epoch_reads;
pub mod health;
pub mod outbox;
pub mod pg;
pub mod refresh;
mod rules;
pub mod sqlite;
pub mod target;
pub mod tokens;
mod tx;

pub use rules::bulk_revoke::BulkRevoke;
pub mod work;
