//! Users, memberships, projects, fleets and devices on PostgreSQL: the statements behind
//! `pg/tx.rs`'s entity primitives.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use crate::model::wire::{DeviceInfo, FleetInfo, ProjectInfo, UserInfo};
use crate::service::error::StoreError;
use crate::service::store::entities::{DeviceFilter, DeviceQuery, json_list};
use crate::service::store::tx::{Res, UsersQuery};

use super::errors::classify;
use super::tokens::{Param, refs};

pub(super) const DEVICE_COLUMNS: &str = "device_uuid, device_name, project_key, fleet, description, \
                              tags::text, device_ip, agent_version";

pub(super) fn user_row(r: &Row) -> Result<UserInfo, tokio_postgres::Error> {
    Ok(UserInfo {
        username: r.try_get(0)?,
        email: r.try_get(1)?,
        admin: Some(r.try_get(2)?),
        status: Some(r.try_get(3)?),
        realm: Some(r.try_get(4)?),
    })
}

pub(super) fn device_row(r: &Row) -> Result<DeviceInfo, StoreError> {
    let tags: String = r.try_get(5).map_err(classify)?;
    let tags: Vec<String> = serde_json::from_str(&tags)
        .map_err(|e| StoreError::Corrupt(format!("device tags: {e}")))?;
    let get = |i| r.try_get(i).map_err(classify);
    Ok(DeviceInfo {
        device_uuid: get(0)?,
        device_name: get(1)?,
        project: get(2)?,
        group: get(3)?,
        description: get(4)?,
        tags,
        device_ip: r.try_get(6).map_err(classify)?,
        agent_version: r.try_get(7).map_err(classify)?,
    })
}

pub(super) async fn insert_user(c: &impl GenericClient, u: &UserInfo) -> Res<u64> {
    let sql = "INSERT INTO users (username, email, admin, status, realm, disabled) \
               VALUES ($1, $2, $3, $4, $5, $4 = 'disabled') \
               ON CONFLICT (username) DO UPDATE SET admin = users.admin OR excluded.admin";
    c.execute(
        sql,
        &[
            &u.username,
            &u.email,
            &u.admin.unwrap_or(false),
            &u.status.as_deref().unwrap_or("enabled"),
            &u.realm.as_deref().unwrap_or("internal"),
        ],
    )
    .await
    .map_err(classify)
}

pub(super) async fn insert_device(c: &impl GenericClient, d: &DeviceInfo) -> Res<u64> {
    insert_device_then(c, d, "").await
}

/// Inserts `d`, the statement ending in `then` (`" ON CONFLICT DO NOTHING"`: a taken id
/// inserts nothing); how many rows went in.
pub(super) async fn insert_device_then(
    c: &impl GenericClient,
    d: &DeviceInfo,
    then: &str,
) -> Res<u64> {
    c.execute(
        &format!(
            "INSERT INTO devices (device_uuid, device_name, project_key, fleet, description, \
             tags, device_ip, agent_version) \
             VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8){then}"
        ),
        &[
            &d.device_uuid,
            &d.device_name,
            &d.project,
            &d.group,
            &d.description,
            &json_list(&d.tags),
            &d.device_ip,
            &d.agent_version,
        ],
    )
    .await
    .map_err(classify)
}

/// Stores `d`'s name, description and tags.
pub(super) async fn write_device(c: &impl GenericClient, d: &DeviceInfo) -> Res<u64> {
    c.execute(
        "UPDATE devices SET description = $3, tags = $4::text::jsonb, device_name = $5 \
         WHERE project_key = $1 AND device_uuid = $2",
        &[
            &d.project,
            &d.device_uuid,
            &d.description,
            &json_list(&d.tags),
            &d.device_name,
        ],
    )
    .await
    .map_err(classify)
}

/// A device; `for_update` locks its row for the rest of the transaction.
pub(super) async fn device(
    c: &impl GenericClient,
    project: &str,
    uuid: &str,
    for_update: bool,
) -> Res<Option<DeviceInfo>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices \
             WHERE project_key = $1 AND device_uuid = $2{lock}"
        ))
        .await
        .map_err(classify)?;
    let row = c
        .query_opt(&stmt, &[&project, &uuid])
        .await
        .map_err(classify)?;
    row.as_ref().map(device_row).transpose()
}

pub(super) async fn user(c: &impl GenericClient, username: &str) -> Res<Option<UserInfo>> {
    let row = c
        .query_opt(
            "SELECT username, email, admin, status, realm FROM users WHERE username = $1",
            &[&username],
        )
        .await
        .map_err(classify)?;
    row.map(|r| user_row(&r)).transpose().map_err(classify)
}

/// Users ordered by name, after `q.after`, whose name contains `q.contains`: `limit + 1` at
/// most.
pub(super) async fn users(c: &impl GenericClient, q: UsersQuery<'_>) -> Res<Vec<UserInfo>> {
    let stmt = c
        .prepare_cached(
            "SELECT username, email, admin, status, realm FROM users \
             WHERE ($1::text IS NULL OR strpos(username, $1) > 0) \
             AND ($2::text IS NULL OR username > $2) \
             AND ($4::boolean IS NULL OR disabled = $4) \
             ORDER BY username LIMIT $3",
        )
        .await
        .map_err(classify)?;
    let rows = c
        .query(
            &stmt,
            &[
                &q.contains,
                &q.after,
                &(i64::from(q.limit) + 1),
                &q.disabled,
            ],
        )
        .await
        .map_err(classify)?;
    rows.iter()
        .map(user_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(classify)
}

/// A project from `project_key, display_name, description`.
pub(super) fn project_row(r: &Row) -> Result<ProjectInfo, tokio_postgres::Error> {
    Ok(ProjectInfo {
        project_key: r.try_get(0)?,
        display_name: r.try_get(1)?,
        description: r.try_get(2)?,
    })
}

pub(super) async fn projects(c: &impl GenericClient) -> Res<Vec<ProjectInfo>> {
    let rows = c
        .query(
            "SELECT project_key, display_name, description FROM projects \
             ORDER BY project_key",
            &[],
        )
        .await
        .map_err(classify)?;
    rows.iter()
        .map(project_row)
        .collect::<Result<_, _>>()
        .map_err(classify)
}

pub(super) async fn fleets(c: &impl GenericClient, project: &str) -> Res<Vec<FleetInfo>> {
    let rows = c
        .query(
            "SELECT f.name, (SELECT count(*) FROM devices d \
                             WHERE d.project_key = f.project_key AND d.fleet = f.name) \
             FROM fleets f WHERE f.project_key = $1 ORDER BY f.name",
            &[&project],
        )
        .await
        .map_err(classify)?;
    rows.iter()
        .map(|r| {
            Ok(FleetInfo {
                name: r.try_get(0)?,
                project_key: project.to_owned(),
                device_count: r.try_get::<_, i64>(1)?.max(0) as u64,
            })
        })
        .collect::<Result<_, tokio_postgres::Error>>()
        .map_err(classify)
}

/// One page of devices ordered by id: `limit + 1` at most.
pub(super) async fn devices(
    c: &impl GenericClient,
    project: &str,
    q: &DeviceQuery,
) -> Res<Vec<DeviceInfo>> {
    let mut args: Vec<Param> = vec![Box::new(project.to_owned())];
    let mut sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE project_key = $1");
    if let Some(f) = &q.fleet {
        args.push(Box::new(f.clone()));
        sql.push_str(&format!(" AND fleet = ${}", args.len()));
    }
    if !q.tags.is_empty() {
        args.push(Box::new(q.tags.clone()));
        sql.push_str(&format!(" AND tags ?| ${}::text[]", args.len()));
    }
    if let Some(s) = q.search.as_deref().filter(|s| !s.is_empty()) {
        args.push(Box::new(s.to_ascii_lowercase()));
        let n = args.len();
        sql.push_str(&format!(
            " AND (strpos(lower(device_uuid), ${n}) > 0 OR strpos(lower(device_name), ${n}) > 0)"
        ));
    }
    if let DeviceFilter::Only { fleets, devices } = &q.filter {
        let mut parts = Vec::new();
        if !fleets.is_empty() {
            args.push(Box::new(fleets.clone()));
            parts.push(format!("fleet = ANY(${}::text[])", args.len()));
        }
        if !devices.is_empty() {
            args.push(Box::new(devices.clone()));
            parts.push(format!("device_uuid = ANY(${}::text[])", args.len()));
        }
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(&format!(" AND ({})", parts.join(" OR ")));
    }
    if let Some(a) = &q.after {
        args.push(Box::new(a.clone()));
        sql.push_str(&format!(" AND device_uuid > ${}", args.len()));
    }
    args.push(Box::new(i64::from(q.limit) + 1));
    sql.push_str(&format!(" ORDER BY device_uuid LIMIT ${}", args.len()));
    let rows = c.query(&sql, &refs(&args)).await.map_err(classify)?;
    rows.iter().map(device_row).collect()
}
