//! Fleets (issue 17): add, remove (refused while devices are in it unless forced, which
//! deletes them). Tokens naming a removed fleet or device stay live but name nothing: the
//! answer and the audit row say how many.

use std::collections::HashSet;

use crate::model::EntityRef;
use crate::model::admin::FleetRemoved;
use crate::model::clock::now;
use crate::model::wire::FleetInfo;

use super::super::admin::{Acting, Refusal};
use super::super::tx::{Res, Tx};
use super::projects::project_known;
use crate::model::counts::count_of;

use super::{caller_live, names, note};

pub async fn add<T: Tx>(tx: &T, project: &str, name: &str, by: &Acting) -> Res<FleetInfo> {
    caller_live(tx, by.caller.as_deref()).await?;
    project_known(tx, project).await?;
    if !tx.add_fleet(project, name).await? {
        let msg = format!("fleet \"{name}\" already exists in project \"{project}\"");
        return Err(Refusal::Conflict(msg).into());
    }
    note(tx, by, "fleet_add", |r| {
        r.description = Some(format!("{project}/{name}"))
    })
    .await?;
    Ok(FleetInfo {
        name: name.to_owned(),
        project_key: project.to_owned(),
        device_count: 0,
    })
}

pub async fn remove<T: Tx>(
    tx: &T,
    project: &str,
    name: &str,
    force: bool,
    by: &Acting,
) -> Res<FleetRemoved> {
    caller_live(tx, by.caller.as_deref()).await?;
    project_known(tx, project).await?;
    if !tx.fleet_exists(project, name).await? {
        let msg = format!("unknown fleet \"{name}\" in project \"{project}\"");
        return Err(Refusal::Missing(msg).into());
    }
    let devices = tx.count_devices(project, Some(name)).await?;
    if devices > 0 && !force {
        let msg = format!(
            "fleet \"{project}/{name}\" has {}: delete them first, or delete with force \
             (deletes the devices)",
            count_of(devices, "device", "devices")
        );
        return Err(Refusal::Conflict(msg).into());
    }
    let ids: HashSet<String> = if devices > 0 {
        tx.fleet_device_ids(project, name)
            .await?
            .into_iter()
            .collect()
    } else {
        HashSet::new()
    };
    let target = if ids.is_empty() {
        EntityRef::Fleet {
            project: project.to_owned(),
            fleet: name.to_owned(),
        }
    } else {
        EntityRef::Project {
            project: project.to_owned(),
        }
    };
    let hit = |e: &EntityRef| match e {
        EntityRef::Fleet { project: p, fleet } => p == project && fleet == name,
        EntityRef::Device { project: p, device } => p == project && ids.contains(device),
        EntityRef::Project { .. } => false,
    };
    let naming = tx
        .live_tokens_naming(&target, now(), false)
        .await?
        .iter()
        .filter(|t| names(t, hit))
        .count() as u64;
    let deleted = tx.delete_fleet(project, name).await?;
    let mut description = format!(
        "{project}/{name}: {} named it",
        count_of(naming, "live token", "live tokens")
    );
    if deleted > 0 {
        description.push_str(&format!(
            ", {} deleted",
            count_of(deleted, "device", "devices")
        ));
    }
    note(tx, by, "fleet_remove", |r| {
        r.description = Some(description)
    })
    .await?;
    Ok(FleetRemoved {
        project_key: project.to_owned(),
        name: name.to_owned(),
        devices_deleted: deleted,
        live_tokens_naming: naming,
    })
}
