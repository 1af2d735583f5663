//! `update`: dispatch only. A key goes to the state of the current mode, a reply to the state
//! named by its owner; what a state hands back (close me, show this secret) is applied here.

use chrono::{DateTime, Utc};

use crate::api::CreatedToken;

use super::super::keymap::{Action, Mode};
use super::super::msg::{Answer, Effect, Msg, Owner, ReqId};
use super::ctx::Ctx;
use super::form::FormOutcome;
use super::rotate::Rotation;
use super::secret::SecretView;
use super::{App, Overlay, export, help};

impl App {
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut fx = Vec::new();
        let dirty = match msg {
            Msg::Tick(now) => self.on_tick(now),
            Msg::RefreshDue => {
                let mut cx = Ctx::new(self.now, &mut self.ids, &mut fx, &mut self.status);
                let dirty = self.table.quiet_refresh(&mut cx);
                self.dirty |= dirty;
                false
            }
            other => {
                let key = matches!(&other, Msg::Action(a) if *a != Action::Quit)
                    || matches!(other, Msg::Key(_));
                let before = if key { self.take_status() } else { None };
                let form_was_open = self.form.is_some();
                self.on_msg(other, &mut fx);
                self.settle_status(before, form_was_open);
                true
            }
        };
        if dirty {
            let h = self.page_height();
            self.table.rows.scroll_into_view(h);
            self.dirty = true;
        }
        fx
    }

    fn on_tick(&mut self, now: DateTime<Utc>) -> bool {
        let mut dirty = false;
        let secs_before = self.countdown();
        self.now = now;
        if self.spinner_visible() {
            self.spinner = self.spinner.wrapping_add(1);
            dirty = true;
        }
        if self.status.as_ref().is_some_and(|s| s.until <= now) {
            self.expire_status();
            dirty = true;
        }
        if self.countdown_visible() && self.countdown() != secs_before {
            dirty = true;
        }
        dirty
    }

    fn on_msg(&mut self, msg: Msg, fx: &mut Vec<Effect>) {
        match msg {
            Msg::Action(a) => self.on_action(a, fx),
            Msg::Key(k) => self.on_key(k, fx),
            Msg::Paste(text) => self.on_paste(&text, fx),
            Msg::Click { x, y } => self.on_click(x, y),
            Msg::Scroll(d) => self.on_scroll(d as isize, fx),
            Msg::Resize(w, h) => self.size = (w, h),
            Msg::Tick(_) | Msg::RefreshDue => {}
            Msg::DebounceDue(id) => self.on_debounce(id, fx),
            Msg::Reply { owner, id, answer } => self.on_reply(owner, id, answer, fx),
            Msg::TextCopied(text, outcome) => self.on_text_copied(&text, outcome),
            Msg::SecretCopied(outcome) => self.on_secret_copied(outcome, fx),
            Msg::ClipboardCleared(outcome) => self.on_clipboard_cleared(outcome),
        }
    }

    /// A reply, to the state that asked for it and to no other. When that state is gone the
    /// reply is dropped (a created token's secret with it, zeroized).
    fn on_reply(&mut self, owner: Owner, id: ReqId, answer: Answer, fx: &mut Vec<Effect>) {
        let mut cx = Ctx::new(self.now, &mut self.ids, fx, &mut self.status);
        match (owner, &mut self.overlay) {
            (Owner::Table, _) => {
                self.table.on_reply(id, answer, &mut cx);
                if let (Some(f), Some(me)) = (self.form.as_mut(), self.table.me_name()) {
                    f.identity_known(me);
                }
            }
            (Owner::Form, _) => {
                let created = self
                    .form
                    .as_mut()
                    .and_then(|f| f.on_reply(id, answer, &mut cx));
                if let Some(created) = created {
                    self.form = None;
                    let view = SecretView::open(created, self.cfg.mask_secret, &mut cx);
                    self.table
                        .reload_after_change(Some(view.token_id()), &mut cx);
                    self.overlay = Overlay::Secret(view);
                }
            }
            (Owner::Picker, _) => {
                if let Some(p) = self.form.as_mut().and_then(|f| f.picker.as_mut()) {
                    p.on_reply(id, answer);
                }
            }
            (Owner::Details, Overlay::Details(d)) => {
                d.on_reply(id, answer, &mut self.table.rows, self.now, &mut cx)
            }
            (Owner::Confirm, Overlay::Confirm(c)) => {
                let closes = c.on_reply(id, answer, &mut self.table, &mut cx);
                self.close_overlay_when(closes);
            }
            (Owner::Rotate, Overlay::Rotate(d)) => {
                if let Some(created) = d.on_reply(id, answer) {
                    let old_id = d.token.token_id.clone();
                    self.show_rotated(old_id, created, fx);
                }
            }
            (Owner::Rotation, overlay) => {
                let secret_open = matches!(overlay, Overlay::Secret(_));
                let rotation = self.rotation.as_mut();
                if rotation.is_some_and(|r| r.on_reply(id, answer, &mut self.table, &mut cx))
                    && !secret_open
                {
                    self.rotation = None;
                }
            }
            (Owner::Audit, Overlay::Audit(v)) => v.on_reply(id, answer),
            (Owner::Switch, Overlay::Switch(p)) => {
                if let Some((key, result)) = p.on_reply(id, answer) {
                    self.switch_to(key, result, fx);
                }
            }
            (Owner::Export, Overlay::Export(p)) => {
                let closes = p.on_reply(id, answer, &mut cx);
                self.close_overlay_when(closes);
            }
            (Owner::Export, _) => export::finished_unseen(answer, &mut cx),
            // The overlay that asked was closed.
            _ => {}
        }
    }

    fn close_overlay_when(&mut self, closes: bool) {
        if closes {
            self.overlay = Overlay::None;
        }
    }

    /// The rotate dialog's replacement exists: its secret is shown like any new token's and
    /// the old token's revoke starts.
    fn show_rotated(&mut self, old_id: String, created: CreatedToken, fx: &mut Vec<Effect>) {
        let mut cx = Ctx::new(self.now, &mut self.ids, fx, &mut self.status);
        let view = SecretView::open(created, self.cfg.mask_secret, &mut cx);
        let new_id = view.token_id();
        self.table.select_when_listed(new_id.clone());
        self.rotation = Some(Rotation::start(old_id, new_id, &mut cx));
        self.overlay = Overlay::Secret(view);
    }

    /// A key, by mode, to the state that owns it.
    fn on_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        if a == Action::Quit {
            self.quitting = true;
            fx.push(Effect::Quit);
            return;
        }
        if matches!(self.overlay, Overlay::Switch(_)) {
            return self.switch_action(a, fx);
        }
        if a == Action::SwitchServer {
            return self.open_switch();
        }
        if matches!(self.overlay, Overlay::Message(_)) {
            if super::messages::on_action(a) {
                self.overlay = Overlay::None;
            }
            return;
        }
        if a == Action::Messages {
            return self.open_message();
        }
        let mode = self.mode();
        let page = self.page_height() as isize;
        let mut cx = Ctx::new(self.now, &mut self.ids, fx, &mut self.status);
        let close_overlay = match (mode, &mut self.overlay, self.form.as_mut()) {
            (_, Overlay::Rotate(d), _) => d.on_action(a, &mut cx),
            (_, Overlay::Export(p), _) => p.on_action(a, &self.table.rows, &mut cx),
            (Mode::Confirm | Mode::ConfirmText, Overlay::Confirm(c), _) => c.on_action(a, &mut cx),
            (Mode::Details, Overlay::Details(d), _) => d.on_action(a, &mut cx),
            (Mode::Audit | Mode::AuditFilter, Overlay::Audit(v), _) => v.on_action(a, &mut cx),
            (Mode::Help, Overlay::Help(scroll), _) => help::on_action(scroll, a),
            (Mode::Secret, Overlay::Secret(v), _) => {
                if v.on_action(a, &mut cx) {
                    self.close_secret(fx);
                }
                return;
            }
            (Mode::Confirm, Overlay::None, Some(f)) if f.discarding => {
                match a {
                    Action::Confirm => {
                        self.form = None;
                        cx.say("the new token's input was discarded", false);
                    }
                    Action::Back => f.discarding = false,
                    _ => {}
                }
                false
            }
            (Mode::Picker, _, Some(f)) => {
                f.on_picker_action(a, &mut cx);
                false
            }
            (Mode::Form | Mode::FormText, _, Some(f)) => {
                if f.on_action(a, &mut cx) == FormOutcome::Closed {
                    self.form = None;
                }
                false
            }
            (Mode::Table, ..) => return self.table_action(a, fx),
            (Mode::Filter, ..) => {
                self.table.filter_action(a, page);
                false
            }
            (Mode::Menu, ..) => return self.menu_action(a, fx),
            _ => false,
        };
        if close_overlay {
            self.overlay = Overlay::None;
        }
    }

    fn on_scroll(&mut self, delta: isize, fx: &mut Vec<Effect>) {
        let mode = self.mode();
        let mut cx = Ctx::new(self.now, &mut self.ids, fx, &mut self.status);
        match (mode, &mut self.overlay, self.form.as_mut()) {
            (Mode::Table | Mode::Filter, ..) => self.table.rows.move_by(delta),
            (Mode::Picker, _, Some(f)) => {
                if let Some(p) = f.picker.as_mut() {
                    p.scroll(delta, &mut cx);
                }
            }
            (Mode::Help, Overlay::Help(s), _) => *s = s.saturating_add_signed(delta),
            (Mode::Details, Overlay::Details(d), _) => {
                d.scroll = d.scroll.saturating_add_signed(delta)
            }
            (Mode::Audit | Mode::AuditFilter, Overlay::Audit(v), _) => {
                let a = if delta < 0 { Action::Up } else { Action::Down };
                for _ in 0..delta.unsigned_abs() {
                    v.on_action(a, &mut cx);
                }
            }
            _ => {}
        }
    }

    pub(super) fn close_secret(&mut self, fx: &mut Vec<Effect>) {
        // Dropping the view drops the CreatedToken: its secret is zeroized now.
        self.overlay = Overlay::None;
        fx.push(Effect::ClearScreen);
        let gone = "the token is gone from this screen; it cannot be shown again";
        match self
            .rotation
            .as_ref()
            .map(|r| (r.outcome.is_some(), r.message()))
        {
            Some((done, (text, error))) => {
                if done {
                    self.rotation = None;
                }
                self.say(format!("{text}; {gone}"), error);
            }
            None => self.say(gone, false),
        }
    }
}
