//! Which rows' filter text holds each pair of adjacent letters or digits: one bit per row and
//! pair. A two-character query of letters and digits is answered by one bitmap, without
//! reading the text arena (89 MB at two million tokens, which a scan reads at memory speed);
//! a longer query is narrowed to the rows holding all its pairs before their texts are read.
//!
//! Memory is bounded: at most `MAX_MAPS` bitmaps (one bit per row each: 250 KB at 2,000,000
//! rows, 32 bytes a token for all of them). A pair first seen when they are all taken is not
//! indexed, and a query made only of such pairs is answered by the scan.
//!
//! The pairs of hex digits side by side in each id kept as a UUID have maps too (at most 256,
//! another 32 bytes a token): a query of two hex digits is then answered without reading the
//! ids (32 MB at two million tokens, ~5 ms of a key here), a longer one narrowed.

use super::classes::{CLASS, CLASSES, NONE, class_of};
use super::grams::GramIndex;
use super::row_maps::RowMaps;

const MAX_MAPS: usize = if cfg!(test) { 12 } else { 256 };

/// The pair was never seen in an indexed row.
const ABSENT: u16 = u16::MAX;
/// The pair was seen when no bitmap was left for it.
const UNINDEXED: u16 = u16::MAX - 1;

/// The pairs of adjacent letters or digits in `text`, as numbers.
fn pairs(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut prev = NONE;
    text.iter().filter_map(move |&b| {
        let (a, c) = (prev, CLASS[usize::from(b)]);
        prev = c;
        (a != NONE && c != NONE).then(|| usize::from(a) * CLASSES + usize::from(c))
    })
}

#[derive(Debug, Clone, Default)]
pub(super) struct PairIndex {
    /// Per pair of the filter text: the number of its map, `ABSENT` or `UNINDEXED` (empty
    /// until the first row).
    slot: Vec<u16>,
    /// Per pair of hex digits side by side in an id kept as a UUID: the number of its map or
    /// `ABSENT` (empty until the first row).
    id_slot: Vec<u16>,
    /// The maps of both; rows `0..maps.rows()` are indexed (rows after them are left to the
    /// scan).
    maps: RowMaps,
    /// How many of the maps are the filter text's (at most `MAX_MAPS`).
    text_maps: usize,
    /// The common runs of three or four (`grams`), built after the pairs (`index_grams`).
    grams: GramIndex,
}

/// What the index says of a query's text over its indexed rows.
#[derive(Debug)]
pub(super) enum PairAnswer {
    /// Exactly these rows hold the query.
    Exact(Vec<u64>),
    /// Only these rows can hold it (each to be searched).
    Candidates(Vec<u64>),
    /// The index cannot tell (no indexed pair in the query).
    Unknown,
}

impl PairIndex {
    pub(super) fn rows(&self) -> usize {
        self.maps.rows()
    }

    /// Indexes row `row` (the next one): its filter text and its id when that is kept as a
    /// UUID; a row out of turn is left to the scan.
    pub(super) fn push(&mut self, row: usize, text: &[u8], id: Option<u128>) {
        if row != self.rows() {
            return;
        }
        self.start_row();
        self.mark(row, text, id);
        self.grams.push(row, text);
    }

    /// One more row, in no map yet.
    fn start_row(&mut self) {
        if self.slot.is_empty() {
            self.slot = vec![ABSENT; CLASSES * CLASSES];
            self.id_slot = vec![ABSENT; 256];
        }
        self.maps.push_row();
    }

    /// Indexes rows `from..to` (the next ones) of a store of `len` rows: `text` and `id` give
    /// each row's filter text and its id kept as a UUID. Their bits are gathered 64 rows at a
    /// time.
    pub(super) fn push_rows<'t>(
        &mut self,
        (from, to, len): (usize, usize, usize),
        text: impl Fn(usize) -> &'t [u8],
        id: impl Fn(usize) -> Option<u128>,
    ) {
        if from != self.rows() {
            return;
        }
        self.maps.reserve(len);
        let mut block = Vec::new();
        for row in from..to {
            self.start_row();
            let bit = 1u64 << (row % 64);
            self.each_map(text(row), id(row), |k| {
                if block.len() <= k {
                    block.resize(k + 1, 0);
                }
                block[k] |= bit;
            });
            if row % 64 == 63 || row + 1 == to {
                self.maps.flush(row / 64, &mut block);
            }
        }
        self.grams.push_rows((from, to, len), text);
    }

    /// Sets row `row`'s bit for each pair of `text` and of `id`.
    fn mark(&mut self, row: usize, text: &[u8], id: Option<u128>) {
        let mut ks = Vec::new();
        self.each_map(text, id, |k| ks.push(k));
        for k in ks {
            self.maps.set(k, row);
        }
    }

    /// Calls `f` with the map of each pair of `text` and of `id`, making maps for pairs first
    /// seen while they last.
    fn each_map(&mut self, text: &[u8], id: Option<u128>, mut f: impl FnMut(usize)) {
        for p in pairs(text) {
            match self.slot[p] {
                ABSENT if self.text_maps < MAX_MAPS => {
                    self.text_maps += 1;
                    let k = self.maps.add();
                    self.slot[p] = k as u16;
                    f(k);
                }
                ABSENT => self.slot[p] = UNINDEXED,
                UNINDEXED => {}
                s => f(usize::from(s)),
            }
        }
        let Some(id) = id else { return };
        let b = id.to_be_bytes();
        // Byte i holds digits 2i and 2i + 1: never parted by a dash. Digits 2i + 1 and 2i + 2
        // are, after bytes 3, 5, 7 and 9 (digits 7|8, 11|12, 15|16, 19|20).
        for i in 0..16 {
            self.id_map(b[i], &mut f);
            if i < 15 && !matches!(i, 3 | 5 | 7 | 9) {
                self.id_map((b[i] << 4) | (b[i + 1] >> 4), &mut f);
            }
        }
    }

    fn id_map(&mut self, p: u8, f: &mut impl FnMut(usize)) {
        match self.id_slot[usize::from(p)] {
            ABSENT => {
                let k = self.maps.add();
                self.id_slot[usize::from(p)] = k as u16;
                f(k);
            }
            s => f(usize::from(s)),
        }
    }

    /// Row `row`'s text is now `text`, its id `id`.
    pub(super) fn replace(&mut self, row: usize, text: &[u8], id: Option<u128>) {
        if row >= self.rows() {
            return;
        }
        self.maps.clear_row(row);
        self.mark(row, text, id);
        self.grams.replace(row, text);
    }

    /// Row `row` is gone: the rows after it move down by one.
    pub(super) fn remove(&mut self, row: usize) {
        self.maps.remove(row);
        self.grams.remove(row);
    }

    /// Keeps rows `0..n` indexed.
    pub(super) fn truncate(&mut self, n: usize) {
        self.maps.truncate(n);
        self.grams.truncate(n);
    }

    /// Rows the gram index has yet to take (all of them until it is built).
    pub(super) fn grams_behind(&self) -> usize {
        self.rows() - self.grams.rows()
    }

    /// Builds the gram index over up to `budget` more of the indexed rows, first choosing its
    /// grams from the store's `rows` texts; `text` is a row's filter text.
    pub(super) fn index_grams<'t>(
        &mut self,
        rows: usize,
        budget: usize,
        text: impl Fn(usize) -> &'t [u8],
    ) {
        if !self.grams.chosen() {
            self.grams.choose(rows, &text);
        }
        let from = self.grams.rows();
        let to = self.rows().min(from.saturating_add(budget));
        self.grams.push_rows((from, to, rows), text);
    }

    /// Which indexed rows hold (or can hold) `query`, lowercased.
    pub(super) fn answer(&self, query: &[u8]) -> PairAnswer {
        let words = self.rows().div_ceil(64);
        let mut maps = Vec::new();
        for p in pairs(query) {
            match self.slot.get(p).copied().unwrap_or(ABSENT) {
                UNINDEXED => {}
                ABSENT => return answer_none(query, words),
                s => maps.push(usize::from(s)),
            }
        }
        let grams = (self.grams.rows() == self.rows())
            .then(|| self.grams.answer(query))
            .flatten();
        match (maps.is_empty(), grams) {
            (_, Some((rows, true))) => PairAnswer::Exact(rows),
            (true, None) => PairAnswer::Unknown,
            (true, Some((rows, false))) => PairAnswer::Candidates(rows),
            (false, grams) => {
                let mut rows = self.maps.and(&maps);
                if let Some((g, _)) = grams {
                    rows.iter_mut().zip(&g).for_each(|(r, g)| *r &= g);
                }
                if is_pair(query) {
                    PairAnswer::Exact(rows)
                } else {
                    PairAnswer::Candidates(rows)
                }
            }
        }
    }

    /// The indexed rows whose id, kept as a UUID, holds every pair of hex digits in `id_pairs`
    /// (side by side, in one group); `None` for no pair.
    pub(super) fn id_rows(&self, id_pairs: &[u8]) -> Option<Vec<u64>> {
        let mut maps = Vec::new();
        for &p in id_pairs {
            match self.id_slot.get(usize::from(p)).copied().unwrap_or(ABSENT) {
                ABSENT => return Some(vec![0; self.rows().div_ceil(64)]),
                s => maps.push(usize::from(s)),
            }
        }
        (!maps.is_empty()).then(|| self.maps.and(&maps))
    }
}

/// A pair no indexed row holds: no indexed row holds the query.
fn answer_none(query: &[u8], words: usize) -> PairAnswer {
    let none = vec![0; words];
    if is_pair(query) {
        PairAnswer::Exact(none)
    } else {
        PairAnswer::Candidates(none)
    }
}

/// Two letters or digits: a bitmap answers it exactly.
fn is_pair(query: &[u8]) -> bool {
    query.len() == 2 && query.iter().all(|&b| class_of(b).is_some())
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

    /// Texts over a small alphabet, so pairs repeat and the bitmaps run out (12 in tests).
    fn text() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(prop::sample::select(b"abcde1 -\0".to_vec()), 0..12)
    }

    /// Ids made of few distinct hex digits, so pairs repeat; some rows have none (an id kept
    /// as text).
    fn id() -> impl Strategy<Value = Option<u128>> {
        proptest::option::of(any::<u128>().prop_map(|a| {
            (0..32).fold(0u128, |id, k| {
                (id << 4) | [0x0, 0x7, 0xe, 0xf][((a >> (2 * k)) & 3) as usize]
            })
        }))
    }

    type Row = (Vec<u8>, Option<u128>);

    impl Rows<Row> for PairIndex {
        fn push(&mut self, row: usize, (t, i): &Row) {
            PairIndex::push(self, row, t, *i);
        }
        fn replace(&mut self, row: usize, (t, i): &Row) {
            PairIndex::replace(self, row, t, *i);
        }
        fn remove(&mut self, row: usize) {
            PairIndex::remove(self, row);
        }
        fn truncate(&mut self, n: usize) {
            PairIndex::truncate(self, n);
        }
    }

    fn id_text(id: Option<u128>) -> String {
        id.map(|n| uuid::Uuid::from_u128(n).hyphenated().to_string())
            .unwrap_or_default()
    }

    proptest! {
        #[test]
        fn answers_agree_with_searching_every_text(
            ops in proptest::collection::vec(op(|| (text(), id())), 0..400),
            queries in proptest::collection::vec(text(), 1..6),
            id_queries in proptest::collection::vec("[07ef]{2}", 1..4),
        ) {
            let mut index = PairIndex::default();
            let mut texts: Vec<Row> = Vec::new();
            apply(&mut index, &mut texts, ops);
            prop_assert_eq!(index.rows(), texts.len());
            for q in queries.iter().filter(|q| q.len() >= 2) {
                let holds = |t: &Vec<u8>| t.windows(q.len()).any(|w| w == &q[..]);
                match index.answer(q) {
                    PairAnswer::Exact(bits) => {
                        for (r, (t, _)) in texts.iter().enumerate() {
                            prop_assert_eq!(has(&bits, r), holds(t), "row {}", r);
                        }
                    }
                    PairAnswer::Candidates(bits) => {
                        for (r, (t, _)) in texts.iter().enumerate() {
                            prop_assert!(has(&bits, r) || !holds(t), "row {} left out", r);
                        }
                    }
                    PairAnswer::Unknown => {}
                }
            }
            // A pair of hex digits: exactly the rows whose id's text holds it.
            for q in &id_queries {
                let b = q.as_bytes();
                let hex = |c: u8| if c.is_ascii_digit() { c - b'0' } else { c - b'a' + 10 };
                let bits = index.id_rows(&[(hex(b[0]) << 4) | hex(b[1])]).expect("a pair");
                for (r, (_, i)) in texts.iter().enumerate() {
                    prop_assert_eq!(has(&bits, r), id_text(*i).contains(q.as_str()), "row {} {}", r, q);
                }
            }
            prop_assert!(index.text_maps <= MAX_MAPS);
            prop_assert!(index.maps.len() <= MAX_MAPS + 256);
        }
    }
}
