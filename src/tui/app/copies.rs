//! What the clipboard did: a token ID copied, the secret copied (the model then owns the clear
//! deadline and asks the runtime for the timer), the clipboard cleared.

use std::time::Duration;

use chrono::Duration as Span;

use crate::model::sanitize::clean;
use crate::secret::clipboard::{ClearOutcome, CopyOutcome};

use super::super::msg::Effect;
use super::{App, Overlay};

impl App {
    pub(super) fn on_text_copied(&mut self, text: &str, outcome: CopyOutcome) {
        // A failed copy says why; the text stays readable in Details.
        let what = format!("token ID {}: {}", clean(text), outcome.label());
        self.say(what, !outcome.copied());
    }

    /// The secret was copied (first time or again with `c`): the model owns the clear deadline
    /// and asks the runtime to clear then. Only what a clear can really remove is counted down
    /// (a tmux buffer, the system clipboard); OSC 52 is not.
    pub(super) fn on_secret_copied(&mut self, outcome: CopyOutcome, fx: &mut Vec<Effect>) {
        self.clip_clear_at = None;
        if outcome.clears_on_timer() && self.cfg.clipboard_clear_secs > 0 {
            let delay = Duration::from_secs(self.cfg.clipboard_clear_secs);
            // A delay past the calendar's end is as good as never.
            self.clip_clear_at = Span::from_std(delay)
                .ok()
                .and_then(|d| self.now.checked_add_signed(d));
            if self.clip_clear_at.is_some() {
                fx.push(Effect::ClearClipboardIn(delay));
            }
        }
        self.clip_copy = Some(outcome.clone());
        if let Overlay::Secret(v) = &mut self.overlay {
            v.copied(outcome);
        }
    }

    pub(super) fn on_clipboard_cleared(&mut self, outcome: ClearOutcome) {
        self.clip_clear_at = None;
        let said = match (&outcome, self.clip_copy.take()) {
            (ClearOutcome::Cleared, Some(copy)) => {
                format!("clipboard cleared: {}", copy.cleared(&outcome))
            }
            (ClearOutcome::Cleared, None) => "clipboard cleared".into(),
            (ClearOutcome::LeftAlone, _) => "clipboard holds something else now; left alone".into(),
            (ClearOutcome::BlindClear, _) => {
                "asked the terminal to clear its clipboard (OSC 52; cannot be confirmed)".into()
            }
            (ClearOutcome::NothingToClear, Some(copy @ CopyOutcome::TmuxBuffer { .. })) => {
                copy.cleared(&outcome)
            }
            (ClearOutcome::NothingToClear, _) => String::new(),
        };
        if let Overlay::Secret(v) = &mut self.overlay {
            v.cleared = Some(outcome);
        }
        if !said.is_empty() {
            self.say(said, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::super::AppConfig;
    use super::*;
    use crate::secret::clipboard::NativeKind;
    use crate::tui::msg::Msg;

    fn tmux() -> CopyOutcome {
        CopyOutcome::TmuxBuffer {
            buffer: "tokentab-00".into(),
        }
    }

    fn app(clear_secs: u64) -> App {
        let cfg = AppConfig {
            clipboard_clear_secs: clear_secs,
            ..AppConfig::default()
        };
        App::new(cfg, Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap())
    }

    #[test]
    fn the_model_sets_the_clear_deadline_and_asks_the_runtime_for_the_timer() {
        let mut a = app(30);
        let fx = a.update(Msg::SecretCopied(CopyOutcome::SystemClipboard(
            NativeKind::X11,
        )));
        assert_eq!(fx, vec![Effect::ClearClipboardIn(Duration::from_secs(30))]);
        assert_eq!(a.clip_clear_at, Some(a.now + Span::seconds(30)));
    }

    #[test]
    fn no_timer_when_nothing_was_copied_or_clearing_is_off() {
        let mut a = app(30);
        let fx = a.update(Msg::SecretCopied(CopyOutcome::NotCopied {
            reason: "no clipboard".into(),
        }));
        assert!(fx.is_empty() && a.clip_clear_at.is_none());
        let mut a = app(0);
        assert!(a.update(Msg::SecretCopied(tmux())).is_empty());
        // A delay past what the calendar holds means never, not a panic.
        let mut a = app(u64::MAX);
        assert!(a.update(Msg::SecretCopied(tmux())).is_empty());
        assert!(a.clip_clear_at.is_none());
    }
}
