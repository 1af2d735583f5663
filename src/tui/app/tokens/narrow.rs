//! The filter's steps without fresh large buffers: the views of the shorter queries typed on the
//! way are kept as one bit per row (a 2,000,000-row view is 250 KB, not 16 MB), and the view is
//! narrowed, restored or rebuilt in its own buffer, so a keystroke touches no new pages.

use super::{RowIx, Rows, par};

/// The filter scan's array of hits (one flag per row), kept between keys so a key faults in no
/// fresh pages. A copy of the rows starts without one.
#[derive(Debug, Default)]
pub(super) struct Hits(Vec<bool>);

impl Clone for Hits {
    fn clone(&self) -> Self {
        Hits::default()
    }
}

impl Hits {
    pub(super) fn take(&mut self) -> Vec<bool> {
        std::mem::take(&mut self.0)
    }

    pub(super) fn give_back(&mut self, hit: Vec<bool>) {
        self.0 = hit;
    }
}

/// One bit per row of the store: the rows of a view, in no order.
#[derive(Debug, Clone, Default)]
pub(super) struct RowBits(Vec<u64>);

impl RowBits {
    pub(super) fn of(rows: usize, view: &[RowIx]) -> RowBits {
        let mut words = vec![0u64; rows.div_ceil(64)];
        for &i in view {
            words[i as usize / 64] |= 1 << (i % 64);
        }
        RowBits(words)
    }

    /// The rows whose `hit` is set (`hit` indexed by row).
    pub(super) fn of_hits(hit: &[bool]) -> RowBits {
        // Eight flags (bytes 0 or 1) at a time: the multiply gathers their low bits into the
        // top byte, flag k as bit k.
        let byte = |c: &[bool]| {
            let eight = c.iter().rev().fold(0u64, |w, &h| (w << 8) | u64::from(h));
            (eight.wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
        };
        RowBits(
            hit.chunks(64)
                .map(|c| {
                    c.chunks(8)
                        .enumerate()
                        .fold(0u64, |w, (k, e)| w | (u64::from(byte(e)) << (8 * k)))
                })
                .collect(),
        )
    }

    /// Keeps the rows that are also in `other`.
    fn and(mut self, other: &RowBits) -> RowBits {
        for (w, o) in self.0.iter_mut().zip(&other.0) {
            *w &= o;
        }
        self
    }

    pub(super) fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

impl Rows {
    /// The view becomes the rows of `bits`, in sort order.
    pub(super) fn restore(&mut self, bits: &RowBits) {
        par::filter_into(&self.order, |i| bits.has(i), &mut self.view);
    }

    /// The view becomes `order` filtered by `hit` (indexed by row); it is remembered.
    pub(super) fn view_of_hits(&mut self, hit: &[bool]) {
        par::filter_into(&self.order, |i| hit[i], &mut self.view);
        if self.is_plain() {
            self.remember(RowBits::of_hits(hit));
        }
    }

    /// Keeps the rows of the view (the rows of `shown`) that contain `query`, a longer form
    /// of the view's query; the rows kept, to remember: many rows are decided by one
    /// sequential scan of the store, few by one look each.
    pub(super) fn narrow(&mut self, query: &str, shown: &RowBits) -> RowBits {
        let m = self.store.matcher(query);
        if self.view.len() > self.store.len() / 8 {
            let mut hit = self.kept_hits.take();
            self.store.scan_into(&m, 0, &mut hit);
            par::retain(&mut self.view, |i| hit[i]);
            let bits = RowBits::of_hits(&hit).and(shown);
            self.kept_hits.give_back(hit);
            bits
        } else {
            let store = &self.store;
            par::retain(&mut self.view, |i| store.hit(&m, i));
            RowBits::of(self.store.len(), &self.view)
        }
    }

    /// Remembers `bits` (the rows of the view) as the current query's, for Backspace and the
    /// next key.
    pub(super) fn remember(&mut self, bits: RowBits) {
        self.history.push((self.filter.clone(), bits));
    }

    /// Remembers the view as the current query's.
    pub(super) fn remember_view(&mut self) {
        let bits = RowBits::of(self.store.len(), &self.view);
        self.remember(bits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn row_bits_hold_exactly_the_rows_hit(hit in proptest::collection::vec(any::<bool>(), 0..200)) {
            let bits = RowBits::of_hits(&hit);
            let view: Vec<RowIx> = (0..hit.len() as RowIx).filter(|&i| hit[i as usize]).collect();
            let of = RowBits::of(hit.len(), &view);
            for (i, &h) in hit.iter().enumerate() {
                prop_assert_eq!(bits.has(i), h);
                prop_assert_eq!(of.has(i), h);
            }
            prop_assert!(!bits.has(hit.len() + 64));
        }
    }
}
