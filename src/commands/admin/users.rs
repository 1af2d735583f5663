//! `tokentab admin users list|add|disable|enable|remove` (JFrog Access v2: the same calls work
//! against a JFrog Platform).

use std::process::ExitCode;

use crate::api::Client;
use crate::api::admin::{NewUserRequest, UserPatch};
use crate::cli::admin::{UserStatus, UsersCommand};
use crate::commands::table;
use crate::commands::tokens::Failure;
use crate::model::wire::UserInfo;

use super::{clean, count, print_json, print_result, print_text, refused};

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
            set_status(c, &username, UserStatus::Disabled, json).await
        }
        UsersCommand::Enable { username, .. } => {
            set_status(c, &username, UserStatus::Enabled, json).await
        }
        UsersCommand::Remove { username, .. } => {
            let gone = c.delete_user(&username).await.map_err(refused)?;
            let line = format!(
                "removed user {}; revoked {}",
                gone.username,
                count(gone.tokens_revoked, "token", "tokens")
            );
            print_result(json, &gone, &line)
        }
    }
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
        .list_users_with_status(wanted)
        .await
        .map_err(refused)?
        .into_iter()
        // A server may ignore the filter (a JFrog Platform): filter again here.
        .filter(|u| wanted.is_none_or(|w| u.status.as_deref().unwrap_or("enabled") == w))
        .collect();
    if json {
        return print_json(&users);
    }
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
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
        })
        .collect();
    print_text(&table::render(
        &["Username", "Email", "Admin", "Status", "Realm"],
        &rows,
    ))
}
