//! Device import (issue 17): all rows or none, in one transaction. A row whose id exists in
//! the project updates that device (name, fleet, tags, description), else adds it; a row
//! naming an unknown fleet (or an id twice) is a bad row, and any bad row refuses the whole
//! import with every one of them. A dry run reads and reports, and writes nothing.

use std::collections::{HashMap, HashSet};

use crate::model::admin::{ChangeKind, ImportChange, ImportReport, ImportRowError};
use crate::model::wire::DeviceInfo;

use super::super::admin::{Acting, ImportRow, Refusal};
use super::super::tx::{Res, Tx};
use super::projects::project_known;
use crate::model::counts::thousands;

use super::{caller_live, note};

/// The bad rows of `rows`, in file order: ids seen twice, unknown fleets.
fn bad_rows(project: &str, rows: &[ImportRow], fleets: &HashSet<String>) -> Vec<ImportRowError> {
    let mut first: HashMap<&str, u64> = HashMap::with_capacity(rows.len());
    let mut bad = Vec::new();
    for row in rows {
        if let Some(line) = first.get(row.device_uuid.as_str()) {
            bad.push(ImportRowError {
                line: row.line,
                field: Some("device_uuid".into()),
                message: format!("device_uuid \"{}\" is also on line {line}", row.device_uuid),
            });
        } else {
            first.insert(&row.device_uuid, row.line);
        }
        if !fleets.contains(&row.fleet) {
            bad.push(ImportRowError {
                line: row.line,
                field: Some("fleet".into()),
                message: format!("unknown fleet \"{}\" in project \"{project}\"", row.fleet),
            });
        }
    }
    bad
}

/// The fields of `old` that `row` changes.
fn changed_fields(old: &DeviceInfo, row: &ImportRow) -> Vec<String> {
    let mut fields = Vec::new();
    if old.device_name != row.device_name {
        fields.push("device_name".to_owned());
    }
    if old.group != row.fleet {
        fields.push("fleet".to_owned());
    }
    if old.tags != row.tags {
        fields.push("tags".to_owned());
    }
    if old.description != row.description {
        fields.push("description".to_owned());
    }
    fields
}

pub async fn import<T: Tx>(
    tx: &T,
    project: &str,
    rows: Vec<ImportRow>,
    dry_run: bool,
    by: &Acting,
) -> Res<ImportReport> {
    caller_live(tx, by.caller.as_deref()).await?;
    project_known(tx, project).await?;
    let fleets: HashSet<String> = tx
        .fleets(project)
        .await?
        .into_iter()
        .map(|f| f.name)
        .collect();
    let mut bad = bad_rows(project, &rows, &fleets);
    let ids: Vec<String> = rows.iter().map(|r| r.device_uuid.clone()).collect();
    let existing: HashMap<String, DeviceInfo> = tx
        .devices_among(project, &ids)
        .await?
        .into_iter()
        .map(|d| (d.device_uuid.clone(), d))
        .collect();
    for row in rows.iter().filter(|r| r.generated_uuid) {
        if existing.contains_key(&row.device_uuid) {
            bad.push(ImportRowError {
                line: row.line,
                field: Some("device_uuid".into()),
                message: format!(
                    "the id generated for this row, \"{}\", is taken: import again",
                    row.device_uuid
                ),
            });
        }
    }
    if !bad.is_empty() {
        bad.sort_by_key(|b| b.line);
        return Err(Refusal::BadRows(bad).into());
    }
    let mut report = ImportReport {
        project: project.to_owned(),
        dry_run,
        rows: rows.len() as u64,
        added: 0,
        updated: 0,
        unchanged: 0,
        changes: Vec::new(),
    };
    let mut writes = Vec::new();
    for row in rows {
        let (kind, fields, old) = match existing.get(&row.device_uuid) {
            None => (ChangeKind::Add, Vec::new(), None),
            Some(old) => {
                let fields = changed_fields(old, &row);
                if fields.is_empty() {
                    report.unchanged += 1;
                    continue;
                }
                (ChangeKind::Update, fields, Some(old))
            }
        };
        match kind {
            ChangeKind::Add => report.added += 1,
            ChangeKind::Update => report.updated += 1,
        }
        report.changes.push(ImportChange {
            line: row.line,
            device_uuid: row.device_uuid.clone(),
            kind,
            fields,
        });
        if !dry_run {
            writes.push(DeviceInfo {
                device_uuid: row.device_uuid,
                device_name: row.device_name,
                project: project.to_owned(),
                group: row.fleet,
                description: row.description,
                tags: row.tags,
                device_ip: old.and_then(|o| o.device_ip.clone()),
                agent_version: old.and_then(|o| o.agent_version.clone()),
            });
        }
    }
    if dry_run {
        return Ok(report);
    }
    if !writes.is_empty() {
        tx.upsert_devices(project, &writes).await?;
    }
    let mut description = format!(
        "{project}: added {}, updated {}",
        thousands(report.added),
        thousands(report.updated)
    );
    if report.unchanged > 0 {
        description.push_str(&format!(", unchanged {}", thousands(report.unchanged)));
    }
    note(tx, by, "device_import", |r| {
        r.description = Some(description)
    })
    .await?;
    Ok(report)
}
