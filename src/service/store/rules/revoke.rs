//! Revoke a live token, by id or by the hash of its secret, if a check on its row allows, in
//! one transaction that re-checks the caller and writes the audit row.

use super::super::audit::{OK, Record};
use super::super::tokens::{TokenKey, TokenRow};
use super::super::tx::{Res, Tx};
use super::super::work::RevokeOutcome;
use super::caller_live;

/// A revoke of what `key` names; what it acts for and how it is recorded.
pub struct RevokeIf<'a, F> {
    pub key: TokenKey<'a>,
    pub now: i64,
    pub caller: Option<&'a str>,
    pub may: F,
    pub audit: Option<Record>,
}

/// By id: the audit row is written whatever the outcome
/// ([`RevokeOutcome::audit_result`]), with the description when the token was found.
pub async fn revoke_if<T: Tx, F>(tx: &T, req: RevokeIf<'_, F>) -> Res<RevokeOutcome>
where
    F: FnOnce(&TokenRow) -> bool,
{
    caller_live(tx, req.caller).await?;
    let mut audit = req.audit;
    let outcome = match tx.live_token_for_update(req.key).await? {
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
pub async fn revoke_found_if<T: Tx, F>(tx: &T, req: RevokeIf<'_, F>) -> Res<Option<String>>
where
    F: FnOnce(&TokenRow) -> bool,
{
    caller_live(tx, req.caller).await?;
    let found = tx.live_token_for_update(req.key).await?;
    let Some(row) = found.filter(|row| (req.may)(row)) else {
        return Ok(None);
    };
    tx.revoke(&row.token_id, req.now).await?;
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
