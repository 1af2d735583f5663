//! What comes back: API results (each ignored unless its id is the awaited one) and what the
//! clipboard did.

use std::time::Duration;

use chrono::Duration as Span;

use crate::api::{CreatedToken, RevokeOutcome};
use crate::model::sanitize::clean;
use crate::model::token::subject_username;
use crate::model::wire::TokenInfo;
use crate::secret::clipboard::{ClearOutcome, CopyOutcome};

use super::super::msg::{ApiResult, Effect, PickPage, ReqId, TokenPage};
use super::confirm::RevokeState;
use super::form::Field;
use super::secret::SecretView;
use super::tokens::Row;
use super::{App, Load, Overlay};

impl App {
    pub(super) fn on_me(&mut self, id: ReqId, r: ApiResult<TokenInfo>) {
        if !self.me.awaits(id) {
            return;
        }
        self.me = match r {
            Ok(info) => Load::Loaded(clean(subject_username(&info.subject))),
            Err(e) => Load::Failed(e.shown()),
        };
        let me = self.me_name().map(str::to_owned);
        if let (Some(f), Some(me)) = (self.form.as_mut(), me)
            && f.user.is_none()
        {
            f.user = Some(me);
            // A submit made before the identity arrived said "choose a user": it is chosen now.
            f.clear_error(super::form::Field::User);
        }
    }

    pub(super) fn on_listed(&mut self, id: ReqId, r: ApiResult<Vec<TokenInfo>>) {
        let page = r.map(|tokens| TokenPage {
            tokens,
            more: false,
            estimate: None,
        });
        self.on_page(id, page);
    }

    pub(super) fn on_detail(&mut self, id: ReqId, r: ApiResult<TokenInfo>) {
        let Overlay::Details(d) = &mut self.overlay else {
            return;
        };
        if !d.load.awaits(id) {
            return;
        }
        match r {
            Ok(info) => {
                let token = info.into_token();
                self.rows.update_token(token.clone(), self.now);
                let row = Row::new(token);
                d.load = Load::Loaded(row.token);
            }
            Err(e) => d.load = Load::Failed(e.shown()),
        }
    }

    pub(super) fn on_created(
        &mut self,
        id: ReqId,
        r: ApiResult<CreatedToken>,
        fx: &mut Vec<Effect>,
    ) {
        let Some(form) = self.form.as_mut() else {
            return;
        };
        if form.submitting != Some(id) {
            // A cancelled or stale create: its secret is dropped (zeroized) here.
            return;
        }
        form.submitting = None;
        match r {
            Ok(created) => {
                self.form = None;
                self.pending_select = Some(clean(&created.meta.token_id));
                self.overlay = Overlay::Secret(SecretView {
                    created,
                    copy: None,
                    revealed: !self.cfg.mask_secret,
                });
                fx.push(Effect::CopySecret);
                let rid = self.next_req_id();
                self.refreshing = Some(rid);
                fx.push(Effect::ListTokens(rid));
            }
            Err(e) => {
                let e = e.shown();
                form.errors.retain(|(f, _)| *f != Field::Generate);
                form.errors
                    .push((Field::Generate, format!("could not create the token: {e}")));
                self.say(format!("could not create the token: {e}"), true);
            }
        }
    }

    pub(super) fn on_revoked(&mut self, id: ReqId, r: ApiResult<RevokeOutcome>) {
        let Overlay::Confirm(c) = &mut self.overlay else {
            return;
        };
        let r = r.map_err(|e| e.shown());
        let Some((token_id, ok)) = c.receive(id, r) else {
            return;
        };
        if ok {
            self.rows.remove(&token_id, self.now);
        }
        if c.finished() && !c.bulk() {
            let t = &c.targets[0];
            let (text, error) = match &t.state {
                RevokeState::Done(Ok(RevokeOutcome::AlreadyGone)) => (
                    format!(
                        "\"{}\" was already revoked or unknown to the server; removed from the list",
                        t.description
                    ),
                    false,
                ),
                RevokeState::Done(Ok(_)) => (format!("revoked \"{}\"", t.description), false),
                RevokeState::Done(Err(e)) => (format!("could not revoke: {e}"), true),
                _ => (String::new(), false),
            };
            self.overlay = Overlay::None;
            self.say(text, error);
        }
    }

    pub(super) fn on_picked(&mut self, id: ReqId, r: ApiResult<PickPage>) {
        if let Some(p) = self.form.as_mut().and_then(|f| f.picker.as_mut()) {
            p.receive(id, r);
        }
    }

    pub(super) fn on_text_copied(&mut self, text: &str, outcome: CopyOutcome) {
        // A failed copy says why; the text stays readable in Details.
        let what = format!("token ID {}: {}", clean(text), outcome.label());
        self.say(what, !outcome.copied());
    }

    /// The secret was copied: the model owns the clear deadline and asks the runtime to clear
    /// then.
    pub(super) fn on_secret_copied(&mut self, outcome: CopyOutcome, fx: &mut Vec<Effect>) {
        if outcome.copied() && self.cfg.clipboard_clear_secs > 0 {
            let delay = Duration::from_secs(self.cfg.clipboard_clear_secs);
            // A delay past the calendar's end is as good as never.
            self.clip_clear_at = Span::from_std(delay)
                .ok()
                .and_then(|d| self.now.checked_add_signed(d));
            if self.clip_clear_at.is_some() {
                fx.push(Effect::ClearClipboardIn(delay));
            }
        }
        if let Overlay::Secret(v) = &mut self.overlay {
            v.copy = Some(outcome);
        }
    }

    pub(super) fn on_clipboard_cleared(&mut self, outcome: ClearOutcome) {
        self.clip_clear_at = None;
        match outcome {
            ClearOutcome::Cleared => self.say("clipboard cleared", false),
            ClearOutcome::LeftAlone => {
                self.say("clipboard holds something else now; left alone", false)
            }
            ClearOutcome::BlindClear => self.say(
                "asked the terminal to clear its clipboard (OSC 52; cannot be confirmed)",
                false,
            ),
            ClearOutcome::NothingToClear => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::super::AppConfig;
    use super::*;
    use crate::tui::msg::Msg;

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
        let fx = a.update(Msg::SecretCopied(CopyOutcome::SystemClipboard));
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
        assert!(
            a.update(Msg::SecretCopied(CopyOutcome::TmuxBuffer))
                .is_empty()
        );
        // A delay past what the calendar holds means never, not a panic.
        let mut a = app(u64::MAX);
        assert!(
            a.update(Msg::SecretCopied(CopyOutcome::TmuxBuffer))
                .is_empty()
        );
        assert!(a.clip_clear_at.is_none());
    }
}
