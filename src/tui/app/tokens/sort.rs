//! The table's order: compact per-row keys sorted as integers, interned columns by rank, and
//! pages merged into an order already there.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::{Column, Rows};

/// The first 16 bytes of `s` as a big-endian number: orders like the text itself (no NUL can
/// occur after sanitising, so zero padding sorts shorter strings first).
fn text_prefix(s: &str) -> u128 {
    let b = s.as_bytes();
    let mut buf = [0u8; 16];
    let n = b.len().min(16);
    buf[..n].copy_from_slice(&b[..n]);
    u128::from_be_bytes(buf)
}

impl Rows {
    /// Merges two index lists, each in sort order, into one in sort order.
    pub(super) fn merge(&self, a: &[usize], b: &[usize]) -> Vec<usize> {
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if self.cmp_rows(b[j], a[i]) == Ordering::Less {
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

    /// A compact key per row: a timestamp, or the first 16 bytes of the text.
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

    /// Sorts row indices in the table's order: the compact keys sorted as plain integers, then
    /// runs of equal text prefixes ordered by the whole text. Ties keep the server's order.
    pub(super) fn sort_indices(&self, rows: &mut Vec<usize>) {
        // Interned columns sort by rank: exact, so no runs of equal keys to resolve.
        let ranks = match self.sort {
            Column::Subject => Some(self.store.username_ranks()),
            Column::Scope => Some(self.store.scope_summary_ranks()),
            _ => None,
        };
        let mut keyed: Vec<(u128, u32)> = rows
            .iter()
            .map(|&i| {
                let key = ranks
                    .as_ref()
                    .map_or_else(|| self.sort_key(i), |r| u128::from(r[i]));
                (key, i as u32)
            })
            .collect();
        keyed.sort_unstable();
        let mut order: Vec<usize> = keyed.iter().map(|(_, i)| *i as usize).collect();
        if ranks.is_none() && !self.is_time_sort() {
            let mut start = 0;
            while start < keyed.len() {
                let mut end = start + 1;
                while end < keyed.len() && keyed[end].0 == keyed[start].0 {
                    end += 1;
                }
                let run = &mut order[start..end];
                if run.len() > 1 && run.iter().any(|&i| self.sort_text(i).len() > 16) {
                    run.sort_by(|&a, &b| self.sort_text(a).cmp(&self.sort_text(b)).then(a.cmp(&b)));
                }
                start = end;
            }
        }
        if self.descending {
            order.reverse();
        }
        *rows = order;
    }

    /// Sorts all rows by the sort column.
    pub(super) fn resort(&mut self) {
        let mut order: Vec<usize> = (0..self.store.len()).collect();
        self.sort_indices(&mut order);
        self.order = order;
    }
}
