//! Typed text and pastes for the focused field: the filter, the confirmation prefix, the form's
//! description and expiration, and the picker's search.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::backend::crossterm::EventHandler;
use tui_input::{Input, InputRequest};

use crate::model::sanitize::is_unsafe_char;

use super::super::keymap::{Action, Mode};
use super::super::msg::{Effect, ReqId};
use super::ctx::Ctx;
use super::{App, Overlay};

impl App {
    /// The text field that takes keys in `mode`.
    fn text_input(&mut self, mode: Mode) -> Option<&mut Input> {
        match mode {
            Mode::Filter => Some(&mut self.table.filter),
            Mode::ConfirmText => match &mut self.overlay {
                Overlay::Confirm(c) => Some(&mut c.typed),
                Overlay::Export(p) => Some(&mut p.path),
                _ => None,
            },
            Mode::FormText => self.form.as_mut().and_then(|f| f.text_field()),
            Mode::AuditFilter => match &mut self.overlay {
                Overlay::Audit(v) => Some(&mut v.filter),
                _ => None,
            },
            Mode::Picker => self
                .form
                .as_mut()
                .and_then(|f| f.picker.as_mut())
                .map(|p| &mut p.search),
            _ => None,
        }
    }

    pub(super) fn on_key(&mut self, k: KeyEvent, fx: &mut Vec<Effect>) {
        // The server list (`P`) has no text field: `j`/`k` move like ↓/↑ there.
        if matches!(self.overlay, Overlay::Switch(_)) {
            let plain = !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            match k.code {
                KeyCode::Char('j') if plain => self.switch_action(Action::Down, fx),
                KeyCode::Char('k') if plain => self.switch_action(Action::Up, fx),
                _ => {}
            }
            return;
        }
        let mode = self.mode();
        if mode == Mode::Secret {
            // Any other key: the view stays, and says how to leave it.
            self.say(super::profiles::SECRET_STAYS, false);
            return;
        }
        let Some(input) = self.text_input(mode) else {
            return;
        };
        // Control characters never enter a field (tui-input inserts any Char).
        if let KeyCode::Char(c) = k.code
            && is_unsafe_char(c)
        {
            return;
        }
        if input.handle_event(&Event::Key(k)).is_some() {
            self.after_text_change(mode, fx);
        }
    }

    /// Bracketed paste: into the focused text field only, without control characters.
    pub(super) fn on_paste(&mut self, text: &str, fx: &mut Vec<Effect>) {
        let mode = self.mode();
        if !mode.takes_text() {
            return;
        }
        let Some(input) = self.text_input(mode) else {
            return;
        };
        for c in text.chars().filter(|c| !is_unsafe_char(*c)) {
            input.handle(InputRequest::InsertChar(c));
        }
        self.after_text_change(mode, fx);
    }

    fn after_text_change(&mut self, mode: Mode, fx: &mut Vec<Effect>) {
        match mode {
            Mode::Filter => {
                let v = self.table.filter.value().to_owned();
                self.table.rows.set_filter(&v);
            }
            Mode::AuditFilter => {
                if let Overlay::Audit(v) = &mut self.overlay {
                    v.filter_changed();
                }
            }
            Mode::FormText => {
                if let Some(f) = self.form.as_mut() {
                    let field = f.focus;
                    f.clear_error(field);
                }
            }
            Mode::Picker => {
                if let Some(p) = self.form.as_mut().and_then(|f| f.picker.as_mut()) {
                    p.search_changed(&mut Ctx::new(self.now, &mut self.ids, fx, &mut self.status));
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_debounce(&mut self, id: ReqId, fx: &mut Vec<Effect>) {
        if let Some(p) = self.form.as_mut().and_then(|f| f.picker.as_mut()) {
            p.debounce_due(
                id,
                &mut Ctx::new(self.now, &mut self.ids, fx, &mut self.status),
            );
        }
    }
}
