//! `D`: revoke every row the filter shows (issue 20, item 3), after the count is typed.
//!
//! Refused, with the reason in the message line, when no filter is set (the whole list is
//! never one keystroke away) or the filter shows no row. The dialog is the revoke
//! confirmation ([`Confirm`]) over every row shown, asking for the number of rows instead of
//! an ID prefix; the revokes run as the bulk revoke of marked rows does (one request per token,
//! so the same path works against a JFrog Platform, which has no bulk endpoint), progress in
//! the status line, each row removed as its revoke succeeds, and the tally in the message line
//! when the last one answers.

use crate::api::RevokeOutcome;
use crate::api::bulk_revoke::BulkAnswer;

use super::super::msg::{ApiResult, Owner, ReqId, Request};
use super::App;
use super::Overlay;
use super::confirm::{Confirm, RevokeState, Target};
use super::ctx::Ctx;
use super::list::Table;

/// Said when the server has no bulk endpoint (a JFrog Platform).
pub const ONE_BY_ONE: &str = "this server has no bulk revoke: revoking one by one";

/// The message when `D` is pressed with no filter.
pub const NO_FILTER: &str =
    "D revokes every row the filter shows: set a filter first (/), e.g. unused:90d";
/// How a target the service kept reads (its reason follows in brackets).
const KEPT: &str = "kept";

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
        let targets: Vec<Target> = rows.shown_from(0).map(|r| Target::of(r, me)).collect();
        if targets.is_empty() {
            return Err(NO_ROWS);
        }
        let mut c = Confirm::new(targets);
        c.required = Some(c.targets.len().to_string());
        c.by_count = true;
        Ok(c)
    }

    /// Confirmed: one request for every row (the service revokes them in one transaction).
    pub fn start_bulk(&mut self, cx: &mut Ctx) {
        self.started = true;
        let ids = self.targets.iter().map(|t| t.id.clone()).collect();
        let id = cx.call(Owner::Confirm, Request::BulkRevoke(ids));
        for t in &mut self.targets {
            t.state = RevokeState::Running(id);
        }
    }

    /// The bulk request's answer: each row revoked goes, kept ones are said; a server without
    /// the endpoint gets one revoke per row instead. Never closes the dialog (its results stay).
    pub fn on_bulk(
        &mut self,
        id: ReqId,
        answer: ApiResult<BulkAnswer>,
        table: &mut Table,
        cx: &mut Ctx,
    ) -> bool {
        if !self
            .targets
            .iter()
            .any(|t| t.state == RevokeState::Running(id))
        {
            return false;
        }
        match answer {
            Ok(BulkAnswer::NoEndpoint) => {
                cx.say(ONE_BY_ONE, false);
                for t in &mut self.targets {
                    let request = Request::RevokeToken(t.id.clone());
                    t.state = RevokeState::Running(cx.call(Owner::Confirm, request));
                }
                return false;
            }
            Ok(BulkAnswer::Done(reply)) => {
                for t in &mut self.targets {
                    t.state = if reply.tokens.iter().any(|r| r.token_id == t.id) {
                        RevokeState::Done(Ok(RevokeOutcome::Revoked))
                    } else if let Some(k) = reply.kept.iter().find(|r| r.token_id == t.id) {
                        let why = k.kept_because.as_deref().unwrap_or("kept");
                        RevokeState::Done(Err(format!("{KEPT} ({why})")))
                    } else {
                        RevokeState::Done(Ok(RevokeOutcome::AlreadyGone))
                    };
                }
            }
            Ok(BulkAnswer::NothingMatched(_)) => {
                for t in &mut self.targets {
                    t.state = RevokeState::Done(Ok(RevokeOutcome::AlreadyGone));
                }
            }
            Err(e) => {
                let shown = e.shown();
                for t in &mut self.targets {
                    t.state = RevokeState::Done(Err(shown.clone()));
                }
            }
        }
        for t in &self.targets {
            if matches!(t.state, RevokeState::Done(Ok(_))) {
                table.rows.remove(&t.id, cx.now);
            }
        }
        table.recount_mine(cx.now);
        let (text, error) = self.tally();
        cx.say(text, error);
        false
    }

    /// "revoked 12 of 14 tokens (2 failed: …)" once every revoke has answered.
    pub fn tally(&self) -> (String, bool) {
        let total = self.targets.len();
        let mut revoked = 0;
        let mut gone = 0;
        let mut failed = Vec::new();
        let mut kept = Vec::new();
        for t in &self.targets {
            match &t.state {
                RevokeState::Done(Ok(RevokeOutcome::Revoked)) => revoked += 1,
                RevokeState::Done(Ok(_)) => gone += 1,
                RevokeState::Done(Err(e)) if e.starts_with(KEPT) => kept.push(e.clone()),
                RevokeState::Done(Err(e)) => failed.push(e.clone()),
                _ => {}
            }
        }
        let mut text = format!("revoked {revoked} of {total} tokens the filter showed");
        if gone > 0 {
            text.push_str(&format!(", {gone} already gone"));
        }
        if let Some(first) = kept.first() {
            text.push_str(&format!(", {} {first}", kept.len()));
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
