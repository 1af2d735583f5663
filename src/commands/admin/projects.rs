//! `tokentab admin projects list|add|remove` (JFrog Access v1: the same calls work against a
//! JFrog Platform).

use std::process::ExitCode;

use crate::api::Client;
use crate::api::admin::NewProjectRequest;
use crate::cli::admin::ProjectsCommand;
use crate::commands::report::Failure;
use crate::commands::table;
use crate::model::admin::ProjectRemoved;
use crate::model::counts::count_of;

use super::{clean, print_list, print_result, refused};

pub(super) async fn run(c: &Client, cmd: ProjectsCommand, json: bool) -> Result<ExitCode, Failure> {
    match cmd {
        ProjectsCommand::List { .. } => {
            super::require_admin(c).await?;
            let projects = c.list_projects().await.map_err(refused)?;
            print_list(
                json,
                &projects,
                &["Key", "Display name", "Description"],
                |p| {
                    vec![
                        clean(&p.project_key),
                        table::fit(&clean(&p.display_name), 32),
                        table::fit(&clean(&p.description), 48),
                    ]
                },
            )
        }
        ProjectsCommand::Add {
            key,
            display_name,
            description,
            ..
        } => {
            let req = NewProjectRequest {
                project_key: key,
                display_name,
                description,
            };
            let p = c.create_project(&req).await.map_err(refused)?;
            print_result(json, &p, &format!("added project {}", p.project_key))
        }
        ProjectsCommand::Remove { key, force, .. } => {
            let gone = c.delete_project(&key, force).await.map_err(refused)?;
            print_result(json, &gone, &removed_line(&gone))
        }
    }
}

/// `removed project demo; revoked 3 tokens, deleted 12 devices, 2 fleets, 4 members`.
fn removed_line(r: &ProjectRemoved) -> String {
    let mut went = Vec::new();
    if r.tokens_revoked > 0 {
        went.push(format!(
            "revoked {}",
            count_of(r.tokens_revoked, "token", "tokens")
        ));
    }
    let mut deleted = Vec::new();
    for (n, one, many) in [
        (r.devices_deleted, "device", "devices"),
        (r.fleets_deleted, "fleet", "fleets"),
        (r.members_removed, "membership", "memberships"),
    ] {
        if n > 0 {
            deleted.push(count_of(n, one, many));
        }
    }
    if !deleted.is_empty() {
        went.push(format!("deleted {}", deleted.join(", ")));
    }
    if went.is_empty() {
        format!("removed project {}", r.project_key)
    } else {
        format!("removed project {}; {}", r.project_key, went.join("; "))
    }
}
