//! Create a token: the caller re-checked, its user, project and every scope target checked,
//! a limited (non-admin) request's membership and cap, then the row, its refresh secret's hash
//! and the audit row, all in one transaction.

use crate::model::EntityRef;
use crate::model::clock::now;

use super::super::audit::OK;
use super::super::tx::{Res, Tx, UserLock};
use super::super::work::{CreateCheck, CreateToken};
use super::caller_live;

pub async fn create<T: Tx>(tx: &T, req: &CreateToken) -> Res<CreateCheck> {
    caller_live(tx, req.caller.as_deref()).await?;
    if let Some(refused) = check_targets(tx, req).await? {
        return Ok(refused);
    }
    tx.insert_token(&req.new, req.refresh_hash.as_ref()).await?;
    if let Some(r) = &req.audit {
        tx.record(r, req.new.issued_at, OK).await?;
    }
    Ok(CreateCheck::Created)
}

/// What refuses the create, in this order; None when it may go ahead.
async fn check_targets<T: Tx>(tx: &T, req: &CreateToken) -> Res<Option<CreateCheck>> {
    let new = &req.new;
    let cap = req.limited.filter(|c| *c > 0);
    let lock = if cap.is_some() {
        UserLock::ForCap
    } else {
        UserLock::Read
    };
    if !tx.user_exists(&new.username, lock).await? {
        return Ok(Some(CreateCheck::UnknownUser(new.username.clone())));
    }
    if let (Some(key), Some(_)) = (&new.project_key, req.limited) {
        if !tx.is_member(&new.username, key).await? {
            return Ok(Some(CreateCheck::NotMember(key.clone())));
        }
    }
    let projects = new
        .project_key
        .iter()
        .map(String::as_str)
        .chain(req.targets.iter().map(EntityRef::project));
    for key in projects {
        if !tx.project_exists(key).await? {
            return Ok(Some(CreateCheck::UnknownProject(key.to_owned())));
        }
    }
    for target in &req.targets {
        let found = match target {
            EntityRef::Project { .. } => true,
            EntityRef::Fleet { project, fleet } => tx.fleet_exists(project, fleet).await?,
            EntityRef::Device { project, device } => tx.device_exists(project, device).await?,
        };
        if !found {
            return Ok(Some(CreateCheck::UnknownTarget(target.clone())));
        }
    }
    if let Some(key) = target_outside_membership(tx, req).await? {
        return Ok(Some(CreateCheck::TargetNotMember(key)));
    }
    if let Some(cap) = cap {
        if tx.live_count(&new.username, now(), cap).await? >= cap {
            return Ok(Some(CreateCheck::OverCap(cap)));
        }
    }
    Ok(None)
}

/// The first project named by the scope's targets that the token's user (not an admin) is
/// not a member of.
async fn target_outside_membership<T: Tx>(tx: &T, req: &CreateToken) -> Res<Option<String>> {
    if req.targets.is_empty() {
        return Ok(None);
    }
    let admin = tx
        .user(&req.new.username)
        .await?
        .and_then(|u| u.admin)
        .unwrap_or(false);
    if admin {
        return Ok(None);
    }
    for target in &req.targets {
        if !tx.is_member(&req.new.username, target.project()).await? {
            return Ok(Some(target.project().to_owned()));
        }
    }
    Ok(None)
}
