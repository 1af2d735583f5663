//! `e`: the rows shown (filter and sort applied) to a CSV file. A small prompt asks for the
//! path (default `tokens-YYYYMMDD-HHMM.csv`, UTC, in the current directory); the runtime writes
//! the file off the UI task and never replaces one unless the person confirmed it here.

use chrono::{DateTime, Utc};
use tui_input::Input;

use crate::model::Token;

use super::super::keymap::Action;
use super::super::msg::{Answer, ExportError, Owner, ReqId, Request};
use super::ctx::Ctx;
use super::tokens::Rows;

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

impl ExportPrompt {
    /// Opens on the default file name for the rows shown now; None when there is nothing to
    /// write (the status line says so).
    pub fn open(rows: &Rows, cx: &mut Ctx) -> Option<ExportPrompt> {
        if rows.visible_len() == 0 {
            cx.say("no rows to export", true);
            return None;
        }
        Some(ExportPrompt {
            path: Input::new(default_path(cx.now)),
            step: ExportStep::Typing,
            rows: rows.visible_len(),
        })
    }

    /// Keys of the prompt; true when it closes.
    pub fn on_action(&mut self, a: Action, rows: &Rows, cx: &mut Ctx) -> bool {
        match (&mut self.step, a) {
            (ExportStep::Typing, Action::Back) => return true,
            (ExportStep::Typing, Action::Confirm) => self.start(false, rows, cx),
            (
                ExportStep::Overwrite { yes },
                Action::Left | Action::Right | Action::NextField | Action::PrevField,
            ) => *yes = !*yes,
            (ExportStep::Overwrite { yes: true }, Action::Confirm) => self.start(true, rows, cx),
            (ExportStep::Overwrite { .. }, Action::Confirm | Action::Back) => {
                self.step = ExportStep::Typing
            }
            // The write cannot be taken back half-way; closing only stops waiting for it.
            (ExportStep::Writing(_), Action::Back) => return true,
            _ => {}
        }
        false
    }

    fn start(&mut self, overwrite: bool, rows: &Rows, cx: &mut Ctx) {
        let tokens = shown_tokens(rows);
        let path = self.path.value().trim().to_owned();
        if path.is_empty() {
            cx.say("type a file name", true);
            return;
        }
        self.rows = tokens.len();
        let request = Request::ExportCsv {
            path,
            tokens,
            now: cx.now,
            overwrite,
        };
        self.step = ExportStep::Writing(cx.call(Owner::Export, request));
    }

    /// The write's outcome; true when the prompt closes (written). An existing file asks
    /// whether to replace it.
    pub fn on_reply(&mut self, id: ReqId, answer: Answer, cx: &mut Ctx) -> bool {
        let Answer::Exported(r) = answer else {
            return false;
        };
        if self.step != ExportStep::Writing(id) {
            return false;
        }
        match r {
            Ok(done) => {
                cx.say(done.message(), false);
                return true;
            }
            Err(ExportError::Exists) => self.step = ExportStep::Overwrite { yes: false },
            Err(ExportError::Failed(e)) => {
                self.step = ExportStep::Typing;
                cx.say(format!("could not write the file: {e}"), true);
            }
        }
        false
    }
}

/// A write finished after its prompt was closed: only a success is worth a word.
pub fn finished_unseen(answer: Answer, cx: &mut Ctx) {
    if let Answer::Exported(Ok(done)) = answer {
        cx.say(done.message(), false);
    }
}

/// The default file name at `now`.
pub fn default_path(now: DateTime<Utc>) -> String {
    format!("tokens-{}.csv", now.format("%Y%m%d-%H%M"))
}

/// The rows the table shows, in its order.
fn shown_tokens(rows: &Rows) -> Vec<Token> {
    rows.shown_from(0).map(|r| r.token).collect()
}
