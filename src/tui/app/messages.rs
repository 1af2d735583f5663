//! Messages that outlive their line: the status bar shows a message that does not fit on two
//! lines cut between words with "m: all", and `m` opens the last message in full (also after
//! it has left the status bar). And a message lasts only as long as its context: an
//! acknowledgement ("revoked X") goes with the next key, an error about the form goes when
//! the form closes, and any message after [`super::MESSAGE_SECS`].

use super::super::keymap::Action;
use super::{App, Overlay, Status};

/// The last message, shown in full by `m`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub text: String,
    pub error: bool,
}

impl App {
    /// `m`: the message on the status line, or the last one that was there, in full.
    pub(super) fn open_message(&mut self) {
        match self.status.clone().or_else(|| self.last_message.clone()) {
            Some(s) => {
                self.overlay = Overlay::Message(MessageView {
                    text: s.text,
                    error: s.error,
                })
            }
            None => self.say("no message yet", false),
        }
    }

    /// Before a key: the message on the status line leaves it (kept for `m`); the key's
    /// handler may say something new.
    pub(super) fn take_status(&mut self) -> Option<Status> {
        let before = self.status.take();
        if before.is_some() {
            self.last_message.clone_from(&before);
        }
        before
    }

    /// After a key that said nothing new: the message taken before it comes back only while its
    /// context lasts — an error stays (its time runs on) unless it was about the form and the
    /// form closed; an acknowledgement ("revoked X") has had its moment and stays gone.
    pub(super) fn settle_status(&mut self, before: Option<Status>, form_was_open: bool) {
        let Some(prev) = before else {
            return;
        };
        let form_closed = form_was_open && self.form.is_none();
        if self.status.is_none() && prev.error && !form_closed {
            self.status = Some(prev);
        }
    }

    /// A message whose time is up goes to `last_message` (for `m`).
    pub(super) fn expire_status(&mut self) {
        if self.status.as_ref().is_some_and(|s| s.until <= self.now) {
            self.last_message = self.status.take();
        }
    }
}

/// Keys of the message view; true when it closes.
pub fn on_action(a: Action) -> bool {
    matches!(a, Action::Back | Action::Confirm | Action::Messages)
}
