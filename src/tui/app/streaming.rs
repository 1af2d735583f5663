//! The token list as it streams in: the first page is shown at once and later pages are merged
//! into the table (filter and sort re-applied, the selection kept). A refresh gathers its pages
//! aside and swaps them in at the end, so the shown rows never shrink half-way.

use crate::model::wire::TokenInfo;

use super::super::msg::{ApiResult, ReqId, TokenPage};
use super::Load;
use super::ctx::Ctx;
use super::list::Table;
use super::row_store::RowStore;

/// A list load in progress.
#[derive(Debug, Clone)]
pub struct Streaming {
    pub id: ReqId,
    /// Tokens received so far.
    pub loaded: usize,
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

    pub(super) fn on_page(&mut self, id: ReqId, r: ApiResult<TokenPage>, cx: &mut Ctx) {
        let first_load = self.list.awaits(id);
        if !first_load && self.refreshing != Some(id) {
            return;
        }
        let page = match r {
            Ok(page) => page,
            Err(e) => {
                self.streaming = None;
                self.refreshing = None;
                let e = e.shown();
                if matches!(self.list, Load::Loaded(_)) && !self.rows.is_empty() {
                    cx.say(format!("refresh failed: {e}"), true);
                }
                self.list = Load::Failed(e);
                return;
            }
        };
        let started = self.streaming.as_ref().is_some_and(|s| s.id == id);
        if !started {
            self.streaming = Some(Streaming {
                id,
                loaded: 0,
                estimate: None,
                incoming: (!first_load).then(RowStore::default),
            });
        }
        let now = cx.now;
        let tokens = page.tokens.into_iter().map(TokenInfo::into_token);
        if let Some(s) = self.streaming.as_mut() {
            s.loaded += tokens.len();
            s.estimate = page.estimate.or(s.estimate);
            match s.incoming.as_mut() {
                Some(store) => store.extend(tokens),
                None if started => self.rows.append(tokens.collect(), now),
                None => self.rows.set(tokens.collect(), now),
            }
        }
        if page.more {
            return;
        }
        if let Some(store) = self.streaming.take().and_then(|s| s.incoming) {
            self.rows.replace(store, now);
        }
        self.refreshing = None;
        self.list = Load::Loaded(());
        if let Some(sel) = self.pending_select.take() {
            self.rows.select_id(&sel);
        }
    }
}
