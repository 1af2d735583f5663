//! Device writes (`PATCH` and `DELETE /api/v2/{project}/devices/{uuid}`): the caller
//! re-checked, `check` shown the device (None when missing; PostgreSQL locks it), the change
//! applied when it exists and the audit row written when a row changed, in one transaction.
//! And a device registered (`POST /api/v2/{project}/devices`, issue 17).

use crate::model::EntityRef;
use crate::model::clock::now;
use crate::model::wire::{DeviceInfo, DevicePatch};
use crate::service::error::StoreError;

use super::super::admin::{Acting, Refusal};
use super::super::audit::OK;
use super::super::tx::{Res, Tx};
use super::super::work::DeviceWrite;
use super::projects::project_known;
use crate::model::counts::count_of;

use super::{caller_live, names, note};

/// Registers `dev`: Missing for an unknown project, Invalid for an unknown fleet, Conflict
/// when the id is taken in the project.
pub async fn add<T: Tx>(tx: &T, dev: &DeviceInfo, by: &Acting) -> Res<DeviceInfo> {
    caller_live(tx, by.caller.as_deref()).await?;
    let (project, uuid) = (&dev.project, &dev.device_uuid);
    project_known(tx, project).await?;
    if !tx.fleet_exists(project, &dev.group).await? {
        let msg = format!(
            "fleet: unknown fleet \"{}\" in project \"{project}\"",
            dev.group
        );
        return Err(Refusal::Invalid(msg).into());
    }
    if !tx.add_device(dev).await? {
        let msg = format!("device \"{uuid}\" already exists in project \"{project}\"");
        return Err(Refusal::Conflict(msg).into());
    }
    note(tx, by, "device_add", |r| {
        r.device = Some(format!("{project}/{uuid}"));
        r.description = Some(format!("{} in fleet {}", dev.device_name, dev.group));
    })
    .await?;
    Ok(tx
        .device(project, uuid)
        .await?
        .unwrap_or_else(|| dev.clone()))
}

/// Live tokens whose scope names the device.
async fn naming_device<T: Tx>(tx: &T, project: &str, uuid: &str) -> Res<u64> {
    let target = EntityRef::Device {
        project: project.to_owned(),
        device: uuid.to_owned(),
    };
    let rows = tx.live_tokens_naming(&target, now(), false).await?;
    Ok(rows.iter().filter(|t| names(t, |e| *e == target)).count() as u64)
}

/// The device after `patch`; None when missing and `check` let it pass.
pub async fn update_if<T: Tx, E: From<StoreError>>(
    tx: &T,
    w: &DeviceWrite,
    patch: &DevicePatch,
    check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E>,
) -> Result<Option<DeviceInfo>, E> {
    let Some(mut dev) = checked(tx, w, check).await? else {
        return Ok(None);
    };
    if let Some(n) = &patch.device_name {
        dev.device_name = n.clone();
    }
    if let Some(d) = &patch.description {
        dev.description = d.clone();
    }
    if let Some(t) = &patch.tags {
        dev.tags = t.clone();
    }
    tx.write_device(&dev).await?;
    if let Some(r) = &w.audit {
        tx.record(r, now(), OK).await?;
    }
    Ok(Some(dev))
}

/// When a row went, how many live tokens named the device (the audit row says it too).
pub async fn delete_if<T: Tx, E: From<StoreError>>(
    tx: &T,
    w: &DeviceWrite,
    check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E>,
) -> Result<Option<u64>, E> {
    if checked(tx, w, check).await?.is_none() {
        return Ok(None);
    }
    if !tx.delete_device(&w.project, &w.uuid).await? {
        return Ok(None);
    }
    let naming = naming_device(tx, &w.project, &w.uuid).await?;
    if let Some(r) = &w.audit {
        let said = format!("{} named it", count_of(naming, "live token", "live tokens"));
        let r = super::super::audit::Record {
            description: Some(match &r.description {
                Some(d) => format!("{d}; {said}"),
                None => said,
            }),
            ..r.clone()
        };
        tx.record(&r, now(), OK).await?;
    }
    Ok(Some(naming))
}

/// The caller re-checked, then the device (locked for the write) shown to `check`.
async fn checked<T: Tx, E: From<StoreError>>(
    tx: &T,
    w: &DeviceWrite,
    check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E>,
) -> Result<Option<DeviceInfo>, E> {
    caller_live(tx, w.caller.as_deref()).await?;
    let dev = tx.device_for_update(&w.project, &w.uuid).await?;
    check(dev.as_ref())?;
    Ok(dev)
}
