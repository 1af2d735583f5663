//! The wire shapes of the admin endpoints (issue 17): users (JFrog Access v2), projects and
//! membership (JFrog Access v1), fleets, device registration and bulk import (Connect v2
//! shaped). Requests that are ours alone refuse unknown fields by name; answers to deletes say
//! what went with the deleted thing.

use serde::{Deserialize, Serialize};

/// `PUT /access/api/v1/projects/{key}/users/{user}` answer and `GET …/users` entry (JFrog's
/// shape). Roles are stored and shown; they grant nothing beyond membership here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

/// `GET /access/api/v1/projects/{key}/users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberList {
    #[serde(default)]
    pub members: Vec<Member>,
}

/// `DELETE /access/api/v2/users/{name}`: 200 with what went with the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRemoved {
    pub username: String,
    /// Live tokens of the user, revoked in the same transaction (each with its audit row).
    pub tokens_revoked: u64,
}

/// `DELETE /access/api/v1/projects/{key}[?force=true]`: 200 with what went with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRemoved {
    pub project_key: String,
    pub tokens_revoked: u64,
    pub devices_deleted: u64,
    pub fleets_deleted: u64,
    pub members_removed: u64,
}

/// `POST /api/v2/{project}/fleets` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFleet {
    pub name: String,
}

/// `DELETE /api/v2/{project}/fleets/{name}[?force=true]`: 200 with what went with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetRemoved {
    pub project_key: String,
    pub name: String,
    pub devices_deleted: u64,
    /// Live tokens whose scope named the fleet or one of its deleted devices: what they named
    /// is gone, so those grants are now useless (the tokens themselves stay live).
    pub live_tokens_naming: u64,
}

/// `DELETE /api/v2/{project}/devices/{uuid}`: 200 with how many live tokens named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRemoved {
    pub project: String,
    pub device_uuid: String,
    pub live_tokens_naming: u64,
}

/// `POST /api/v2/{project}/devices` body: one device to register. `device_uuid` is generated
/// when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_uuid: Option<String>,
    pub device_name: String,
    /// The fleet (Connect calls it a group); it must exist.
    pub fleet: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub description: String,
}

/// One bad row of an import: its line in the file (1-based; a CSV header is line 1), the
/// field at fault when one is, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowError {
    pub line: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

/// What an import did (or, with `dry_run`, would do) to one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Add,
    Update,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportChange {
    pub line: u64,
    pub device_uuid: String,
    pub kind: ChangeKind,
    /// For an update: the fields that change (`device_name`, `fleet`, `tags`, `description`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// `POST /api/v2/{project}/devices/import[?dry_run=true]` answer (all rows or none). Bad rows
/// answer 400 in JFrog's error form with an extra `rows: [ImportRowError]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub project: String,
    pub dry_run: bool,
    pub rows: u64,
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Added and updated devices, in file order.
    #[serde(default)]
    pub changes: Vec<ImportChange>,
}
