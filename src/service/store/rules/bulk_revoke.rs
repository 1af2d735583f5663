//! Bulk revoke (issue 20, item 3): every live token the selectors pick, in one transaction,
//! each through [`Tx::revoke`] (so whatever watches revokes sees every one) with its own audit
//! row. What is picked and what is kept: [`crate::model::bulk_revoke`].
//!
//! Candidates come from the narrowest primitive the selectors allow (the ids; the user's live
//! tokens; else every live token: a scope target reads them all, so that the admin-scoped
//! tokens it keeps are listed as kept, not only those that happen to name the project), then every
//! selector is applied to each row here, in Rust, by the model's rules: the scope target's
//! [`ScopeTarget::reaches`] and the tab's [`FilterQuery::matches`].

use chrono::{TimeZone, Utc};

use crate::model::EntityRef;
use crate::model::Token;
use crate::model::bulk_revoke::{BulkRevokeReply, BulkToken, KEPT_ADMIN, KEPT_OWN};
use crate::model::filter_query::FilterQuery;
use crate::model::scope::Scope;
use crate::model::scope::selector::{Reach, ScopeTarget};

use super::super::audit::{OK, Record};
use super::super::tokens::{Paging, TokenFilter, TokenKey, TokenRow};
use super::super::tx::{Res, Tx};
use super::caller_live;

/// What a bulk revoke picks and who asks. Every selector given must match.
#[derive(Debug, Clone)]
pub struct BulkRevoke {
    pub target: Option<ScopeTarget>,
    pub exact: bool,
    pub user: Option<String>,
    pub filter: Option<FilterQuery>,
    pub ids: Option<Vec<String>>,
    pub include_admin: bool,
    pub dry_run: bool,
    pub now: i64,
    /// The acting token: re-checked live, and never revoked by its own bulk revoke.
    pub caller: String,
    /// A non-admin caller: only this user's tokens (what it could revoke one by one).
    pub only_user: Option<String>,
    /// The audit template (actor, source); one row per revoked token.
    pub audit: Option<Record>,
}

pub async fn bulk_revoke<T: Tx>(tx: &T, req: BulkRevoke) -> Res<BulkRevokeReply> {
    caller_live(tx, Some(&req.caller)).await?;
    let target = match &req.target {
        Some(t) => Some(located(tx, t.clone()).await?),
        None => None,
    };
    let rows = candidates(tx, &req).await?;
    let now = Utc.timestamp_opt(req.now, 0).single().unwrap_or_default();
    let mut reply = BulkRevokeReply {
        dry_run: req.dry_run,
        ..BulkRevokeReply::default()
    };
    let mut picked = Vec::new();
    for row in rows {
        if row.expiry.is_some_and(|e| e <= req.now) {
            continue;
        }
        if [&req.user, &req.only_user]
            .into_iter()
            .flatten()
            .any(|u| *u != row.username)
        {
            continue;
        }
        let scope = row.scope.parse::<Scope>().ok();
        let admin = scope.as_ref().is_some_and(Scope::is_admin);
        if let Some(t) = &target {
            let reach = scope
                .as_ref()
                .map_or(Reach::No, |s| t.reaches(s, req.exact));
            if reach == Reach::No || (req.exact && reach == Reach::Admin) {
                continue;
            }
        }
        if let Some(q) = &req.filter
            && !q.matches(&as_token(&row), now)
        {
            continue;
        }
        let kept = if row.token_id == req.caller {
            Some(KEPT_OWN)
        } else if admin && !req.include_admin {
            Some(KEPT_ADMIN)
        } else {
            None
        };
        match kept {
            Some(why) => reply.kept.push(bulk_token(&row, Some(why))),
            None => picked.push(row),
        }
    }
    reply.matched = picked.len() as u64;
    for row in picked {
        if !req.dry_run {
            if !tx.revoke(&row.token_id, req.now).await? {
                continue;
            }
            reply.revoked += 1;
            if let Some(template) = &req.audit {
                let r = Record {
                    token_id: Some(row.token_id.clone()),
                    description: Some(row.description.clone()),
                    ..template.clone()
                };
                tx.record(&r, req.now, OK).await?;
            }
        }
        reply.tokens.push(bulk_token(&row, None));
    }
    Ok(reply)
}

/// The target with what the rows know about where it sits: a fleet's devices, a device's
/// fleet.
async fn located<T: Tx>(tx: &T, mut t: ScopeTarget) -> Res<ScopeTarget> {
    match &t.entity {
        EntityRef::Fleet { project, fleet } => {
            t.devices = tx.fleet_device_ids(project, fleet).await?;
        }
        EntityRef::Device { project, device } => {
            if let Some(d) = tx.device(project, device).await? {
                t.fleet = Some(d.group).filter(|g| !g.is_empty()).or(t.fleet);
            }
        }
        EntityRef::Project { .. } => {}
    }
    Ok(t)
}

/// A superset of the rows the selectors pick, from the narrowest primitive they allow.
async fn candidates<T: Tx>(tx: &T, req: &BulkRevoke) -> Res<Vec<TokenRow>> {
    if let Some(ids) = &req.ids {
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            rows.extend(tx.live_token(TokenKey::Id(id)).await?);
        }
        return Ok(rows);
    }
    if let Some(user) = req.user.as_ref().or(req.only_user.as_ref()) {
        return tx.live_tokens_of_user(user, req.now).await;
    }
    tx.tokens(&TokenFilter::default(), &Paging::default()).await
}

/// The row as the tab holds it, for the filter's rule.
fn as_token(row: &TokenRow) -> Token {
    let at = |s: i64| Utc.timestamp_opt(s, 0).single();
    Token {
        token_id: row.token_id.clone(),
        description: row.description.clone(),
        subject: row.username.clone(),
        issuer: String::new(),
        issued_at: at(row.issued_at).unwrap_or_default(),
        expiry: row.expiry.and_then(at),
        scope: Some(row.scope.clone()),
        refreshable: row.refreshable,
        last_used: row.last_used.and_then(at),
        user_disabled: row.user_disabled,
        last_from: None,
    }
}

fn bulk_token(row: &TokenRow, kept: Option<&str>) -> BulkToken {
    BulkToken {
        token_id: row.token_id.clone(),
        description: row.description.clone(),
        username: row.username.clone(),
        scope: row.scope.clone(),
        kept_because: kept.map(str::to_owned),
    }
}
