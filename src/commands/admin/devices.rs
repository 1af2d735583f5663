//! `tokentab admin devices list|add|remove --project P` (Connect v2 shaped). Device writes are
//! `tokentab serve`'s: a JFrog Platform has no such endpoint (JFrog Connect registers devices
//! through its agent), which is said in those words.

use std::process::ExitCode;

use crate::api::connect::DeviceQuery;
use crate::api::{ApiError, Client};
use crate::cli::admin::DevicesCommand;
use crate::commands::report::Failure;
use crate::commands::table;
use crate::model::admin::NewDevice;

use super::fleets::naming;
use super::{CONNECT_REGISTERS_DEVICES, clean, print_list, print_result, refused};

pub(super) async fn run(c: &Client, cmd: DevicesCommand, json: bool) -> Result<ExitCode, Failure> {
    match cmd {
        DevicesCommand::List { project, fleet, .. } => {
            super::require_admin(c).await?;
            let query = DeviceQuery {
                fleet: fleet.clone(),
                limit: Some(1000),
                ..DeviceQuery::default()
            };
            let devices: Vec<_> = c
                .list_all_devices(&project, &query)
                .await
                .map_err(refused)?
                .into_iter()
                .filter(|d| fleet.as_ref().is_none_or(|f| &d.group == f))
                .collect();
            print_list(
                json,
                &devices,
                &["Device ID", "Name", "Fleet", "Tags", "Description"],
                |d| {
                    vec![
                        clean(&d.device_uuid),
                        table::fit(&clean(&d.device_name), 32),
                        table::fit(&clean(&d.group), 24),
                        table::fit(&clean(&d.tags.join(", ")), 32),
                        table::fit(&clean(&d.description), 40),
                    ]
                },
            )
        }
        DevicesCommand::Add {
            project,
            name,
            fleet,
            id,
            tags,
            description,
            ..
        } => {
            let new = NewDevice {
                device_uuid: id,
                device_name: name,
                fleet,
                tags,
                description: description.unwrap_or_default(),
            };
            let d = c
                .create_device(&project, &new)
                .await
                .map_err(device_write_refused)?;
            let line = format!(
                "added device {} ({}) to {project}/{}",
                d.device_uuid, d.device_name, d.group
            );
            print_result(json, &d, &line)
        }
        DevicesCommand::Remove { project, uuid, .. } => {
            super::require_admin(c).await?;
            let gone = c
                .remove_device(&project, &uuid)
                .await
                .map_err(device_write_refused)?;
            let line = format!(
                "removed device {}/{}{}",
                gone.project,
                gone.device_uuid,
                naming(gone.live_tokens_naming)
            );
            print_result(json, &gone, &line)
        }
        DevicesCommand::Import(_) => unreachable!("run by admin::import"),
    }
}

/// Whether a device write met a server without the endpoint: 405, or a 404 that does not
/// name what is missing (tokentab serve's own 404s say `unknown project "…"` / `unknown device
/// "…"`; its fallback says `no such endpoint`; a JFrog Platform's say neither).
pub(super) fn is_missing_endpoint(e: &ApiError) -> bool {
    match e {
        ApiError::Status { status: 405, .. } => true,
        ApiError::NotFound { message } => {
            message.contains("no such endpoint") || !message.contains("unknown ")
        }
        _ => false,
    }
}

/// [`refused`], with JFrog Connect's answer to a device write said plainly.
pub(super) fn device_write_refused(e: ApiError) -> Failure {
    if is_missing_endpoint(&e) {
        Failure::Other(CONNECT_REGISTERS_DEVICES.into())
    } else {
        refused(e)
    }
}
