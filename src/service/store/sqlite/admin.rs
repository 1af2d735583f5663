//! The admin writes of issue 17 on SQLite: users, projects and membership, fleets, device
//! registration and import. One statement each (a delete of a user, project or fleet is the
//! few statements that take what references it first). No row locks: the one writer holds the
//! database's write lock (see this backend's module docs).

use rusqlite::{Connection, OptionalExtension, params};

use crate::model::EntityRef;
use crate::model::admin::Member;
use crate::model::wire::{DeviceInfo, ProjectInfo};

use super::super::entities::{json_list, naming_patterns};
use super::super::tokens::TokenRow;
use super::super::tx::{ProjectGone, UserFields};
use super::entities::{DEVICE_COLUMNS, device_row, insert_device_then, project_row};
use super::tokens::{COLUMNS, token_row};

fn list_of(text: &str) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

// ---- users -------------------------------------------------------------------------------

pub fn enabled_admins(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT username FROM users WHERE admin <> 0 AND disabled = 0 ORDER BY username",
    )?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

pub fn add_user(
    conn: &Connection,
    username: &str,
    email: Option<&str>,
    admin: bool,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO users (username, email, admin, status, realm, disabled) \
             VALUES (?1, ?2, ?3, 'enabled', 'internal', 0) ON CONFLICT(username) DO NOTHING",
        )?
        .execute(params![username, email, admin])?;
    Ok(n == 1)
}

/// The `disabled` trigger mirrors the flag into `status` and bumps the revocation epoch.
pub fn update_user(conn: &Connection, username: &str, f: UserFields<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE users SET email = ?2, admin = ?3, disabled = ?4 WHERE username = ?1",
    )?
    .execute(params![username, f.email, f.admin, f.disabled])?;
    Ok(())
}

pub fn delete_user(conn: &Connection, username: &str) -> rusqlite::Result<()> {
    for sql in [
        "DELETE FROM memberships WHERE username = ?1",
        "DELETE FROM tokens WHERE username = ?1",
        "DELETE FROM users WHERE username = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([username])?;
    }
    Ok(())
}

// ---- tokens naming things ----------------------------------------------------------------

pub fn live_tokens_of_user(
    conn: &Connection,
    username: &str,
    now: i64,
) -> rusqlite::Result<Vec<TokenRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens WHERE username = ?1 AND revoked_at IS NULL \
         AND (expiry IS NULL OR expiry > ?2) ORDER BY seq"
    ))?;
    stmt.query_map(params![username, now], token_row)?.collect()
}

pub fn live_tokens_naming(
    conn: &Connection,
    target: &EntityRef,
    now: i64,
) -> rusqlite::Result<Vec<TokenRow>> {
    let (key, [a, b, c]) = naming_patterns(target);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens WHERE revoked_at IS NULL \
         AND (expiry IS NULL OR expiry > ?5) \
         AND (project_key = ?1 OR scope LIKE ?2 OR scope LIKE ?3 OR scope LIKE ?4) ORDER BY seq"
    ))?;
    stmt.query_map(params![key, a, b, c, now], token_row)?
        .collect()
}

// ---- projects and membership -------------------------------------------------------------

pub fn project(conn: &Connection, key: &str) -> rusqlite::Result<Option<ProjectInfo>> {
    conn.prepare_cached(
        "SELECT project_key, display_name, description FROM projects WHERE project_key = ?1",
    )?
    .query_row([key], project_row)
    .optional()
}

pub fn add_project(conn: &Connection, p: &ProjectInfo) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO projects (project_key, display_name, description) VALUES (?1, ?2, ?3) \
             ON CONFLICT(project_key) DO NOTHING",
        )?
        .execute(params![p.project_key, p.display_name, p.description])?;
    Ok(n == 1)
}

pub fn delete_project(conn: &Connection, key: &str) -> rusqlite::Result<ProjectGone> {
    let run = |sql: &str| -> rusqlite::Result<u64> {
        Ok(conn.prepare_cached(sql)?.execute([key])? as u64)
    };
    let members = run("DELETE FROM memberships WHERE project_key = ?1")?;
    let devices = run("DELETE FROM devices WHERE project_key = ?1")?;
    let fleets = run("DELETE FROM fleets WHERE project_key = ?1")?;
    run("DELETE FROM projects WHERE project_key = ?1")?;
    Ok(ProjectGone {
        members,
        devices,
        fleets,
    })
}

pub fn members(conn: &Connection, project: &str) -> rusqlite::Result<Vec<Member>> {
    let mut stmt = conn.prepare_cached(
        "SELECT username, roles FROM memberships WHERE project_key = ?1 ORDER BY username",
    )?;
    stmt.query_map([project], |r| {
        Ok(Member {
            name: r.get(0)?,
            roles: list_of(&r.get::<_, String>(1)?)?,
        })
    })?
    .collect()
}

pub fn member_roles(
    conn: &Connection,
    username: &str,
    project: &str,
) -> rusqlite::Result<Option<Vec<String>>> {
    let roles: Option<String> = conn
        .prepare_cached("SELECT roles FROM memberships WHERE username = ?1 AND project_key = ?2")?
        .query_row([username, project], |r| r.get(0))
        .optional()?;
    roles.as_deref().map(list_of).transpose()
}

pub fn put_member(
    conn: &Connection,
    username: &str,
    project: &str,
    roles: &[String],
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO memberships (username, project_key, roles) VALUES (?1, ?2, ?3) \
         ON CONFLICT(username, project_key) DO UPDATE SET roles = excluded.roles",
    )?
    .execute(params![username, project, json_list(roles)])?;
    Ok(())
}

pub fn delete_membership(
    conn: &Connection,
    username: &str,
    project: &str,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM memberships WHERE username = ?1 AND project_key = ?2")?
        .execute([username, project])?;
    Ok(n == 1)
}

// ---- fleets and devices ------------------------------------------------------------------

pub fn add_fleet(conn: &Connection, project: &str, name: &str) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO fleets (project_key, name) VALUES (?1, ?2) \
             ON CONFLICT(project_key, name) DO NOTHING",
        )?
        .execute([project, name])?;
    Ok(n == 1)
}

pub fn delete_fleet(conn: &Connection, project: &str, name: &str) -> rusqlite::Result<u64> {
    let devices = conn
        .prepare_cached("DELETE FROM devices WHERE project_key = ?1 AND fleet = ?2")?
        .execute([project, name])?;
    conn.prepare_cached("DELETE FROM fleets WHERE project_key = ?1 AND name = ?2")?
        .execute([project, name])?;
    Ok(devices as u64)
}

pub fn count_devices(
    conn: &Connection,
    project: &str,
    fleet: Option<&str>,
) -> rusqlite::Result<u64> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM devices WHERE project_key = ?1 AND (?2 IS NULL OR fleet = ?2)",
        )?
        .query_row(params![project, fleet], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

pub fn fleet_device_ids(
    conn: &Connection,
    project: &str,
    fleet: &str,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT device_uuid FROM devices WHERE project_key = ?1 AND fleet = ?2 \
         ORDER BY device_uuid",
    )?;
    stmt.query_map([project, fleet], |r| r.get(0))?.collect()
}

pub fn add_device(conn: &Connection, d: &DeviceInfo) -> rusqlite::Result<bool> {
    let then = " ON CONFLICT(project_key, device_uuid) DO NOTHING";
    Ok(insert_device_then(conn, d, then)? == 1)
}

/// The devices of `project` among `ids` (one statement over a JSON array of the ids).
pub fn devices_among(
    conn: &Connection,
    project: &str,
    ids: &[String],
) -> rusqlite::Result<Vec<DeviceInfo>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DEVICE_COLUMNS} FROM devices WHERE project_key = ?1 \
         AND device_uuid IN (SELECT value FROM json_each(?2))"
    ))?;
    stmt.query_map(params![project, json_list(ids)], device_row)?
        .collect()
}

/// One cached statement run per row, inside the job's one transaction.
pub fn upsert_devices(
    conn: &Connection,
    project: &str,
    rows: &[DeviceInfo],
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO devices (project_key, device_uuid, device_name, fleet, description, tags) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(project_key, device_uuid) DO UPDATE SET \
         device_name = excluded.device_name, fleet = excluded.fleet, \
         description = excluded.description, tags = excluded.tags",
    )?;
    for d in rows {
        stmt.execute(params![
            project,
            d.device_uuid,
            d.device_name,
            d.group,
            d.description,
            json_list(&d.tags)
        ])?;
    }
    Ok(())
}
