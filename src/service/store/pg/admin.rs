//! The admin writes of issue 17 on PostgreSQL: the statements behind `pg/tx.rs`'s user,
//! project, membership, fleet, device registration and import primitives. The locks they take
//! are listed in `pg/tx.rs`'s module docs.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use crate::model::EntityRef;
use crate::model::admin::Member;
use crate::model::wire::{DeviceInfo, ProjectInfo};
use crate::service::error::StoreError;
use crate::service::store::entities::{json_list, naming_patterns};
use crate::service::store::tokens::TokenRow;
use crate::service::store::tx::{ProjectGone, Res, UserFields};

use super::entities::{DEVICE_COLUMNS, device_row, insert_device_then, project_row};
use super::errors::classify;
use super::tokens::{COLUMNS, exec, token_row};

fn list_of(text: &str) -> Res<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("member roles: {e}")))
}

/// The first column of each row.
fn first_column(rows: &[Row]) -> Res<Vec<String>> {
    rows.iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()
        .map_err(classify)
}

fn token_rows(rows: &[Row]) -> Res<Vec<TokenRow>> {
    rows.iter()
        .map(token_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(classify)
}

// ---- users -------------------------------------------------------------------------------

pub(super) async fn enabled_admins_for_update(c: &impl GenericClient) -> Res<Vec<String>> {
    let rows = c
        .query(
            "SELECT username FROM users WHERE admin AND NOT disabled ORDER BY username \
             FOR NO KEY UPDATE",
            &[],
        )
        .await
        .map_err(classify)?;
    first_column(&rows)
}

pub(super) async fn add_user(
    c: &impl GenericClient,
    username: &str,
    email: Option<&str>,
    admin: bool,
) -> Res<bool> {
    let sql = "INSERT INTO users (username, email, admin, status, realm, disabled) \
               VALUES ($1, $2, $3, 'enabled', 'internal', false) ON CONFLICT DO NOTHING";
    Ok(exec(c, sql, &[&username, &email, &admin]).await? == 1)
}

/// The `status` mirror trigger sets `status` from `disabled` (and locks the row `FOR UPDATE`
/// when it changes); the epoch triggers bump and notify.
pub(super) async fn update_user(
    c: &impl GenericClient,
    username: &str,
    f: UserFields<'_>,
) -> Res<()> {
    let sql = "UPDATE users SET email = $2, admin = $3, disabled = $4 WHERE username = $1";
    exec(c, sql, &[&username, &f.email, &f.admin, &f.disabled])
        .await
        .map(drop)
}

pub(super) async fn delete_user(c: &impl GenericClient, username: &str) -> Res<()> {
    for sql in [
        "DELETE FROM memberships WHERE username = $1",
        "DELETE FROM tokens WHERE username = $1",
        "DELETE FROM users WHERE username = $1",
    ] {
        exec(c, sql, &[&username]).await?;
    }
    Ok(())
}

// ---- tokens naming things ----------------------------------------------------------------

pub(super) async fn live_tokens_of_user(
    c: &impl GenericClient,
    username: &str,
    now: i64,
) -> Res<Vec<TokenRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM tokens WHERE username = $1 AND revoked_at IS NULL \
         AND (expiry IS NULL OR expiry > $2) ORDER BY seq FOR UPDATE"
    );
    let rows = c.query(&sql, &[&username, &now]).await.map_err(classify)?;
    token_rows(&rows)
}

pub(super) async fn live_tokens_naming(
    c: &impl GenericClient,
    target: &EntityRef,
    now: i64,
    lock: bool,
) -> Res<Vec<TokenRow>> {
    let (key, [a, b, d]) = naming_patterns(target);
    let lock = if lock { " FOR UPDATE" } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM tokens WHERE revoked_at IS NULL \
         AND (expiry IS NULL OR expiry > $5) \
         AND (project_key = $1::text OR scope LIKE $2::text OR scope LIKE $3::text \
              OR scope LIKE $4::text) ORDER BY seq{lock}"
    );
    let rows = c
        .query(&sql, &[&key, &a, &b, &d, &now])
        .await
        .map_err(classify)?;
    token_rows(&rows)
}

// ---- projects and membership -------------------------------------------------------------

pub(super) async fn project(c: &impl GenericClient, key: &str) -> Res<Option<ProjectInfo>> {
    let row = c
        .query_opt(
            "SELECT project_key, display_name, description FROM projects WHERE project_key = $1",
            &[&key],
        )
        .await
        .map_err(classify)?;
    row.as_ref().map(project_row).transpose().map_err(classify)
}

pub(super) async fn add_project(c: &impl GenericClient, p: &ProjectInfo) -> Res<bool> {
    let sql = "INSERT INTO projects (project_key, display_name, description) \
               VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    Ok(exec(c, sql, &[&p.project_key, &p.display_name, &p.description]).await? == 1)
}

pub(super) async fn delete_project(c: &impl GenericClient, key: &str) -> Res<ProjectGone> {
    let members = exec(c, "DELETE FROM memberships WHERE project_key = $1", &[&key]).await?;
    let devices = exec(c, "DELETE FROM devices WHERE project_key = $1", &[&key]).await?;
    let fleets = exec(c, "DELETE FROM fleets WHERE project_key = $1", &[&key]).await?;
    exec(c, "DELETE FROM projects WHERE project_key = $1", &[&key]).await?;
    Ok(ProjectGone {
        members,
        devices,
        fleets,
    })
}

pub(super) async fn members(c: &impl GenericClient, project: &str) -> Res<Vec<Member>> {
    let rows = c
        .query(
            "SELECT username, roles::text FROM memberships WHERE project_key = $1 \
             ORDER BY username",
            &[&project],
        )
        .await
        .map_err(classify)?;
    rows.iter()
        .map(|r| {
            let roles: String = r.try_get(1).map_err(classify)?;
            Ok(Member {
                name: r.try_get(0).map_err(classify)?,
                roles: list_of(&roles)?,
            })
        })
        .collect()
}

pub(super) async fn member_roles(
    c: &impl GenericClient,
    username: &str,
    project: &str,
) -> Res<Option<Vec<String>>> {
    let row = c
        .query_opt(
            "SELECT roles::text FROM memberships WHERE username = $1 AND project_key = $2",
            &[&username, &project],
        )
        .await
        .map_err(classify)?;
    let Some(row) = row else { return Ok(None) };
    let roles: String = row.try_get(0).map_err(classify)?;
    list_of(&roles).map(Some)
}

pub(super) async fn put_member(
    c: &impl GenericClient,
    username: &str,
    project: &str,
    roles: &[String],
) -> Res<()> {
    let sql = "INSERT INTO memberships (username, project_key, roles) \
               VALUES ($1, $2, $3::text::jsonb) \
               ON CONFLICT (username, project_key) DO UPDATE SET roles = excluded.roles";
    exec(c, sql, &[&username, &project, &json_list(roles)])
        .await
        .map(drop)
}

// ---- fleets and devices ------------------------------------------------------------------

pub(super) async fn delete_fleet(c: &impl GenericClient, project: &str, name: &str) -> Res<u64> {
    let devices = exec(
        c,
        "DELETE FROM devices WHERE project_key = $1 AND fleet = $2",
        &[&project, &name],
    )
    .await?;
    exec(
        c,
        "DELETE FROM fleets WHERE project_key = $1 AND name = $2",
        &[&project, &name],
    )
    .await?;
    Ok(devices)
}

pub(super) async fn count_devices(
    c: &impl GenericClient,
    project: &str,
    fleet: Option<&str>,
) -> Res<u64> {
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM devices WHERE project_key = $1 \
             AND ($2::text IS NULL OR fleet = $2)",
            &[&project, &fleet],
        )
        .await
        .map_err(classify)?
        .try_get(0)
        .map_err(classify)?;
    Ok(n.max(0) as u64)
}

pub(super) async fn fleet_device_ids(
    c: &impl GenericClient,
    project: &str,
    fleet: &str,
) -> Res<Vec<String>> {
    let rows = c
        .query(
            "SELECT device_uuid FROM devices WHERE project_key = $1 AND fleet = $2 \
             ORDER BY device_uuid",
            &[&project, &fleet],
        )
        .await
        .map_err(classify)?;
    first_column(&rows)
}

pub(super) async fn add_device(c: &impl GenericClient, d: &DeviceInfo) -> Res<bool> {
    Ok(insert_device_then(c, d, " ON CONFLICT DO NOTHING").await? == 1)
}

pub(super) async fn devices_among(
    c: &impl GenericClient,
    project: &str,
    ids: &[String],
) -> Res<Vec<DeviceInfo>> {
    let sql = format!(
        "SELECT {DEVICE_COLUMNS} FROM devices WHERE project_key = $1 \
         AND device_uuid = ANY($2::text[])"
    );
    let rows = c.query(&sql, &[&project, &ids]).await.map_err(classify)?;
    rows.iter().map(device_row).collect()
}

/// One statement over `unnest`ed arrays, whatever the number of rows.
pub(super) async fn upsert_devices(
    c: &impl GenericClient,
    project: &str,
    rows: &[DeviceInfo],
) -> Res<()> {
    let column = |f: fn(&DeviceInfo) -> String| rows.iter().map(f).collect::<Vec<String>>();
    let ids = column(|d| d.device_uuid.clone());
    let names = column(|d| d.device_name.clone());
    let fleets = column(|d| d.group.clone());
    let descriptions = column(|d| d.description.clone());
    let tags = column(|d| json_list(&d.tags));
    let sql = "INSERT INTO devices (project_key, device_uuid, device_name, fleet, description, tags) \
               SELECT $1, u.id, u.name, u.fleet, u.description, u.tags::jsonb \
               FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) \
                    AS u(id, name, fleet, description, tags) \
               ON CONFLICT (project_key, device_uuid) DO UPDATE SET \
               device_name = excluded.device_name, fleet = excluded.fleet, \
               description = excluded.description, tags = excluded.tags";
    exec(
        c,
        sql,
        &[&project, &ids, &names, &fleets, &descriptions, &tags],
    )
    .await
    .map(drop)
}
