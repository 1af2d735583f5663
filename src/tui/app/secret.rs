//! The secret view: the one place a created token's secret lives, shown once.

use crate::api::CreatedToken;
use crate::secret::clipboard::CopyOutcome;

use super::super::keymap::Action;

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
