//! `tokentab admin users list|add|disable|enable|remove` (JFrog Access v2: the same calls work
//! against a JFrog Platform).

use std::process::ExitCode;

use crate::api::Client;
use crate::api::admin::{NewUserRequest, UserPatch};
use crate::cli::admin::{UserStatus, UsersCommand};
use crate::commands::report::Failure;
use crate::commands::table;
use crate::model::counts::count_of;
use crate::model::token::subject_username;
use crate::model::wire::UserInfo;

use super::{clean, print_list, print_result, refused};

pub(super) async fn run(c: &Client, cmd: UsersCommand, json: bool) -> Result<ExitCode, Failure> {
    match cmd {
        UsersCommand::List { status, .. } => list(c, status, json).await,
        UsersCommand::Add {
            username,
            email,
            admin,
            ..
        } => {
            let req = NewUserRequest {
                username,
                email: email.filter(|e| !e.trim().is_empty()),
                admin,
            };
            let user = c.create_user(&req).await.map_err(refused)?;
            let what = if user.admin.unwrap_or(admin) {
                " (admin)"
            } else {
                ""
            };
            print_result(json, &user, &format!("added user {}{what}", user.username))
        }
        UsersCommand::Disable { username, .. } => {
            not_yourself(c, &username, "disabling").await?;
            set_status(c, &username, UserStatus::Disabled, json).await
        }
        UsersCommand::Enable { username, .. } => {
            set_status(c, &username, UserStatus::Enabled, json).await
        }
        UsersCommand::Remove { username, .. } => {
            not_yourself(c, &username, "removing").await?;
            let gone = c.delete_user(&username).await.map_err(refused)?;
            let line = format!(
                "removed user {}; revoked {}",
                gone.username,
                count_of(gone.tokens_revoked, "token", "tokens")
            );
            print_result(json, &gone, &line)
        }
    }
}

/// Refuses to disable or remove the user of the token in use while another admin could do it:
/// the command would lock that token (the embedded service's admin.token, say) out for good.
/// When they are the last enabled admin the server's own refusal (409) says so instead. A
/// server that cannot say whose token it is (no `tokens/me`) is let answer.
async fn not_yourself(c: &Client, name: &str, doing: &str) -> Result<(), Failure> {
    let Ok(me) = c.get_me().await else {
        return Ok(());
    };
    if !subject_username(&me.subject).eq_ignore_ascii_case(name.trim()) {
        return Ok(());
    }
    let other_admin = c
        .list_all_users_with(None, Some("enabled"))
        .await
        .map_err(refused)?
        .iter()
        .any(|u| {
            u.admin == Some(true)
                && u.status.as_deref().unwrap_or("enabled") == "enabled"
                && !u.username.eq_ignore_ascii_case(name.trim())
        });
    if other_admin {
        return Err(Failure::Usage(format!(
            "{} is the user of the token in use: {doing} them would lock this token out; \
             use another admin's token",
            clean(name)
        )));
    }
    Ok(())
}

async fn set_status(
    c: &Client,
    name: &str,
    status: UserStatus,
    json: bool,
) -> Result<ExitCode, Failure> {
    let patch = UserPatch {
        status: Some(status.as_str().to_owned()),
        ..UserPatch::default()
    };
    let user = c.patch_user(name, &patch).await.map_err(refused)?;
    let line = match status {
        UserStatus::Disabled => format!(
            "disabled user {}: their tokens are refused until enabled again",
            user.username
        ),
        UserStatus::Enabled => format!("enabled user {}", user.username),
    };
    print_result(json, &user, &line)
}

async fn list(c: &Client, status: Option<UserStatus>, json: bool) -> Result<ExitCode, Failure> {
    let wanted = status.map(UserStatus::as_str);
    let users: Vec<UserInfo> = c
        .list_all_users_with(None, wanted)
        .await
        .map_err(refused)?
        .into_iter()
        // A server may ignore the filter (a JFrog Platform): filter again here.
        .filter(|u| wanted.is_none_or(|w| u.status.as_deref().unwrap_or("enabled") == w))
        .collect();
    print_list(
        json,
        &users,
        &["Username", "Email", "Admin", "Status", "Realm"],
        |u| {
            vec![
                table::fit(&clean(&u.username), 32),
                table::fit(&clean(u.email.as_deref().unwrap_or("")), 40),
                if u.admin.unwrap_or(false) {
                    "yes"
                } else {
                    "no"
                }
                .to_owned(),
                table::fit(&clean(u.status.as_deref().unwrap_or("")), 12),
                table::fit(&clean(u.realm.as_deref().unwrap_or("")), 12),
            ]
        },
    )
}
