//! The revoke confirmation: it carries the typed pending action (which tokens), starts focused on
//! Cancel, and for admin-scoped tokens asks to type the first 4 characters of the ID.
//!
//! `d` revokes the marked rows the filter shows, never a marked row the filter hides (the dialog
//! says how many were left out), and warns when one of the tokens is the one this tab is signed
//! in with: once it is revoked the tab is signed out ([`super::signed_out`]).

use tui_input::Input;

use crate::api::RevokeOutcome;

use super::super::keymap::Action;
use super::super::msg::{Answer, Effect, Owner, ReqId, Request};
use super::ctx::Ctx;
use super::list::Table;
use super::tokens::Row;

pub const PREFIX_LEN: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeState {
    Pending,
    Running(ReqId),
    Done(Result<RevokeOutcome, String>),
}

#[derive(Debug, Clone)]
pub struct Target {
    pub id: String,
    pub description: String,
    pub admin: bool,
    /// The token this tab is signed in with.
    pub own: bool,
    pub state: RevokeState,
}

impl Target {
    /// `row`'s token, pending; `me_id` is the id of the tab's own token, when known.
    pub fn of(row: Row, me_id: Option<&str>) -> Target {
        Target {
            own: me_id == Some(row.token.token_id.as_str()),
            admin: row.token.is_admin_scoped(),
            id: row.token.token_id,
            description: row.token.description,
            state: RevokeState::Pending,
        }
    }
}

#[derive(Debug)]
pub struct Confirm {
    pub targets: Vec<Target>,
    /// False: Cancel has focus (the default).
    pub on_revoke: bool,
    /// What must be typed first (admin-scoped tokens), if anything.
    pub required: Option<String>,
    pub typed: Input,
    pub started: bool,
    /// Marked rows the filter hides: left out of this revoke, and the dialog says so.
    pub hidden_marked: usize,
    /// `D` (every row the filter shows): `required` is the number of rows, not an ID prefix.
    pub by_count: bool,
}

impl Confirm {
    pub fn new(targets: Vec<Target>) -> Confirm {
        let required = targets
            .iter()
            .find(|t| t.admin)
            .map(|t| t.id.chars().take(PREFIX_LEN).collect());
        Confirm {
            targets,
            on_revoke: false,
            required,
            typed: Input::default(),
            started: false,
            hidden_marked: 0,
            by_count: false,
        }
    }

    /// `d`: the marked rows the filter shows, or the selected row when none is marked (or
    /// every marked row is hidden). A marked row the filter hides is never revoked unseen:
    /// it is left out and counted in `hidden_marked`.
    pub fn for_revoke(table: &Table) -> Option<Confirm> {
        let rows = &table.rows;
        let me = table.me_id.as_deref();
        let mut ids: Vec<&String> = rows.marked.iter().collect();
        ids.sort();
        let (shown, hidden): (Vec<&String>, Vec<&String>) =
            ids.into_iter().partition(|id| rows.is_visible(id));
        let targets: Vec<Target> = if shown.is_empty() {
            rows.selected_row()
                .map(|r| Target::of(r, me))
                .into_iter()
                .collect()
        } else {
            shown
                .into_iter()
                .filter_map(|id| rows.find(id))
                .map(|r| Target::of(r, me))
                .collect()
        };
        if targets.is_empty() {
            return None;
        }
        let mut c = Confirm::new(targets);
        c.hidden_marked = hidden.len();
        Some(c)
    }

    /// The row menu's Revoke: its own row, never the marked ones.
    pub fn for_selected(table: &Table) -> Option<Confirm> {
        let me = table.me_id.as_deref();
        let row = table.rows.selected_row()?;
        Some(Confirm::new(vec![Target::of(row, me)]))
    }

    /// One of the tokens is the one this tab is signed in with.
    pub fn revokes_own(&self) -> bool {
        self.targets.iter().any(|t| t.own)
    }

    pub fn bulk(&self) -> bool {
        self.targets.len() > 1
    }

    /// The typed prefix matches in any case (or none is needed); the dialog says so.
    pub fn unlocked(&self) -> bool {
        match &self.required {
            Some(p) => self.typed.value().eq_ignore_ascii_case(p),
            None => true,
        }
    }

    pub fn running(&self) -> bool {
        self.targets
            .iter()
            .any(|t| matches!(t.state, RevokeState::Running(_)))
    }

    pub fn finished(&self) -> bool {
        self.started
            && self
                .targets
                .iter()
                .all(|t| matches!(t.state, RevokeState::Done(_)))
    }

    /// Records a result; the target id when the request was ours.
    pub fn receive(
        &mut self,
        id: ReqId,
        result: Result<RevokeOutcome, String>,
    ) -> Option<(String, bool)> {
        let t = self
            .targets
            .iter_mut()
            .find(|t| t.state == RevokeState::Running(id))?;
        let ok = result.is_ok();
        t.state = RevokeState::Done(result);
        Some((t.id.clone(), ok))
    }

    /// A revoke's reply: the row goes when it succeeded (and the header's counts with it);
    /// the tab's own token gone signs the tab out. True when the dialog closes (a single
    /// revoke finished; the status line says how). A bulk revoke stays open with its results.
    pub fn on_reply(&mut self, id: ReqId, answer: Answer, table: &mut Table, cx: &mut Ctx) -> bool {
        let answer = match answer {
            Answer::BulkRevoked(r) => return self.on_bulk(id, r, table, cx),
            other => other,
        };
        let Answer::Revoked(r) = answer else {
            return false;
        };
        let Some((token_id, ok)) = self.receive(id, r.map_err(|e| e.shown())) else {
            return false;
        };
        if ok {
            table.rows.remove(&token_id, cx.now);
            table.recount_mine(cx.now);
            if table.me_id.as_deref() == Some(token_id.as_str()) {
                table.sign_out(cx);
            }
        }
        if self.by_count && self.finished() {
            let (text, error) = self.tally();
            cx.say(text, error);
            return false;
        }
        if !self.finished() || self.bulk() {
            return false;
        }
        let t = &self.targets[0];
        let (text, error) = match &t.state {
            RevokeState::Done(Ok(RevokeOutcome::AlreadyGone)) => (
                format!(
                    "\"{}\" was already revoked or unknown to the server; removed from the list",
                    t.description
                ),
                false,
            ),
            RevokeState::Done(Ok(_)) if t.own => (
                format!(
                    "revoked \"{}\", the token this tab was signed in with",
                    t.description
                ),
                false,
            ),
            RevokeState::Done(Ok(_)) => (format!("revoked \"{}\"", t.description), false),
            RevokeState::Done(Err(e)) => (format!("could not revoke: {e}"), true),
            _ => (String::new(), false),
        };
        cx.say(text, error);
        true
    }

    /// Keys of the dialog; true when it closes.
    pub fn on_action(&mut self, a: Action, cx: &mut Ctx) -> bool {
        match a {
            Action::Left | Action::Right | Action::NextField | Action::PrevField
                if !self.started =>
            {
                self.on_revoke = !self.on_revoke;
            }
            Action::Back => {
                for t in &mut self.targets {
                    if let RevokeState::Running(id) = t.state {
                        cx.emit(Effect::Cancel(id));
                        t.state = RevokeState::Done(Err("cancelled".into()));
                    }
                }
                return true;
            }
            Action::Confirm => {
                if self.finished() || (!self.started && !self.on_revoke) {
                    return true;
                } else if self.started {
                    // Running: Esc cancels.
                } else if !self.unlocked() && self.by_count {
                    cx.say("type the number of tokens shown to confirm", true);
                } else if !self.unlocked() {
                    cx.say(
                        "type the first 4 characters of the token ID (any case) to confirm",
                        true,
                    );
                } else if self.by_count {
                    self.start_bulk(cx);
                } else {
                    self.started = true;
                    for t in &mut self.targets {
                        let request = Request::RevokeToken(t.id.clone());
                        t.state = RevokeState::Running(cx.call(Owner::Confirm, request));
                    }
                }
            }
            _ => {}
        }
        false
    }
}
