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
    // Revocation epoch (see service/revocation.rs): bumped by triggers in the same transaction
    // as anything that can make a cached principal wrong, whoever writes it. Refresh tokens are
    // kept as SHA-256 hashes like access tokens.
    r#"
CREATE TABLE revocation_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 0),
    epoch INTEGER NOT NULL
);
INSERT INTO revocation_epoch (id, epoch) VALUES (0, 0);
CREATE TRIGGER epoch_token_revoked AFTER UPDATE OF revoked_at ON tokens
    WHEN NEW.revoked_at IS NOT OLD.revoked_at
    BEGIN UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 0; END;
CREATE TRIGGER epoch_token_deleted AFTER DELETE ON tokens
    BEGIN UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 0; END;
CREATE TRIGGER epoch_token_changed AFTER UPDATE OF secret_hash, username, scope, expiry ON tokens
    BEGIN UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 0; END;
CREATE TRIGGER epoch_user_changed AFTER UPDATE OF admin, username ON users
    BEGIN UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 0; END;
CREATE TRIGGER epoch_user_deleted AFTER DELETE ON users
    BEGIN UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 0; END;
CREATE TRIGGER epoch_membership_deleted AFTER DELETE ON memberships
    BEGIN UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 0; END;
CREATE TRIGGER epoch_membership_added AFTER INSERT ON memberships
    BEGIN UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 0; END;
ALTER TABLE tokens ADD COLUMN refresh_hash BLOB;
CREATE UNIQUE INDEX tokens_refresh ON tokens(refresh_hash) WHERE refresh_hash IS NOT NULL;
"#,
    // Audit trail (store/audit.rs): one row per token or device change, written in the
    // change's own transaction. No secret or hash column, ever.
    r#"
CREATE TABLE audit (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    at              INTEGER NOT NULL,
    actor           TEXT NOT NULL,
    actor_token_id  TEXT NOT NULL,
    action          TEXT NOT NULL,
    target_token_id TEXT,
    description     TEXT,
    device          TEXT,
    source          TEXT,
    result          TEXT NOT NULL
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_target ON audit(target_token_id, seq);
CREATE INDEX audit_actor ON audit(actor, seq);
"#,
    // Refusals are aggregated (service/abuse/refusal_trail.rs): one row per actor token, action and
    // result per minute, with how many times it happened.
    r#"
ALTER TABLE audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
"#,
    // Version 6 (issue 15): a user can be disabled; a disabled (or deleted) user's tokens are
    // refused, so the flag bumps the revocation epoch like a revoke. `status` mirrors it both
    // ways (either column may be set by hand). A refreshed token keeps the issue time of its
    // chain's first token (store/refresh.rs).
    r#"
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
UPDATE users SET disabled = 1 WHERE status = 'disabled';
CREATE TRIGGER epoch_user_disabled AFTER UPDATE OF disabled ON users
    WHEN NEW.disabled IS NOT OLD.disabled
    BEGIN
        UPDATE users SET status = CASE WHEN NEW.disabled THEN 'disabled' ELSE 'enabled' END
            WHERE username = NEW.username;
        UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 0;
    END;
CREATE TRIGGER user_disabled_by_status AFTER UPDATE OF status ON users
    WHEN (NEW.status = 'disabled') IS NOT (NEW.disabled <> 0)
    BEGIN
        UPDATE users SET disabled = (NEW.status = 'disabled') WHERE username = NEW.username;
    END;
ALTER TABLE tokens ADD COLUMN chain_issued_at INTEGER;
"#,
    // Version 7 (issue 17): a member's project roles (a JSON array of names; shown, granting
    // nothing beyond membership). The epoch triggers above already cover every admin change
    // that must stop a cached principal at once: a user disabled or enabled
    // (epoch_user_disabled), demoted (epoch_user_changed) or deleted (epoch_user_deleted, and
    // epoch_token_deleted for its tokens), a membership added or removed. Fleets and devices
    // need none: a deleted one is simply not found when a scope path is checked.
    r#"
ALTER TABLE memberships ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
"#,
    // Version 8 (issue 19): refresh by change (store/changes.rs). Every insert or update of a
    // token row takes the next number of `token_changes.seq` into its `change_seq`, by
    // triggers, so any writer bumps it; a reader's cursor is the counter it read. A change no
    // row can say (a token deleted, a user disabled or enabled: every token's status) moves
    // `stale_before` up to the new number: every older cursor must list again.
    r#"
CREATE TABLE token_changes (
    id           INTEGER PRIMARY KEY CHECK (id = 0),
    seq          INTEGER NOT NULL,
    stale_before INTEGER NOT NULL
);
INSERT INTO token_changes (id, seq, stale_before) VALUES (0, 0, 0);
ALTER TABLE tokens ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tokens_changed ON tokens(change_seq);
CREATE TRIGGER change_token_inserted AFTER INSERT ON tokens
    BEGIN
        UPDATE token_changes SET seq = seq + 1 WHERE id = 0;
        UPDATE tokens SET change_seq = (SELECT seq FROM token_changes WHERE id = 0)
            WHERE seq = NEW.seq;
    END;
CREATE TRIGGER change_token_updated AFTER UPDATE OF token_id, secret_hash, username, scope,
    audience, description, project_key, refreshable, issued_at, expiry, last_used, revoked_at,
    refresh_hash, chain_issued_at ON tokens
    BEGIN
        UPDATE token_changes SET seq = seq + 1 WHERE id = 0;
        UPDATE tokens SET change_seq = (SELECT seq FROM token_changes WHERE id = 0)
            WHERE seq = NEW.seq;
    END;
CREATE TRIGGER change_token_deleted AFTER DELETE ON tokens
    BEGIN UPDATE token_changes SET seq = seq + 1, stale_before = seq + 1 WHERE id = 0; END;
CREATE TRIGGER change_user_disabled AFTER UPDATE OF disabled ON users
    WHEN NEW.disabled IS NOT OLD.disabled
    BEGIN UPDATE token_changes SET seq = seq + 1, stale_before = seq + 1 WHERE id = 0; END;
"#,
    // Issue 20 item 6 (scan helper): the default lifetime of a create without `expires_in`,
    // set by `PUT /access/api/v1/config/token/default_expiry`; NULL = the serve default.
    r#"
CREATE TABLE settings (
    id             INTEGER PRIMARY KEY CHECK (id = 0),
    default_expiry INTEGER
);
INSERT INTO settings (id, default_expiry) VALUES (0, NULL);
"#,
    // Issue 20 item 5 (bulk helper): where a token was last used, written with last_used (the
    // source address and the sanitized, capped user agent of that use).
    r#"
ALTER TABLE tokens ADD COLUMN last_source TEXT;
ALTER TABLE tokens ADD COLUMN last_agent TEXT;
"#,
    // Issue 20 item 4 (hooks): the webhook outbox (service/webhooks, store/outbox.rs). Triggers
    // enqueue an event in the same transaction as the change, whoever writes it (a revoke by
    // id, by value, in bulk, a disable), but only while `meta.webhooks` is `on` (a `serve`
    // with `--webhook` sets it, one without clears it): no rows otherwise. `ord_key` orders
    // delivery per token (per user for `user.disabled`); `dedup` makes the sweeper's
    // `token.expiring` / `token.expired` rows once per token and lead time.
    r#"
CREATE TABLE webhook_outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL UNIQUE DEFAULT (lower(hex(randomblob(4)) || '-' ||
        hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
        substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' ||
        hex(randomblob(6)))),
    kind        TEXT NOT NULL,
    ord_key     TEXT NOT NULL,
    token_id    TEXT,
    username    TEXT NOT NULL,
    description TEXT,
    scope       TEXT,
    expiry      INTEGER,
    previous_id TEXT,
    lead        INTEGER,
    occurred_at INTEGER NOT NULL,
    dedup       TEXT UNIQUE,
    state       TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    first_try   INTEGER NOT NULL,
    next_try    INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER,
    lease_owner TEXT,
    last_error  TEXT,
    done_at     INTEGER,
    acked       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_due ON webhook_outbox(next_try, seq) WHERE state = 'pending';
CREATE INDEX webhook_order ON webhook_outbox(ord_key, seq) WHERE state = 'pending';
CREATE INDEX webhook_done ON webhook_outbox(done_at) WHERE state <> 'pending';
CREATE TRIGGER webhook_token_created AFTER INSERT ON tokens
    WHEN EXISTS (SELECT 1 FROM meta WHERE key = 'webhooks' AND value = 'on')
    BEGIN
        INSERT INTO webhook_outbox (kind, ord_key, token_id, username, description, scope,
            expiry, occurred_at, first_try)
        VALUES ('token.created', NEW.token_id, NEW.token_id, NEW.username, NEW.description,
            NEW.scope, NEW.expiry, NEW.issued_at, unixepoch());
    END;
CREATE TRIGGER webhook_token_revoked AFTER UPDATE OF revoked_at ON tokens
    WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
        AND EXISTS (SELECT 1 FROM meta WHERE key = 'webhooks' AND value = 'on')
    BEGIN
        INSERT INTO webhook_outbox (kind, ord_key, token_id, username, description, scope,
            expiry, occurred_at, first_try)
        VALUES ('token.revoked', NEW.token_id, NEW.token_id, NEW.username, NEW.description,
            NEW.scope, NEW.expiry, NEW.revoked_at, unixepoch());
    END;
CREATE TRIGGER webhook_user_disabled AFTER UPDATE OF disabled ON users
    WHEN NEW.disabled AND NOT OLD.disabled
        AND EXISTS (SELECT 1 FROM meta WHERE key = 'webhooks' AND value = 'on')
    BEGIN
        INSERT INTO webhook_outbox (kind, ord_key, username, occurred_at, first_try)
        VALUES ('user.disabled', 'user:' || NEW.username, NEW.username, unixepoch(),
            unixepoch());
    END;
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
