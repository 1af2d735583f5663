//! What the admin operations (issue 17: users, projects, membership, fleets, device
//! registration and import) take, and how a rule refuses one.
//!
//! A rule refuses with `Err(StoreError::Refused(..))`: the transaction rolls back, so nothing
//! of a refused change is written, and the route answers the refusal's status
//! (`From<Refusal> for ApiErr`; [`Refusal`] lives in `service::error`). Messages are written by the rule, which knows what it found;
//! they quote only names the route validated before.

pub use crate::service::error::Refusal;

use super::audit::Record;

/// Who acts: the caller's token (re-checked live inside the transaction) and the audit row
/// template (actor, actor token, source); each rule sets `action`, `description` and
/// `token_id` on the rows it writes.
#[derive(Debug, Clone, Default)]
pub struct Acting {
    pub caller: Option<String>,
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
