//! The token rows: sanitised at ingestion and held in the compact [`RowStore`], with the
//! filtered + sorted index recomputed only when the rows, the filter or the sort change (never on
//! draw). Pages of a long list are merged into the index as they arrive.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::model::filter_query::FilterQuery;
use crate::model::sanitize::clean;
use crate::model::{Token, TokenStatus};

use super::row_store::RowStore;
use narrow::RowBits;
use view::View;

mod delta;
mod narrow;
mod par;
#[cfg(test)]
mod prop_tests;
mod radix;
mod sort;
mod view;
mod visible;
mod wide_sort;

/// Sortable columns, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Description,
    Subject,
    TokenId,
    Issued,
    Expiry,
    LastUsed,
    Scope,
}

impl Column {
    pub const ALL: [Column; 7] = [
        Column::Description,
        Column::Subject,
        Column::TokenId,
        Column::Issued,
        Column::Expiry,
        Column::LastUsed,
        Column::Scope,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Column::Description => "Description",
            Column::Subject => "Subject",
            Column::TokenId => "Token ID",
            Column::Issued => "Issued",
            Column::Expiry => "Expiry",
            Column::LastUsed => "Last used",
            Column::Scope => "Scope",
        }
    }
    pub fn next(self) -> Column {
        let i = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[(i + 1) % Column::ALL.len()]
    }
}

/// One row as the table draws it (built for the visible rows only), every string already
/// cleaned for display.
#[derive(Debug, Clone)]
pub struct Row {
    pub token: Token,
    pub username: String,
    /// The Token ID column: the id's first 8 characters.
    pub id_short: String,
    pub scope_summary: String,
    pub issued: String,
}

impl Row {
    /// Cleans every server string (escape sequences, BEL, CR, bidi marks never go further).
    pub fn new(mut token: Token) -> Row {
        token.token_id = clean(&token.token_id);
        token.description = clean(&token.description);
        token.subject = clean(&token.subject);
        token.issuer = clean(&token.issuer);
        token.scope = token.scope.as_deref().map(clean);
        let username = token.username().to_owned();
        let id_short = id_prefix(&token.token_id);
        let scope_summary = clean(&token.scope_summary());
        let issued = token.issued_at.format("%Y-%m-%d").to_string();
        Row {
            token,
            username,
            id_short,
            scope_summary,
            issued,
        }
    }

    /// Row `i` of the store (its strings were cleaned on the way in).
    fn from_store(store: &RowStore, i: usize) -> Row {
        let token = store.token(i);
        Row {
            username: store.username(i).to_owned(),
            id_short: id_prefix(&token.token_id),
            scope_summary: store.scope_summary(i).to_owned(),
            issued: token.issued_at.format("%Y-%m-%d").to_string(),
            token,
        }
    }
}

/// The first 8 characters of a token id (a UUID's first group): the Token ID column.
fn id_prefix(id: &str) -> String {
    id.chars().take(8).collect()
}

#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub total: usize,
    pub expiring: usize,
    pub expired: usize,
    /// Tokens of disabled users (whatever their expiry: the Status column says disabled).
    pub disabled: usize,
}

/// A row of the store as the order and the view hold it: 4 bytes, not 8 (the two lists of
/// 2,000,000 rows are 16 MB, not 32, and every pass over them reads half as much).
pub(super) type RowIx = u32;

/// A store row as a [`RowIx`]. A store never holds 2^32 rows (at well over 100 bytes a row that
/// is hundreds of GB), so this never truncates.
pub(super) fn ix(row: usize) -> RowIx {
    debug_assert!(u32::try_from(row).is_ok());
    row as RowIx
}

#[derive(Debug, Clone)]
pub struct Rows {
    store: RowStore,
    /// Indices into `store`, all of them, in sort order (recomputed when rows or sort change).
    order: Vec<RowIx>,
    /// `order` filtered: what the table shows (recomputed when the filter changes, never
    /// re-sorted for a filter keystroke, and listed only as far as it is shown: see `view`).
    view: View,
    filter: String,
    /// The filter's key terms (`user:`, `status:`…); None when it is plain text.
    query: Option<FilterQuery>,
    /// Why the filter's words do not parse (the view is empty meanwhile).
    pub query_error: Option<String>,
    /// The clock of the last load, for `status:` and `unused:`.
    now: DateTime<Utc>,
    /// The views of the shorter queries typed on the way to this one (each a prefix of the
    /// next), so Backspace restores a view instead of scanning again. Cleared when the rows or
    /// the sort change.
    history: Vec<(String, RowBits)>,
    pub sort: Column,
    pub descending: bool,
    /// Position in `view`.
    pub selected: usize,
    /// First visible position in `view` (kept by the model so the window is stable).
    pub offset: usize,
    /// Token ids marked for bulk revoke.
    pub marked: HashSet<String>,
    pub counts: Counts,
    /// The sort's buffers, kept for the next sort.
    scratch: wide_sort::WideScratch,
    /// The filter's array of hits, kept for the next key.
    kept_hits: narrow::Hits,
}

impl Default for Rows {
    fn default() -> Self {
        Rows {
            store: RowStore::default(),
            order: Vec::new(),
            view: View::default(),
            filter: String::new(),
            query: None,
            query_error: None,
            now: DateTime::<Utc>::UNIX_EPOCH,
            history: Vec::new(),
            sort: Column::Issued,
            descending: true,
            selected: 0,
            offset: 0,
            marked: HashSet::new(),
            counts: Counts::default(),
            scratch: wide_sort::WideScratch::default(),
            kept_hits: narrow::Hits::default(),
        }
    }
}

impl Rows {
    /// Replaces the rows, keeping selection (by token id), filter, sort and marks.
    pub fn set(&mut self, tokens: Vec<Token>, now: DateTime<Utc>) {
        self.replace(RowStore::from_tokens(tokens), now);
    }

    /// Replaces the rows with a store built elsewhere (a refresh gathered page by page),
    /// keeping selection (by token id), filter, sort and marks.
    pub fn replace(&mut self, store: RowStore, now: DateTime<Utc>) {
        let keep = self.selected_id();
        self.store = store;
        let store = &self.store;
        // Marks are few: look each one up rather than collecting every id.
        self.marked.retain(|m| store.position(m).is_some());
        self.recount(now);
        self.resort();
        self.refilter();
        if let Some(id) = keep {
            self.select_id(&id);
        }
    }

    /// Adds a page of rows at the end: they are sorted and filtered into the index without
    /// moving the selection (the selected token stays selected, at the same place on screen).
    pub fn append(&mut self, tokens: Vec<Token>, now: DateTime<Utc>) {
        if tokens.is_empty() {
            return;
        }
        let keep = self.view.get(self.selected, &self.order);
        let on_screen = self.selected.saturating_sub(self.offset);
        // The old view is merged with the new rows below: list it while its order is here.
        self.view.list_all(&self.order);
        let from = self.store.len();
        self.store.extend_unindexed(tokens);
        self.count_rows(from, now);
        let mut fresh: Vec<RowIx> = (from..self.store.len()).map(ix).collect();
        self.sort_indices(&mut fresh);
        let old = std::mem::take(&mut self.order);
        self.order = self.merge(&old, &fresh);
        self.history.clear();
        if self.filter.is_empty() {
            self.view.set_all(&self.order);
        } else {
            let hit = self.hits(from);
            fresh.retain(|&i| hit[i as usize - from]);
            self.kept_hits.give_back(hit);
            let old = self.view.take(&self.order);
            let merged = self.merge(&old, &fresh);
            self.view.set(merged);
            if self.is_plain() {
                self.remember_view();
            }
        }
        if let Some(i) = keep
            && let Some(pos) = self.view.position(&self.order, i)
        {
            self.selected = pos;
            self.offset = pos.saturating_sub(on_screen);
        }
        self.clamp();
    }

    pub fn recount(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.counts = Counts::default();
        self.count_rows(0, now);
    }

    /// Adds rows `from..` to the counts.
    fn count_rows(&mut self, from: usize, now: DateTime<Utc>) {
        self.now = now;
        let now = now.timestamp();
        let c = &mut self.counts;
        c.total = self.store.len();
        for i in from..self.store.len() {
            match self.store.status(i, now) {
                TokenStatus::Expired => c.expired += 1,
                TokenStatus::Expiring => c.expiring += 1,
                TokenStatus::Disabled => c.disabled += 1,
                _ => {}
            }
        }
    }

    /// How many rows (shown or not) satisfy the key terms of `q` at `now` (its free text is
    /// not looked at).
    pub fn count_keys(&mut self, q: &FilterQuery, now: DateTime<Utc>) -> usize {
        self.count_keys_from(q, now, 0)
    }

    /// [`Rows::count_keys`] over the rows from `from` on (in store order).
    pub fn count_keys_from(&mut self, q: &FilterQuery, now: DateTime<Utc>, from: usize) -> usize {
        let k = self.store.key_matcher(q, now);
        (from.min(self.store.len())..self.store.len())
            .filter(|&i| self.store.keys_hit(&k, i))
            .count()
    }

    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Indexes up to `rows` rows the load left unindexed; whether any are left.
    pub fn index_some(&mut self, rows: usize) -> bool {
        self.store.index_some(rows)
    }

    /// Rows the load left unindexed.
    pub fn unindexed(&self) -> usize {
        self.store.unindexed()
    }
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }
    pub fn visible_len(&self) -> usize {
        self.view.len()
    }
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// The row at a position of the view.
    pub fn at(&self, pos: usize) -> Option<Row> {
        self.view
            .get(pos, &self.order)
            .map(|i| Row::from_store(&self.store, i as usize))
    }

    /// The rows of the view from position `from` on, in order: for actions over many shown rows
    /// (reading each by [`Rows::at`] can walk the sort order once per row).
    pub fn shown_from(&self, from: usize) -> impl Iterator<Item = Row> + '_ {
        self.view
            .iter(&self.order)
            .skip(from)
            .map(|i| Row::from_store(&self.store, i as usize))
    }

    pub fn selected_row(&self) -> Option<Row> {
        self.at(self.selected)
    }

    /// The selected token's id.
    pub fn selected_id(&self) -> Option<String> {
        self.view
            .get(self.selected, &self.order)
            .map(|i| self.store.id(i as usize).into_owned())
    }

    pub fn find(&self, id: &str) -> Option<Row> {
        self.store
            .position(id)
            .map(|i| Row::from_store(&self.store, i))
    }

    pub fn select_id(&mut self, id: &str) {
        if let Some(i) = self.store.position(id)
            && let Some(pos) = self.view.position(&self.order, ix(i))
        {
            self.selected = pos;
        }
        self.clamp();
    }

    /// Replaces one token (details fetched later), keeping everything else.
    pub fn update_token(&mut self, token: Token, now: DateTime<Utc>) {
        if let Some(i) = self.store.position(&clean(&token.token_id)) {
            self.store.replace(i, token);
        }
        self.history.clear();
        self.recount(now);
    }

    pub fn remove(&mut self, id: &str, now: DateTime<Utc>) {
        let keep = self.selected;
        let Some(gone) = self.store.position(id) else {
            return;
        };
        self.store.remove(gone);
        // Indices after the removed row shift down by one; the order stays valid.
        let gone = ix(gone);
        let shift = |i: RowIx| if i > gone { i - 1 } else { i };
        let view: Vec<RowIx> = self
            .view
            .rows(&self.order)
            .iter()
            .filter(|&&i| i != gone)
            .map(|&i| shift(i))
            .collect();
        self.view.set(view);
        self.order = self
            .order
            .iter()
            .filter(|&&i| i != gone)
            .map(|&i| shift(i))
            .collect();
        self.marked.remove(id);
        self.history.clear();
        self.recount(now);
        self.selected = keep;
        self.clamp();
    }

    /// Live filter. A query that extends the previous one scans only its matches; going back to
    /// a shorter query (Backspace) restores that query's view; anything else is one scan.
    pub fn set_filter(&mut self, filter: &str) {
        let new = filter.to_lowercase();
        self.query_error = None;
        self.query = None;
        match FilterQuery::parse(&new) {
            Ok(q) if q.is_plain() => {}
            // Key terms (or a bad one): one full pass, no history.
            parsed => {
                match parsed {
                    Ok(q) => self.query = Some(q),
                    Err(e) => self.query_error = Some(e.to_string()),
                }
                self.filter = new;
                self.refilter();
                self.selected = 0;
                self.offset = 0;
                return;
            }
        }
        while self
            .history
            .last()
            .is_some_and(|(q, _)| !new.starts_with(q.as_str()))
        {
            self.history.pop();
        }
        // The view shown is the view of the history's last query (see `remember`).
        let shown = self.history.last().is_some_and(|(q, _)| *q == self.filter);
        self.filter = new;
        match self.history.pop() {
            _ if self.filter.is_empty() => {
                self.history.clear();
                self.view.set_all(&self.order);
            }
            Some((q, bits)) if q == self.filter => {
                if !shown {
                    self.restore(&bits);
                }
                self.history.push((q, bits));
            }
            Some((q, bits)) => {
                if !shown {
                    self.restore(&bits);
                }
                let query = self.filter.clone();
                let narrowed = self.narrow(&query, &bits);
                self.history.push((q, bits));
                self.remember(narrowed);
            }
            None => self.refilter(),
        }
        self.selected = 0;
        self.offset = 0;
        self.clamp();
    }

    /// `view` = `order` filtered (the order is kept, so nothing is sorted here).
    fn refilter(&mut self) {
        self.history.clear();
        if self.filter.is_empty() {
            self.view.set_all(&self.order);
        } else {
            let hit = self.hits(0);
            self.view_of_hits(&hit);
            self.kept_hits.give_back(hit);
        }
        self.clamp();
    }

    /// The filter is free text only (the incremental paths and the history apply).
    fn is_plain(&self) -> bool {
        self.query.is_none() && self.query_error.is_none()
    }

    /// Which rows from `from` on pass the filter (index 0 is row `from`): the free text through
    /// the arena scan, then the key terms on the rows it kept.
    /// The array is the kept one (`kept_hits`): give it back when done.
    fn hits(&mut self, from: usize) -> Vec<bool> {
        let n = self.store.len().saturating_sub(from);
        let mut hit = self.kept_hits.take();
        if self.query_error.is_some() {
            hit.clear();
            hit.resize(n, false);
            return hit;
        }
        let Some(q) = &self.query else {
            let m = self.store.matcher(&self.filter);
            self.store.scan_into(&m, from, &mut hit);
            return hit;
        };
        // An empty needle matches everywhere; the scan expects a real one.
        if q.text.is_empty() {
            hit.clear();
            hit.resize(n, true);
        } else {
            let m = self.store.matcher(&q.text);
            self.store.scan_into(&m, from, &mut hit);
        }
        let k = self.store.key_matcher(q, self.now);
        for (j, h) in hit.iter_mut().enumerate() {
            *h = *h && self.store.keys_hit(&k, from + j);
        }
        hit
    }

    pub fn set_sort(&mut self, col: Column, descending: bool) {
        let keep = self.selected_id();
        self.sort = col;
        self.descending = descending;
        self.resort();
        self.refilter();
        if let Some(id) = keep {
            self.select_id(&id);
        }
    }

    pub fn clamp(&mut self) {
        let n = self.view.len();
        if n == 0 {
            self.selected = 0;
            self.offset = 0;
        } else if self.selected >= n {
            self.selected = n - 1;
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.view.len();
        if n == 0 {
            return;
        }
        let pos = self.selected as isize + delta;
        self.selected = pos.clamp(0, n as isize - 1) as usize;
    }

    pub fn select_pos(&mut self, pos: usize) {
        self.selected = pos;
        self.clamp();
    }

    /// Keeps the selection inside a window of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let h = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + h {
            self.offset = self.selected + 1 - h;
        }
        let max_off = self.view.len().saturating_sub(h);
        self.offset = self.offset.min(max_off);
        // What the window shows is listed (and a screenful beyond, for the next page key).
        self.view
            .list_upto(&self.order, (self.offset + 2 * h).max(self.selected + 1));
    }

    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected_id()
            && !self.marked.remove(&id)
        {
            self.marked.insert(id);
        }
    }
}
