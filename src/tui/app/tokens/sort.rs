//! The table's order: compact per-row keys sorted as integers, interned columns by rank, and
//! pages merged into an order already there.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::{Column, RowIx, Rows, ix, par, radix, wide_sort};

/// From this many rows on (a whole list, not a page of it) the sort is by radix: its tables
/// of counters cost more than comparing a few rows.
const RADIX_FROM: usize = if cfg!(test) { 8 } else { 1 << 14 };

/// Rows per piece of the settling pass, when it is split (a few in unit tests).
const SETTLE_PIECE: usize = if cfg!(test) { 4 } else { 1 << 16 };

/// A merge of `b` into an `a` this many times longer places each row of `b` by a binary search
/// (a few in unit tests, so both ways run).
const FEW_INTO_MANY: usize = if cfg!(test) { 2 } else { 16 };

/// The first 16 bytes of `s` as a big-endian number: orders like the text itself (no NUL can
/// occur after sanitising, so zero padding sorts shorter strings first).
fn text_prefix(s: &str) -> u128 {
    let b = s.as_bytes();
    let mut buf = [0u8; 16];
    let n = b.len().min(16);
    buf[..n].copy_from_slice(&b[..n]);
    u128::from_be_bytes(buf)
}

/// How many of the first rows of `a` are `before` (which holds for a prefix of `a`): steps of
/// 1, 2, 4… then a binary search, so a place near the start costs a few comparisons.
fn gallop(a: &[RowIx], before: impl Fn(RowIx) -> bool) -> usize {
    let mut hi = 1;
    while hi <= a.len() && before(a[hi - 1]) {
        hi *= 2;
    }
    let lo = hi / 2;
    lo + a[lo..hi.min(a.len())].partition_point(|&y| before(y))
}

impl Rows {
    /// Merges two index lists, each in sort order, into one in sort order (on equal rows those
    /// of `a` first).
    pub(super) fn merge(&self, a: &[RowIx], b: &[RowIx]) -> Vec<RowIx> {
        let mut out = Vec::with_capacity(a.len() + b.len());
        if b.len().saturating_mul(FEW_INTO_MANY) < a.len() {
            // A page into the table: each new row finds its place by a galloping search from
            // the last one's, and the rows between are copied whole (comparing every row of the
            // table against the page was ~2M comparisons a page at two million tokens).
            let mut i = 0;
            for &x in b {
                let k = i + gallop(&a[i..], |y| {
                    self.cmp_rows(x as usize, y as usize) != Ordering::Less
                });
                out.extend_from_slice(&a[i..k]);
                out.push(x);
                i = k;
            }
            out.extend_from_slice(&a[i..]);
            return out;
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if self.cmp_rows(b[j] as usize, a[i] as usize) == Ordering::Less {
                out.push(b[j]);
                j += 1;
            } else {
                out.push(a[i]);
                i += 1;
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        out
    }

    /// The sort column's text of a row (empty for the time columns).
    #[inline]
    fn sort_text(&self, i: usize) -> Cow<'_, str> {
        let s = &self.store;
        match self.sort {
            Column::Description => Cow::Borrowed(s.description(i)),
            Column::Subject => Cow::Borrowed(s.username(i)),
            Column::TokenId => s.id(i),
            Column::Scope => Cow::Borrowed(s.scope_summary(i)),
            Column::Issued | Column::Expiry | Column::LastUsed => Cow::Borrowed(""),
        }
    }

    /// A compact key per row: a timestamp, or the first 16 bytes of the text. Inlined: it
    /// runs once per row of a sort (seen: 20% slower sorts by description when a change
    /// elsewhere made the compiler call it, and the arena lookups, out of line).
    #[inline]
    fn sort_key(&self, i: usize) -> u128 {
        let time_key = |t: i64| (i128::from(t) - i128::from(i64::MIN)) as u128;
        let s = &self.store;
        match self.sort {
            Column::Issued => time_key(s.issued_secs(i)),
            // Never-expiring tokens sort after every date.
            Column::Expiry => s.expiry_secs(i).map_or(u128::MAX, time_key),
            // Never-used tokens sort before every date (the longest unused).
            Column::LastUsed => s.last_used_secs(i).map_or(0, time_key),
            // A packed UUID: its text written on the stack, no allocation per row.
            Column::TokenId => match s.uuid(i) {
                Some(n) => {
                    let mut buf = [0u8; 36];
                    text_prefix(uuid::Uuid::from_u128(n).hyphenated().encode_lower(&mut buf))
                }
                None => text_prefix(&s.id(i)),
            },
            _ => text_prefix(&self.sort_text(i)),
        }
    }

    fn is_time_sort(&self) -> bool {
        matches!(
            self.sort,
            Column::Issued | Column::Expiry | Column::LastUsed
        )
    }

    /// The table's order of two rows: key, then whole text, then arrival; reversed when
    /// descending.
    fn cmp_rows(&self, a: usize, b: usize) -> Ordering {
        let mut o = self.sort_key(a).cmp(&self.sort_key(b));
        if o == Ordering::Equal && !self.is_time_sort() {
            o = self.sort_text(a).cmp(&self.sort_text(b));
        }
        let o = o.then(a.cmp(&b));
        if self.descending { o.reverse() } else { o }
    }

    /// Sorts row indices in the table's order: by counting when the keys are small integers
    /// (ranks, times) or the rows come in arrival order (the compact text keys, by radix);
    /// else the compact keys sorted as plain integers. Then runs of equal text prefixes are
    /// ordered by the whole text. Ties keep the server's order.
    pub(super) fn sort_indices(&mut self, rows: &mut Vec<RowIx>) {
        match self.counted_order(rows) {
            Some(order) => *rows = order,
            None => self.keyed_order(rows),
        }
        if self.descending {
            rows.reverse();
        }
    }

    /// The text columns' order (ascending) of `rows`: 16-byte prefixes (a whole UUID when
    /// every id is one), sorted by radix when `rows` is in arrival order, else as integers.
    fn keyed_order(&mut self, rows: &mut [RowIx]) {
        let mut scratch = std::mem::take(&mut self.scratch);
        let s = &self.store;
        // Canonical UUIDs' text order is their numeric order: the packed id is the whole key.
        let whole_ids = self.sort == Column::TokenId && s.all_uuids();
        // Every key is written: never cleared; replaced when short (its fresh pages then
        // faulted in on both threads of the fill).
        if scratch.keys.len() < rows.len() {
            scratch.keys = vec![0; rows.len()];
        }
        scratch.keys.truncate(rows.len());
        par::map_into(rows, &mut scratch.keys, |i| match s.uuid(i) {
            Some(n) if whole_ids => n,
            _ => self.sort_key(i),
        });
        if rows.len() >= RADIX_FROM && rows.is_sorted() {
            wide_sort::sort_by_wide_keys(rows, &mut scratch);
        } else {
            let mut keyed: Vec<(u128, RowIx)> = scratch
                .keys
                .iter()
                .copied()
                .zip(rows.iter().copied())
                .collect();
            keyed.sort_unstable();
            for (k, (key, i)) in keyed.into_iter().enumerate() {
                scratch.keys[k] = key;
                rows[k] = i;
            }
        }
        if !whole_ids && !self.is_time_sort() {
            self.settle_long_texts(rows, &scratch.keys);
        }
        self.scratch = scratch;
    }

    /// Orders each run of equal 16-byte prefixes by the whole text (then arrival), in pieces
    /// that end where a run ends, on two threads.
    fn settle_long_texts(&self, order: &mut [RowIx], keys: &[u128]) {
        let step = SETTLE_PIECE.max(keys.len() / 16);
        let mut pieces: Vec<(&mut [RowIx], &[u128])> = Vec::new();
        let (mut rest_o, mut rest_k) = (order, keys);
        while !rest_k.is_empty() {
            let mut end = step.min(rest_k.len());
            while end < rest_k.len() && rest_k[end] == rest_k[end - 1] {
                end += 1;
            }
            let (o, more_o) = rest_o.split_at_mut(end);
            let (k, more_k) = rest_k.split_at(end);
            pieces.push((o, k));
            (rest_o, rest_k) = (more_o, more_k);
        }
        let settle = |(o, k): &mut (&mut [RowIx], &[u128])| self.settle_runs(o, k);
        if pieces.len() > 1 {
            par::on_two_threads(&mut pieces, settle);
        } else {
            pieces.iter_mut().for_each(settle);
        }
    }

    fn settle_runs(&self, order: &mut [RowIx], keys: &[u128]) {
        let mut start = 0;
        while start < keys.len() {
            let mut end = start + 1;
            while end < keys.len() && keys[end] == keys[start] {
                end += 1;
            }
            let run = &mut order[start..end];
            let text = |i: RowIx| self.sort_text(i as usize);
            if run.len() > 1 && run.iter().any(|&i| text(i).len() > 16) {
                run.sort_by(|&a, &b| text(a).cmp(&text(b)).then(a.cmp(&b)));
            }
            start = end;
        }
    }

    /// `rows` in ascending order by a key that fits 32 bits (the interned columns' ranks, the
    /// times when they span less than 136 years), sorted by counting: ties keep the arrival
    /// order as in [`Self::cmp_rows`]. None for the text columns or rows not in arrival order.
    fn counted_order(&self, rows: &[RowIx]) -> Option<Vec<RowIx>> {
        if rows.len() < RADIX_FROM || !rows.is_sorted() {
            return None;
        }
        let s = &self.store;
        let times = |t: &dyn Fn(usize) -> Option<i64>, last| {
            radix::time_keys(rows.len(), |k| t(rows[k] as usize), last)
        };
        let keys: Vec<u32> = match self.sort {
            Column::Subject | Column::Scope => {
                let ranks = if self.sort == Column::Subject {
                    s.username_ranks()
                } else {
                    s.scope_summary_ranks()
                };
                rows.iter().map(|&i| ranks[i as usize]).collect()
            }
            Column::Issued => times(&|i| Some(s.issued_secs(i)), false)?,
            // Never-expiring tokens sort after every date, never-used before every date.
            Column::Expiry => times(&|i| s.expiry_secs(i), true)?,
            Column::LastUsed => times(&|i| s.last_used_secs(i), false)?,
            Column::Description | Column::TokenId => return None,
        };
        Some(radix::sort_by_keys(rows, &keys))
    }

    /// Sorts all rows by the sort column.
    pub(super) fn resort(&mut self) {
        // The old order's buffer (a text column's sort fills it in place; the counted sorts
        // make a list of their own).
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.extend((0..self.store.len()).map(ix));
        self.sort_indices(&mut order);
        self.order = order;
    }
}
