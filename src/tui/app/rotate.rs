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
use super::super::msg::{ApiResult, Effect, ReqId};
use super::secret::SecretView;
use super::{App, Overlay};

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

impl App {
    /// `R` or the row menu's Rotate on the selected row.
    pub(super) fn open_rotate(&mut self, fx: &mut Vec<Effect>) {
        if self.cfg.readonly {
            self.refuse_readonly("rotating tokens");
            return;
        }
        if self.rotation.as_ref().is_some_and(|r| r.outcome.is_none()) {
            self.say("a rotation is still finishing; try again in a moment", true);
            return;
        }
        let Some(token) = self.rows.selected_row().map(|r| r.token.clone()) else {
            return;
        };
        let step = if token.scope.is_some() {
            RotateStep::Ready
        } else {
            let id = self.next_req_id();
            fx.push(Effect::GetToken(id, token.token_id.clone()));
            RotateStep::Fetching(id)
        };
        self.overlay = Overlay::Rotate(RotateDialog {
            token,
            scope_unknown: false,
            on_rotate: false,
            step,
        });
    }

    pub(super) fn rotate_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let now = self.now;
        let Overlay::Rotate(d) = &mut self.overlay else {
            return;
        };
        match a {
            Action::Left | Action::Right | Action::NextField | Action::PrevField
                if !d.running() =>
            {
                d.on_rotate = !d.on_rotate;
            }
            // Esc, or Enter on Cancel: close; a read in flight is dropped (a create in flight
            // too: its secret is dropped unseen, and no revoke follows).
            Action::Back | Action::Confirm if a == Action::Back || !d.on_rotate => {
                if let RotateStep::Fetching(id) | RotateStep::Creating(id) = d.step {
                    fx.push(Effect::Cancel(id));
                }
                self.overlay = Overlay::None;
            }
            Action::Confirm => match &d.step {
                RotateStep::Failed(_) => self.overlay = Overlay::None,
                RotateStep::Ready => match replacement_request(
                    &d.token,
                    now,
                    if d.scope_unknown {
                        UnknownScope::AsUser
                    } else {
                        UnknownScope::Refuse
                    },
                ) {
                    Ok(req) => {
                        let id = self.ids.next_id();
                        d.step = RotateStep::Creating(id);
                        fx.push(Effect::CreateToken(id, req));
                    }
                    Err(e) => d.step = RotateStep::Failed(clean(&e.to_string())),
                },
                // Fetching or creating: Esc cancels.
                _ => {}
            },
            _ => {}
        }
    }

    /// The details asked for by the dialog; false when the result was not ours.
    pub(super) fn on_rotate_detail(&mut self, id: ReqId, r: &ApiResult<TokenInfo>) -> bool {
        let Overlay::Rotate(d) = &mut self.overlay else {
            return false;
        };
        if d.step != RotateStep::Fetching(id) {
            return false;
        }
        match r {
            Ok(info) => {
                let token = info.clone().into_token();
                d.token.scope = token.scope.as_deref().map(clean);
                d.scope_unknown = d.token.scope.is_none();
                d.step = RotateStep::Ready;
            }
            Err(e) => {
                d.step = RotateStep::Failed(format!(
                    "could not read the token's details: {}; nothing was changed",
                    e.shown()
                ))
            }
        }
        true
    }

    /// The replacement was created (or not): the secret view opens and the old token's revoke
    /// starts. Returns the result back when it was not ours.
    pub(super) fn on_rotate_created(
        &mut self,
        id: ReqId,
        r: ApiResult<CreatedToken>,
        fx: &mut Vec<Effect>,
    ) -> Option<ApiResult<CreatedToken>> {
        let Overlay::Rotate(d) = &mut self.overlay else {
            return Some(r);
        };
        if d.step != RotateStep::Creating(id) {
            return Some(r);
        }
        match r {
            Ok(created) => {
                let old_id = d.token.token_id.clone();
                let new_id = clean(&created.meta.token_id);
                let rid = self.next_req_id();
                fx.push(Effect::CopySecret);
                fx.push(Effect::RevokeToken(rid, old_id.clone()));
                self.pending_select = Some(new_id.clone());
                self.rotation = Some(Rotation {
                    old_id,
                    new_id,
                    revoke: Some(rid),
                    outcome: None,
                });
                self.overlay = Overlay::Secret(SecretView {
                    created,
                    copy: None,
                    revealed: !self.cfg.mask_secret,
                });
            }
            Err(e) => {
                d.step = RotateStep::Failed(format!(
                    "could not create the replacement: {}; nothing was changed",
                    e.shown()
                ));
            }
        }
        None
    }

    /// The old token's revoke; returns the result back when it was not ours.
    pub(super) fn on_rotate_revoked(
        &mut self,
        id: ReqId,
        r: ApiResult<RevokeOutcome>,
        fx: &mut Vec<Effect>,
    ) -> Option<ApiResult<RevokeOutcome>> {
        let Some(rot) = self.rotation.as_mut().filter(|x| x.revoke == Some(id)) else {
            return Some(r);
        };
        rot.revoke = None;
        let ok = r.is_ok();
        rot.outcome = Some(r.map_err(|e| e.shown()));
        let old = rot.old_id.clone();
        let (text, error) = rot.message();
        if ok {
            self.rows.remove(&old, self.now);
        }
        self.say(text, error);
        // Both ids as the server sees them now (the new row, and the old one if it stayed).
        let rid = self.next_req_id();
        if let Some(prev) = self.refreshing.replace(rid) {
            fx.push(Effect::Cancel(prev));
        }
        fx.push(Effect::ListTokens(rid));
        if !matches!(self.overlay, Overlay::Secret(_)) {
            self.rotation = None;
        }
        None
    }
}
