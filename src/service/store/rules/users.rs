//! Users (issue 17): add, update (email, admin flag, disabled flag), remove. The last enabled
//! admin cannot be disabled, demoted or removed: a change that takes an admin away first
//! reads (PostgreSQL: locks) every enabled admin, so two such changes serialize and the second
//! sees the first.

use crate::model::admin::UserRemoved;
use crate::model::clock::now;
use crate::model::wire::UserInfo;

use super::super::admin::{Acting, NewUser, Refusal, UserChange};
use super::super::tx::{Res, Tx, UserFields};
use crate::model::counts::count_of;

use super::{caller_live, note, revoke_noted};

fn unknown(username: &str) -> Refusal {
    Refusal::Missing(format!("unknown user \"{username}\""))
}

fn last_admin(username: &str) -> Refusal {
    Refusal::Conflict(format!(
        "{username} is the last enabled admin: make another user admin first"
    ))
}

fn enabled_admin(u: &UserInfo) -> bool {
    u.admin == Some(true) && u.status.as_deref() != Some("disabled")
}

/// The enabled admins (locked, when `admins_first`), then the caller re-checked, then the
/// user `username` (refused when missing). The admins are locked before the caller check's
/// lock on its own user (PostgreSQL: `FOR KEY SHARE`): two admins disabling each other each
/// wait for the admin lock holding nothing the other's disable needs (the disable locks the
/// user row `FOR UPDATE`), so they serialize instead of deadlocking.
async fn target<T: Tx>(
    tx: &T,
    username: &str,
    admins_first: bool,
    by: &Acting,
) -> Res<(UserInfo, Vec<String>)> {
    let admins = if admins_first {
        tx.enabled_admins_for_update().await?
    } else {
        Vec::new()
    };
    caller_live(tx, by.caller.as_deref()).await?;
    let user = tx
        .user_for_update(username)
        .await?
        .ok_or_else(|| unknown(username))?;
    Ok((user, admins))
}

/// Refuses when `user` is an enabled admin and no other enabled admin remains.
fn keeps_an_admin(user: &UserInfo, admins: &[String]) -> Res<()> {
    if enabled_admin(user) && admins.iter().all(|a| *a == user.username) {
        return Err(last_admin(&user.username).into());
    }
    Ok(())
}

/// Refuses a change that would lock the caller's own token out (the embedded service's
/// `admin.token`, say): another admin must make it.
fn not_the_callers_own(username: &str, by: &Acting, what: &str) -> Res<()> {
    if by.caller_user.as_deref() != Some(username) {
        return Ok(());
    }
    Err(Refusal::Conflict(format!(
        "{username} is the user of the token making this request and cannot be {what} with \
         it (that would lock this token out): use another admin's token"
    ))
    .into())
}

pub async fn add<T: Tx>(tx: &T, user: &NewUser, by: &Acting) -> Res<UserInfo> {
    caller_live(tx, by.caller.as_deref()).await?;
    if !tx
        .add_user(&user.username, user.email.as_deref(), user.admin)
        .await?
    {
        return Err(Refusal::Conflict(format!("user \"{}\" already exists", user.username)).into());
    }
    let description = if user.admin {
        format!("{} (admin)", user.username)
    } else {
        user.username.clone()
    };
    note(tx, by, "user_add", |r| r.description = Some(description)).await?;
    tx.user(&user.username)
        .await?
        .ok_or_else(|| unknown(&user.username).into())
}

pub async fn update<T: Tx>(
    tx: &T,
    username: &str,
    change: &UserChange,
    by: &Acting,
) -> Res<UserInfo> {
    let takes_admin_away = change.admin == Some(false) || change.disabled == Some(true);
    let (old, admins) = target(tx, username, takes_admin_away, by).await?;
    let was_disabled = old.status.as_deref() == Some("disabled");
    let was_admin = old.admin == Some(true);
    let email = match &change.email {
        Some(e) => e.clone(),
        None => old.email.clone(),
    };
    let admin = change.admin.unwrap_or(was_admin);
    let disabled = change.disabled.unwrap_or(was_disabled);
    let stays_enabled_admin = admin && !disabled;
    if takes_admin_away && !stays_enabled_admin {
        keeps_an_admin(&old, &admins)?;
    }
    if (disabled && !was_disabled) || (was_admin && !admin) {
        not_the_callers_own(username, by, "disabled or demoted")?;
    }
    let mut changed = Vec::new();
    if email != old.email {
        changed.push(match &email {
            Some(_) => "email changed".to_owned(),
            None => "email cleared".to_owned(),
        });
    }
    if admin != was_admin {
        changed.push(if admin { "made admin" } else { "admin removed" }.to_owned());
    }
    if changed.is_empty() && disabled == was_disabled {
        return Ok(old);
    }
    let fields = UserFields {
        email: email.as_deref(),
        admin,
        disabled,
    };
    tx.update_user(username, fields).await?;
    if disabled != was_disabled {
        let action = if disabled {
            "user_disable"
        } else {
            "user_enable"
        };
        note(tx, by, action, |r| {
            r.description = Some(username.to_owned())
        })
        .await?;
    }
    if !changed.is_empty() {
        let description = format!("{username}: {}", changed.join(", "));
        note(tx, by, "user_update", |r| r.description = Some(description)).await?;
    }
    tx.user(username)
        .await?
        .ok_or_else(|| unknown(username).into())
}

pub async fn remove<T: Tx>(tx: &T, username: &str, by: &Acting) -> Res<UserRemoved> {
    let (user, admins) = target(tx, username, true, by).await?;
    keeps_an_admin(&user, &admins)?;
    not_the_callers_own(username, by, "removed")?;
    let now = now();
    let mut revoked = 0;
    for row in tx.live_tokens_of_user(username, now).await? {
        if revoke_noted(tx, by, &row, now).await? {
            revoked += 1;
        }
    }
    tx.delete_user(username).await?;
    let description = format!(
        "{username}: {} revoked",
        count_of(revoked, "live token", "live tokens")
    );
    note(tx, by, "user_remove", |r| r.description = Some(description)).await?;
    Ok(UserRemoved {
        username: username.to_owned(),
        tokens_revoked: revoked,
    })
}
