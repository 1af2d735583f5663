//! Bitmaps over the rows of the store, one bit per row each, kept in step as rows are added,
//! cleared, removed and dropped: the storage of the pair and gram indexes (`pairs`, `grams`).

#[derive(Debug, Clone, Default)]
pub(super) struct RowMaps {
    maps: Vec<Vec<u64>>,
    /// Every map covers rows `0..rows` (`rows.div_ceil(64)` words).
    rows: usize,
    /// Words each map has room for (see `reserve`).
    room: usize,
}

impl RowMaps {
    pub(super) fn rows(&self) -> usize {
        self.rows
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.maps.len()
    }

    /// A new map, every row clear; its number.
    pub(super) fn add(&mut self) -> usize {
        let mut m = Vec::with_capacity(self.room);
        m.resize(self.rows.div_ceil(64), 0);
        self.maps.push(m);
        self.maps.len() - 1
    }

    /// Makes room for `rows` rows in every map, now and to come: growing hundreds of maps a
    /// word at a time copied each of them over and over (~0.2 s of indexing at 2M rows).
    pub(super) fn reserve(&mut self, rows: usize) {
        let words = rows.div_ceil(64);
        if words <= self.room {
            return;
        }
        self.room = words;
        for m in &mut self.maps {
            m.reserve_exact(words - m.len());
        }
    }

    /// One more row, clear in every map.
    pub(super) fn push_row(&mut self) {
        if self.rows % 64 == 0 {
            for m in &mut self.maps {
                m.push(0);
            }
        }
        self.rows += 1;
    }

    pub(super) fn set(&mut self, k: usize, row: usize) {
        self.maps[k][row / 64] |= 1 << (row % 64);
    }

    /// ORs `block[k]` into map k's word `w` and clears `block`: rows are marked 64 at a time in
    /// a small array first (a bit set straight into one of hundreds of maps is a cache miss).
    pub(super) fn flush(&mut self, w: usize, block: &mut [u64]) {
        for (m, b) in self.maps.iter_mut().zip(block.iter_mut()) {
            m[w] |= *b;
            *b = 0;
        }
    }

    /// Clears row `row` in every map.
    pub(super) fn clear_row(&mut self, row: usize) {
        let (w, bit) = (row / 64, 1u64 << (row % 64));
        for m in &mut self.maps {
            m[w] &= !bit;
        }
    }

    /// Row `row` is gone: the rows after it move down by one.
    pub(super) fn remove(&mut self, row: usize) {
        if row >= self.rows {
            return;
        }
        let (w, b) = (row / 64, row % 64);
        for m in &mut self.maps {
            let below = m[w] & ((1u64 << b) - 1);
            let mut carry_into = w;
            m[w] = below | ((m[w] >> 1) & !((1u64 << b) - 1));
            for k in w + 1..m.len() {
                m[carry_into] |= (m[k] & 1) << 63;
                m[k] >>= 1;
                carry_into = k;
            }
        }
        self.rows -= 1;
        let words = self.rows.div_ceil(64);
        for m in &mut self.maps {
            m.truncate(words);
        }
    }

    /// Keeps rows `0..n`.
    pub(super) fn truncate(&mut self, n: usize) {
        if n >= self.rows {
            return;
        }
        self.rows = n;
        let words = n.div_ceil(64);
        for m in &mut self.maps {
            m.truncate(words);
            if let Some(last) = m.last_mut().filter(|_| n % 64 != 0) {
                *last &= (1u64 << (n % 64)) - 1;
            }
        }
    }

    /// The rows set in every one of maps `ks` (at least one).
    pub(super) fn and(&self, ks: &[usize]) -> Vec<u64> {
        let mut rows = self.maps[ks[0]].clone();
        for &k in &ks[1..] {
            for (r, w) in rows.iter_mut().zip(&self.maps[k]) {
                *r &= w;
            }
        }
        rows
    }
}

/// What the indexes' property tests do to rows: the same random pushes, replaces, removes and
/// truncates, applied to an index and to a plain list of its rows.
#[cfg(test)]
pub(super) mod ops {
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    pub(in super::super) enum Op<T> {
        Push(T),
        Replace(prop::sample::Index, T),
        Remove(prop::sample::Index),
        /// Drops this many rows from the end.
        Truncate(usize),
    }

    /// Mostly pushes, so the rows run over several 64-row words.
    pub(in super::super) fn op<T: std::fmt::Debug + Clone, S: Strategy<Value = T> + 'static>(
        row: impl Fn() -> S,
    ) -> impl Strategy<Value = Op<T>> {
        prop_oneof![
            12 => row().prop_map(Op::Push),
            1 => (any::<prop::sample::Index>(), row()).prop_map(|(r, t)| Op::Replace(r, t)),
            2 => any::<prop::sample::Index>().prop_map(Op::Remove),
            1 => (0usize..4).prop_map(Op::Truncate),
        ]
    }

    /// An index the ops are applied to.
    pub(in super::super) trait Rows<T> {
        fn push(&mut self, row: usize, t: &T);
        fn replace(&mut self, row: usize, t: &T);
        fn remove(&mut self, row: usize);
        fn truncate(&mut self, n: usize);
    }

    pub(in super::super) fn apply<T>(index: &mut impl Rows<T>, rows: &mut Vec<T>, ops: Vec<Op<T>>) {
        for op in ops {
            match op {
                Op::Push(t) => {
                    index.push(rows.len(), &t);
                    rows.push(t);
                }
                Op::Replace(r, t) if !rows.is_empty() => {
                    let r = r.index(rows.len());
                    index.replace(r, &t);
                    rows[r] = t;
                }
                Op::Remove(r) if !rows.is_empty() => {
                    let r = r.index(rows.len());
                    index.remove(r);
                    rows.remove(r);
                }
                Op::Truncate(k) => {
                    let n = rows.len().saturating_sub(k);
                    index.truncate(n);
                    rows.truncate(n);
                }
                _ => {}
            }
        }
    }
}
