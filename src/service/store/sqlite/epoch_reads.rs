//! SQLite's reads that return the revocation epoch too ([`super::super::epoch_reads`]).

use rusqlite::Connection;

use crate::model::wire::DeviceInfo;
use crate::service::error::StoreError;

use super::entities::{DEVICE_COLUMNS, device_row};
use super::{Access, SqliteDb};

/// The epoch row joined with the device (the device's columns are NULL when there is none).
/// One statement in autocommit mode: one read transaction, so the epoch and the device are
/// from the same snapshot, taken when the statement starts.
fn device_with_epoch(
    conn: &Connection,
    project: &str,
    uuid: &str,
) -> rusqlite::Result<(u64, Option<DeviceInfo>)> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DEVICE_COLUMNS}, e.epoch FROM revocation_epoch e \
         LEFT JOIN devices ON project_key = ?1 AND device_uuid = ?2 WHERE e.id = 0"
    ))?;
    stmt.query_row([project, uuid], |r| {
        let epoch: i64 = r.get(8)?;
        let device = match r.get_ref(0)? {
            rusqlite::types::ValueRef::Null => None,
            _ => Some(device_row(r)?),
        };
        Ok((epoch as u64, device))
    })
}

impl SqliteDb {
    /// [`super::super::backend::Db::device_with_epoch`] on SQLite: a point read on the
    /// calling task.
    pub async fn device_with_epoch(
        &self,
        project: String,
        uuid: String,
    ) -> Result<(u64, Option<DeviceInfo>), StoreError> {
        self.store
            .run(Access::Point, move |c| {
                device_with_epoch(c, &project, &uuid).map_err(StoreError::from)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::super::connect::open_writer;
    use super::super::entities::{insert_device, insert_fleet, insert_project};
    use super::*;
    use crate::model::wire::ProjectInfo;

    /// The statement returns the epoch committed before it began, with the device or without
    /// one, on one reused connection (no read transaction kept between two reads).
    #[test]
    fn the_device_read_returns_the_epoch_of_its_own_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        let writer = open_writer(&path).unwrap();
        let reader = Connection::open(&path).unwrap();
        let epoch = |w: &Connection| {
            w.query_row("SELECT epoch FROM revocation_epoch WHERE id = 0", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap() as u64
        };
        let e0 = epoch(&writer);
        assert_eq!(device_with_epoch(&reader, "p", "d1").unwrap(), (e0, None));

        let project = ProjectInfo {
            project_key: "p".into(),
            display_name: "P".into(),
            description: String::new(),
        };
        insert_project(&writer, &project).unwrap();
        insert_fleet(&writer, "p", "f").unwrap();
        let device = DeviceInfo {
            device_uuid: "d1".into(),
            device_name: "one".into(),
            project: "p".into(),
            group: "f".into(),
            description: String::new(),
            tags: vec!["t".into()],
            device_ip: None,
            agent_version: None,
        };
        insert_device(&writer, &device).unwrap();
        writer
            .execute(
                "UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 0",
                [],
            )
            .unwrap();
        assert_eq!(
            device_with_epoch(&reader, "p", "d1").unwrap(),
            (e0 + 1, Some(device))
        );
        assert_eq!(
            device_with_epoch(&reader, "p", "d2").unwrap(),
            (e0 + 1, None)
        );
    }
}
