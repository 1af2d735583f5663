//! The token rows: sanitised at ingestion, with the filtered + sorted index recomputed only when
//! the rows, the filter or the sort change (never on draw).

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::model::filter_query::{FilterQuery, scope_kinds};
use crate::model::sanitize::clean;
use crate::model::{Token, TokenStatus};

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

/// One row, every string already cleaned for display.
#[derive(Debug, Clone)]
pub struct Row {
    pub token: Token,
    pub username: String,
    pub id_short: String,
    pub scope_summary: String,
    pub issued: String,
    /// Lowercased "description subject id scope" for the filter.
    haystack: String,
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
        let id_short = short_id(&token.token_id);
        let scope_summary = clean(&token.scope_summary());
        let issued = token.issued_at.format("%Y-%m-%d").to_string();
        let haystack = format!(
            "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            token.description,
            username,
            token.token_id,
            token.scope.as_deref().unwrap_or(""),
            scope_summary
        )
        .to_lowercase();
        Row {
            token,
            username,
            id_short,
            scope_summary,
            issued,
            haystack,
        }
    }
}

/// The first 16 bytes of `s` as a big-endian number: orders like the text itself (no NUL can
/// occur after sanitising, so zero padding sorts shorter strings first).
fn text_prefix(s: &str) -> u128 {
    let b = s.as_bytes();
    let mut buf = [0u8; 16];
    let n = b.len().min(16);
    buf[..n].copy_from_slice(&b[..n]);
    u128::from_be_bytes(buf)
}

/// The first 8 characters and "…" when longer.
pub fn short_id(id: &str) -> String {
    if id.chars().count() <= 9 {
        return id.to_owned();
    }
    let mut s: String = id.chars().take(8).collect();
    s.push('…');
    s
}

#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub total: usize,
    pub expiring: usize,
    pub expired: usize,
}

#[derive(Debug, Clone)]
pub struct Rows {
    rows: Vec<Row>,
    /// Indices into `rows`, all of them, in sort order (recomputed when rows or sort change).
    order: Vec<usize>,
    /// `order` filtered: what the table shows (recomputed when the filter changes; never
    /// re-sorted for a filter keystroke).
    view: Vec<usize>,
    filter: String,
    /// The filter's key terms (`user:`, `status:`…); None when it is plain text.
    query: Option<FilterQuery>,
    /// Why the filter's words do not parse (the view is empty meanwhile).
    pub query_error: Option<String>,
    /// The clock of the last load, for `status:` and `unused:`.
    now: DateTime<Utc>,
    /// Each row's scope kinds for `scope:` (computed at the first such query after the rows
    /// change; empty until then).
    scope_kinds: Vec<u8>,
    /// Every row's haystack back to back; row i is `hay[hay_at[i]..hay_at[i + 1]]`. One
    /// contiguous buffer: a full filter is one SIMD scan, not 100,000 small ones.
    hay: Vec<u8>,
    hay_at: Vec<usize>,
    /// The views of the shorter queries typed on the way to this one (each a prefix of the
    /// next), so Backspace restores a view instead of scanning again. Cleared when the rows or
    /// the sort change.
    history: Vec<(String, Vec<usize>)>,
    pub sort: Column,
    pub descending: bool,
    /// Position in `view`.
    pub selected: usize,
    /// First visible position in `view` (kept by the model so the window is stable).
    pub offset: usize,
    /// Token ids marked for bulk revoke.
    pub marked: HashSet<String>,
    pub counts: Counts,
}

impl Default for Rows {
    fn default() -> Self {
        Rows {
            rows: Vec::new(),
            order: Vec::new(),
            view: Vec::new(),
            filter: String::new(),
            query: None,
            query_error: None,
            now: DateTime::<Utc>::UNIX_EPOCH,
            scope_kinds: Vec::new(),
            hay: Vec::new(),
            hay_at: vec![0],
            history: Vec::new(),
            sort: Column::Issued,
            descending: true,
            selected: 0,
            offset: 0,
            marked: HashSet::new(),
            counts: Counts::default(),
        }
    }
}

impl Rows {
    /// Replaces the rows, keeping selection (by token id), filter, sort and marks.
    pub fn set(&mut self, tokens: Vec<Token>, now: DateTime<Utc>) {
        let keep = self.selected_row().map(|r| r.token.token_id.clone());
        self.rows = tokens.into_iter().map(Row::new).collect();
        let ids: HashSet<&str> = self
            .rows
            .iter()
            .map(|r| r.token.token_id.as_str())
            .collect();
        self.marked.retain(|m| ids.contains(m.as_str()));
        self.rebuild_hay();
        self.recount(now);
        self.resort();
        self.refilter();
        if let Some(id) = keep {
            self.select_id(&id);
        }
    }

    fn rebuild_hay(&mut self) {
        self.scope_kinds.clear();
        let total: usize = self.rows.iter().map(|r| r.haystack.len() + 1).sum();
        self.hay.clear();
        self.hay.reserve(total);
        self.hay_at.clear();
        self.hay_at.reserve(self.rows.len() + 1);
        for r in &self.rows {
            self.hay_at.push(self.hay.len());
            self.hay.extend_from_slice(r.haystack.as_bytes());
            // No query contains NUL (sanitised input), so no match spans two rows.
            self.hay.push(0);
        }
        self.hay_at.push(self.hay.len());
    }

    fn hay_of(&self, i: usize) -> &[u8] {
        &self.hay[self.hay_at[i]..self.hay_at[i + 1]]
    }

    pub fn recount(&mut self, now: DateTime<Utc>) {
        self.now = now;
        let mut c = Counts {
            total: self.rows.len(),
            ..Counts::default()
        };
        for r in &self.rows {
            match r.token.status(now) {
                TokenStatus::Expiring => c.expiring += 1,
                TokenStatus::Expired => c.expired += 1,
                _ => {}
            }
        }
        self.counts = c;
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    /// How many rows (shown or not) satisfy `pred`.
    pub fn count_where(&self, pred: impl Fn(&Token) -> bool) -> usize {
        self.rows.iter().filter(|r| pred(&r.token)).count()
    }
    pub fn visible_len(&self) -> usize {
        self.view.len()
    }
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// The row at a position of the view.
    pub fn at(&self, pos: usize) -> Option<&Row> {
        self.view.get(pos).and_then(|&i| self.rows.get(i))
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.at(self.selected)
    }

    pub fn find(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.token.token_id == id)
    }

    pub fn select_id(&mut self, id: &str) {
        if let Some(pos) = self
            .view
            .iter()
            .position(|&i| self.rows[i].token.token_id == id)
        {
            self.selected = pos;
        }
        self.clamp();
    }

    /// Replaces one token (details fetched later), keeping everything else.
    pub fn update_token(&mut self, token: Token, now: DateTime<Utc>) {
        let row = Row::new(token);
        if let Some(r) = self
            .rows
            .iter_mut()
            .find(|r| r.token.token_id == row.token.token_id)
        {
            *r = row;
        }
        self.rebuild_hay();
        self.history.clear();
        self.recount(now);
    }

    pub fn remove(&mut self, id: &str, now: DateTime<Utc>) {
        let keep = self.selected;
        let Some(gone) = self.rows.iter().position(|r| r.token.token_id == id) else {
            return;
        };
        self.rows.remove(gone);
        // Indices after the removed row shift down by one; the order stays valid.
        let shift = |i: usize| if i > gone { i - 1 } else { i };
        self.order = self
            .order
            .iter()
            .filter(|&&i| i != gone)
            .map(|&i| shift(i))
            .collect();
        self.view = self
            .view
            .iter()
            .filter(|&&i| i != gone)
            .map(|&i| shift(i))
            .collect();
        self.marked.remove(id);
        self.rebuild_hay();
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
        self.filter = new;
        match self.history.last() {
            _ if self.filter.is_empty() => {
                self.history.clear();
                self.view.clone_from(&self.order);
            }
            Some((q, v)) if *q == self.filter => self.view.clone_from(v),
            Some((_, v)) => {
                // Many candidates: one sequential scan beats jumping between rows.
                self.view = if v.len() > self.rows.len() / 8 {
                    let hit = self.scan();
                    v.iter().copied().filter(|&i| hit[i]).collect()
                } else {
                    let finder = memchr::memmem::Finder::new(self.filter.as_bytes());
                    v.iter()
                        .copied()
                        .filter(|&i| finder.find(self.hay_of(i)).is_some())
                        .collect()
                };
                self.history.push((self.filter.clone(), self.view.clone()));
            }
            None => self.refilter(),
        }
        self.selected = 0;
        self.offset = 0;
        self.clamp();
    }

    /// Which rows contain the filter: one scan of the whole buffer, jumping to the next row
    /// after each hit.
    fn scan(&self) -> Vec<bool> {
        let needle = self
            .query
            .as_ref()
            .map_or(self.filter.as_str(), |q| &q.text);
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let mut hit = vec![false; self.rows.len()];
        let (mut pos, mut row) = (0, 0);
        while let Some(m) = finder.find(&self.hay[pos..]) {
            let at = pos + m;
            // Hits come in row order: walk forward to the row holding this one.
            while self.hay_at[row + 1] <= at {
                row += 1;
            }
            hit[row] = true;
            row += 1;
            pos = self.hay_at[row];
        }
        hit
    }

    /// `view` = `order` filtered (the order is kept, so nothing is sorted here).
    fn refilter(&mut self) {
        self.history.clear();
        if self.query_error.is_some() {
            self.view.clear();
        } else if let Some(q) = &self.query {
            if q.needs_scope_kinds() && self.scope_kinds.len() != self.rows.len() {
                self.scope_kinds = self.rows.iter().map(|r| scope_kinds(&r.token)).collect();
            }
            // An empty needle matches everywhere; the scan expects a real one.
            let hit = if q.text.is_empty() {
                vec![true; self.rows.len()]
            } else {
                self.scan()
            };
            let rows = &self.rows;
            self.view = self
                .order
                .iter()
                .copied()
                .filter(|&i| {
                    let kinds = self.scope_kinds.get(i).copied().unwrap_or(0);
                    hit[i] && q.keys_match_kinds(&rows[i].token, kinds, self.now)
                })
                .collect();
        } else if self.filter.is_empty() {
            self.view.clone_from(&self.order);
        } else {
            let hit = self.scan();
            self.view = self.order.iter().copied().filter(|&i| hit[i]).collect();
            self.history.push((self.filter.clone(), self.view.clone()));
        }
        self.clamp();
    }

    pub fn set_sort(&mut self, col: Column, descending: bool) {
        let keep = self.selected_row().map(|r| r.token.token_id.clone());
        self.sort = col;
        self.descending = descending;
        self.resort();
        self.refilter();
        if let Some(id) = keep {
            self.select_id(&id);
        }
    }

    /// Sorts all rows by the sort column: a compact key per row (a timestamp, or the first 16
    /// bytes of the text) sorted as plain integers, then runs of equal text prefixes ordered by
    /// the whole text. Ties keep the server's order.
    fn resort(&mut self) {
        let rows = &self.rows;
        let col = self.sort;
        fn text(col: Column, r: &Row) -> &str {
            match col {
                Column::Description => &r.token.description,
                Column::Subject => &r.username,
                Column::TokenId => &r.token.token_id,
                Column::Scope => &r.scope_summary,
                Column::Issued | Column::Expiry | Column::LastUsed => "",
            }
        }
        let time_key =
            |t: DateTime<Utc>| (i128::from(t.timestamp()) - i128::from(i64::MIN)) as u128;
        let mut keyed: Vec<(u128, u32)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let k = match col {
                    Column::Issued => time_key(r.token.issued_at),
                    // Never-expiring tokens sort after every date.
                    Column::Expiry => r.token.expiry.map_or(u128::MAX, time_key),
                    // Never-used tokens sort before every date (the longest unused).
                    Column::LastUsed => r.token.last_used.map_or(0, time_key),
                    _ => text_prefix(text(col, r)),
                };
                (k, i as u32)
            })
            .collect();
        keyed.sort_unstable();
        let mut order: Vec<usize> = keyed.iter().map(|(_, i)| *i as usize).collect();
        if !matches!(col, Column::Issued | Column::Expiry | Column::LastUsed) {
            let mut start = 0;
            while start < keyed.len() {
                let mut end = start + 1;
                while end < keyed.len() && keyed[end].0 == keyed[start].0 {
                    end += 1;
                }
                let run = &mut order[start..end];
                if run.len() > 1 && run.iter().any(|&i| text(col, &rows[i]).len() > 16) {
                    run.sort_by(|&a, &b| {
                        text(col, &rows[a]).cmp(text(col, &rows[b])).then(a.cmp(&b))
                    });
                }
                start = end;
            }
        }
        if self.descending {
            order.reverse();
        }
        self.order = order;
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
    }

    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected_row().map(|r| r.token.token_id.clone())
            && !self.marked.remove(&id)
        {
            self.marked.insert(id);
        }
    }
}
