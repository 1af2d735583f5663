//! Bootstrap, seed and meta writes: a batch of rows in one transaction.

use super::super::audit::OK;
use super::super::tx::{Res, Tx};
use super::super::work::Write;

/// Writes one row of a batch.
pub async fn apply_one<T: Tx>(tx: &T, w: &Write) -> Res<()> {
    match w {
        Write::User(u) => tx.insert_user(u).await,
        Write::Membership { username, project } => tx.add_membership(username, project).await,
        Write::Project(p) => tx.insert_project(p).await,
        Write::Fleet { project, name } => tx.insert_fleet(project, name).await,
        Write::Device(d) => tx.insert_device(d).await,
        Write::Token(t) => tx.insert_token(t, None).await,
        Write::Audit { record, at } => tx.record(record, *at, OK).await.map(drop),
        Write::Meta { key, value } => tx.set_meta(key, value, true).await,
    }
}

pub async fn apply<T: Tx>(tx: &T, batch: &[Write]) -> Res<()> {
    for w in batch {
        apply_one(tx, w).await?;
    }
    Ok(())
}

/// Applies `batch` only if the database has no user yet; true when applied. Processes starting
/// together on one empty database apply it exactly once ([`Tx::lock_bootstrap`]).
pub async fn apply_if_empty<T: Tx>(tx: &T, batch: &[Write]) -> Res<bool> {
    tx.lock_bootstrap().await?;
    if tx.user_count().await? > 0 {
        return Ok(false);
    }
    apply(tx, batch).await?;
    Ok(true)
}

/// The stored service id; `candidate` is stored first when there is none.
pub async fn service_id<T: Tx>(tx: &T, candidate: &str) -> Res<String> {
    tx.set_meta("service_id", candidate, false).await?;
    tx.meta("service_id")
        .await?
        .ok_or_else(|| crate::service::error::StoreError::Corrupt("no service id".into()))
}
