//! Which rows' filter text holds each of the common runs of three or four letters or digits:
//! one bit per row and gram, for the grams a sample of the rows shows in at least one row in
//! `MIN_SHARE`. A pair's map cannot answer "edg" (a row may hold "ed" and "dg" apart), so
//! without this every row holding both is searched: at two million tokens where a quarter of
//! the descriptions say "edge", 500,000 texts read at memory latency, ~10 ms a key. A query
//! that is one of these grams is answered by its map; a longer one is narrowed by the maps of
//! those it holds.
//!
//! Chosen once, from the rows there when the index is first built (a store that grows keeps
//! the same grams; each map stays exact for every row). Memory is bounded: at most `MAX_GRAMS`
//! maps (16 MB at two million rows, 8 bytes a token).

use std::collections::HashMap;

use super::classes::{CLASSES, class_of};
use super::row_maps::RowMaps;

/// A gram is kept when at least one sampled row in this many holds it.
const MIN_SHARE: usize = 32;
const MAX_GRAMS: usize = if cfg!(test) { 6 } else { 64 };
/// Rows sampled to choose the grams.
const SAMPLE: usize = 4_096;

const NONE: u16 = u16::MAX;
const TRIGRAMS: usize = CLASSES * CLASSES * CLASSES;

#[derive(Debug, Clone, Default)]
pub(super) struct GramIndex {
    /// Per run of three classes: its map, or `NONE` (empty until the grams are chosen).
    tri: Vec<u16>,
    /// Per run of three classes: its row of `quads` (the fourth class's map), or `NONE`.
    quad_of: Vec<u16>,
    quads: Vec<[u16; CLASSES]>,
    maps: RowMaps,
    chosen: bool,
}

/// Each run of three classes in `text` with the class after it, if any: `(trigram, next)`.
fn runs(text: &[u8]) -> impl Iterator<Item = (usize, Option<usize>)> + '_ {
    let c = move |i: usize| text.get(i).copied().and_then(class_of);
    (0..text.len().saturating_sub(2)).filter_map(move |i| {
        let (a, b, d) = (c(i)?, c(i + 1)?, c(i + 2)?);
        Some(((a * CLASSES + b) * CLASSES + d, c(i + 3)))
    })
}

impl GramIndex {
    /// Rows `0..rows()` are indexed.
    pub(super) fn rows(&self) -> usize {
        self.maps.rows()
    }

    pub(super) fn chosen(&self) -> bool {
        self.chosen
    }

    /// Chooses the grams from `rows` texts, sampling at most `SAMPLE` of them.
    pub(super) fn choose<'t>(&mut self, rows: usize, text: impl Fn(usize) -> &'t [u8]) {
        let step = rows.div_ceil(SAMPLE).max(1);
        let sampled = rows.div_ceil(step);
        // Per gram: rows holding it, and the last row counted (a row counts once).
        let mut tri = vec![(0u32, u32::MAX); TRIGRAMS];
        let mut quad: HashMap<usize, (u32, u32)> = HashMap::new();
        for row in (0..rows).step_by(step) {
            let r = row as u32;
            for (t, next) in runs(text(row)) {
                let seen = &mut tri[t];
                if seen.1 != r {
                    *seen = (seen.0 + 1, r);
                }
                if let Some(n) = next {
                    let seen = quad.entry(t * CLASSES + n).or_insert((0, u32::MAX));
                    if seen.1 != r {
                        *seen = (seen.0 + 1, r);
                    }
                }
            }
        }
        let least = sampled.div_ceil(MIN_SHARE).max(2) as u32;
        let mut common: Vec<(u32, usize)> = tri
            .iter()
            .enumerate()
            .map(|(t, &(n, _))| (n, t))
            .chain(quad.iter().map(|(&g, &(n, _))| (n, TRIGRAMS + g)))
            .filter(|&(n, _)| n >= least)
            .collect();
        common.sort_unstable_by(|a, b| b.cmp(a));
        common.truncate(MAX_GRAMS);
        self.tri = vec![NONE; TRIGRAMS];
        self.quad_of = vec![NONE; TRIGRAMS];
        for (_, g) in common {
            let map = self.maps.add() as u16;
            if g < TRIGRAMS {
                self.tri[g] = map;
            } else {
                let (t, n) = ((g - TRIGRAMS) / CLASSES, (g - TRIGRAMS) % CLASSES);
                if self.quad_of[t] == NONE {
                    self.quad_of[t] = self.quads.len() as u16;
                    self.quads.push([NONE; CLASSES]);
                }
                self.quads[usize::from(self.quad_of[t])][n] = map;
            }
        }
        self.chosen = true;
    }

    /// Indexes row `row` (the next one) once the grams are chosen.
    pub(super) fn push(&mut self, row: usize, text: &[u8]) {
        if self.chosen && row == self.rows() {
            self.maps.push_row();
            self.mark(row, text);
        }
    }

    /// Indexes rows `from..to` (the next ones) of a store of `len` rows, their bits gathered
    /// 64 rows at a time.
    pub(super) fn push_rows<'t>(
        &mut self,
        (from, to, len): (usize, usize, usize),
        text: impl Fn(usize) -> &'t [u8],
    ) {
        if !self.chosen || from != self.rows() {
            return;
        }
        self.maps.reserve(len);
        let mut block = [0u64; MAX_GRAMS];
        for row in from..to {
            self.maps.push_row();
            let bit = 1u64 << (row % 64);
            self.each_map(text(row), |k| block[k] |= bit);
            if row % 64 == 63 || row + 1 == to {
                self.maps.flush(row / 64, &mut block);
            }
        }
    }

    fn mark(&mut self, row: usize, text: &[u8]) {
        let mut maps = Vec::new();
        self.each_map(text, |k| maps.push(k));
        for k in maps {
            self.maps.set(k, row);
        }
    }

    /// Calls `f` with the map of each chosen gram in `text`, in one pass over its bytes: the
    /// three classes ending at each byte, and the run of three before it with this byte's.
    fn each_map(&self, text: &[u8], mut f: impl FnMut(usize)) {
        let (mut two, mut one, mut prev) = (None, None, None);
        for &b in text {
            let c = class_of(b);
            if let (Some(t), Some(n)) = (prev, c) {
                let q = self.quad_of[t];
                if q != NONE && self.quads[usize::from(q)][n] != NONE {
                    f(usize::from(self.quads[usize::from(q)][n]));
                }
            }
            prev = match (two, one, c) {
                (Some(a), Some(b), Some(c)) => Some((a * CLASSES + b) * CLASSES + c),
                _ => None,
            };
            if let Some(t) = prev
                && self.tri[t] != NONE
            {
                f(usize::from(self.tri[t]));
            }
            (two, one) = (one, c);
        }
    }

    pub(super) fn replace(&mut self, row: usize, text: &[u8]) {
        if row < self.rows() {
            self.maps.clear_row(row);
            self.mark(row, text);
        }
    }

    pub(super) fn remove(&mut self, row: usize) {
        self.maps.remove(row);
    }

    pub(super) fn truncate(&mut self, n: usize) {
        self.maps.truncate(n);
    }

    /// The indexed rows holding every chosen gram of `query` (lowercased), and whether that
    /// is exactly the rows holding `query` (it is one of the grams); `None`: it holds none.
    pub(super) fn answer(&self, query: &[u8]) -> Option<(Vec<u64>, bool)> {
        if !self.chosen {
            return None;
        }
        let mut maps = Vec::new();
        self.each_map(query, |k| maps.push(k));
        if maps.is_empty() {
            return None;
        }
        // Three or four letters or digits whose own map is among them.
        let whole = matches!(query.len(), 3 | 4)
            && query.iter().all(|&b| class_of(b).is_some())
            && self.is_gram(query);
        Some((self.maps.and(&maps), whole))
    }

    /// `query` (three or four letters or digits) is one of the chosen grams.
    fn is_gram(&self, query: &[u8]) -> bool {
        let Some((t, next)) = runs(query).next() else {
            return false;
        };
        match (query.len(), next) {
            (3, _) => self.tri[t] != NONE,
            (4, Some(n)) => {
                let q = self.quad_of[t];
                q != NONE && self.quads[usize::from(q)][n] != NONE
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::row_store::row_maps::ops::{Rows, apply, op};
    use proptest::prelude::*;

    fn has(bits: &[u64], row: usize) -> bool {
        bits.get(row / 64)
            .is_some_and(|w| w & (1 << (row % 64)) != 0)
    }

    /// Texts over a small alphabet, so grams repeat and more are common than the index keeps.
    fn text() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(prop::sample::select(b"abc1 -".to_vec()), 0..14)
    }

    impl Rows<Vec<u8>> for GramIndex {
        fn push(&mut self, row: usize, t: &Vec<u8>) {
            GramIndex::push(self, row, t);
        }
        fn replace(&mut self, row: usize, t: &Vec<u8>) {
            GramIndex::replace(self, row, t);
        }
        fn remove(&mut self, row: usize) {
            GramIndex::remove(self, row);
        }
        fn truncate(&mut self, n: usize) {
            GramIndex::truncate(self, n);
        }
    }

    proptest! {
        /// Chosen from the first rows, then kept in step with pushes, replaces, removes and
        /// truncates: an exact answer is exactly the rows holding the query, candidates hold
        /// every such row.
        #[test]
        fn answers_agree_with_searching_every_text(
            first in proptest::collection::vec(text(), 0..80),
            ops in proptest::collection::vec(op(text), 0..300),
            queries in proptest::collection::vec(text(), 1..8),
        ) {
            let mut index = GramIndex::default();
            let mut texts = first;
            index.choose(texts.len(), |r| &texts[r]);
            for (r, t) in texts.iter().enumerate() {
                index.push(r, t);
            }
            apply(&mut index, &mut texts, ops);
            prop_assert_eq!(index.rows(), texts.len());
            prop_assert!(index.maps.len() <= MAX_GRAMS);
            for q in queries.iter().filter(|q| q.len() >= 3) {
                let holds = |t: &Vec<u8>| t.windows(q.len()).any(|w| w == &q[..]);
                if let Some((bits, exact)) = index.answer(q) {
                    for (r, t) in texts.iter().enumerate() {
                        if exact {
                            prop_assert_eq!(has(&bits, r), holds(t), "row {}", r);
                        } else {
                            prop_assert!(has(&bits, r) || !holds(t), "row {} left out", r);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_common_runs_of_three_and_four_are_chosen_and_answer_exactly() {
        let texts: Vec<&[u8]> = vec![b"edge one", b"core two", b"edge-eu", b"hedgy"];
        let mut index = GramIndex::default();
        index.choose(texts.len(), |r| texts[r]);
        for (r, t) in texts.iter().enumerate() {
            index.push(r, t);
        }
        // "edg" is in three rows of four, "edge" in two: both kept (at most six in tests).
        let (rows, exact) = index.answer(b"edg").expect("chosen");
        assert!(exact);
        assert_eq!(rows, vec![0b1101]);
        let (rows, exact) = index.answer(b"edge").expect("chosen");
        assert!(exact);
        assert_eq!(rows, vec![0b0101]);
        // Longer: narrowed, not answered.
        let (rows, exact) = index.answer(b"edge-").expect("narrowed");
        assert!(!exact);
        assert_eq!(rows, vec![0b0101]);
        assert!(index.answer(b"two").is_none(), "in one row: not common");
    }
}
