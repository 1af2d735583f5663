//! The view: the rows the table shows, in sort order. After a filter key it is known as one bit
//! per row, and only its first rows are listed in sort order (a screenful needs no more); the
//! rest are listed as the window moves down, or all at once when an action needs every row.
//! Listing all 2,000,000 rows after every key cost ~2 ms of a 16 ms frame, and a Backspace
//! ~4 ms, for rows nobody looks at before the next key.

use super::narrow::RowBits;
use super::{RowIx, par};

/// Rows listed at once after a filter key: more than any screen shows (two in unit tests, so
/// the rows not listed yet are exercised).
const FIRST: usize = if cfg!(test) { 2 } else { 512 };

/// Entries of the order walked one by one before the rest is listed on two threads at once
/// (a filter that hits few rows must walk most of the order to find a screenful).
const WALK: usize = if cfg!(test) { 3 } else { 1 << 16 };

#[derive(Debug, Clone, Default)]
pub(super) struct View {
    /// The first rows of the view, in sort order: all of them when `rest` is `None` (none
    /// when `all`).
    listed: Vec<RowIx>,
    len: usize,
    rest: Option<Rest>,
    /// The view is the whole order (no filter): read from the order itself, not a copy of it
    /// (copying 2M rows after each page of a load was ~1 ms a page).
    all: bool,
}

/// The rows not listed yet.
#[derive(Debug, Clone)]
struct Rest {
    /// Every row of the view.
    bits: RowBits,
    /// Where in the order the listing stopped.
    at: usize,
}

impl View {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The view is `rows` (in sort order).
    pub(super) fn set(&mut self, rows: Vec<RowIx>) {
        self.len = rows.len();
        self.listed = rows;
        self.rest = None;
        self.all = false;
    }

    /// The view is every row of `order` (which the calls after pass again, unchanged, until
    /// the view is set anew).
    pub(super) fn set_all(&mut self, order: &[RowIx]) {
        self.listed.clear();
        self.len = order.len();
        self.rest = None;
        self.all = true;
    }

    /// The view is the rows of `bits` (`len` of them), in the order of `order`.
    pub(super) fn set_bits(&mut self, order: &[RowIx], bits: RowBits, len: usize) {
        self.listed.clear();
        self.len = len;
        self.rest = Some(Rest { bits, at: 0 });
        self.all = false;
        self.list_upto(order, FIRST);
    }

    /// The rows listed: the order itself when the view is all of it.
    fn listed<'a>(&'a self, order: &'a [RowIx]) -> &'a [RowIx] {
        if self.all {
            &order[..self.len]
        } else {
            &self.listed
        }
    }

    /// Lists rows until `upto` of them are (or all are).
    pub(super) fn list_upto(&mut self, order: &[RowIx], upto: usize) {
        let want = upto.min(self.len);
        let Some(rest) = &mut self.rest else { return };
        let stop = (rest.at + WALK).min(order.len());
        while self.listed.len() < want && rest.at < stop {
            let i = order[rest.at];
            rest.at += 1;
            if rest.bits.has(i as usize) {
                self.listed.push(i);
            }
        }
        if self.listed.len() < want {
            self.list_all(order);
        } else if self.listed.len() == self.len {
            self.rest = None;
        }
    }

    /// Lists every row.
    pub(super) fn list_all(&mut self, order: &[RowIx]) {
        let Some(rest) = self.rest.take() else { return };
        let mut tail = Vec::new();
        par::filter_into(&order[rest.at..], |i| rest.bits.has(i), &mut tail);
        self.listed.extend_from_slice(&tail);
        debug_assert_eq!(self.listed.len(), self.len);
    }

    /// Every row, in sort order.
    pub(super) fn rows<'a>(&'a mut self, order: &'a [RowIx]) -> &'a [RowIx] {
        self.list_all(order);
        self.listed(order)
    }

    /// Every row, taken out (the view is empty after).
    pub(super) fn take(&mut self, order: &[RowIx]) -> Vec<RowIx> {
        self.list_all(order);
        let rows = if self.all {
            order[..self.len].to_vec()
        } else {
            std::mem::take(&mut self.listed)
        };
        self.len = 0;
        self.all = false;
        rows
    }

    /// The row at `pos`. Past the rows listed it walks the order from where the listing
    /// stopped (the window lists ahead of itself, so that is rare).
    pub(super) fn get(&self, pos: usize, order: &[RowIx]) -> Option<RowIx> {
        if let Some(&i) = self.listed(order).get(pos) {
            return Some(i);
        }
        let rest = self.rest.as_ref().filter(|_| pos < self.len)?;
        order[rest.at..]
            .iter()
            .copied()
            .filter(|&i| rest.bits.has(i as usize))
            .nth(pos - self.listed.len())
    }

    /// Every row in sort order, the unlisted ones found as the iterator goes (one walk of the
    /// order, not one per row: reading every row by [`Self::get`] would walk it once per row).
    pub(super) fn iter<'a>(&'a self, order: &'a [RowIx]) -> impl Iterator<Item = RowIx> + 'a {
        let rest = self.rest.as_ref();
        let unlisted = rest.map_or(&order[order.len()..], |r| &order[r.at..]);
        self.listed(order).iter().copied().chain(
            unlisted
                .iter()
                .copied()
                .filter(move |&i| rest.is_some_and(|r| r.bits.has(i as usize))),
        )
    }

    /// Where row `row` is in the view.
    pub(super) fn position(&mut self, order: &[RowIx], row: RowIx) -> Option<usize> {
        if let Some(pos) = self.listed(order).iter().position(|&v| v == row) {
            return Some(pos);
        }
        if self
            .rest
            .as_ref()
            .is_some_and(|r| !r.bits.has(row as usize))
        {
            return None;
        }
        self.rows(order).iter().position(|&v| v == row)
    }

    pub(super) fn contains(&self, row: RowIx) -> bool {
        match &self.rest {
            Some(r) => r.bits.has(row as usize),
            // The order holds each row of the store once.
            None if self.all => (row as usize) < self.len,
            None => self.listed.contains(&row),
        }
    }

    /// The view's rows as bits over a store of `rows` rows.
    pub(super) fn bits(&self, rows: usize) -> RowBits {
        match &self.rest {
            Some(r) => r.bits.clone(),
            None if self.all => RowBits::all(rows),
            None => RowBits::of(rows, &self.listed),
        }
    }

    /// Every row in sort order, read by position without listing them (tests).
    #[cfg(test)]
    pub(super) fn all(&self, order: &[RowIx]) -> Vec<RowIx> {
        (0..self.len).map_while(|p| self.get(p, order)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_view_of_bits_lists_the_rows_of_the_order_it_holds(
            order in Just((0u32..3000).collect::<Vec<_>>()).prop_shuffle(),
            keep in proptest::collection::vec(any::<bool>(), 3000),
            upto in 0usize..3000,
            probe in 0usize..3100,
        ) {
            let want: Vec<RowIx> = order.iter().copied().filter(|&i| keep[i as usize]).collect();
            let bits = RowBits::of_hits(&keep);
            let mut v = View::default();
            v.set_bits(&order, bits, want.len());
            prop_assert_eq!(v.len(), want.len());
            prop_assert_eq!(v.get(probe, &order), want.get(probe).copied());
            v.list_upto(&order, upto);
            prop_assert_eq!(v.get(probe, &order), want.get(probe).copied());
            prop_assert_eq!(v.all(&order), want.clone());
            prop_assert_eq!(v.iter(&order).collect::<Vec<_>>(), want.clone());
            for &i in order.iter().take(50) {
                prop_assert_eq!(v.contains(i), keep[i as usize]);
            }
            let pos = v.position(&order, order[probe % order.len()]);
            prop_assert_eq!(pos, want.iter().position(|&w| w == order[probe % order.len()]));
            prop_assert_eq!(v.rows(&order), &want[..]);
        }
    }
}
