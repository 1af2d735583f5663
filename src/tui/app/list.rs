//! The token list the table shows: who is signed in, the rows, their load (first load,
//! refreshes, pages streaming in) and the filter line. Its calls are owned by `Owner::Table`
//! and their replies come back here only.
//!
//! Streaming: the first page is shown at once and later pages are merged
//! into the table (filter and sort re-applied, the selection kept). A refresh gathers its pages
//! aside and swaps them in at the end, so the shown rows never shrink half-way.

use tui_input::Input;

use crate::model::sanitize::clean;
use crate::model::token::subject_username;
use crate::model::wire::TokenInfo;

use super::super::keymap::Action;
use super::super::msg::{Answer, ApiResult, Effect, Owner, ReqId, Request, TokenPage};
use super::super::text_fit::count;
use super::Load;
use super::ctx::Ctx;
use super::row_store::RowStore;

/// Loads at least this big end by handing freed memory back (`Effect::ReleaseMemory`).
const RELEASE_AFTER: usize = 50_000;
use super::tokens::Rows;

#[derive(Debug, Default)]
pub struct Table {
    /// The signed-in user name (GET /tokens/me subject).
    pub me: Load<String>,
    /// The first load (or the load after a failure).
    pub list: Load<()>,
    /// A refresh in flight while rows are shown.
    pub refreshing: Option<ReqId>,
    /// The list streaming in page by page (first load or refresh).
    pub streaming: Option<Streaming>,
    pub rows: Rows,
    pub filter: Input,
    /// The filter line is being typed.
    pub filtering: bool,
    /// A row to select when the next list arrives (the token just created).
    pub(super) pending_select: Option<String>,
    /// The signed-in user's own tokens expiring within 7 days (the header's notice).
    pub mine_expiring: usize,
    /// The id of the token this tab is signed in with (GET /tokens/me), when the server says.
    pub me_id: Option<String>,
    /// The server no longer takes this tab's token (revoked here, or a 401): `r` cannot help,
    /// the banner offers switching server / signing in again instead.
    pub signed_out: bool,
    /// Where the server's changes since the rows shown start (issue 19): the quiet refresh
    /// asks for those only. None: not known yet, or a server without them (JFrog).
    pub changes: Option<String>,
}

impl Table {
    /// The first calls: who am I, and the token list.
    pub fn start(&mut self, cx: &mut Ctx) {
        self.me = Load::Loading(cx.call(Owner::Table, Request::Me));
        self.list = Load::Loading(cx.call(Owner::Table, Request::ListTokens));
    }

    pub fn me_name(&self) -> Option<&str> {
        match &self.me {
            Load::Loaded(s) => Some(s),
            _ => None,
        }
    }

    /// A reply to one of the table's calls (a stale id changes nothing).
    pub fn on_reply(&mut self, id: ReqId, answer: Answer, cx: &mut Ctx) {
        match answer {
            Answer::Token(r) => self.on_me(id, r),
            Answer::Page(r) => {
                let from = self.rows.len();
                match self.on_page(id, r, cx) {
                    // A first load still streaming in: only the new rows are counted (a recount
                    // of the whole store per page was a tenth of a 2M-token load's CPU); the
                    // last page recounts everything at that moment.
                    PageDone::Appended => self.count_mine_from(from, cx.now),
                    // A reload gathering its pages aside: the table has not changed yet.
                    PageDone::Untouched => {}
                    PageDone::Changed => self.recount_mine(cx.now),
                }
                return;
            }
            Answer::Changes(r) => self.on_changes(id, r, cx),
            Answer::TokensById(r) => self.on_tokens_by_id(id, r, cx),
            _ => return,
        }
        self.recount_mine(cx.now);
    }

    fn on_me(&mut self, id: ReqId, r: ApiResult<TokenInfo>) {
        if !self.me.awaits(id) {
            return;
        }
        self.me = match r {
            Ok(info) => {
                self.me_id = Some(info.token_id.clone());
                Load::Loaded(clean(subject_username(&info.subject)))
            }
            Err(e) => {
                self.note_unauthorized(&e);
                Load::Failed(e.shown())
            }
        };
    }

    /// `r`: reload everything, cancelling a load or refresh under way; asks who I am again if
    /// that is not known yet.
    pub fn refresh(&mut self, cx: &mut Ctx) {
        if let Load::Loading(id) = self.list {
            cx.emit(Effect::Cancel(id));
        }
        if let Some(id) = self.refreshing.take() {
            cx.emit(Effect::Cancel(id));
        }
        let id = cx.call(Owner::Table, Request::ListTokens);
        if matches!(self.list, Load::Loaded(_)) {
            self.refreshing = Some(id);
        } else {
            self.list = Load::Loading(id);
        }
        if !matches!(self.me, Load::Loaded(_)) {
            self.me = Load::Loading(cx.call(Owner::Table, Request::Me));
        }
    }

    /// The 60 s refresh while idle: skipped while a load runs; retries a failed first load.
    /// True when the screen changes (the banner turns into a spinner).
    pub fn quiet_refresh(&mut self, cx: &mut Ctx) -> bool {
        if self.refreshing.is_some() || self.list.is_loading() {
            return false;
        }
        if matches!(self.list, Load::Loaded(_)) {
            // Only what changed, or the rows on screen (issue 19): list_changes.rs.
            self.refreshing = Some(self.changes_call(cx));
            return false;
        }
        let id = cx.call(Owner::Table, Request::ListTokens);
        if matches!(self.list, Load::Failed(_)) {
            self.list = Load::Loading(id);
            true
        } else {
            self.refreshing = Some(id);
            false
        }
    }

    /// The server changed something (a create or a rotation): read the list again, replacing
    /// a refresh under way, and select `select` when it arrives.
    pub fn reload_after_change(&mut self, select: Option<String>, cx: &mut Ctx) {
        if select.is_some() {
            self.pending_select = select;
        }
        if let Some(prev) = self.refreshing.take() {
            cx.emit(Effect::Cancel(prev));
        }
        self.refreshing = Some(cx.call(Owner::Table, Request::ListTokens));
    }

    /// Selects `id` when the next list arrives (a token just made).
    pub fn select_when_listed(&mut self, id: String) {
        self.pending_select = Some(id);
    }

    /// Esc on the table: cancel a load, else a refresh, else clear the filter, else the marks.
    pub fn back(&mut self, cx: &mut Ctx) {
        if let Load::Loading(id) = self.list {
            cx.emit(Effect::Cancel(id));
            // Pages already in stay usable; say that the list is partial.
            self.list = Load::Failed(match self.load_progress() {
                Some((n, _)) if n > 0 => {
                    format!("stopped after {} — press r to load all", count(n, "token"))
                }
                _ => "cancelled — press r to retry".into(),
            });
        } else if let Some(id) = self.refreshing.take() {
            cx.emit(Effect::Cancel(id));
            cx.say("refresh cancelled", false);
        } else if !self.rows.filter().is_empty() {
            self.filter.reset();
            self.rows.set_filter("");
        } else {
            self.rows.marked.clear();
        }
    }

    /// Keys while the filter line is being typed (text goes through `text`); `page`: rows a
    /// page key moves.
    pub fn filter_action(&mut self, a: Action, page: isize) {
        match a {
            Action::Back => {
                self.filter.reset();
                self.rows.set_filter("");
                self.filtering = false;
            }
            Action::Confirm => self.filtering = false,
            Action::Up => self.rows.move_by(-1),
            Action::Down => self.rows.move_by(1),
            Action::PageUp => self.rows.move_by(-page),
            Action::PageDown => self.rows.move_by(page),
            _ => {}
        }
    }

    /// Nothing of the old server stays: rows, filter, sort, marks, pending work. (The
    /// expiring count stays until the new server's list is counted.)
    pub fn reset(&mut self) {
        let mine_expiring = self.mine_expiring;
        *self = Table {
            mine_expiring,
            ..Table::default()
        };
    }
}

// ---------------------------------------------------------------- streaming

/// A list load in progress.
#[derive(Debug, Clone)]
pub struct Streaming {
    pub id: ReqId,
    /// Tokens received so far.
    pub loaded: usize,
    /// The changes cursor the first page brought.
    changes: Option<String>,
    /// How many the server says there are, if it says.
    pub estimate: Option<u64>,
    /// A refresh's rows, gathered until the last page (None: the first load, shown as it comes).
    incoming: Option<RowStore>,
}

impl Table {
    /// How far the first load has got, while it is under way: (tokens so far, estimate).
    pub fn load_progress(&self) -> Option<(usize, Option<u64>)> {
        self.streaming
            .as_ref()
            .filter(|s| self.list.awaits(s.id))
            .map(|s| (s.loaded, s.estimate))
    }

    /// What the page did to the table's rows.
    pub(super) fn on_page(&mut self, id: ReqId, r: ApiResult<TokenPage>, cx: &mut Ctx) -> PageDone {
        let first_load = self.list.awaits(id);
        if !first_load && self.refreshing != Some(id) {
            return PageDone::Untouched;
        }
        let page = match r {
            Ok(page) => page,
            Err(e) => {
                self.streaming = None;
                self.refreshing = None;
                self.note_unauthorized(&e);
                let e = e.shown();
                if matches!(self.list, Load::Loaded(_)) && !self.rows.is_empty() {
                    cx.say(format!("refresh failed: {e}"), true);
                }
                self.list = Load::Failed(e);
                return PageDone::Untouched;
            }
        };
        let started = self.streaming.as_ref().is_some_and(|s| s.id == id);
        let mut done = PageDone::Changed;
        if !started {
            self.streaming = Some(Streaming {
                id,
                loaded: 0,
                changes: None,
                estimate: None,
                incoming: (!first_load).then(RowStore::default),
            });
        }
        let now = cx.now;
        let tokens = page.tokens.into_iter().map(TokenInfo::into_token);
        if let Some(s) = self.streaming.as_mut() {
            s.loaded += tokens.len();
            s.estimate = page.estimate.or(s.estimate);
            if page.changes.is_some() {
                s.changes = page.changes;
            }
            match s.incoming.as_mut() {
                Some(store) => {
                    store.extend_unindexed(tokens);
                    done = PageDone::Untouched;
                }
                None if started => {
                    self.rows.append(tokens.collect(), now);
                    done = PageDone::Appended;
                }
                None => self.rows.set(tokens.collect(), now),
            }
        }
        if page.more {
            return done;
        }
        if let Some(s) = self.streaming.take() {
            self.changes = s.changes;
            if s.loaded >= RELEASE_AFTER {
                cx.emit(Effect::ReleaseMemory);
            }
            if let Some(store) = s.incoming {
                self.rows.replace(store, now);
            }
        }
        self.refreshing = None;
        self.list = Load::Loaded(());
        if let Some(sel) = self.pending_select.take() {
            self.rows.select_id(&sel);
        }
        PageDone::Changed
    }
}

/// What a page of the list did to the table's rows (the header's count follows it).
pub(super) enum PageDone {
    /// Appended to the table, more to come.
    Appended,
    /// Nothing shown changed: a stale or failed page, or a reload's page gathered aside.
    Untouched,
    /// The rows were set or replaced: the last page, or the first of a first load.
    Changed,
}
