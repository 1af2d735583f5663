//! The filter's steps in bits: the views of the shorter queries typed on the way are kept as one
//! bit per row (a 2,000,000-row view is 250 KB, not 16 MB), a key's view is made from bits (listed
//! in sort order only as far as it is shown: `view`), and the scan's array of hits is kept between
//! keys, so a keystroke faults in no large buffer.

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

    /// Every row of a store of `rows` rows.
    pub(super) fn all(rows: usize) -> RowBits {
        let mut words = vec![u64::MAX; rows.div_ceil(64)];
        if let Some(last) = words.last_mut().filter(|_| rows % 64 != 0) {
            *last = (1 << (rows % 64)) - 1;
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

    /// How many rows.
    pub(super) fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The rows for which `keep` holds, each asked once, on two threads for many rows.
    pub(super) fn keep(&self, keep: impl Fn(usize) -> bool + Sync) -> RowBits {
        let mut out = vec![0u64; self.0.len()];
        let mut pieces: Vec<(usize, &[u64], &mut [u64])> = self
            .0
            .chunks(PIECE_WORDS)
            .zip(out.chunks_mut(PIECE_WORDS))
            .enumerate()
            .map(|(k, (from, to))| (k * PIECE_WORDS, from, to))
            .collect();
        let work = |(first, from, to): &mut (usize, &[u64], &mut [u64])| {
            for (j, (&w, o)) in from.iter().zip(to.iter_mut()).enumerate() {
                let mut rows = w;
                while rows != 0 {
                    let b = rows.trailing_zeros();
                    if keep((*first + j) * 64 + b as usize) {
                        *o |= 1 << b;
                    }
                    rows &= rows - 1;
                }
            }
        };
        if pieces.len() < 2 {
            pieces.iter_mut().for_each(work);
        } else {
            par::on_two_threads(&mut pieces, work);
        }
        RowBits(out)
    }
}

/// Words of bits per piece of [`RowBits::keep`] (32,768 rows; one word in unit tests, so the
/// split is checked).
const PIECE_WORDS: usize = if cfg!(test) { 1 } else { 512 };

impl Rows {
    /// The view becomes the rows of `bits`, in sort order.
    pub(super) fn restore(&mut self, bits: &RowBits) {
        self.view.set_bits(&self.order, bits.clone(), bits.count());
    }

    /// The view becomes `order` filtered by `hit` (indexed by row); it is remembered.
    pub(super) fn view_of_hits(&mut self, hit: &[bool]) {
        let bits = RowBits::of_hits(hit);
        if self.is_plain() {
            self.remember(bits.clone());
        }
        let n = bits.count();
        self.view.set_bits(&self.order, bits, n);
    }

    /// The view becomes the rows of the view (the rows of `shown`) that contain `query`, a
    /// longer form of the view's query; the rows kept, to remember: many rows are decided by
    /// one sequential scan of the store, few by one look each.
    pub(super) fn narrow(&mut self, query: &str, shown: &RowBits) -> RowBits {
        let m = self.store.matcher(query);
        let bits = if self.view.len() > self.store.len() / 8 {
            let mut hit = self.kept_hits.take();
            self.store.scan_into(&m, 0, &mut hit);
            let bits = RowBits::of_hits(&hit).and(shown);
            self.kept_hits.give_back(hit);
            bits
        } else {
            let store = &self.store;
            shown.keep(|i| store.hit(&m, i))
        };
        let n = bits.count();
        self.view.set_bits(&self.order, bits.clone(), n);
        bits
    }

    /// Remembers `bits` (the rows of the view) as the current query's, for Backspace and the
    /// next key.
    pub(super) fn remember(&mut self, bits: RowBits) {
        self.history.push((self.filter.clone(), bits));
    }

    /// Remembers the view as the current query's.
    pub(super) fn remember_view(&mut self) {
        let bits = self.view.bits(self.store.len());
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
