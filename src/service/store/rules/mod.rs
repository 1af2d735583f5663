//! The business rules, each written once over [`Tx`] and run by [`super::backend::Db`] inside
//! one transaction of either backend: creates with their checks and caps ([`create`]), refresh
//! ([`refresh`]), revokes ([`revoke`]), device writes ([`devices`]), bootstrap and entity
//! writes ([`entities`]), and the reads that combine several primitives ([`reads`]).
//!
//! A rule never names a backend and never commits: the backend commits when the rule returns
//! Ok and rolls back when it returns Err (SQLite: the job's savepoint; PostgreSQL: the
//! transaction).

pub mod create;
pub mod devices;
pub mod entities;
pub mod reads;
pub mod refresh;
pub mod revoke;

use crate::model::clock::now;
use crate::service::error::StoreError;

use super::tx::{CallerRow, Res, Tx};

/// Refuses unless `caller` (when given) is live now: [`StoreError::CallerRevoked`] (revoked or
/// unknown), [`StoreError::CallerExpired`], [`StoreError::CallerDisabled`] (its user disabled
/// or gone). Every write acting for a caller runs this first, in its own transaction.
pub async fn caller_live<T: Tx>(tx: &T, caller: Option<&str>) -> Res<()> {
    let Some(id) = caller else { return Ok(()) };
    match tx.caller(id).await? {
        None | Some(CallerRow { revoked: true, .. }) => Err(StoreError::CallerRevoked),
        Some(CallerRow {
            expiry: Some(e), ..
        }) if e <= now() => Err(StoreError::CallerExpired),
        Some(CallerRow {
            disabled: Some(false),
            ..
        }) => Ok(()),
        Some(_) => Err(StoreError::CallerDisabled),
    }
}
