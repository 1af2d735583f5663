//! The secret view: the one place a created token's secret lives, shown once. It says where the
//! copy went (and copies again on `c` while it is open), what the timed clear will do and, once
//! it ran, what it did. Mouse capture is off while it shows, so the token can be selected.

use crate::api::CreatedToken;
use crate::model::sanitize::clean;
use crate::secret::clipboard::{ClearOutcome, CopyOutcome};

use super::super::keymap::Action;
use super::super::msg::Effect;
use super::ctx::Ctx;
use super::{App, Overlay};

pub struct SecretView {
    pub created: CreatedToken,
    /// The last copy's outcome (`None` while the first is under way).
    pub copy: Option<CopyOutcome>,
    /// How many copies were made while the view is open (`c` adds one).
    pub copies: u32,
    /// What the timed clear did to the last copy, once it ran.
    pub cleared: Option<ClearOutcome>,
    pub revealed: bool,
}

impl std::fmt::Debug for SecretView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretView")
            .field("created", &self.created)
            .field("copy", &self.copy)
            .field("copies", &self.copies)
            .field("cleared", &self.cleared)
            .finish()
    }
}

impl SecretView {
    /// Shows a token just created (masked when `masked`) and asks for the first copy.
    pub fn open(created: CreatedToken, masked: bool, cx: &mut Ctx) -> SecretView {
        cx.emit(Effect::CopySecret);
        SecretView {
            created,
            copy: None,
            copies: 0,
            cleared: None,
            revealed: !masked,
        }
    }

    /// The new token's id, safe for the screen.
    pub fn token_id(&self) -> String {
        clean(&self.created.meta.token_id)
    }

    /// Keys of the view; true when it closes (the caller drops it, which zeroizes the secret).
    pub fn on_action(&mut self, a: Action, cx: &mut Ctx) -> bool {
        match a {
            Action::Back | Action::Confirm => true,
            Action::Reveal => {
                self.revealed = !self.revealed;
                false
            }
            Action::CopySecret => {
                // The secret is still here: copy it again (the runtime clears the last copy
                // first; the answer restarts the countdown).
                cx.emit(Effect::CopySecret);
                false
            }
            _ => false,
        }
    }

    /// A copy's outcome landed.
    pub fn copied(&mut self, outcome: CopyOutcome) {
        self.copies = self.copies.saturating_add(1);
        self.cleared = None;
        self.copy = Some(outcome);
    }

    /// "copied to …", or "copied again to …" after `c`.
    pub fn copy_line(&self) -> String {
        match &self.copy {
            None => "copying…".into(),
            Some(c) if self.copies > 1 && c.copied() => {
                c.label().replacen("copied", "copied again", 1)
            }
            Some(c) => c.label(),
        }
    }

    /// The line under it: the countdown, what the clear did, or why there is no countdown.
    pub fn clear_line(&self, countdown: Option<i64>, clearing_off: bool) -> Option<String> {
        let copy = self.copy.as_ref()?;
        if let Some(done) = &self.cleared {
            return Some(copy.cleared(done));
        }
        match countdown {
            Some(s) => copy.countdown(s),
            None => copy.no_countdown(clearing_off),
        }
    }
}

impl App {
    /// Whether the terminal's mouse capture should be on now: off while the secret view shows,
    /// so the token can be selected with the mouse; the runtime follows this.
    pub fn wants_mouse(&self) -> bool {
        !matches!(self.overlay, Overlay::Secret(_))
    }
}
