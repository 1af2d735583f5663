//! The business rules, each written once over [`Tx`] and run by [`super::backend::Db`] inside
//! one transaction of either backend: creates with their checks and caps ([`create`]), refresh
//! ([`refresh`]), revokes ([`revoke`]), device writes ([`devices`]), bootstrap and entity
//! writes ([`entities`]), and the reads that combine several primitives ([`reads`]).
//!
//! A rule never names a backend and never commits: the backend commits when the rule returns
//! Ok and rolls back when it returns Err (SQLite: the job's savepoint; PostgreSQL: the
//! transaction).

pub mod bulk_revoke;
pub mod create;
pub mod devices;
pub mod entities;
pub mod fleets;
pub mod import;
pub mod projects;
pub mod reads;
pub mod refresh;
pub mod revoke;
pub mod settings;
pub mod users;

use crate::model::EntityRef;
use crate::model::clock::now;
use crate::model::scope::Scope;
use crate::service::error::StoreError;

use super::admin::Acting;
use super::audit::{OK, Record};
use super::tokens::TokenRow;
use super::tx::{CallerRow, Res, Tx};

/// Writes one audit row of an admin change from `by`'s template, with `action` and what
/// `fill` sets (none when `by` has no template).
pub(crate) async fn note<T: Tx>(
    tx: &T,
    by: &Acting,
    action: &'static str,
    fill: impl FnOnce(&mut Record),
) -> Res<()> {
    if let Some(template) = &by.audit {
        let mut r = template.clone();
        r.action = action;
        fill(&mut r);
        tx.record(&r, now(), OK).await?;
    }
    Ok(())
}

/// Revokes a live token found by an admin change, with its own `revoke` row; whether it was
/// live.
pub(crate) async fn revoke_noted<T: Tx>(tx: &T, by: &Acting, row: &TokenRow, at: i64) -> Res<bool> {
    if !tx.revoke(&row.token_id, at).await? {
        return Ok(false);
    }
    note(tx, by, "revoke", |r| {
        r.token_id = Some(row.token_id.clone());
        r.description = Some(row.description.clone());
    })
    .await?;
    Ok(true)
}

/// Whether one of the token's Connect grants names a target `hit` accepts (a scope that does
/// not parse names nothing).
pub(crate) fn names(row: &TokenRow, hit: impl Fn(&EntityRef) -> bool) -> bool {
    row.scope
        .parse::<Scope>()
        .is_ok_and(|s| s.grants().any(|(t, _)| hit(t)))
}

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
