//! The secret view: the one place a created token's secret lives, shown once.

use crate::api::CreatedToken;
use crate::model::sanitize::clean;
use crate::secret::clipboard::CopyOutcome;

use super::super::keymap::Action;
use super::super::msg::Effect;
use super::ctx::Ctx;

pub struct SecretView {
    pub created: CreatedToken,
    pub copy: Option<CopyOutcome>,
    pub revealed: bool,
}

impl std::fmt::Debug for SecretView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretView")
            .field("created", &self.created)
            .field("copy", &self.copy)
            .finish()
    }
}

impl SecretView {
    /// Shows a token just created (masked when `masked`) and asks for the one copy.
    pub fn open(created: CreatedToken, masked: bool, cx: &mut Ctx) -> SecretView {
        cx.emit(Effect::CopySecret);
        SecretView {
            created,
            copy: None,
            revealed: !masked,
        }
    }

    /// The new token's id, safe for the screen.
    pub fn token_id(&self) -> String {
        clean(&self.created.meta.token_id)
    }

    /// Keys of the view; true when it closes (the caller drops it, which zeroizes the secret).
    pub fn on_action(&mut self, a: Action) -> bool {
        match a {
            Action::Back | Action::Confirm => true,
            Action::Reveal => {
                self.revealed = !self.revealed;
                false
            }
            _ => false,
        }
    }
}
