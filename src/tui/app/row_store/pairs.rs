//! Which rows' filter text holds each pair of adjacent letters or digits: one bit per row and
//! pair. A two-character query of letters and digits is answered by one bitmap, without
//! reading the text arena (89 MB at two million tokens, which a scan reads at memory speed);
//! a longer query is narrowed to the rows holding all its pairs before their texts are read.
//!
//! Memory is bounded: at most `MAX_MAPS` bitmaps (one bit per row each: 250 KB at 2,000,000
//! rows, 32 bytes a token for all of them). A pair first seen when they are all taken is not
//! indexed, and a query made only of such pairs is answered by the scan.

/// Letters and digits each have a class; any other byte has none.
const CLASSES: usize = 36;
const MAX_MAPS: usize = if cfg!(test) { 12 } else { 256 };

/// The pair was never seen in an indexed row.
const ABSENT: u16 = u16::MAX;
/// The pair was seen when no bitmap was left for it.
const UNINDEXED: u16 = u16::MAX - 1;

/// Each byte's class, `NONE` for a byte that is no letter or digit (a table: this runs for
/// every byte of two million rows as they load).
const CLASS: [u8; 256] = {
    let mut t = [NONE; 256];
    let mut b = 0;
    while b < 26 {
        t[b'a' as usize + b] = b as u8;
        b += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 26 + d as u8;
        d += 1;
    }
    t
};
const NONE: u8 = u8::MAX;

fn class(b: u8) -> Option<usize> {
    let c = CLASS[usize::from(b)];
    (c != NONE).then_some(usize::from(c))
}

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
    /// Per pair: the index of its bitmap, `ABSENT` or `UNINDEXED` (empty until the first row).
    slot: Vec<u16>,
    maps: Vec<Vec<u64>>,
    /// Rows `0..rows` are indexed (rows after them are left to the scan).
    rows: usize,
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
        self.rows
    }

    /// Indexes row `row` (the next one); a row out of turn is left to the scan.
    pub(super) fn push(&mut self, row: usize, text: &[u8]) {
        if row != self.rows {
            return;
        }
        if self.slot.is_empty() {
            self.slot = vec![ABSENT; CLASSES * CLASSES];
        }
        // Every bitmap holds `rows.div_ceil(64)` words: a new word for each 64th row.
        if row % 64 == 0 {
            for m in &mut self.maps {
                m.push(0);
            }
        }
        self.rows += 1;
        self.mark(row, text);
    }

    /// Sets row `row`'s bit for each pair of `text`.
    fn mark(&mut self, row: usize, text: &[u8]) {
        let (w, bit) = (row / 64, 1u64 << (row % 64));
        let words = self.rows.div_ceil(64);
        for p in pairs(text) {
            let slot = match self.slot[p] {
                ABSENT if self.maps.len() < MAX_MAPS => {
                    self.maps.push(vec![0; words]);
                    let s = (self.maps.len() - 1) as u16;
                    self.slot[p] = s;
                    s
                }
                ABSENT => {
                    self.slot[p] = UNINDEXED;
                    continue;
                }
                UNINDEXED => continue,
                s => s,
            };
            self.maps[usize::from(slot)][w] |= bit;
        }
    }

    /// Row `row`'s text is now `text`.
    pub(super) fn replace(&mut self, row: usize, text: &[u8]) {
        if row >= self.rows {
            return;
        }
        let (w, bit) = (row / 64, 1u64 << (row % 64));
        for m in &mut self.maps {
            m[w] &= !bit;
        }
        self.mark(row, text);
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

    /// Keeps rows `0..n` indexed.
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

    /// Which indexed rows hold (or can hold) `query`, lowercased.
    pub(super) fn answer(&self, query: &[u8]) -> PairAnswer {
        let words = self.rows.div_ceil(64);
        let mut maps = Vec::new();
        let mut known = false;
        for p in pairs(query) {
            match self.slot.get(p).copied().unwrap_or(ABSENT) {
                UNINDEXED => {}
                ABSENT => return answer_none(query, words),
                s => {
                    known = true;
                    maps.push(&self.maps[usize::from(s)]);
                }
            }
        }
        if !known {
            return PairAnswer::Unknown;
        }
        let mut rows = maps[0].clone();
        for m in &maps[1..] {
            for (r, w) in rows.iter_mut().zip(m.iter()) {
                *r &= w;
            }
        }
        if is_pair(query) {
            PairAnswer::Exact(rows)
        } else {
            PairAnswer::Candidates(rows)
        }
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
    query.len() == 2 && query.iter().all(|&b| class(b).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn has(bits: &[u64], row: usize) -> bool {
        bits.get(row / 64)
            .is_some_and(|w| w & (1 << (row % 64)) != 0)
    }

    /// Texts over a small alphabet, so pairs repeat and the bitmaps run out (12 in tests).
    fn text() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(prop::sample::select(b"abcde1 -\0".to_vec()), 0..12)
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(Vec<u8>),
        Replace(prop::sample::Index, Vec<u8>),
        Remove(prop::sample::Index),
        /// Drops this many rows from the end.
        Truncate(usize),
    }

    /// Mostly pushes, so the rows run over several 64-row words.
    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            12 => text().prop_map(Op::Push),
            1 => (any::<prop::sample::Index>(), text()).prop_map(|(r, t)| Op::Replace(r, t)),
            2 => any::<prop::sample::Index>().prop_map(Op::Remove),
            1 => (0usize..4).prop_map(Op::Truncate),
        ]
    }

    proptest! {
        #[test]
        fn answers_agree_with_searching_every_text(
            ops in proptest::collection::vec(op(), 0..400),
            queries in proptest::collection::vec(text(), 1..6),
        ) {
            let mut index = PairIndex::default();
            let mut texts: Vec<Vec<u8>> = Vec::new();
            for op in ops {
                match op {
                    Op::Push(t) => {
                        index.push(texts.len(), &t);
                        texts.push(t);
                    }
                    Op::Replace(r, t) if !texts.is_empty() => {
                        let r = r.index(texts.len());
                        index.replace(r, &t);
                        texts[r] = t;
                    }
                    Op::Remove(r) if !texts.is_empty() => {
                        let r = r.index(texts.len());
                        index.remove(r);
                        texts.remove(r);
                    }
                    Op::Truncate(k) => {
                        let n = texts.len().saturating_sub(k);
                        index.truncate(n);
                        texts.truncate(n);
                    }
                    _ => {}
                }
            }
            prop_assert_eq!(index.rows(), texts.len());
            for q in queries.iter().filter(|q| q.len() >= 2) {
                let holds = |t: &Vec<u8>| t.windows(q.len()).any(|w| w == &q[..]);
                match index.answer(q) {
                    PairAnswer::Exact(bits) => {
                        for (r, t) in texts.iter().enumerate() {
                            prop_assert_eq!(has(&bits, r), holds(t), "row {}", r);
                        }
                    }
                    PairAnswer::Candidates(bits) => {
                        for (r, t) in texts.iter().enumerate() {
                            prop_assert!(has(&bits, r) || !holds(t), "row {} left out", r);
                        }
                    }
                    PairAnswer::Unknown => {}
                }
            }
            prop_assert!(index.maps.len() <= MAX_MAPS);
        }
    }
}
