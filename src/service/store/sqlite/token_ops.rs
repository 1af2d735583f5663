//! The token operations of [`SqliteDb`]: each is one read, or one job on the writer thread
//! (one `BEGIN IMMEDIATE` transaction) that re-checks its caller first.

use rusqlite::Connection;

use crate::model::EntityRef;
use crate::model::clock::now;
use crate::service::error::StoreError;

use super::super::audit::{self, Record};
use super::super::backend::{CreateCheck, CreateToken, Refresh, Refreshed, RevokeOutcome};
use super::super::entities;
use super::super::refresh::{Replaced, refreshed_expiry};
use super::super::tokens::{
    self, AuthRow, NewToken, Order, RevokeResult, TokenCursor, TokenFilter, TokenPage, TokenRow,
};
use super::{SqliteDb, caller_live};

fn check_targets(conn: &Connection, req: &CreateToken) -> Result<Option<CreateCheck>, StoreError> {
    let new = &req.new;
    if entities::user(conn, &new.username)?.is_none() {
        return Ok(Some(CreateCheck::UnknownUser(new.username.clone())));
    }
    if let (Some(key), Some(_)) = (&new.project_key, req.limited) {
        if !entities::is_member(conn, &new.username, key)? {
            return Ok(Some(CreateCheck::NotMember(key.clone())));
        }
    }
    let projects = new
        .project_key
        .iter()
        .map(String::as_str)
        .chain(req.targets.iter().map(EntityRef::project));
    for key in projects {
        if !entities::project_exists(conn, key)? {
            return Ok(Some(CreateCheck::UnknownProject(key.to_owned())));
        }
    }
    for target in &req.targets {
        let found = match target {
            EntityRef::Project { .. } => true,
            EntityRef::Fleet { project, fleet } => entities::fleet_exists(conn, project, fleet)?,
            EntityRef::Device { project, device } => {
                entities::device_exists(conn, project, device)?
            }
        };
        if !found {
            return Ok(Some(CreateCheck::UnknownTarget(target.clone())));
        }
    }
    if let Some(cap) = req.limited.filter(|c| *c > 0) {
        if tokens::live_count(conn, &new.username, now(), cap)? >= cap {
            return Ok(Some(CreateCheck::OverCap(cap)));
        }
    }
    Ok(None)
}

impl SqliteDb {
    pub async fn create_token(&self, req: CreateToken) -> Result<CreateCheck, StoreError> {
        self.write(move |c| {
            caller_live(c, req.caller.as_deref())?;
            if let Some(refused) = check_targets(c, &req)? {
                return Ok(refused);
            }
            tokens::insert(c, &req.new)?;
            if let Some(h) = &req.refresh_hash {
                tokens::set_refresh_hash(c, &req.new.token_id, h)?;
            }
            if let Some(r) = &req.audit {
                audit::record(c, r, req.new.issued_at, audit::OK)?;
            }
            Ok(CreateCheck::Created)
        })
        .await
    }

    pub async fn refresh_token(&self, req: Refresh) -> Result<Option<Refreshed>, StoreError> {
        self.write(move |c| {
            caller_live(c, Some(&req.caller))?;
            let Some(old) = tokens::by_refresh_hash(c, &req.refresh_hash)? else {
                return Ok(None);
            };
            if old.token.username != req.username
                || req.access_hash.is_some_and(|h| h != old.secret_hash)
            {
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
            tokens::revoke(c, &old.token.token_id, now)?;
            tokens::insert(c, &new)?;
            tokens::set_refresh_hash(c, &new.token_id, &req.next_refresh_hash)?;
            tokens::set_chain_start(c, &new.token_id, old.chain_start)?;
            if let Some(rec) = req.audit {
                for (r, result) in audit::refresh_records(rec, &old.token.token_id, &new) {
                    audit::record(c, &r, now, result)?;
                }
            }
            Ok(Some(Refreshed {
                lifetime: expiry.map(|e| e.saturating_sub(now).max(0) as u64),
                token: new,
            }))
        })
        .await
    }

    pub async fn auth_by_hash(&self, hash: [u8; 32]) -> Result<Option<AuthRow>, StoreError> {
        self.read(move |c| Ok(tokens::auth_by_hash(c, &hash)?))
            .await
    }

    pub async fn token_by_id(&self, id: String) -> Result<Option<TokenRow>, StoreError> {
        self.read(move |c| Ok(tokens::by_id(c, &id)?)).await
    }

    pub async fn live_token_by_hash(&self, hash: [u8; 32]) -> Result<Option<TokenRow>, StoreError> {
        self.read(move |c| Ok(tokens::live_by_hash(c, &hash)?))
            .await
    }

    pub async fn revoke_token_if(
        &self,
        id: String,
        now: i64,
        caller: Option<String>,
        may: impl FnOnce(&TokenRow) -> bool + Send + 'static,
        record: Option<Record>,
    ) -> Result<RevokeOutcome, StoreError> {
        self.write(move |c| {
            caller_live(c, caller.as_deref())?;
            let mut record = record;
            let outcome = match tokens::by_id(c, &id)? {
                None => RevokeOutcome::Gone,
                Some(row) if may(&row) => {
                    if let Some(r) = &mut record {
                        r.description = Some(row.description);
                    }
                    match tokens::revoke(c, &id, now)? {
                        RevokeResult::Revoked => RevokeOutcome::Revoked,
                        RevokeResult::Gone => RevokeOutcome::Gone,
                    }
                }
                Some(_) => RevokeOutcome::Refused,
            };
            if let Some(r) = &record {
                audit::record(c, r, now, outcome.audit_result())?;
            }
            Ok(outcome)
        })
        .await
    }

    pub async fn revoke_by_hash_if(
        &self,
        hash: [u8; 32],
        now: i64,
        caller: Option<String>,
        may: impl FnOnce(&TokenRow) -> bool + Send + 'static,
        record: Option<Record>,
    ) -> Result<Option<String>, StoreError> {
        self.write(move |c| {
            caller_live(c, caller.as_deref())?;
            let Some(row) = tokens::live_by_hash(c, &hash)?.filter(|row| may(row)) else {
                return Ok(None);
            };
            tokens::revoke(c, &row.token_id, now)?;
            if let Some(r) = record {
                let r = Record {
                    token_id: Some(row.token_id.clone()),
                    description: Some(row.description),
                    ..r
                };
                audit::record(c, &r, now, audit::OK)?;
            }
            Ok(Some(row.token_id))
        })
        .await
    }

    pub async fn touch_last_used(&self, id: String, now: i64) -> Result<(), StoreError> {
        self.write(move |c| Ok(tokens::touch_last_used(c, &id, now)?))
            .await
    }

    pub async fn list_tokens(
        &self,
        filter: TokenFilter,
        order: Order,
        limit: Option<u32>,
        after: Option<TokenCursor>,
    ) -> Result<TokenPage, StoreError> {
        self.read(move |c| Ok(tokens::list(c, &filter, order, limit, after.as_ref())?))
            .await
    }

    pub async fn count_tokens(&self, filter: TokenFilter) -> Result<u64, StoreError> {
        self.read(move |c| Ok(tokens::count(c, &filter)?)).await
    }
}
