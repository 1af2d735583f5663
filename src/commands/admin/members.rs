//! `tokentab admin members list|add|remove PROJECT USER` (JFrog Access v1 project users: the
//! same calls work against a JFrog Platform).

use std::process::ExitCode;

use serde_json::json;

use crate::api::Client;
use crate::cli::admin::MembersCommand;
use crate::commands::report::Failure;
use crate::commands::table;

use super::{print_list, print_result, refused};

pub(super) async fn run(c: &Client, cmd: MembersCommand, json: bool) -> Result<ExitCode, Failure> {
    match cmd {
        MembersCommand::List { project, .. } => {
            let members = c.list_members(&project).await.map_err(refused)?;
            print_list(json, &members, &["Member", "Roles"], |m| {
                vec![
                    table::fit(&super::clean(&m.name), 32),
                    table::fit(&super::clean(&m.roles.join(", ")), 60),
                ]
            })
        }
        MembersCommand::Add {
            project,
            user,
            roles,
            ..
        } => {
            let m = c
                .put_member(&project, &user, &roles)
                .await
                .map_err(refused)?;
            let roles = if m.roles.is_empty() {
                String::new()
            } else {
                format!(" (roles: {})", m.roles.join(", "))
            };
            print_result(
                json,
                &m,
                &format!("{} is a member of project {project}{roles}", m.name),
            )
        }
        MembersCommand::Remove { project, user, .. } => {
            c.delete_member(&project, &user).await.map_err(refused)?;
            let v = json!({"project_key": project, "name": user, "removed": true});
            print_result(
                json,
                &v,
                &format!("removed {user} from project {project}: their tokens for it stop now"),
            )
        }
    }
}
