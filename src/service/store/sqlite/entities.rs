//! Users, memberships, projects, fleets and devices on SQLite.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::model::wire::{DeviceInfo, FleetInfo, ProjectInfo, UserInfo};

use super::super::entities::{DeviceFilter, DeviceQuery, json_list};
use super::super::tx::UsersQuery;

// ---- users -------------------------------------------------------------------------------

fn user_row(r: &Row<'_>) -> rusqlite::Result<UserInfo> {
    Ok(UserInfo {
        username: r.get(0)?,
        email: r.get(1)?,
        admin: Some(r.get(2)?),
        status: Some(r.get(3)?),
        realm: Some(r.get(4)?),
    })
}

pub fn user(conn: &Connection, username: &str) -> rusqlite::Result<Option<UserInfo>> {
    conn.prepare_cached(
        "SELECT username, email, admin, status, realm FROM users WHERE username = ?1",
    )?
    .query_row([username], user_row)
    .optional()
}

pub fn user_count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
}

/// Users ordered by name, after `q.after`, whose name contains `q.contains`: `limit + 1` at
/// most.
pub fn users(conn: &Connection, q: UsersQuery<'_>) -> rusqlite::Result<Vec<UserInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT username, email, admin, status, realm FROM users \
         WHERE (?1 IS NULL OR instr(username, ?1) > 0) AND (?2 IS NULL OR username > ?2) \
         AND (?4 IS NULL OR disabled = ?4) ORDER BY username LIMIT ?3",
    )?;
    stmt.query_map(
        params![q.contains, q.after, i64::from(q.limit) + 1, q.disabled],
        user_row,
    )?
    .collect()
}

pub fn insert_user(conn: &Connection, u: &UserInfo) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO users (username, email, admin, status, realm, disabled) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?4 = 'disabled') \
         ON CONFLICT(username) DO UPDATE SET admin = max(admin, excluded.admin)",
    )?
    .execute(params![
        u.username,
        u.email,
        u.admin.unwrap_or(false),
        u.status.as_deref().unwrap_or("enabled"),
        u.realm.as_deref().unwrap_or("internal"),
    ])?;
    Ok(())
}

pub fn add_membership(conn: &Connection, username: &str, project: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO memberships (username, project_key) VALUES (?1, ?2)",
    )?
    .execute([username, project])?;
    Ok(())
}

// ---- projects and fleets -----------------------------------------------------------------

/// A project from `project_key, display_name, description`.
pub fn project_row(r: &Row<'_>) -> rusqlite::Result<ProjectInfo> {
    Ok(ProjectInfo {
        project_key: r.get(0)?,
        display_name: r.get(1)?,
        description: r.get(2)?,
    })
}

pub fn projects(conn: &Connection) -> rusqlite::Result<Vec<ProjectInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT project_key, display_name, description FROM projects ORDER BY project_key",
    )?;
    let rows = stmt.query_map([], project_row)?;
    rows.collect()
}

pub fn is_member(conn: &Connection, username: &str, project: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM memberships WHERE username = ?1 AND project_key = ?2")?
        .exists(params![username, project])
}

pub fn project_exists(conn: &Connection, key: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM projects WHERE project_key = ?1")?
        .exists([key])
}

pub fn insert_project(conn: &Connection, p: &ProjectInfo) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO projects (project_key, display_name, description) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![p.project_key, p.display_name, p.description])?;
    Ok(())
}

pub fn fleets(conn: &Connection, project: &str) -> rusqlite::Result<Vec<FleetInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.name, (SELECT COUNT(*) FROM devices d \
                         WHERE d.project_key = f.project_key AND d.fleet = f.name) \
         FROM fleets f WHERE f.project_key = ?1 ORDER BY f.name",
    )?;
    let rows = stmt.query_map([project], |r| {
        Ok(FleetInfo {
            name: r.get(0)?,
            project_key: project.to_owned(),
            device_count: r.get::<_, i64>(1)?.max(0) as u64,
        })
    })?;
    rows.collect()
}

pub fn fleet_exists(conn: &Connection, project: &str, fleet: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM fleets WHERE project_key = ?1 AND name = ?2")?
        .exists([project, fleet])
}

pub fn insert_fleet(conn: &Connection, project: &str, fleet: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO fleets (project_key, name) VALUES (?1, ?2)")?
        .execute([project, fleet])?;
    Ok(())
}

// ---- devices -----------------------------------------------------------------------------

pub(super) const DEVICE_COLUMNS: &str =
    "device_uuid, device_name, project_key, fleet, description, tags, device_ip, agent_version";

pub(super) fn device_row(r: &Row<'_>) -> rusqlite::Result<DeviceInfo> {
    let tags: String = r.get(5)?;
    let tags: Vec<String> = serde_json::from_str(&tags).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(DeviceInfo {
        device_uuid: r.get(0)?,
        device_name: r.get(1)?,
        project: r.get(2)?,
        group: r.get(3)?,
        description: r.get(4)?,
        tags,
        device_ip: r.get(6)?,
        agent_version: r.get(7)?,
    })
}

pub fn device(
    conn: &Connection,
    project: &str,
    uuid: &str,
) -> rusqlite::Result<Option<DeviceInfo>> {
    conn.prepare_cached(&format!(
        "SELECT {DEVICE_COLUMNS} FROM devices WHERE project_key = ?1 AND device_uuid = ?2"
    ))?
    .query_row([project, uuid], device_row)
    .optional()
}

pub fn device_exists(conn: &Connection, project: &str, uuid: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM devices WHERE project_key = ?1 AND device_uuid = ?2")?
        .exists([project, uuid])
}

pub fn insert_device(conn: &Connection, d: &DeviceInfo) -> rusqlite::Result<()> {
    insert_device_then(conn, d, "").map(drop)
}

/// Inserts `d`, the statement ending in `then` (an `ON CONFLICT … DO NOTHING`: a taken id
/// inserts nothing); how many rows went in.
pub fn insert_device_then(
    conn: &Connection,
    d: &DeviceInfo,
    then: &str,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(&format!(
        "INSERT INTO devices ({DEVICE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8){then}"
    ))?
    .execute(params![
        d.device_uuid,
        d.device_name,
        d.project,
        d.group,
        d.description,
        json_list(&d.tags),
        d.device_ip,
        d.agent_version
    ])
}

/// Stores `d`'s name, description and tags.
pub fn write_device(conn: &Connection, d: &DeviceInfo) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE devices SET description = ?3, tags = ?4, device_name = ?5 \
         WHERE project_key = ?1 AND device_uuid = ?2",
    )?
    .execute(params![
        d.project,
        d.device_uuid,
        d.description,
        json_list(&d.tags),
        d.device_name
    ])?;
    Ok(())
}

pub fn delete_device(conn: &Connection, project: &str, uuid: &str) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM devices WHERE project_key = ?1 AND device_uuid = ?2")?
        .execute([project, uuid])?;
    Ok(n == 1)
}

fn placeholders(args: &mut Vec<Value>, items: &[String]) -> String {
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        args.push(Value::Text(it.clone()));
        out.push(format!("?{}", args.len()));
    }
    out.join(", ")
}

/// One page of devices ordered by id: `limit + 1` at most.
pub fn devices(
    conn: &Connection,
    project: &str,
    q: &DeviceQuery,
) -> rusqlite::Result<Vec<DeviceInfo>> {
    let mut args = vec![Value::Text(project.to_owned())];
    let mut sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE project_key = ?1");
    if let Some(f) = &q.fleet {
        args.push(Value::Text(f.clone()));
        sql.push_str(&format!(" AND fleet = ?{}", args.len()));
    }
    if !q.tags.is_empty() {
        let ph = placeholders(&mut args, &q.tags);
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM json_each(devices.tags) WHERE value IN ({ph}))"
        ));
    }
    if let Some(s) = q.search.as_deref().filter(|s| !s.is_empty()) {
        args.push(Value::Text(s.to_ascii_lowercase()));
        let n = args.len();
        sql.push_str(&format!(
            " AND (instr(lower(device_uuid), ?{n}) > 0 OR instr(lower(device_name), ?{n}) > 0)"
        ));
    }
    if let DeviceFilter::Only { fleets, devices } = &q.filter {
        let mut parts = Vec::new();
        if !fleets.is_empty() {
            parts.push(format!("fleet IN ({})", placeholders(&mut args, fleets)));
        }
        if !devices.is_empty() {
            parts.push(format!(
                "device_uuid IN ({})",
                placeholders(&mut args, devices)
            ));
        }
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(&format!(" AND ({})", parts.join(" OR ")));
    }
    if let Some(a) = &q.after {
        args.push(Value::Text(a.clone()));
        sql.push_str(&format!(" AND device_uuid > ?{}", args.len()));
    }
    args.push(Value::Integer(i64::from(q.limit) + 1));
    sql.push_str(&format!(" ORDER BY device_uuid LIMIT ?{}", args.len()));
    let mut stmt = conn.prepare(&sql)?;
    stmt.query_map(rusqlite::params_from_iter(args), device_row)?
        .collect()
}
