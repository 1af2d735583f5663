//! What the admin operations (issue 17: users, projects, membership, fleets, device
//! registration and import) take, and how a rule refuses one.
//!
//! A rule refuses with `Err(StoreError::Refused(..))`: the transaction rolls back, so nothing
//! of a refused change is written, and the route answers the refusal's status
//! (`From<Refusal> for ApiErr`, in `service/error.rs` with the other mappings: this file
//! imports nothing of it, so the two make no import cycle). Messages are written by the rule, which knows what it found;
//! they quote only names the route validated before.

use crate::model::admin::ImportRowError;

use super::audit::Record;

/// Why a rule refused an admin change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 404: what the change is about does not exist (`unknown user "bob"`).
    #[error("{0}")]
    Missing(String),
    /// 409: it exists already, or the change would break a rule (the last enabled admin,
    /// a project or fleet still in use).
    #[error("{0}")]
    Conflict(String),
    /// 400: a field names something that does not exist or cannot be (`fleet: unknown fleet
    /// "rpi" in project "lab"`).
    #[error("{0}")]
    Invalid(String),
    /// 400: an import's bad rows, every one with its line; nothing was imported.
    #[error("{} bad rows; nothing was imported", .0.len())]
    BadRows(Vec<ImportRowError>),
}

/// Who acts: the caller's token (re-checked live inside the transaction) and the audit row
/// template (actor, actor token, source); each rule sets `action`, `description` and
/// `token_id` on the rows it writes.
#[derive(Debug, Clone, Default)]
pub struct Acting {
    pub caller: Option<String>,
    /// The user of the caller's token: a user change refuses to disable, demote or remove it
    /// (it would lock that token out), after the last-admin rule had its say.
    pub caller_user: Option<String>,
    pub audit: Option<Record>,
}

/// A user to add (`POST /access/api/v2/users`); the route validated every field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    pub admin: bool,
}

/// `PATCH /access/api/v2/users/{name}`: None leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    /// `Some(None)` clears the email.
    pub email: Option<Option<String>>,
    pub admin: Option<bool>,
    pub disabled: Option<bool>,
}

/// One row of an import, validated in shape by the parser (names, lengths, characters); the
/// rule checks what needs the database (the fleet exists). `device_uuid` is filled in (a
/// fresh one) before the rule runs when the row had none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub line: u64,
    pub device_uuid: String,
    /// The row named no id: this one was generated for it (always an add).
    pub generated_uuid: bool,
    pub device_name: String,
    pub fleet: String,
    pub tags: Vec<String>,
    pub description: String,
}
