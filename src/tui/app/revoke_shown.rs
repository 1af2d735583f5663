//! `D`: revoke every row the filter shows (issue 20, item 3), after the count is typed.
//!
//! Refused, with the reason in the message line, when no filter is set (the whole list is
//! never one keystroke away) or the filter shows no row. The dialog is the revoke
//! confirmation ([`Confirm`]) over every row shown, asking for the number of rows instead of
//! an ID prefix; the revokes run as the bulk revoke of marked rows does (one request per token,
//! so the same path works against a JFrog Platform, which has no bulk endpoint), progress in
//! the status line, each row removed as its revoke succeeds, and the tally in the message line
//! when the last one answers.

use super::App;
use super::Overlay;
use super::confirm::{Confirm, RevokeState, Target};

/// The message when `D` is pressed with no filter.
pub const NO_FILTER: &str =
    "D revokes every row the filter shows: set a filter first (/), e.g. unused:90d";
/// The message when the filter shows nothing.
pub const NO_ROWS: &str = "D: the filter shows no token, nothing to revoke";

impl Confirm {
    /// Every row the filter shows; the count must be typed to unlock it.
    pub fn for_shown(table: &super::list::Table) -> Result<Confirm, &'static str> {
        let rows = &table.rows;
        if rows.filter().trim().is_empty() {
            return Err(NO_FILTER);
        }
        let me = table.me_id.as_deref();
        let targets: Vec<Target> = (0..rows.visible_len())
            .filter_map(|pos| rows.at(pos))
            .map(|r| Target::of(r, me))
            .collect();
        if targets.is_empty() {
            return Err(NO_ROWS);
        }
        let mut c = Confirm::new(targets);
        c.required = Some(c.targets.len().to_string());
        c.by_count = true;
        Ok(c)
    }

    /// "revoked 12 of 14 tokens (2 failed: …)" once every revoke has answered.
    pub fn tally(&self) -> (String, bool) {
        let total = self.targets.len();
        let mut revoked = 0;
        let mut gone = 0;
        let mut failed = Vec::new();
        for t in &self.targets {
            match &t.state {
                RevokeState::Done(Ok(crate::api::RevokeOutcome::Revoked)) => revoked += 1,
                RevokeState::Done(Ok(_)) => gone += 1,
                RevokeState::Done(Err(e)) => failed.push(e.clone()),
                _ => {}
            }
        }
        let mut text = format!("revoked {revoked} of {total} tokens the filter showed");
        if gone > 0 {
            text.push_str(&format!(", {gone} already gone"));
        }
        if let Some(first) = failed.first() {
            text.push_str(&format!(", {} failed: {first}", failed.len()));
        }
        (text, !failed.is_empty())
    }

    /// "revoking 3/14…" for the status line.
    pub fn progress(&self) -> String {
        let done = self
            .targets
            .iter()
            .filter(|t| matches!(t.state, RevokeState::Done(_)))
            .count();
        format!("revoking {done}/{}…", self.targets.len())
    }
}

impl App {
    /// `D`.
    pub(super) fn open_revoke_shown(&mut self) {
        if self.cfg.readonly {
            return self.refuse_readonly("revoking tokens");
        }
        match Confirm::for_shown(&self.table) {
            Ok(c) => self.overlay = Overlay::Confirm(c),
            Err(why) => self.say(why, true),
        }
    }
}
