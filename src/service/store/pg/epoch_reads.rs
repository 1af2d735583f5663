//! PostgreSQL's reads that return the revocation epoch too ([`super::super::epoch_reads`]).

use crate::model::wire::DeviceInfo;
use crate::service::error::StoreError;

use super::entities::{DEVICE_COLUMNS, device_row};
use super::{PgDb, classify};

impl PgDb {
    /// [`super::super::backend::Db::device_with_epoch`] on PostgreSQL: one statement (under
    /// READ COMMITTED one snapshot, taken when it starts) that reads the concurrent requests'
    /// devices together ([`super::device_batch`]), or this request's own when that failed.
    pub async fn device_with_epoch(
        &self,
        project: &str,
        uuid: &str,
    ) -> Result<(u64, Option<DeviceInfo>), StoreError> {
        match self.devices.get(project, uuid).await {
            Some(answer) => Ok(answer),
            None => self.device_alone(project, uuid).await,
        }
    }

    /// The same read as one statement of its own, prepared once per pooled connection.
    pub(super) async fn device_alone(
        &self,
        project: &str,
        uuid: &str,
    ) -> Result<(u64, Option<DeviceInfo>), StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLUMNS}, e.epoch FROM revocation_epoch e \
                 LEFT JOIN devices ON project_key = $1 AND device_uuid = $2"
            ))
            .await
            .map_err(classify)?;
        let row = client
            .query_one(&stmt, &[&project, &uuid])
            .await
            .map_err(classify)?;
        let epoch: i64 = row.try_get(8).map_err(classify)?;
        let uuid: Option<String> = row.try_get(0).map_err(classify)?;
        let device = match uuid {
            Some(_) => Some(device_row(&row)?),
            None => None,
        };
        Ok((epoch as u64, device))
    }
}
