//! The create panel: fields, focus order, permission rows and validation. No I/O.

use chrono::{DateTime, Utc};
use tui_input::Input;

use crate::model::scope::USER;

/// Custom tokens carry the Connect audience (DESIGN.md).
pub const CONNECT_AUDIENCE: &str = "jfcon@*";
use crate::model::wire::CreateTokenRequest;
use crate::model::{Actions, EntityKind, EntityRef, Expiry, Scope};

use super::super::msg::ReqId;

pub const MAX_DESCRIPTION: usize = 1024;
pub const DEFAULT_EXPIRY: &str = "+90d";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Description,
    Expiration,
    ScopeKind,
    User,
    Entity,
    Project,
    Target,
    Perms,
    Add,
    Rows,
    Generate,
    Cancel,
}

impl Field {
    pub fn is_text(self) -> bool {
        matches!(self, Field::Description | Field::Expiration)
    }
}

#[derive(Debug)]
pub struct Form {
    pub focus: Field,
    pub description: Input,
    pub expiration: Input,
    pub custom: bool,
    pub user: Option<String>,
    pub entity: EntityKind,
    pub project: Option<String>,
    pub target: Option<String>,
    pub perms: Actions,
    /// Which of Read / Write / Delete has the cursor.
    pub perm_cursor: usize,
    /// The permissions table (Connect grants only).
    pub scope: Scope,
    pub row_cursor: usize,
    pub errors: Vec<(Field, String)>,
    /// Set while the create call runs: the form is locked.
    pub submitting: Option<ReqId>,
    /// The open picker (user, project, fleet or device).
    pub picker: Option<super::picker::Picker>,
}

impl Form {
    pub fn new(me: Option<String>) -> Form {
        Form {
            focus: Field::Description,
            description: Input::default(),
            expiration: Input::new(DEFAULT_EXPIRY.into()),
            custom: false,
            user: me,
            entity: EntityKind::Project,
            project: None,
            target: None,
            perms: Actions {
                read: true,
                ..Actions::NONE
            },
            perm_cursor: 0,
            scope: Scope::default(),
            row_cursor: 0,
            errors: Vec::new(),
            submitting: None,
            picker: None,
        }
    }

    /// Focus order of the fields shown now.
    pub fn fields(&self) -> Vec<Field> {
        let mut f = vec![Field::Description, Field::Expiration, Field::ScopeKind];
        if self.custom {
            f.push(Field::Entity);
            f.push(Field::Project);
            if self.entity != EntityKind::Project {
                f.push(Field::Target);
            }
            f.push(Field::Perms);
            f.push(Field::Add);
            if !self.scope.is_empty() {
                f.push(Field::Rows);
            }
        } else {
            f.push(Field::User);
        }
        f.push(Field::Generate);
        f.push(Field::Cancel);
        f
    }

    pub fn focus_step(&mut self, delta: isize) {
        let fields = self.fields();
        let i = fields.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        let n = fields.len() as isize;
        self.focus = fields[((i + delta).rem_euclid(n)) as usize];
    }

    pub fn error(&self, field: Field) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn set_error(&mut self, field: Field, msg: impl Into<String>) {
        self.errors.retain(|(f, _)| *f != field);
        self.errors.push((field, msg.into()));
    }

    pub fn clear_error(&mut self, field: Field) {
        self.errors.retain(|(f, _)| *f != field);
    }

    /// The live preview under the expiration field.
    pub fn expiry_preview(&self, now: DateTime<Utc>) -> Result<String, String> {
        Expiry::parse(self.expiration.value(), now)
            .map(|e| format!("→ {}", e.preview(now)))
            .map_err(|e| e.to_string())
    }

    pub fn toggle_scope_kind(&mut self) {
        self.custom = !self.custom;
        self.clear_error(Field::User);
        self.clear_error(Field::Rows);
    }

    pub fn cycle_entity(&mut self, delta: isize) {
        let all = EntityKind::ALL;
        let i = all.iter().position(|k| *k == self.entity).unwrap_or(0) as isize;
        self.entity = all[((i + delta).rem_euclid(3)) as usize];
        self.target = None;
    }

    pub fn toggle_perm(&mut self) {
        let a = crate::model::scope::Action::ALL[self.perm_cursor.min(2)];
        self.perms = self.perms.with(a, !self.perms.has(a));
        self.clear_error(Field::Perms);
    }

    /// Add → a row in the permissions table (the same target merges).
    pub fn add_permission(&mut self) -> bool {
        self.clear_error(Field::Project);
        self.clear_error(Field::Target);
        self.clear_error(Field::Perms);
        let Some(project) = self.project.clone() else {
            self.set_error(Field::Project, "choose a project");
            return false;
        };
        let name = match self.entity {
            EntityKind::Project => project.clone(),
            _ => match self.target.clone() {
                Some(t) => t,
                None => {
                    let what = self.entity.as_str();
                    self.set_error(Field::Target, format!("choose a {what}"));
                    return false;
                }
            },
        };
        if self.perms.is_empty() {
            self.set_error(Field::Perms, "choose at least one permission type");
            return false;
        }
        match EntityRef::new(self.entity, &project, &name) {
            Ok(target) => {
                self.scope.grant(target, self.perms);
                self.clear_error(Field::Rows);
                true
            }
            Err(e) => {
                self.set_error(Field::Target, e.to_string());
                false
            }
        }
    }

    pub fn remove_row(&mut self) {
        let target = self
            .scope
            .grants()
            .nth(self.row_cursor)
            .map(|(t, _)| t.clone());
        if let Some(t) = target {
            self.scope.revoke_grant(&t);
        }
        let n = self.scope.grants().count();
        self.row_cursor = self.row_cursor.min(n.saturating_sub(1));
        if n == 0 && self.focus == Field::Rows {
            self.focus = Field::Add;
        }
    }

    /// Validates every field; on success the request to send. Messages go beside the fields.
    pub fn validate(&mut self, now: DateTime<Utc>) -> Option<CreateTokenRequest> {
        self.errors.clear();
        let description = self.description.value().trim().to_owned();
        if description.is_empty() {
            self.set_error(Field::Description, "a description is required");
        } else if description.chars().count() > MAX_DESCRIPTION {
            self.set_error(
                Field::Description,
                format!(
                    "at most {MAX_DESCRIPTION} characters ({} now)",
                    description.chars().count()
                ),
            );
        }
        let expiry = match Expiry::parse(self.expiration.value(), now) {
            Ok(e) => Some(e),
            Err(e) => {
                self.set_error(Field::Expiration, e.to_string());
                None
            }
        };
        let (username, scope, audience) = if self.custom {
            if self.scope.is_empty() {
                self.set_error(Field::Rows, "add at least one permission row");
            }
            (
                self.user.clone(),
                self.scope.to_string(),
                Some(CONNECT_AUDIENCE.to_owned()),
            )
        } else {
            if self.user.is_none() {
                self.set_error(Field::User, "choose a user");
            }
            (self.user.clone(), USER.to_owned(), None)
        };
        let expiry = expiry?;
        if !self.errors.is_empty() {
            return None;
        }
        Some(CreateTokenRequest {
            username,
            scope: Some(scope),
            expires_in: Some(expiry.expires_in(now)),
            refreshable: Some(false),
            description: Some(description),
            audience,
            ..CreateTokenRequest::default()
        })
    }

    /// The first field with a message, to move focus there.
    pub fn first_error_field(&self) -> Option<Field> {
        self.fields()
            .into_iter()
            .find(|f| self.errors.iter().any(|(e, _)| e == f))
    }
}
