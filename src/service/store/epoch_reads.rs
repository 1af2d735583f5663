//! Reads that also return the revocation epoch, in the same statement: a request that reads
//! its answer this way needs no epoch read of its own ([`crate::service::revocation`], "One
//! statement for both").

use crate::model::wire::DeviceInfo;
use crate::service::error::StoreError;

use super::backend::Db;

impl Db {
    /// The revocation epoch and the device, read by one statement (one read that began when
    /// this call did): SQLite on the calling task as a point read, PostgreSQL on a pooled
    /// client. The epoch is there even when the device is not.
    pub async fn device_with_epoch(
        &self,
        project: String,
        uuid: String,
    ) -> Result<(u64, Option<DeviceInfo>), StoreError> {
        match self {
            Db::Sqlite(db) => db.device_with_epoch(project, uuid).await,
            Db::Postgres(db) => db.device_with_epoch(&project, &uuid).await,
        }
    }
}
