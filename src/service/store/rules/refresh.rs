//! Refresh a token: the one behind the refresh secret (the caller's user's, and when given,
//! that access token's; within its grace and chain limits, [`super::super::refresh`]) is
//! revoked and replaced by a token with the same user, scope, description and lifetime, in
//! one transaction.

use crate::model::clock::now;

use super::super::audit::refresh_records;
use super::super::refresh::{Replaced, refreshed_expiry};
use super::super::tokens::NewToken;
use super::super::tx::{Res, Tx};
use super::super::work::{Refresh, Refreshed};
use super::caller_live;

/// None when there is no such live refreshable token of that user, or it has lapsed.
pub async fn refresh<T: Tx>(tx: &T, req: Refresh) -> Res<Option<Refreshed>> {
    caller_live(tx, Some(&req.caller)).await?;
    let Some(old) = tx.refresh_row_for_update(&req.refresh_hash).await? else {
        return Ok(None);
    };
    if old.token.username != req.username || req.access_hash.is_some_and(|h| h != old.secret_hash) {
        return Ok(None);
    }
    let now = now();
    let replaced = Replaced {
        issued_at: old.token.issued_at,
        expiry: old.token.expiry,
        chain_start: old.chain_start,
    };
    let Ok(expiry) = refreshed_expiry(replaced, now, req.limits) else {
        return Ok(None);
    };
    let new = NewToken {
        token_id: req.new_token_id,
        secret_hash: req.secret_hash,
        username: old.token.username,
        scope: old.token.scope,
        audience: old.audience,
        description: old.token.description,
        project_key: old.token.project_key,
        refreshable: true,
        issued_at: now,
        expiry,
    };
    tx.revoke(&old.token.token_id, now).await?;
    tx.insert_token(&new, Some(&req.next_refresh_hash)).await?;
    tx.set_chain_start(&new.token_id, old.chain_start).await?;
    tx.webhook_rotated(&old.token.token_id, &new.token_id)
        .await?;
    if let Some(rec) = req.audit {
        for (r, result) in refresh_records(rec, &old.token.token_id, &new) {
            tx.record(&r, now, result).await?;
        }
    }
    Ok(Some(Refreshed {
        lifetime: expiry.map(|e| e.saturating_sub(now).max(0) as u64),
        token: new,
    }))
}
