//! `tokentab admin fleets list|add|remove --project P` (Connect v2 shaped; fleet = Connect's
//! device group).

use std::process::ExitCode;

use crate::api::Client;
use crate::cli::admin::FleetsCommand;
use crate::commands::report::Failure;
use crate::commands::table;
use crate::model::counts::{count_of, thousands};

use super::{clean, print_list, print_result, refused};

pub(super) async fn run(c: &Client, cmd: FleetsCommand, json: bool) -> Result<ExitCode, Failure> {
    match cmd {
        FleetsCommand::List { project, .. } => {
            super::require_admin(c).await?;
            let fleets = c.list_fleets(&project).await.map_err(refused)?;
            print_list(json, &fleets, &["Fleet", "Devices"], |f| {
                vec![table::fit(&clean(&f.name), 40), f.device_count.to_string()]
            })
        }
        FleetsCommand::Add { project, name, .. } => {
            let f = c.create_fleet(&project, &name).await.map_err(refused)?;
            print_result(json, &f, &format!("added fleet {project}/{}", f.name))
        }
        FleetsCommand::Remove {
            project,
            name,
            force,
            ..
        } => {
            let gone = c
                .delete_fleet(&project, &name, force)
                .await
                .map_err(refused)?;
            let mut line = format!("removed fleet {}/{}", gone.project_key, gone.name);
            if gone.devices_deleted > 0 {
                line.push_str(&format!(
                    "; deleted {}",
                    count_of(gone.devices_deleted, "device", "devices")
                ));
            }
            line.push_str(&naming(gone.live_tokens_naming));
            print_result(json, &gone, &line)
        }
    }
}

/// `; 2 live tokens named it (now useless)`, or nothing.
pub(super) fn naming(n: u64) -> String {
    match n {
        0 => String::new(),
        1 => "; 1 live token named it (that grant is now useless)".into(),
        n => format!(
            "; {} live tokens named it (those grants are now useless)",
            thousands(n)
        ),
    }
}
