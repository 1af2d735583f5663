//! `Db` calls without an audit record, for the store-level tests (which check storage, not the
//! trail). `common::db_calls`; `use crate::common::db_calls::Plain;`.

use tokentab::model::EntityRef;
use tokentab::model::wire::{DeviceInfo, DevicePatch};
use tokentab::service::StoreError;
use tokentab::service::store::backend::{CreateCheck, CreateToken, Db, DeviceWrite, RevokeOutcome};
use tokentab::service::store::tokens::{NewToken, TokenRow};

pub trait Plain {
    async fn create_plain(
        &self,
        new: NewToken,
        targets: Vec<EntityRef>,
        caller: Option<String>,
    ) -> Result<CreateCheck, StoreError>;

    async fn revoke_if(
        &self,
        id: String,
        now: i64,
        caller: Option<String>,
        may: impl FnOnce(&TokenRow) -> bool + Clone + Send + 'static,
    ) -> Result<RevokeOutcome, StoreError>;

    async fn update_if<E: From<StoreError> + Send + 'static>(
        &self,
        project: String,
        uuid: String,
        patch: DevicePatch,
        caller: Option<String>,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
    ) -> Result<Option<DeviceInfo>, E>;

    async fn delete_if<E: From<StoreError> + Send + 'static>(
        &self,
        project: String,
        uuid: String,
        caller: Option<String>,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
    ) -> Result<bool, E>;
}

/// A create with no refresh secret, no limits and no audit row.
pub fn plain_create(new: NewToken, targets: Vec<EntityRef>, caller: Option<String>) -> CreateToken {
    CreateToken {
        new,
        targets,
        caller,
        refresh_hash: None,
        limited: None,
        audit: None,
    }
}

/// A device write with no audit row.
pub fn plain_device(project: String, uuid: String, caller: Option<String>) -> DeviceWrite {
    DeviceWrite {
        project,
        uuid,
        caller,
        audit: None,
    }
}

impl Plain for Db {
    async fn create_plain(
        &self,
        new: NewToken,
        targets: Vec<EntityRef>,
        caller: Option<String>,
    ) -> Result<CreateCheck, StoreError> {
        self.create_token(plain_create(new, targets, caller)).await
    }

    async fn revoke_if(
        &self,
        id: String,
        now: i64,
        caller: Option<String>,
        may: impl FnOnce(&TokenRow) -> bool + Clone + Send + 'static,
    ) -> Result<RevokeOutcome, StoreError> {
        self.revoke_token_if(id, now, caller, may, None).await
    }

    async fn update_if<E: From<StoreError> + Send + 'static>(
        &self,
        project: String,
        uuid: String,
        patch: DevicePatch,
        caller: Option<String>,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
    ) -> Result<Option<DeviceInfo>, E> {
        self.update_device_if(plain_device(project, uuid, caller), patch, check)
            .await
    }

    async fn delete_if<E: From<StoreError> + Send + 'static>(
        &self,
        project: String,
        uuid: String,
        caller: Option<String>,
        check: impl FnOnce(Option<&DeviceInfo>) -> Result<(), E> + Send + 'static,
    ) -> Result<bool, E> {
        self.delete_device_if(plain_device(project, uuid, caller), check)
            .await
            .map(|gone| gone.is_some())
    }
}
