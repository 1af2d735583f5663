//! Switching servers (`P`): the picker of configured servers, the discard question when a form
//! has input, the reconnect (run by the runtime through its connector) and the fresh start on
//! the new server. A failure leaves the session on the server it was on.

use super::super::keymap::Action;
use super::super::msg::{Answer, Effect, Owner, ReqId, Request};
use super::super::switch::{ServerEntry, Session};
use super::ctx::Ctx;
use super::form::Form;
use super::{App, Overlay};

/// The servers `P` offers and the one the session talks to.
#[derive(Debug, Clone, Default)]
pub struct Servers {
    /// Empty: switching is not available.
    pub entries: Vec<ServerEntry>,
    /// The key of the entry the session talks to, if it is one of them.
    pub current: Option<String>,
}

/// The switch overlay's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerPicker {
    /// The entry with the cursor.
    pub selected: usize,
    pub stage: Stage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// The open form has input: discard it first? (false: Cancel has focus).
    Discard {
        on_discard: bool,
    },
    Choose,
    /// Connecting to the entry with this key.
    Connecting {
        id: ReqId,
        key: String,
    },
}

impl ServerPicker {
    pub fn connecting(&self) -> bool {
        matches!(self.stage, Stage::Connecting { .. })
    }

    /// The connector's answer, with the key of the entry it is for, when it is the one
    /// awaited.
    pub fn on_reply(&self, id: ReqId, answer: Answer) -> Option<(String, Result<Session, String>)> {
        match (&self.stage, answer) {
            (Stage::Connecting { id: awaited, key }, Answer::Connected(r)) if *awaited == id => {
                Some((key.clone(), r))
            }
            _ => None,
        }
    }
}

/// What a key that would leave the secret view says instead.
pub const SECRET_STAYS: &str =
    "the new token stays on screen until ⏎ or Esc closes it (it cannot be shown again)";

/// Whether closing the form would lose something the user typed or chose.
pub fn form_has_input(f: &Form) -> bool {
    f.has_input()
}

impl App {
    /// `P`: a form without input closes, a form with input asks first; then the list of servers
    /// opens on the current one. Never over the secret view: its one-time token would be lost.
    pub(super) fn open_switch(&mut self) {
        if self.servers.entries.is_empty() {
            self.say(
                "no other servers: add [profiles.NAME] to the config file",
                true,
            );
            return;
        }
        if self.form.as_ref().is_some_and(|f| f.submitting.is_some()) {
            self.say("a token is being created: switch when it is done", true);
            return;
        }
        if matches!(self.overlay, Overlay::Secret(_)) {
            self.say(SECRET_STAYS, false);
            return;
        }
        let stage = if self.form.as_ref().is_some_and(form_has_input) {
            Stage::Discard { on_discard: false }
        } else {
            self.form = None;
            Stage::Choose
        };
        let selected = self
            .servers
            .current
            .as_ref()
            .and_then(|k| self.servers.entries.iter().position(|s| &s.key == k))
            .unwrap_or(0);
        self.overlay = Overlay::Switch(ServerPicker { selected, stage });
    }

    /// Keys while the switch overlay is open.
    pub(super) fn switch_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let Overlay::Switch(p) = &mut self.overlay else {
            return;
        };
        let last = self.servers.entries.len().saturating_sub(1);
        match (&mut p.stage, a) {
            (Stage::Discard { .. }, Action::Back) => self.overlay = Overlay::None,
            (
                Stage::Discard { on_discard },
                Action::Left | Action::Right | Action::NextField | Action::PrevField,
            ) => *on_discard = !*on_discard,
            (Stage::Discard { on_discard: false }, Action::Confirm) => self.overlay = Overlay::None,
            (Stage::Discard { on_discard: true }, Action::Confirm) => {
                self.form = None;
                p.stage = Stage::Choose;
            }
            (Stage::Choose, Action::Back) => self.overlay = Overlay::None,
            (Stage::Choose, Action::Up) => p.selected = p.selected.saturating_sub(1),
            (Stage::Choose, Action::Down) => p.selected = (p.selected + 1).min(last),
            (Stage::Choose, Action::Top | Action::PageUp) => p.selected = 0,
            (Stage::Choose, Action::Bottom | Action::PageDown) => p.selected = last,
            (Stage::Choose, Action::Confirm) => {
                let Some(entry) = self.servers.entries.get(p.selected) else {
                    return;
                };
                if let Some(problem) = &entry.problem {
                    let text = format!("cannot use {}: {problem}", entry.name);
                    self.say(text, true);
                    return;
                }
                let key = entry.key.clone();
                let mut cx = Ctx::new(self.now, &mut self.ids, fx, &mut self.status);
                let id = cx.call(Owner::Switch, Request::Connect(key.clone()));
                p.stage = Stage::Connecting { id, key };
            }
            (Stage::Connecting { id, .. }, Action::Back) => {
                fx.push(Effect::Cancel(*id));
                p.stage = Stage::Choose;
                self.say("switch cancelled: still on this server", false);
            }
            _ => {}
        }
    }

    /// The connector's answer for the entry `key`. Success: the new client first, then a
    /// fresh start (filter, sort and marks reset, list reloaded); failure: the same server, and
    /// why.
    pub(super) fn switch_to(
        &mut self,
        key: String,
        result: Result<Session, String>,
        fx: &mut Vec<Effect>,
    ) {
        self.overlay = Overlay::None;
        let name = self
            .servers
            .entries
            .iter()
            .find(|s| s.key == key)
            .map_or_else(|| key.clone(), |s| s.name.clone());
        let s = match result {
            Ok(s) => s,
            Err(why) => {
                let still = self.cfg.server_label.clone();
                self.say(
                    format!("cannot switch to {name}: {why} (still on {still})"),
                    true,
                );
                return;
            }
        };
        fx.push(Effect::UseSession(s.client));
        self.cfg.server_label = s.label.clone();
        self.cfg.profile = s.profile;
        self.cfg.embedded = s.embedded;
        self.cfg.readonly = s.readonly;
        self.theme.banner = s.banner;
        self.servers.current = Some(key);
        // Nothing of the old server stays: rows, filter, sort, marks, pending work.
        self.form = None;
        self.table.reset();
        fx.extend(self.init());
        self.say(format!("switched to {name} ({})", s.label), false);
    }
}
