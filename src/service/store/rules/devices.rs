//! Device writes (`PATCH` and `DELETE /api/v2/{project}/devices/{uuid}`): the caller
//! re-checked, `check` shown the device (None when missing; PostgreSQL locks it), the change
//! applied when it exists and the audit row written when a row changed, in one transaction.

use crate::model::clock::now;
use crate::model::wire::{DeviceInfo, DevicePatch};
use crate::service::error::StoreError;

use super::super::audit::OK;
use super::super::tx::Tx;
use super::super::work::DeviceWrite;
use super::caller_live;

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

/// Whether a row went.
pub async fn delete_if<T: Tx, E: From<StoreError>>(
    tx: &T,
    w: &DeviceWrite,
    check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E>,
) -> Result<bool, E> {
    if checked(tx, w, check).await?.is_none() {
        return Ok(false);
    }
    let gone = tx.delete_device(&w.project, &w.uuid).await?;
    if let (Some(r), true) = (&w.audit, gone) {
        tx.record(r, now(), OK).await?;
    }
    Ok(gone)
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
