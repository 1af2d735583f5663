//! Projects and membership (issue 17): add, remove (refused while live tokens or devices name
//! the project, unless forced: then those tokens are revoked and the devices and fleets
//! deleted in the same transaction), members put and removed.

use crate::model::EntityRef;
use crate::model::admin::{Member, ProjectRemoved};
use crate::model::clock::now;
use crate::model::wire::ProjectInfo;

use super::super::admin::{Acting, Refusal};
use super::super::tokens::TokenRow;
use super::super::tx::{Res, Tx, UserLock};
use crate::model::counts::count_of;

use super::{caller_live, names, note, revoke_noted};

pub(crate) fn unknown_project(key: &str) -> Refusal {
    Refusal::Missing(format!("unknown project \"{key}\""))
}

/// Refuses unless the project exists.
pub(crate) async fn project_known<T: Tx>(tx: &T, key: &str) -> Res<()> {
    if !tx.project_exists(key).await? {
        return Err(unknown_project(key).into());
    }
    Ok(())
}

/// Live tokens for the project (`project_key`) or naming anything in it.
pub(crate) async fn live_tokens_in<T: Tx>(tx: &T, key: &str, lock: bool) -> Res<Vec<TokenRow>> {
    let target = EntityRef::Project {
        project: key.to_owned(),
    };
    let mut rows = tx.live_tokens_naming(&target, now(), lock).await?;
    rows.retain(|t| t.project_key.as_deref() == Some(key) || names(t, |e| e.project() == key));
    Ok(rows)
}

pub async fn add<T: Tx>(tx: &T, p: &ProjectInfo, by: &Acting) -> Res<ProjectInfo> {
    caller_live(tx, by.caller.as_deref()).await?;
    if !tx.add_project(p).await? {
        let msg = format!("project \"{}\" already exists", p.project_key);
        return Err(Refusal::Conflict(msg).into());
    }
    note(tx, by, "project_add", |r| {
        r.description = Some(p.project_key.clone())
    })
    .await?;
    Ok(p.clone())
}

pub async fn remove<T: Tx>(tx: &T, key: &str, force: bool, by: &Acting) -> Res<ProjectRemoved> {
    caller_live(tx, by.caller.as_deref()).await?;
    project_known(tx, key).await?;
    let tokens = live_tokens_in(tx, key, force).await?;
    let devices = tx.count_devices(key, None).await?;
    if !force && (!tokens.is_empty() || devices > 0) {
        let msg = format!(
            "project \"{key}\" is in use: {} and {} name it; revoke and delete them, or delete \
             with force (revokes the tokens, deletes the devices and fleets)",
            count_of(tokens.len() as u64, "live token", "live tokens"),
            count_of(devices, "device", "devices"),
        );
        return Err(Refusal::Conflict(msg).into());
    }
    let now = now();
    let mut revoked = 0;
    for row in &tokens {
        if revoke_noted(tx, by, row, now).await? {
            revoked += 1;
        }
    }
    let gone = tx.delete_project(key).await?;
    let description = format!(
        "{key}: {} revoked, {} and {} deleted, {} removed",
        count_of(revoked, "live token", "live tokens"),
        count_of(gone.devices, "device", "devices"),
        count_of(gone.fleets, "fleet", "fleets"),
        count_of(gone.members, "member", "members"),
    );
    note(tx, by, "project_remove", |r| {
        r.description = Some(description)
    })
    .await?;
    Ok(ProjectRemoved {
        project_key: key.to_owned(),
        tokens_revoked: revoked,
        devices_deleted: gone.devices,
        fleets_deleted: gone.fleets,
        members_removed: gone.members,
    })
}

/// None when the project does not exist.
pub async fn members<T: Tx>(tx: &T, key: &str) -> Res<Option<Vec<Member>>> {
    if !tx.project_exists(key).await? {
        return Ok(None);
    }
    Ok(Some(tx.members(key).await?))
}

fn member_text(project: &str, m: &Member) -> String {
    if m.roles.is_empty() {
        format!("{} in {project}", m.name)
    } else {
        format!("{} in {project} (roles: {})", m.name, m.roles.join(", "))
    }
}

pub async fn put_member<T: Tx>(tx: &T, project: &str, m: &Member, by: &Acting) -> Res<Member> {
    caller_live(tx, by.caller.as_deref()).await?;
    project_known(tx, project).await?;
    if !tx.user_exists(&m.name, UserLock::Read).await? {
        return Err(Refusal::Missing(format!("unknown user \"{}\"", m.name)).into());
    }
    let action = match tx.member_roles(&m.name, project).await? {
        Some(roles) if roles == m.roles => return Ok(m.clone()),
        Some(_) => "member_update",
        None => "member_add",
    };
    tx.put_member(&m.name, project, &m.roles).await?;
    note(tx, by, action, |r| {
        r.description = Some(member_text(project, m))
    })
    .await?;
    Ok(m.clone())
}

pub async fn remove_member<T: Tx>(tx: &T, project: &str, username: &str, by: &Acting) -> Res<()> {
    caller_live(tx, by.caller.as_deref()).await?;
    project_known(tx, project).await?;
    if tx.user(username).await?.is_none() {
        return Err(Refusal::Missing(format!("unknown user \"{username}\"")).into());
    }
    if !tx.delete_membership(username, project).await? {
        let msg = format!("{username} is not a member of project {project}");
        return Err(Refusal::Missing(msg).into());
    }
    note(tx, by, "member_remove", |r| {
        r.description = Some(format!("{username} from {project}"))
    })
    .await
}
