//! The token writes of [`PgDb`]: each is one transaction that re-checks its caller first
//! ([`caller_live`]) and writes its audit rows before it commits, with the results of the
//! SQLite backend's `sqlite/token_ops.rs`.
//!
//! Where SQLite's single writer serializes everything, rows are locked here: the token a
//! revoke or refresh replaces (`FOR UPDATE`: a second refresh with the same secret waits,
//! then finds the row revoked and gets None), and for a capped create the user's row
//! (`FOR NO KEY UPDATE`: two capped creates of one user cannot both count below the cap).

use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use crate::model::EntityRef;
use crate::model::clock::now;
use crate::service::error::StoreError;
use crate::service::store::audit::{self, Record};
use crate::service::store::backend::{CreateCheck, CreateToken, Refresh, Refreshed, RevokeOutcome};
use crate::service::store::refresh::{Replaced, refreshed_expiry};
use crate::service::store::tokens::{NewToken, TokenRow};

use super::audit::record;
use super::tokens::{COLUMNS, insert, token_row};
use super::{PgDb, classify};

/// Refuses unless `caller` (when given) is live now: [`StoreError::CallerRevoked`] (or
/// unknown, or its user deleted), [`StoreError::CallerExpired`], [`StoreError::CallerDisabled`].
/// `FOR SHARE` orders this transaction against any revoke of the caller (see the module docs of
/// `pg`): when a revoke commits while this waits, the row read is the revoked version. The
/// user row's `FOR KEY SHARE` does the same against a disable, whose trigger locks that row
/// `FOR UPDATE` (pg/schema.rs); a weaker lock than the token row's, so that it never conflicts
/// with a capped create's `FOR NO KEY UPDATE` of the same row (no deadlock between them).
pub(super) async fn caller_live(
    tx: &impl GenericClient,
    caller: Option<&str>,
) -> Result<(), StoreError> {
    let Some(id) = caller else { return Ok(()) };
    let sql = "SELECT t.revoked_at IS NOT NULL, t.expiry, u.disabled FROM tokens t \
               JOIN users u ON u.username = t.username WHERE t.token_id = $1 \
               FOR SHARE OF t FOR KEY SHARE OF u";
    let row = tx.query_opt(sql, &[&id]).await.map_err(classify)?;
    let Some(row) = row else {
        return Err(StoreError::CallerRevoked);
    };
    let revoked: bool = row.try_get(0).map_err(classify)?;
    let expiry: Option<i64> = row.try_get(1).map_err(classify)?;
    let disabled: bool = row.try_get(2).map_err(classify)?;
    match expiry {
        _ if revoked => Err(StoreError::CallerRevoked),
        Some(e) if e <= now() => Err(StoreError::CallerExpired),
        _ if disabled => Err(StoreError::CallerDisabled),
        _ => Ok(()),
    }
}

async fn exists(
    tx: &impl GenericClient,
    sql: &str,
    args: &[&(dyn ToSql + Sync)],
) -> Result<bool, StoreError> {
    Ok(tx.query_opt(sql, args).await.map_err(classify)?.is_some())
}

/// What refuses the create, checked in the SQLite backend's order; None when it may go ahead.
async fn check_targets(
    tx: &impl GenericClient,
    req: &CreateToken,
) -> Result<Option<CreateCheck>, StoreError> {
    let new = &req.new;
    let cap = req.limited.filter(|c| *c > 0);
    let user_sql = if cap.is_some() {
        "SELECT 1 FROM users WHERE username = $1 FOR NO KEY UPDATE"
    } else {
        "SELECT 1 FROM users WHERE username = $1"
    };
    if !exists(tx, user_sql, &[&new.username]).await? {
        return Ok(Some(CreateCheck::UnknownUser(new.username.clone())));
    }
    if let (Some(key), Some(_)) = (&new.project_key, req.limited) {
        let member = exists(
            tx,
            "SELECT 1 FROM memberships WHERE username = $1 AND project_key = $2",
            &[&new.username, key],
        )
        .await?;
        if !member {
            return Ok(Some(CreateCheck::NotMember(key.clone())));
        }
    }
    let projects = new
        .project_key
        .iter()
        .map(String::as_str)
        .chain(req.targets.iter().map(EntityRef::project));
    for key in projects {
        if !exists(tx, "SELECT 1 FROM projects WHERE project_key = $1", &[&key]).await? {
            return Ok(Some(CreateCheck::UnknownProject(key.to_owned())));
        }
    }
    for target in &req.targets {
        let found = match target {
            EntityRef::Project { .. } => true,
            EntityRef::Fleet { project, fleet } => {
                exists(
                    tx,
                    "SELECT 1 FROM fleets WHERE project_key = $1 AND name = $2",
                    &[project, fleet],
                )
                .await?
            }
            EntityRef::Device { project, device } => {
                exists(
                    tx,
                    "SELECT 1 FROM devices WHERE project_key = $1 AND device_uuid = $2",
                    &[project, device],
                )
                .await?
            }
        };
        if !found {
            return Ok(Some(CreateCheck::UnknownTarget(target.clone())));
        }
    }
    if let Some(cap) = cap {
        if live_count(tx, &new.username, now(), cap).await? >= cap {
            return Ok(Some(CreateCheck::OverCap(cap)));
        }
    }
    Ok(None)
}

/// Live (not revoked, not expired) tokens of `username`, counted up to `cap`.
async fn live_count(
    tx: &impl GenericClient,
    username: &str,
    now: i64,
    cap: u32,
) -> Result<u32, StoreError> {
    let n: i64 = tx
        .query_one(
            "SELECT count(*) FROM (SELECT 1 FROM tokens WHERE username = $1 \
             AND revoked_at IS NULL AND (expiry IS NULL OR expiry > $2) LIMIT $3) AS live",
            &[&username, &now, &i64::from(cap)],
        )
        .await
        .map_err(classify)?
        .try_get(0)
        .map_err(classify)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The live token whose `key` column is `value`, locked for the rest of the transaction.
async fn live_for_update(
    tx: &impl GenericClient,
    key: &str,
    value: &(dyn ToSql + Sync),
) -> Result<Option<TokenRow>, StoreError> {
    let row = tx
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM tokens WHERE {key} = $1 AND revoked_at IS NULL FOR UPDATE"
            ),
            &[value],
        )
        .await
        .map_err(classify)?;
    row.map(|r| token_row(&r)).transpose().map_err(classify)
}

/// Marks a (locked, live) token revoked. The epoch_token_revoked trigger bumps the epoch and
/// queues the NOTIFY, delivered at commit.
async fn revoke(tx: &impl GenericClient, id: &str, now: i64) -> Result<u64, StoreError> {
    tx.execute(
        "UPDATE tokens SET revoked_at = $2 WHERE token_id = $1 AND revoked_at IS NULL",
        &[&id, &now],
    )
    .await
    .map_err(classify)
}

impl PgDb {
    pub async fn create_token(&self, req: CreateToken) -> Result<CreateCheck, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        caller_live(&tx, req.caller.as_deref()).await?;
        if let Some(refused) = check_targets(&tx, &req).await? {
            return Ok(refused);
        }
        insert(&tx, &req.new, req.refresh_hash.as_ref()).await?;
        if let Some(r) = &req.audit {
            record(&tx, r, req.new.issued_at, audit::OK).await?;
        }
        tx.commit().await.map_err(classify)?;
        Ok(CreateCheck::Created)
    }

    pub async fn refresh_token(&self, req: Refresh) -> Result<Option<Refreshed>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        caller_live(&tx, Some(&req.caller)).await?;
        let old = tx
            .query_opt(
                &format!(
                    "SELECT {COLUMNS}, audience, secret_hash, \
                     COALESCE(chain_issued_at, issued_at) FROM tokens \
                     WHERE refresh_hash = $1 AND revoked_at IS NULL FOR UPDATE"
                ),
                &[&&req.refresh_hash[..]],
            )
            .await
            .map_err(classify)?;
        let Some(old) = old else { return Ok(None) };
        let token = token_row(&old).map_err(classify)?;
        let audience: String = old.try_get(10).map_err(classify)?;
        let secret_hash: Vec<u8> = old.try_get(11).map_err(classify)?;
        let chain_start: i64 = old.try_get(12).map_err(classify)?;
        if token.username != req.username
            || req.access_hash.is_some_and(|h| h[..] != secret_hash[..])
        {
            return Ok(None);
        }
        let now = now();
        let replaced = Replaced {
            issued_at: token.issued_at,
            expiry: token.expiry,
            chain_start,
        };
        let Ok(expiry) = refreshed_expiry(replaced, now, req.limits) else {
            return Ok(None);
        };
        let new = NewToken {
            token_id: req.new_token_id,
            secret_hash: req.secret_hash,
            username: token.username,
            scope: token.scope,
            audience,
            description: token.description,
            project_key: token.project_key,
            refreshable: true,
            issued_at: now,
            expiry,
        };
        revoke(&tx, &token.token_id, now).await?;
        insert(&tx, &new, Some(&req.next_refresh_hash)).await?;
        tx.execute(
            "UPDATE tokens SET chain_issued_at = $2 WHERE token_id = $1",
            &[&new.token_id, &chain_start],
        )
        .await
        .map_err(classify)?;
        if let Some(rec) = req.audit {
            for (r, result) in audit::refresh_records(rec, &token.token_id, &new) {
                record(&tx, &r, now, result).await?;
            }
        }
        tx.commit().await.map_err(classify)?;
        Ok(Some(Refreshed {
            lifetime: expiry.map(|e| e.saturating_sub(now).max(0) as u64),
            token: new,
        }))
    }

    pub async fn revoke_token_if(
        &self,
        id: String,
        now: i64,
        caller: Option<String>,
        may: impl FnOnce(&TokenRow) -> bool + Send + 'static,
        record_of: Option<Record>,
    ) -> Result<RevokeOutcome, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        caller_live(&tx, caller.as_deref()).await?;
        let mut audit_row = record_of;
        let outcome = match live_for_update(&tx, "token_id", &id).await? {
            None => RevokeOutcome::Gone,
            Some(row) if may(&row) => {
                if let Some(r) = &mut audit_row {
                    r.description = Some(row.description);
                }
                match revoke(&tx, &id, now).await? {
                    0 => RevokeOutcome::Gone,
                    _ => RevokeOutcome::Revoked,
                }
            }
            Some(_) => RevokeOutcome::Refused,
        };
        if let Some(r) = &audit_row {
            record(&tx, r, now, outcome.audit_result()).await?;
        }
        tx.commit().await.map_err(classify)?;
        Ok(outcome)
    }

    pub async fn revoke_by_hash_if(
        &self,
        hash: [u8; 32],
        now: i64,
        caller: Option<String>,
        may: impl FnOnce(&TokenRow) -> bool + Send + 'static,
        record_of: Option<Record>,
    ) -> Result<Option<String>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        caller_live(&tx, caller.as_deref()).await?;
        let found = live_for_update(&tx, "secret_hash", &&hash[..]).await?;
        let Some(row) = found.filter(|row| may(row)) else {
            return Ok(None);
        };
        revoke(&tx, &row.token_id, now).await?;
        if let Some(r) = record_of {
            let r = Record {
                token_id: Some(row.token_id.clone()),
                description: Some(row.description),
                ..r
            };
            record(&tx, &r, now, audit::OK).await?;
        }
        tx.commit().await.map_err(classify)?;
        Ok(Some(row.token_id))
    }
}
