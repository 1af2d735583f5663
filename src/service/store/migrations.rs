//! Embedded schema migrations, tracked with `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use crate::service::error::StoreError;

/// Each entry moves the schema from version `i` to `i + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    username TEXT PRIMARY KEY,
    email    TEXT,
    admin    INTEGER NOT NULL DEFAULT 0,
    status   TEXT NOT NULL DEFAULT 'enabled',
    realm    TEXT NOT NULL DEFAULT 'internal'
) WITHOUT ROWID;

CREATE TABLE projects (
    project_key  TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    description  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE memberships (
    username    TEXT NOT NULL REFERENCES users(username),
    project_key TEXT NOT NULL REFERENCES projects(project_key),
    PRIMARY KEY (username, project_key)
) WITHOUT ROWID;

CREATE TABLE fleets (
    project_key TEXT NOT NULL REFERENCES projects(project_key),
    name        TEXT NOT NULL,
    PRIMARY KEY (project_key, name)
) WITHOUT ROWID;

CREATE TABLE devices (
    project_key   TEXT NOT NULL,
    device_uuid   TEXT NOT NULL,
    device_name   TEXT NOT NULL,
    fleet         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '[]',
    device_ip     TEXT,
    agent_version TEXT,
    PRIMARY KEY (project_key, device_uuid),
    FOREIGN KEY (project_key, fleet) REFERENCES fleets(project_key, name)
) WITHOUT ROWID;
CREATE INDEX devices_fleet ON devices(project_key, fleet, device_uuid);

CREATE TABLE tokens (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id    TEXT NOT NULL UNIQUE,
    secret_hash BLOB NOT NULL UNIQUE,
    username    TEXT NOT NULL REFERENCES users(username),
    scope       TEXT NOT NULL,
    audience    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    project_key TEXT,
    refreshable INTEGER NOT NULL DEFAULT 0,
    issued_at   INTEGER NOT NULL,
    expiry      INTEGER,
    last_used   INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX tokens_live_created ON tokens(issued_at, seq) WHERE revoked_at IS NULL;
CREATE INDEX tokens_live_user ON tokens(username, seq) WHERE revoked_at IS NULL;
CREATE INDEX tokens_live_expiry ON tokens(COALESCE(expiry, 9223372036854775807), seq)
    WHERE revoked_at IS NULL;
"#,
    // Keyset paging by expiry needs a plain column to seek on (an expression index is only
    // scanned for row-value comparisons).
    r#"
DROP INDEX tokens_live_expiry;
ALTER TABLE tokens ADD COLUMN expiry_order INTEGER
    GENERATED ALWAYS AS (COALESCE(expiry, 9223372036854775807)) VIRTUAL;
CREATE INDEX tokens_live_expiry ON tokens(expiry_order, seq) WHERE revoked_at IS NULL;
"#,
];

pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let target = MIGRATIONS.len() as i64;
    loop {
        // IMMEDIATE takes the write lock before the version is read: processes opening a new
        // file together migrate it once (the others wait, then find it current).
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current > target {
            return Err(StoreError::TooNew(current));
        }
        let Some(sql) = MIGRATIONS.get(current as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
    }
}
