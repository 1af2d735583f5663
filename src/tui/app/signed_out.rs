//! Signed out: the server no longer takes this tab's token — it was revoked here (the confirm
//! dialog warned first), or a call answered 401 (expired, revoked elsewhere). `r` cannot help
//! then, so the banner says what can: another server with `P`, or the same entry chosen again
//! in `P`, which reads its token again from where the entry says (token file, command,
//! environment). Switching resets the table, and with it this state.

use crate::api::ApiError;

use super::super::msg::{CallError, Effect};
use super::Load;
use super::ctx::Ctx;
use super::list::Table;

/// Why the tab is signed out when it revoked its own token.
pub const REVOKED_HERE: &str = "this tab's token was revoked";

impl Table {
    /// A 401 from the server: this tab's token is no longer taken.
    pub(super) fn note_unauthorized(&mut self, e: &CallError) {
        if matches!(e, CallError::Api(ApiError::Unauthorized { .. })) {
            self.signed_out = true;
        }
    }

    /// This tab's own token was just revoked: nothing loads any more, so the banner takes the
    /// place of "press r to retry" at once (no call that can only fail is made).
    pub fn sign_out(&mut self, cx: &mut Ctx) {
        self.signed_out = true;
        if let Some(id) = self.refreshing.take() {
            cx.emit(Effect::Cancel(id));
        }
        if let Load::Loading(id) = self.list {
            cx.emit(Effect::Cancel(id));
        }
        self.streaming = None;
        self.list = Load::Failed(REVOKED_HERE.into());
    }
}

/// What the banner offers instead of "press r to retry" while signed out: `switch` is the key
/// of the server list when there are servers to choose from.
pub fn offer(switch: Option<&str>) -> String {
    match switch {
        Some(k) => format!("{k}: switch server or sign in again"),
        None => "quit, start again with a valid token".into(),
    }
}
