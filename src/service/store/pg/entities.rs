//! Meta, bootstrap batches, users, projects, fleets and devices on PostgreSQL.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::model::wire::{DeviceInfo, DevicePatch, FleetInfo, ProjectInfo, UserInfo};
use crate::service::error::StoreError;
use crate::service::store::audit::OK;
use crate::service::store::backend::{DeviceWrite, Write};
use crate::service::store::entities::{DeviceFilter, DeviceQuery};

use super::audit::record;
use super::token_ops::caller_live;
use super::tokens::insert;
use super::{PgDb, classify};

/// `pg_advisory_xact_lock` key for the first-start bootstrap ("tt-boot!").
const BOOTSTRAP_LOCK: i64 = 0x7474_2d62_6f6f_7421;

const DEVICE_COLUMNS: &str = "device_uuid, device_name, project_key, fleet, description, \
                              tags::text, device_ip, agent_version";

type Param = Box<dyn ToSql + Sync + Send>;

fn user_row(r: &Row) -> Result<UserInfo, tokio_postgres::Error> {
    Ok(UserInfo {
        username: r.try_get(0)?,
        email: r.try_get(1)?,
        admin: Some(r.try_get(2)?),
        status: Some(r.try_get(3)?),
        realm: Some(r.try_get(4)?),
    })
}

fn device_row(r: &Row) -> Result<DeviceInfo, StoreError> {
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

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

async fn apply_one(tx: &impl GenericClient, w: &Write) -> Result<(), StoreError> {
    let done = match w {
        Write::User(u) => {
            tx.execute(
                "INSERT INTO users (username, email, admin, status, realm, disabled) \
                 VALUES ($1, $2, $3, $4, $5, $4 = 'disabled') \
                 ON CONFLICT (username) DO UPDATE SET admin = users.admin OR excluded.admin",
                &[
                    &u.username,
                    &u.email,
                    &u.admin.unwrap_or(false),
                    &u.status.as_deref().unwrap_or("enabled"),
                    &u.realm.as_deref().unwrap_or("internal"),
                ],
            )
            .await
        }
        Write::Membership { username, project } => {
            tx.execute(
                "INSERT INTO memberships (username, project_key) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
                &[username, project],
            )
            .await
        }
        Write::Project(p) => {
            tx.execute(
                "INSERT INTO projects (project_key, display_name, description) \
                 VALUES ($1, $2, $3)",
                &[&p.project_key, &p.display_name, &p.description],
            )
            .await
        }
        Write::Fleet { project, name } => {
            tx.execute(
                "INSERT INTO fleets (project_key, name) VALUES ($1, $2)",
                &[project, name],
            )
            .await
        }
        Write::Device(d) => {
            tx.execute(
                "INSERT INTO devices (device_uuid, device_name, project_key, fleet, description, \
                 tags, device_ip, agent_version) VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8)",
                &[
                    &d.device_uuid,
                    &d.device_name,
                    &d.project,
                    &d.group,
                    &d.description,
                    &tags_json(&d.tags),
                    &d.device_ip,
                    &d.agent_version,
                ],
            )
            .await
        }
        Write::Token(t) => return insert(tx, t, None).await,
        Write::Audit { record: r, at } => return record(tx, r, *at, OK).await.map(drop),
        Write::Meta { key, value } => {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[key, value],
            )
            .await
        }
    };
    done.map(drop).map_err(classify)
}

async fn device_for_update(
    tx: &impl GenericClient,
    project: &str,
    uuid: &str,
) -> Result<Option<DeviceInfo>, StoreError> {
    let row = tx
        .query_opt(
            &format!(
                "SELECT {DEVICE_COLUMNS} FROM devices \
                 WHERE project_key = $1 AND device_uuid = $2 FOR UPDATE"
            ),
            &[&project, &uuid],
        )
        .await
        .map_err(classify)?;
    row.as_ref().map(device_row).transpose()
}

impl PgDb {
    pub async fn service_id(&self, candidate: String) -> Result<String, StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO meta (key, value) VALUES ('service_id', $1) ON CONFLICT DO NOTHING",
                &[&candidate],
            )
            .await
            .map_err(classify)?;
        let row = client
            .query_one("SELECT value FROM meta WHERE key = 'service_id'", &[])
            .await
            .map_err(classify)?;
        row.try_get(0).map_err(classify)
    }

    pub async fn meta(&self, key: String) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
            .await
            .map_err(classify)?;
        row.map(|r| r.try_get(0)).transpose().map_err(classify)
    }

    /// Serialized across replicas by a transaction-scoped advisory lock: the second replica
    /// waits, then finds users and applies nothing.
    pub async fn apply_if_empty(&self, batch: Vec<Write>) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&BOOTSTRAP_LOCK])
            .await
            .map_err(classify)?;
        let users: i64 = tx
            .query_one("SELECT count(*) FROM users", &[])
            .await
            .map_err(classify)?
            .get(0);
        if users > 0 {
            return Ok(false);
        }
        for w in &batch {
            apply_one(&tx, w).await?;
        }
        tx.commit().await.map_err(classify)?;
        Ok(true)
    }

    pub async fn apply(&self, batch: Vec<Write>) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        for w in &batch {
            apply_one(&tx, w).await?;
        }
        tx.commit().await.map_err(classify)
    }

    pub async fn user(&self, username: String) -> Result<Option<UserInfo>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT username, email, admin, status, realm FROM users WHERE username = $1",
                &[&username],
            )
            .await
            .map_err(classify)?;
        row.map(|r| user_row(&r)).transpose().map_err(classify)
    }

    pub async fn user_count(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT count(*) FROM users", &[])
            .await
            .map_err(classify)?;
        row.try_get(0).map_err(classify)
    }

    pub async fn users_page(
        &self,
        contains: Option<String>,
        after: Option<String>,
        limit: u32,
    ) -> Result<(Vec<UserInfo>, Option<String>), StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT username, email, admin, status, realm FROM users \
                 WHERE ($1::text IS NULL OR strpos(username, $1) > 0) \
                 AND ($2::text IS NULL OR username > $2) \
                 ORDER BY username LIMIT $3",
            )
            .await
            .map_err(classify)?;
        let rows = client
            .query(&stmt, &[&contains, &after, &(i64::from(limit) + 1)])
            .await
            .map_err(classify)?;
        let mut users = rows
            .iter()
            .map(user_row)
            .collect::<Result<Vec<_>, _>>()
            .map_err(classify)?;
        let mut next = None;
        if users.len() > limit as usize {
            users.truncate(limit as usize);
            next = users.last().map(|u| u.username.clone());
        }
        Ok((users, next))
    }

    pub async fn projects(&self) -> Result<Vec<ProjectInfo>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT project_key, display_name, description FROM projects \
                 ORDER BY project_key",
                &[],
            )
            .await
            .map_err(classify)?;
        rows.iter()
            .map(|r| {
                Ok(ProjectInfo {
                    project_key: r.try_get(0)?,
                    display_name: r.try_get(1)?,
                    description: r.try_get(2)?,
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(classify)
    }

    pub async fn project_exists(&self, key: String) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT 1 FROM projects WHERE project_key = $1", &[&key])
            .await
            .map_err(classify)?;
        Ok(row.is_some())
    }

    pub async fn fleets(&self, project: String) -> Result<Option<Vec<FleetInfo>>, StoreError> {
        let client = self.client().await?;
        let exists = client
            .query_opt("SELECT 1 FROM projects WHERE project_key = $1", &[&project])
            .await
            .map_err(classify)?;
        if exists.is_none() {
            return Ok(None);
        }
        let rows = client
            .query(
                "SELECT f.name, (SELECT count(*) FROM devices d \
                                 WHERE d.project_key = f.project_key AND d.fleet = f.name) \
                 FROM fleets f WHERE f.project_key = $1 ORDER BY f.name",
                &[&project],
            )
            .await
            .map_err(classify)?;
        let fleets = rows
            .iter()
            .map(|r| {
                Ok(FleetInfo {
                    name: r.try_get(0)?,
                    project_key: project.clone(),
                    device_count: r.try_get::<_, i64>(1)?.max(0) as u64,
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(classify)?;
        Ok(Some(fleets))
    }

    pub async fn device(
        &self,
        project: String,
        uuid: String,
    ) -> Result<Option<DeviceInfo>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices WHERE project_key = $1 AND device_uuid = $2"
            ))
            .await
            .map_err(classify)?;
        let row = client
            .query_opt(&stmt, &[&project, &uuid])
            .await
            .map_err(classify)?;
        row.as_ref().map(device_row).transpose()
    }

    pub async fn devices_page(
        &self,
        project: String,
        q: DeviceQuery,
    ) -> Result<Option<(Vec<DeviceInfo>, Option<String>)>, StoreError> {
        if !self.project_exists(project.clone()).await? {
            return Ok(None);
        }
        let mut args: Vec<Param> = vec![Box::new(project)];
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
                return Ok(Some((Vec::new(), None)));
            }
            sql.push_str(&format!(" AND ({})", parts.join(" OR ")));
        }
        if let Some(a) = &q.after {
            args.push(Box::new(a.clone()));
            sql.push_str(&format!(" AND device_uuid > ${}", args.len()));
        }
        args.push(Box::new(i64::from(q.limit) + 1));
        sql.push_str(&format!(" ORDER BY device_uuid LIMIT ${}", args.len()));
        let client = self.client().await?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            args.iter().map(|a| &**a as &(dyn ToSql + Sync)).collect();
        let rows = client.query(&sql, &refs).await.map_err(classify)?;
        let mut devices = rows.iter().map(device_row).collect::<Result<Vec<_>, _>>()?;
        let mut next = None;
        if devices.len() > q.limit as usize {
            devices.truncate(q.limit as usize);
            next = devices.last().map(|d| d.device_uuid.clone());
        }
        Ok(Some((devices, next)))
    }

    pub async fn update_device_if<E>(
        &self,
        w: DeviceWrite,
        patch: DevicePatch,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
    ) -> Result<Option<DeviceInfo>, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        let DeviceWrite {
            project,
            uuid,
            caller,
            audit,
        } = w;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        caller_live(&tx, caller.as_deref()).await?;
        let Some(mut dev) = ({
            let dev = device_for_update(&tx, &project, &uuid).await?;
            check(dev.as_ref())?;
            dev
        }) else {
            return Ok(None);
        };
        if let Some(d) = &patch.description {
            dev.description = d.clone();
        }
        if let Some(t) = &patch.tags {
            dev.tags = t.clone();
        }
        tx.execute(
            "UPDATE devices SET description = $3, tags = $4::text::jsonb \
             WHERE project_key = $1 AND device_uuid = $2",
            &[&project, &uuid, &dev.description, &tags_json(&dev.tags)],
        )
        .await
        .map_err(classify)?;
        if let Some(r) = &audit {
            record(&tx, r, crate::model::clock::now(), OK).await?;
        }
        tx.commit().await.map_err(classify)?;
        Ok(Some(dev))
    }

    pub async fn delete_device_if<E>(
        &self,
        w: DeviceWrite,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
    ) -> Result<bool, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        let DeviceWrite {
            project,
            uuid,
            caller,
            audit,
        } = w;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        caller_live(&tx, caller.as_deref()).await?;
        let dev = device_for_update(&tx, &project, &uuid).await?;
        check(dev.as_ref())?;
        if dev.is_none() {
            return Ok(false);
        }
        let n = tx
            .execute(
                "DELETE FROM devices WHERE project_key = $1 AND device_uuid = $2",
                &[&project, &uuid],
            )
            .await
            .map_err(classify)?;
        if let (Some(r), 1) = (&audit, n) {
            record(&tx, r, crate::model::clock::now(), OK).await?;
        }
        tx.commit().await.map_err(classify)?;
        Ok(n == 1)
    }
}
