//! The details of one token, loaded from the server when the list did not carry its scope.

use crate::model::Token;

use super::super::keymap::Action;
use super::super::msg::Effect;
use super::Load;
use super::ctx::Ctx;

#[derive(Debug)]
pub struct Details {
    pub id: String,
    pub load: Load<Token>,
    pub scroll: usize,
}

impl Details {
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
