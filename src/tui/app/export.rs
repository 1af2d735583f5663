//! `e`: the rows shown (filter and sort applied) to a CSV file. A small prompt asks for the
//! path (default `tokens-YYYYMMDD-HHMM.csv`, UTC, in the current directory); the runtime writes
//! the file off the UI task and never replaces one unless the person confirmed it here.

use tui_input::Input;

use crate::model::Token;

use super::super::keymap::Action;
use super::super::msg::{Effect, ExportError, Exported, ReqId};
use super::{App, Overlay};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportStep {
    Typing,
    /// The file exists: replace it? False = Cancel has focus.
    Overwrite {
        yes: bool,
    },
    Writing(ReqId),
}

#[derive(Debug)]
pub struct ExportPrompt {
    pub path: Input,
    pub step: ExportStep,
    /// How many rows will be written (the view when the prompt opened).
    pub rows: usize,
}

impl ExportPrompt {
    pub fn typing(&self) -> bool {
        self.step == ExportStep::Typing
    }
}

impl App {
    /// The default file name at the model's clock.
    pub fn default_export_path(&self) -> String {
        format!("tokens-{}.csv", self.now.format("%Y%m%d-%H%M"))
    }

    /// The rows the table shows, in its order.
    fn shown_tokens(&self) -> Vec<Token> {
        (0..self.rows.visible_len())
            .filter_map(|p| self.rows.at(p))
            .map(|r| r.token.clone())
            .collect()
    }

    pub(super) fn open_export(&mut self) {
        if self.rows.visible_len() == 0 {
            self.say("no rows to export", true);
            return;
        }
        self.overlay = Overlay::Export(ExportPrompt {
            path: Input::new(self.default_export_path()),
            step: ExportStep::Typing,
            rows: self.rows.visible_len(),
        });
    }

    fn start_export(&mut self, overwrite: bool, fx: &mut Vec<Effect>) {
        let tokens = self.shown_tokens();
        let id = self.next_req_id();
        let now = self.now;
        let Overlay::Export(p) = &mut self.overlay else {
            return;
        };
        let path = p.path.value().trim().to_owned();
        if path.is_empty() {
            self.say("type a file name", true);
            return;
        }
        p.rows = tokens.len();
        p.step = ExportStep::Writing(id);
        fx.push(Effect::ExportCsv {
            id,
            path,
            tokens,
            now,
            overwrite,
        });
    }

    pub(super) fn export_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let Overlay::Export(p) = &mut self.overlay else {
            return;
        };
        match (&mut p.step, a) {
            (ExportStep::Typing, Action::Back) => self.overlay = Overlay::None,
            (ExportStep::Typing, Action::Confirm) => self.start_export(false, fx),
            (
                ExportStep::Overwrite { yes },
                Action::Left | Action::Right | Action::NextField | Action::PrevField,
            ) => *yes = !*yes,
            (ExportStep::Overwrite { yes: true }, Action::Confirm) => self.start_export(true, fx),
            (ExportStep::Overwrite { .. }, Action::Confirm | Action::Back) => {
                p.step = ExportStep::Typing
            }
            // The write cannot be taken back half-way; closing only stops waiting for it.
            (ExportStep::Writing(_), Action::Back) => self.overlay = Overlay::None,
            _ => {}
        }
    }

    pub(super) fn on_exported(&mut self, id: ReqId, r: Result<Exported, ExportError>) {
        let Overlay::Export(p) = &mut self.overlay else {
            if let Ok(done) = r {
                self.say(done.message(), false);
            }
            return;
        };
        if p.step != ExportStep::Writing(id) {
            return;
        }
        match r {
            Ok(done) => {
                self.overlay = Overlay::None;
                self.say(done.message(), false);
            }
            Err(ExportError::Exists) => p.step = ExportStep::Overwrite { yes: false },
            Err(ExportError::Failed(e)) => {
                p.step = ExportStep::Typing;
                self.say(format!("could not write the file: {e}"), true);
            }
        }
    }
}
