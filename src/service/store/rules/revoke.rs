//! Revoke a live token, by id or by the hash of its secret, if a check on its row allows, in
//! one transaction that re-checks the caller and writes the audit row.

use super::super::audit::{OK, Record};
use super::super::tokens::{TokenKey, TokenRow};
use super::super::tx::{Res, Tx};
use super::super::work::RevokeOutcome;
use super::caller_live;

/// A revoke of the live token `key` names if `may(row)` allows; the token acting and how the
/// revoke is recorded.
#[derive(Clone)]
pub struct RevokeIf<F> {
    pub key: RevokeKey,
    pub now: i64,
    pub caller: Option<String>,
    pub may: F,
    pub audit: Option<Record>,
}

#[derive(Debug, Clone)]
pub enum RevokeKey {
    Id(String),
    SecretHash([u8; 32]),
}

impl RevokeKey {
    fn key(&self) -> TokenKey<'_> {
        match self {
            RevokeKey::Id(id) => TokenKey::Id(id),
            RevokeKey::SecretHash(hash) => TokenKey::SecretHash(hash),
        }
    }
}

/// By id: the audit row is written whatever the outcome
/// ([`RevokeOutcome::audit_result`]), with the description when the token was found.
pub async fn revoke_if<T: Tx, F>(tx: &T, req: RevokeIf<F>) -> Res<RevokeOutcome>
where
    F: FnOnce(&TokenRow) -> bool,
{
    caller_live(tx, req.caller.as_deref()).await?;
    let mut audit = req.audit;
    let outcome = match tx.live_token_for_update(req.key.key()).await? {
        None => RevokeOutcome::Gone,
        Some(row) if (req.may)(&row) => {
            if let Some(r) = &mut audit {
                r.description = Some(row.description);
            }
            match tx.revoke(&row.token_id, req.now).await? {
                true => RevokeOutcome::Revoked,
                false => RevokeOutcome::Gone,
            }
        }
        Some(_) => RevokeOutcome::Refused,
    };
    if let Some(r) = &audit {
        tx.record(r, req.now, outcome.audit_result()).await?;
    }
    Ok(outcome)
}

/// By value: the revoked token's id, None when unknown, revoked or refused; the audit row
/// (with the token's id and description) only when revoked.
pub async fn revoke_found_if<T: Tx, F>(tx: &T, req: RevokeIf<F>) -> Res<Option<String>>
where
    F: FnOnce(&TokenRow) -> bool,
{
    caller_live(tx, req.caller.as_deref()).await?;
    let found = tx.live_token_for_update(req.key.key()).await?;
    let Some(row) = found.filter(|row| (req.may)(row)) else {
        return Ok(None);
    };
    if !tx.revoke(&row.token_id, req.now).await? {
        return Ok(None);
    }
    if let Some(r) = req.audit {
        let r = Record {
            token_id: Some(row.token_id.clone()),
            description: Some(row.description),
            ..r
        };
        tx.record(&r, req.now, OK).await?;
    }
    Ok(Some(row.token_id))
}
