//! The create panel: fields, focus order, permission rows and validation. No I/O.

mod check;

use std::collections::HashMap;

use tui_input::Input;

use crate::api::CreatedToken;
use crate::model::expiry::ServerLimits;
use crate::model::{Actions, EntityKind, EntityRef, Scope};

use super::super::keymap::Action;
use super::super::msg::{Answer, Effect, Owner, PickItem, PickKind, ReqId, Request};
use super::ctx::Ctx;
use super::load::Load;
use super::picker::{Picker, PickerOutcome};

/// Custom tokens carry the Connect audience (`jfcon@*`, as the JFrog Platform gives them).
pub const CONNECT_AUDIENCE: &str = "jfcon@*";

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
    /// How the chosen target is shown (a device: its name and short id).
    pub target_name: Option<String>,
    /// The shown names of the permission rows' targets, where they differ from the ids.
    pub names: HashMap<EntityRef, String>,
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
    pub picker: Option<Picker>,
    /// Esc on a form with input: "discard it? (y/n)" is asked.
    pub discarding: bool,
    /// The server's lifetime rules for this caller (the expiry help; None: it says nothing).
    pub limits: Load<Option<ServerLimits>>,
    /// The expiry the form started with ([`DEFAULT_EXPIRY`], or the server's own default when
    /// that is longer than the server allows); not input of the user's.
    pub expiry_default: String,
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
            target_name: None,
            names: HashMap::new(),
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
            discarding: false,
            limits: Load::Idle,
            expiry_default: DEFAULT_EXPIRY.to_owned(),
        }
    }

    /// A new form that asks the server for its lifetime rules at once (the expiry help).
    pub fn open(me: Option<String>, cx: &mut Ctx) -> Form {
        let mut form = Form::new(me);
        form.limits = Load::Loading(cx.call(Owner::Form, Request::TokenLimits));
        form
    }

    /// Focus order of the fields shown now.
    pub fn fields(&self) -> Vec<Field> {
        // Both kinds name their user: an admin may create a Custom token for someone else.
        let mut f = vec![
            Field::Description,
            Field::Expiration,
            Field::ScopeKind,
            Field::User,
        ];
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

    pub fn toggle_scope_kind(&mut self) {
        self.custom = !self.custom;
        self.clear_error(Field::Rows);
    }

    pub fn cycle_entity(&mut self, delta: isize) {
        let all = EntityKind::ALL;
        let i = all.iter().position(|k| *k == self.entity).unwrap_or(0) as isize;
        self.entity = all[((i + delta).rem_euclid(3)) as usize];
        self.target = None;
        self.target_name = None;
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
                if let Some(shown) = self.target_name.clone().filter(|s| *s != name) {
                    self.names.insert(target.clone(), shown);
                }
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
            self.names.remove(&t);
        }
        let n = self.scope.grants().count();
        self.row_cursor = self.row_cursor.min(n.saturating_sub(1));
        if n == 0 && self.focus == Field::Rows {
            self.focus = Field::Add;
        }
    }

    /// The first field with a message, to move focus there.
    pub fn first_error_field(&self) -> Option<Field> {
        self.fields()
            .into_iter()
            .find(|f| self.errors.iter().any(|(e, _)| e == f))
    }

    /// Whether closing the form would lose something the user typed or chose.
    pub fn has_input(&self) -> bool {
        !self.description.value().is_empty()
            || self.expiration.value() != self.expiry_default
            || self.custom
            || !self.scope.is_empty()
            || self.project.is_some()
            || self.target.is_some()
    }

    /// Keys of the panel (the picker's keys go to [`Form::on_picker_action`]).
    pub fn on_action(&mut self, a: Action, cx: &mut Ctx) -> FormOutcome {
        if let Some(id) = self.submitting {
            if a == Action::Back {
                cx.emit(Effect::Cancel(id));
                self.submitting = None;
                cx.say(
                    "creation cancelled; the server may still have made the token — refresh to check",
                    true,
                );
            }
            return FormOutcome::Open;
        }
        match (a, self.focus) {
            // Esc never drops what was typed or chosen without asking.
            (Action::Back, _) if self.has_input() => self.discarding = true,
            (Action::Back, _) | (Action::Confirm | Action::Toggle, Field::Cancel) => {
                return FormOutcome::Closed;
            }
            (Action::Generate, _) | (Action::Confirm | Action::Toggle, Field::Generate) => {
                self.generate(cx)
            }
            (Action::NextField, _) | (Action::Confirm, Field::Description | Field::Expiration) => {
                self.focus_step(1)
            }
            (Action::PrevField, _) => self.focus_step(-1),
            (Action::Up, Field::Rows) => self.row_cursor = self.row_cursor.saturating_sub(1),
            (Action::Down, Field::Rows) => {
                let n = self.scope.grants().count();
                self.row_cursor = (self.row_cursor + 1).min(n.saturating_sub(1));
            }
            (Action::Up, _) => self.focus_step(-1),
            (Action::Down, _) => self.focus_step(1),
            (Action::Left | Action::Right | Action::Toggle | Action::Confirm, Field::ScopeKind) => {
                self.toggle_scope_kind()
            }
            (Action::Left, Field::Entity) => self.cycle_entity(-1),
            (Action::Right | Action::Toggle | Action::Confirm, Field::Entity) => {
                self.cycle_entity(1)
            }
            (Action::Left, Field::Perms) => self.perm_cursor = self.perm_cursor.saturating_sub(1),
            (Action::Right, Field::Perms) => self.perm_cursor = (self.perm_cursor + 1).min(2),
            (Action::Toggle | Action::Confirm, Field::Perms) => self.toggle_perm(),
            (Action::Toggle | Action::Confirm, Field::Add) => {
                self.add_permission();
            }
            (Action::Remove, Field::Rows) => self.remove_row(),
            (Action::Left | Action::Right, Field::Generate) => self.focus = Field::Cancel,
            (Action::Left | Action::Right, Field::Cancel) => self.focus = Field::Generate,
            (Action::Confirm | Action::Toggle, Field::User | Field::Project | Field::Target) => {
                self.open_picker(cx)
            }
            _ => {}
        }
        FormOutcome::Open
    }

    /// Validates and, when every field is right, sends the create request (the form locks).
    fn generate(&mut self, cx: &mut Ctx) {
        match self.validate(cx.now) {
            Some(req) => self.submitting = Some(cx.call(Owner::Form, Request::CreateToken(req))),
            None => {
                if let Some(field) = self.first_error_field() {
                    self.focus = field;
                }
                cx.say("fix the fields marked ✕ and generate again", true);
            }
        }
    }

    /// Opens the picker of the focused field and asks for its first page.
    fn open_picker(&mut self, cx: &mut Ctx) {
        let (kind, project) = match self.focus {
            Field::User => (PickKind::User, None),
            Field::Project => (PickKind::Entity(EntityKind::Project), None),
            Field::Target => {
                let Some(p) = self.project.clone() else {
                    self.set_error(Field::Target, "choose a project first");
                    return;
                };
                (PickKind::Entity(self.entity), Some(p))
            }
            _ => return,
        };
        let mut p = Picker::new(kind, project);
        p.search_now(cx);
        self.picker = Some(p);
    }

    /// The reply to Generate: the created token when it is the one awaited (the caller shows
    /// it); a failure is written beside Generate. A cancelled or stale create is dropped here,
    /// and its secret with it (zeroized). The server's limits arrive here too.
    pub fn on_reply(&mut self, id: ReqId, answer: Answer, cx: &mut Ctx) -> Option<CreatedToken> {
        let r = match answer {
            Answer::Created(r) => r,
            Answer::Limits(r) => {
                self.limits_arrived(id, r, cx.now);
                return None;
            }
            _ => return None,
        };
        if self.submitting != Some(id) {
            return None;
        }
        self.submitting = None;
        match r {
            Ok(created) => Some(created),
            Err(e) => {
                let e = e.shown();
                self.set_error(Field::Generate, format!("could not create the token: {e}"));
                cx.say(format!("could not create the token: {e}"), true);
                None
            }
        }
    }

    /// Who is signed in became known: it is the default user.
    pub fn identity_known(&mut self, me: &str) {
        if self.user.is_none() {
            self.user = Some(me.to_owned());
            // A submit made before the identity arrived said "choose a user": it is chosen now.
            self.clear_error(Field::User);
        }
    }

    /// Keys of the open picker; a choice fills the focused field and moves on.
    pub fn on_picker_action(&mut self, a: Action, cx: &mut Ctx) {
        let Some(p) = self.picker.as_mut() else {
            return;
        };
        let kind = p.kind;
        match p.on_action(a, cx) {
            PickerOutcome::Open => {}
            PickerOutcome::Closed => self.picker = None,
            PickerOutcome::Chosen(item) => {
                self.picker = None;
                self.choose(kind, item);
            }
        }
    }

    fn choose(&mut self, kind: PickKind, item: PickItem) {
        match (kind, self.focus) {
            (PickKind::User, _) => {
                self.user = Some(item.id);
                self.clear_error(Field::User);
            }
            (_, Field::Project) => {
                if self.project.as_deref() != Some(item.id.as_str()) {
                    self.target = None;
                    self.target_name = None;
                }
                self.project = Some(item.id);
                self.clear_error(Field::Project);
            }
            (_, Field::Target) => {
                self.target_name = Some(item.name);
                self.target = Some(item.id);
                self.clear_error(Field::Target);
            }
            _ => {}
        }
        self.focus_step(1);
    }

    /// The focused text field, when one has focus.
    pub fn text_field(&mut self) -> Option<&mut Input> {
        match self.focus {
            Field::Description => Some(&mut self.description),
            Field::Expiration => Some(&mut self.expiration),
            _ => None,
        }
    }
}

/// Whether the panel stays after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormOutcome {
    Open,
    Closed,
}
