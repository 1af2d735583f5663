//! The PostgreSQL schema: the same tables, keys and indexes as the SQLite migrations
//! (`bytea` for hashes, `bigint` epoch seconds, `jsonb` tags), applied once under an advisory
//! lock so replicas starting together migrate exactly once, then wait and see it done.

use tokio_postgres::Client;

use crate::service::error::StoreError;

use super::errors::classify;

/// `pg_advisory_lock` key for migrations: "tokentab" in ASCII, as an i64.
const MIGRATION_LOCK: i64 = 0x746f_6b65_6e74_6162;

/// Each entry moves the schema from version `i` to `i + 1`. Append only.
/// Text columns use the "C" collation: byte order, as SQLite's BINARY compares, so both
/// backends sort and page alike.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    key   text COLLATE "C" PRIMARY KEY,
    value text COLLATE "C" NOT NULL
);

CREATE TABLE users (
    username text COLLATE "C" PRIMARY KEY,
    email    text COLLATE "C",
    admin    boolean NOT NULL DEFAULT false,
    status   text COLLATE "C" NOT NULL DEFAULT 'enabled',
    realm    text COLLATE "C" NOT NULL DEFAULT 'internal'
);

CREATE TABLE projects (
    project_key  text COLLATE "C" PRIMARY KEY,
    display_name text COLLATE "C" NOT NULL,
    description  text COLLATE "C" NOT NULL
);

CREATE TABLE memberships (
    username    text COLLATE "C" NOT NULL REFERENCES users(username),
    project_key text COLLATE "C" NOT NULL REFERENCES projects(project_key),
    PRIMARY KEY (username, project_key)
);

CREATE TABLE fleets (
    project_key text COLLATE "C" NOT NULL REFERENCES projects(project_key),
    name        text COLLATE "C" NOT NULL,
    PRIMARY KEY (project_key, name)
);

CREATE TABLE devices (
    project_key   text COLLATE "C" NOT NULL,
    device_uuid   text COLLATE "C" NOT NULL,
    device_name   text COLLATE "C" NOT NULL,
    fleet         text COLLATE "C" NOT NULL,
    description   text COLLATE "C" NOT NULL DEFAULT '',
    tags          jsonb NOT NULL DEFAULT '[]',
    device_ip     text COLLATE "C",
    agent_version text COLLATE "C",
    PRIMARY KEY (project_key, device_uuid),
    FOREIGN KEY (project_key, fleet) REFERENCES fleets(project_key, name)
);
CREATE INDEX devices_fleet ON devices(project_key, fleet, device_uuid);

CREATE TABLE tokens (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_id     text COLLATE "C" NOT NULL UNIQUE,
    secret_hash  bytea NOT NULL UNIQUE,
    username     text COLLATE "C" NOT NULL REFERENCES users(username),
    scope        text COLLATE "C" NOT NULL,
    audience     text COLLATE "C" NOT NULL,
    description  text COLLATE "C" NOT NULL DEFAULT '',
    project_key  text COLLATE "C",
    refreshable  boolean NOT NULL DEFAULT false,
    issued_at    bigint NOT NULL,
    expiry       bigint,
    last_used    bigint,
    revoked_at   bigint,
    expiry_order bigint GENERATED ALWAYS AS (COALESCE(expiry, 9223372036854775807)) STORED
);
CREATE INDEX tokens_live_created ON tokens(issued_at, seq) WHERE revoked_at IS NULL;
CREATE INDEX tokens_live_user ON tokens(username, seq) WHERE revoked_at IS NULL;
CREATE INDEX tokens_live_expiry ON tokens(expiry_order, seq) WHERE revoked_at IS NULL;
CREATE INDEX tokens_live_id ON tokens(token_id, seq) WHERE revoked_at IS NULL;

-- Bumped by triggers in every revoking transaction (and NOTIFYed on commit): see pg/mod.rs.
CREATE TABLE revocation_epoch (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    epoch bigint NOT NULL
);
INSERT INTO revocation_epoch (epoch) VALUES (0);
"#,
    // Issue 8's SQLite migration 3 on PostgreSQL: triggers bump the revocation epoch (and
    // queue the NOTIFY, delivered at commit) in the same transaction as anything that can make
    // a cached principal wrong, whoever writes it; refresh tokens hashed at rest.
    r#"
CREATE FUNCTION tokentab_bump_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    e bigint;
BEGIN
    UPDATE revocation_epoch SET epoch = epoch + 1 RETURNING epoch INTO e;
    PERFORM pg_notify('tokentab_revoked', e::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER epoch_token_revoked AFTER UPDATE OF revoked_at ON tokens
    FOR EACH ROW WHEN (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at)
    EXECUTE FUNCTION tokentab_bump_epoch();
CREATE TRIGGER epoch_token_deleted AFTER DELETE ON tokens
    FOR EACH ROW EXECUTE FUNCTION tokentab_bump_epoch();
CREATE TRIGGER epoch_token_changed AFTER UPDATE OF secret_hash, username, scope, expiry ON tokens
    FOR EACH ROW EXECUTE FUNCTION tokentab_bump_epoch();
CREATE TRIGGER epoch_user_changed AFTER UPDATE OF admin, username ON users
    FOR EACH ROW EXECUTE FUNCTION tokentab_bump_epoch();
CREATE TRIGGER epoch_user_deleted AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION tokentab_bump_epoch();
CREATE TRIGGER epoch_membership_deleted AFTER DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION tokentab_bump_epoch();
CREATE TRIGGER epoch_membership_added AFTER INSERT ON memberships
    FOR EACH ROW EXECUTE FUNCTION tokentab_bump_epoch();
ALTER TABLE tokens ADD COLUMN refresh_hash bytea;
CREATE UNIQUE INDEX tokens_refresh ON tokens(refresh_hash) WHERE refresh_hash IS NOT NULL;
"#,
    // SQLite migration 4 on PostgreSQL: the audit trail (store/audit.rs, pg/audit.rs), one row
    // per token or device change, written in the change's own transaction. No secret or hash
    // column, ever.
    r#"
CREATE TABLE audit (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              bigint NOT NULL,
    actor           text COLLATE "C" NOT NULL,
    actor_token_id  text COLLATE "C" NOT NULL,
    action          text COLLATE "C" NOT NULL,
    target_token_id text COLLATE "C",
    description     text COLLATE "C",
    device          text COLLATE "C",
    source          text COLLATE "C",
    result          text COLLATE "C" NOT NULL
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_target ON audit(target_token_id, seq);
CREATE INDEX audit_actor ON audit(actor, seq);
"#,
    // SQLite migration 5: refusals aggregated (service/abuse/refusal_trail.rs) with a count.
    r#"
ALTER TABLE audit ADD COLUMN count bigint NOT NULL DEFAULT 1;
"#,
    // SQLite migration 6 on PostgreSQL: a disabled (or deleted) user's tokens are refused, so
    // the flag bumps the revocation epoch (and NOTIFYs) like a revoke; `status` mirrors it both
    // ways, set before the row is written, and a change of the flag locks the row FOR UPDATE,
    // which orders it against every write's FOR KEY SHARE of its caller's user (pg/token_ops.rs)
    // as a revoke's row lock is ordered against the caller's token row; refreshed tokens keep
    // their chain's first issue time.
    r#"
ALTER TABLE users ADD COLUMN disabled boolean NOT NULL DEFAULT false;
UPDATE users SET disabled = true WHERE status = 'disabled';
CREATE FUNCTION tokentab_user_status_mirror() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.disabled IS DISTINCT FROM OLD.disabled THEN
        NEW.status := CASE WHEN NEW.disabled THEN 'disabled' ELSE 'enabled' END;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.disabled := NEW.status = 'disabled';
    END IF;
    IF NEW.disabled IS DISTINCT FROM OLD.disabled THEN
        PERFORM 1 FROM users WHERE username = OLD.username FOR UPDATE;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER user_status_mirror BEFORE UPDATE OF disabled, status ON users
    FOR EACH ROW EXECUTE FUNCTION tokentab_user_status_mirror();
CREATE TRIGGER epoch_user_disabled AFTER UPDATE OF disabled, status ON users
    FOR EACH ROW WHEN (NEW.disabled IS DISTINCT FROM OLD.disabled)
    EXECUTE FUNCTION tokentab_bump_epoch();
ALTER TABLE tokens ADD COLUMN chain_issued_at bigint;
"#,
    // SQLite migration 7 (issue 17): a member's project roles. The epoch triggers above already
    // cover every admin change that must stop a cached principal at once (a user disabled,
    // enabled, demoted or deleted, its tokens deleted, a membership added or removed); fleets
    // and devices need none: a deleted one is simply not found when a scope path is checked.
    r#"
ALTER TABLE memberships ADD COLUMN roles jsonb NOT NULL DEFAULT '[]';
"#,
    // SQLite migration 8 (issue 19): refresh by change (store/changes.rs). Writers commit in
    // any order here, so a counter would let a reader skip a row numbered before its cursor
    // but committed after; instead each written token row keeps the id of its transaction
    // (`change_xid`, set by a trigger, so any writer sets it), and a cursor is the oldest
    // transaction still running when it was read (`pg_snapshot_xmin`): every row changed
    // since has `change_xid >= cursor`. A change no row can say (a token deleted, a user
    // disabled or enabled) bumps `generation`: a cursor made under another one lists again.
    r#"
CREATE TABLE token_changes (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    generation bigint NOT NULL
);
INSERT INTO token_changes (generation) VALUES (0);
ALTER TABLE tokens ADD COLUMN change_xid bigint NOT NULL DEFAULT 0;
CREATE INDEX tokens_changed ON tokens(change_xid);
CREATE FUNCTION tokentab_token_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END;
$$;
CREATE TRIGGER change_token_written BEFORE INSERT OR UPDATE ON tokens
    FOR EACH ROW EXECUTE FUNCTION tokentab_token_changed();
CREATE FUNCTION tokentab_changes_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE token_changes SET generation = generation + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER change_token_deleted AFTER DELETE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION tokentab_changes_stale();
CREATE TRIGGER change_user_disabled AFTER UPDATE OF disabled, status ON users
    FOR EACH ROW WHEN (NEW.disabled IS DISTINCT FROM OLD.disabled)
    EXECUTE FUNCTION tokentab_changes_stale();
"#,
    // Issue 20 item 6 (scan helper): the default lifetime of a create without `expires_in`,
    // set by `PUT /access/api/v1/config/token/default_expiry`; NULL = the serve default.
    r#"
CREATE TABLE settings (
    id             integer PRIMARY KEY CHECK (id = 0),
    default_expiry bigint
);
INSERT INTO settings (id, default_expiry) VALUES (0, NULL);
"#,
    // Issue 20 item 5 (bulk helper): where a token was last used, written with last_used (the
    // source address and the sanitized, capped user agent of that use).
    r#"
ALTER TABLE tokens ADD COLUMN last_source text;
ALTER TABLE tokens ADD COLUMN last_agent text;
"#,
    // Issue 20 item 4 (hooks): SQLite's webhook outbox migration on PostgreSQL (the same table
    // and triggers; see there). Replicas claim rows `FOR UPDATE SKIP LOCKED` and a lease
    // (pg/outbox.rs), so each event goes out from one of them.
    r#"
CREATE TABLE webhook_outbox (
    seq         bigserial PRIMARY KEY,
    event_id    text COLLATE "C" NOT NULL UNIQUE DEFAULT gen_random_uuid()::text,
    kind        text COLLATE "C" NOT NULL,
    ord_key     text COLLATE "C" NOT NULL,
    token_id    text COLLATE "C",
    username    text COLLATE "C" NOT NULL,
    description text COLLATE "C",
    scope       text COLLATE "C",
    expiry      bigint,
    previous_id text COLLATE "C",
    lead        bigint,
    occurred_at bigint NOT NULL,
    dedup       text COLLATE "C" UNIQUE,
    state       text COLLATE "C" NOT NULL DEFAULT 'pending',
    attempts    bigint NOT NULL DEFAULT 0,
    first_try   bigint NOT NULL,
    next_try    bigint NOT NULL DEFAULT 0,
    lease_until bigint,
    lease_owner text COLLATE "C",
    last_error  text COLLATE "C",
    done_at     bigint,
    acked       text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX webhook_due ON webhook_outbox(next_try, seq) WHERE state = 'pending';
CREATE INDEX webhook_order ON webhook_outbox(ord_key, seq) WHERE state = 'pending';
CREATE INDEX webhook_done ON webhook_outbox(done_at) WHERE state <> 'pending';
CREATE FUNCTION tokentab_webhook_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM meta WHERE key = 'webhooks' AND value = 'on') THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'users' THEN
        INSERT INTO webhook_outbox (kind, ord_key, username, occurred_at, first_try)
        VALUES ('user.disabled', 'user:' || NEW.username, NEW.username,
            extract(epoch FROM now())::bigint, extract(epoch FROM now())::bigint);
    ELSE
        INSERT INTO webhook_outbox (kind, ord_key, token_id, username, description, scope,
            expiry, occurred_at, first_try)
        VALUES (CASE WHEN TG_OP = 'INSERT' THEN 'token.created' ELSE 'token.revoked' END,
            NEW.token_id, NEW.token_id, NEW.username, NEW.description, NEW.scope, NEW.expiry,
            CASE WHEN TG_OP = 'INSERT' THEN NEW.issued_at ELSE NEW.revoked_at END,
            extract(epoch FROM now())::bigint);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER webhook_token_created AFTER INSERT ON tokens
    FOR EACH ROW EXECUTE FUNCTION tokentab_webhook_event();
CREATE TRIGGER webhook_token_revoked AFTER UPDATE OF revoked_at ON tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION tokentab_webhook_event();
CREATE TRIGGER webhook_user_disabled AFTER UPDATE OF disabled, status ON users
    FOR EACH ROW WHEN (NEW.disabled AND NOT OLD.disabled)
    EXECUTE FUNCTION tokentab_webhook_event();
"#,
];

/// Brings the schema up to date. Replicas calling this together serialize on the advisory
/// lock: the first migrates, the others find the version current and do nothing.
pub async fn migrate(client: &mut Client, schema: Option<&str>) -> Result<usize, StoreError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(classify)?;
    let result = migrate_locked(client, schema).await;
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(classify);
    let applied = result?;
    unlocked?;
    Ok(applied)
}

async fn migrate_locked(client: &mut Client, schema: Option<&str>) -> Result<usize, StoreError> {
    if let Some(s) = schema {
        // `s` is checked to be [a-z0-9_]+ when the URL is parsed.
        client
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {s}"))
            .await
            .map_err(classify)?;
    }
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        .await
        .map_err(classify)?;
    let current: i32 = client
        .query_opt("SELECT version FROM schema_version", &[])
        .await
        .map_err(classify)?
        .map_or(0, |r| r.get(0));
    let target = MIGRATIONS.len() as i32;
    if current > target {
        return Err(StoreError::TooNew(i64::from(current)));
    }
    let mut applied = 0;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = client.transaction().await.map_err(classify)?;
        tx.batch_execute(sql).await.map_err(classify)?;
        tx.execute("DELETE FROM schema_version", &[])
            .await
            .map_err(classify)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(i as i32 + 1)],
        )
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)?;
        applied += 1;
    }
    Ok(applied)
}
