//! Rotate: a confirm dialog (Cancel focused) for one token; on confirm the replacement is
//! created (same scope, description, owner and lifetime length: `model::rotate`), its secret
//! opens in the secret view like any new token, then the old token is revoked and the status
//! line names both ids. A failed revoke leaves both listed and says so.

use crate::api::{CreatedToken, RevokeOutcome};
use crate::model::Token;
use crate::model::rotate::{UnknownScope, replacement_request};
use crate::model::sanitize::clean;
use crate::model::wire::TokenInfo;

use super::super::keymap::Action;
use super::super::msg::{Answer, ApiResult, Effect, Owner, ReqId, Request};
use super::ctx::Ctx;
use super::list::Table;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotateStep {
    /// The list did not carry the scope: the token's details are being fetched.
    Fetching(ReqId),
    Ready,
    Creating(ReqId),
    /// Nothing was changed; the reason.
    Failed(String),
}

/// The dialog, before and while the replacement is created.
#[derive(Debug)]
pub struct RotateDialog {
    pub token: Token,
    /// The server reports no scope even in the token's details (real JFrog): the replacement
    /// is a User token, and the dialog says so before anything happens.
    pub scope_unknown: bool,
    /// False: Cancel has focus (the default).
    pub on_rotate: bool,
    pub step: RotateStep,
}

impl RotateDialog {
    pub fn running(&self) -> bool {
        matches!(self.step, RotateStep::Fetching(_) | RotateStep::Creating(_))
    }
}

/// After the replacement exists: the old token's revoke and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub old_id: String,
    pub new_id: String,
    pub revoke: Option<ReqId>,
    pub outcome: Option<Result<RevokeOutcome, String>>,
}

impl Rotation {
    /// What the status line and the secret view say.
    pub fn message(&self) -> (String, bool) {
        let (old, new) = (&self.old_id, &self.new_id);
        match &self.outcome {
            None => (format!("rotating: new token {new}; revoking {old}…"), false),
            Some(Ok(_)) => (
                format!("rotated: new token {new}; old token {old} revoked"),
                false,
            ),
            Some(Err(e)) => (
                format!(
                    "new token {new} created, but revoking the old token {old} failed: {e} \
                     (both stay listed; revoke it with d)"
                ),
                true,
            ),
        }
    }
}

impl RotateDialog {
    /// Opens on `token` (Cancel focused); reads the token first when the list did not carry
    /// its scope.
    pub fn open(token: Token, cx: &mut Ctx) -> RotateDialog {
        let step = if token.scope.is_some() {
            RotateStep::Ready
        } else {
            RotateStep::Fetching(cx.call(Owner::Rotate, Request::GetToken(token.token_id.clone())))
        };
        RotateDialog {
            token,
            scope_unknown: false,
            on_rotate: false,
            step,
        }
    }

    /// Keys of the dialog; true when it closes.
    pub fn on_action(&mut self, a: Action, cx: &mut Ctx) -> bool {
        match a {
            Action::Left | Action::Right | Action::NextField | Action::PrevField
                if !self.running() =>
            {
                self.on_rotate = !self.on_rotate;
            }
            // Esc, or Enter on Cancel: close; a read in flight is dropped (a create in flight
            // too: its secret is dropped unseen, and no revoke follows).
            Action::Back | Action::Confirm if a == Action::Back || !self.on_rotate => {
                if let RotateStep::Fetching(id) | RotateStep::Creating(id) = self.step {
                    cx.emit(Effect::Cancel(id));
                }
                return true;
            }
            Action::Confirm => match &self.step {
                RotateStep::Failed(_) => return true,
                RotateStep::Ready => {
                    let unknown = if self.scope_unknown {
                        UnknownScope::AsUser
                    } else {
                        UnknownScope::Refuse
                    };
                    self.step = match replacement_request(&self.token, cx.now, unknown) {
                        Ok(req) => {
                            RotateStep::Creating(cx.call(Owner::Rotate, Request::CreateToken(req)))
                        }
                        Err(e) => RotateStep::Failed(clean(&e.to_string())),
                    };
                }
                // Fetching or creating: Esc cancels.
                _ => {}
            },
            _ => {}
        }
        false
    }

    /// A reply to the dialog's calls: the details make it ready; the replacement, once
    /// created, is handed back (the caller shows it and starts the old token's revoke).
    pub fn on_reply(&mut self, id: ReqId, answer: Answer) -> Option<CreatedToken> {
        match answer {
            Answer::Token(r) if self.step == RotateStep::Fetching(id) => {
                self.on_details(r);
                None
            }
            Answer::Created(r) if self.step == RotateStep::Creating(id) => match r {
                Ok(created) => Some(created),
                Err(e) => {
                    self.step = RotateStep::Failed(format!(
                        "could not create the replacement: {}; nothing was changed",
                        e.shown()
                    ));
                    None
                }
            },
            _ => None,
        }
    }

    fn on_details(&mut self, r: ApiResult<TokenInfo>) {
        match r {
            Ok(info) => {
                let token = info.into_token();
                self.token.scope = token.scope.as_deref().map(clean);
                self.scope_unknown = self.token.scope.is_none();
                self.step = RotateStep::Ready;
            }
            Err(e) => {
                self.step = RotateStep::Failed(format!(
                    "could not read the token's details: {}; nothing was changed",
                    e.shown()
                ))
            }
        }
    }
}

impl Rotation {
    /// The replacement `new_id` exists: revoke the old token.
    pub fn start(old_id: String, new_id: String, cx: &mut Ctx) -> Rotation {
        let revoke = cx.call(Owner::Rotation, Request::RevokeToken(old_id.clone()));
        Rotation {
            old_id,
            new_id,
            revoke: Some(revoke),
            outcome: None,
        }
    }

    /// The old token's revoke came back: its row goes (when revoked), the status line names
    /// both ids and the list is read again. True when the reply was the one awaited.
    pub fn on_reply(&mut self, id: ReqId, answer: Answer, table: &mut Table, cx: &mut Ctx) -> bool {
        let Answer::Revoked(r) = answer else {
            return false;
        };
        if self.revoke != Some(id) {
            return false;
        }
        self.revoke = None;
        let ok = r.is_ok();
        self.outcome = Some(r.map_err(|e| e.shown()));
        if ok {
            table.rows.remove(&self.old_id, cx.now);
            table.recount_mine(cx.now);
        }
        let (text, error) = self.message();
        cx.say(text, error);
        // Both ids as the server sees them now (the new row, and the old one if it stayed).
        table.reload_after_change(None, cx);
        true
    }
}
