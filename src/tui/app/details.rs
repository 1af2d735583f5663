//! The details of one token, loaded from the server when the list did not carry its scope.

use chrono::{DateTime, Utc};

use crate::model::Token;

use super::super::keymap::Action;
use super::super::msg::{Answer, Effect, Owner, ReqId, Request};
use super::Load;
use super::ctx::Ctx;
use super::tokens::{Row, Rows};

#[derive(Debug)]
pub struct Details {
    pub id: String,
    pub load: Load<Token>,
    pub scroll: usize,
}

impl Details {
    /// Opens on `token`, asking the server for it when the list did not carry its scope.
    pub fn open(token: Token, cx: &mut Ctx) -> Details {
        let load = if token.scope.is_some() {
            Load::Loaded(token.clone())
        } else {
            Load::Loading(cx.call(Owner::Details, Request::GetToken(token.token_id.clone())))
        };
        Details {
            id: token.token_id,
            load,
            scroll: 0,
        }
    }

    /// The token as the server has it now; the table's row is updated too.
    pub fn on_reply(&mut self, id: ReqId, answer: Answer, rows: &mut Rows, now: DateTime<Utc>) {
        let Answer::Token(r) = answer else {
            return;
        };
        if !self.load.awaits(id) {
            return;
        }
        match r {
            Ok(info) => {
                let token = info.into_token();
                rows.update_token(token.clone(), now);
                self.load = Load::Loaded(Row::new(token).token);
            }
            Err(e) => self.load = Load::Failed(e.shown()),
        }
    }

    /// Keys of the view; true when it closes (a load in flight is cancelled).
    pub fn on_action(&mut self, a: Action, cx: &mut Ctx) -> bool {
        match a {
            Action::Back | Action::Confirm => {
                if let Load::Loading(id) = self.load {
                    cx.emit(Effect::Cancel(id));
                }
                return true;
            }
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll += 1,
            Action::Top => self.scroll = 0,
            _ => {}
        }
        false
    }
}
