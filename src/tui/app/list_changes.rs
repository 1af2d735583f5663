//! The quiet refresh by change (issue 19): the table asks the server only for what changed
//! since the rows it shows (`changed_since`, the cursor the list's first page brought) and
//! applies that to its rows, keeping selection, marks, filter and sort. When the server cannot
//! tell (any 4xx: a token deleted, a user disabled, too many changes) the table lists again,
//! quietly as before. A server without the extension (a real JFrog Platform: its list brings no
//! cursor) gets the rows on screen asked for one by one (`GET /tokens/{id}`, a 404 removes the
//! row) and the counts recomputed at the current clock; tokens made elsewhere appear with `r`.
//! `r` always lists everything again.

use crate::api::ApiError;
use crate::model::wire::{TokenChanges, TokenInfo};

use super::super::msg::{ApiResult, CallError, Owner, ReqId, Request};
use super::Load;
use super::ctx::Ctx;
use super::list::Table;

/// The server cannot answer for this cursor, or has no changes call: list again.
fn list_again(e: &CallError) -> bool {
    match e {
        CallError::Api(ApiError::Unauthorized { .. } | ApiError::RateLimited { .. }) => false,
        CallError::Api(e) => {
            e.status().is_some_and(|s| (400..500).contains(&s))
                || matches!(e, ApiError::Decode { .. })
        }
        _ => false,
    }
}

/// Most rows a refresh of the rows on screen asks for (taller than any screen).
pub const VISIBLE_MAX: usize = 80;

impl Table {
    /// The call of a quiet refresh while rows are shown.
    pub(super) fn changes_call(&mut self, cx: &mut Ctx) -> ReqId {
        let request = match &self.changes {
            Some(c) => Request::TokenChanges(c.clone()),
            None => {
                let from = self.rows.offset;
                let ids = self
                    .rows
                    .shown_from(from)
                    .take(VISIBLE_MAX)
                    .map(|r| r.token.token_id)
                    .collect();
                Request::TokensById(ids)
            }
        };
        cx.call(Owner::Table, request)
    }

    pub(super) fn on_changes(&mut self, id: ReqId, r: ApiResult<TokenChanges>, cx: &mut Ctx) {
        if self.refreshing != Some(id) {
            return;
        }
        self.refreshing = None;
        match r {
            Ok(ch) => {
                let tokens = ch.tokens.into_iter().map(TokenInfo::into_token).collect();
                self.rows.apply_changes(tokens, &ch.revoked, cx.now);
                self.changes = Some(ch.changes_cursor);
                if let Some(sel) = self.pending_select.take() {
                    self.rows.select_id(&sel);
                }
            }
            Err(e) => self.changes_failed(&e, cx),
        }
    }

    pub(super) fn on_tokens_by_id(
        &mut self,
        id: ReqId,
        r: ApiResult<Vec<(String, Option<TokenInfo>)>>,
        cx: &mut Ctx,
    ) {
        if self.refreshing != Some(id) {
            return;
        }
        self.refreshing = None;
        match r {
            Ok(found) => {
                let mut changed = Vec::new();
                let mut gone = Vec::new();
                for (tid, t) in found {
                    match t {
                        Some(t) => changed.push(t.into_token()),
                        None => gone.push(tid),
                    }
                }
                self.rows.apply_changes(changed, &gone, cx.now);
            }
            Err(e) => self.changes_failed(&e, cx),
        }
    }

    fn changes_failed(&mut self, e: &CallError, cx: &mut Ctx) {
        self.note_unauthorized(e);
        if self.signed_out {
            return;
        }
        if list_again(e) {
            self.changes = None;
            self.refreshing = Some(cx.call(Owner::Table, Request::ListTokens));
        } else {
            // As a failed list refresh: said, and the next quiet refresh lists again.
            let e = e.shown();
            cx.say(format!("refresh failed: {e}"), true);
            self.list = Load::Failed(e);
        }
    }
}
