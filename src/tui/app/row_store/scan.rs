//! The free-text filter over the store: each row's byte mask answers a one-letter query outright
//! and rules rows out for longer ones; the pair index (`pairs`) answers a query of two letters
//! or digits, the gram index (`grams`) one of its common runs of three or four, and both narrow
//! longer ones; otherwise the text arena is scanned in one pass (split across two threads on
//! large stores); interned subjects and scopes are decided once per distinct string, and ids
//! kept as UUIDs by the pair index's maps of their hex pairs, else from their 16 bytes
//! (`uuid_match`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use memchr::memmem::Finder;

use super::RowStore;
use super::pairs::PairAnswer;
use super::short_search;
use super::uuid_match::{IdQuery, hex_pairs};

/// From this many rows on, a scan of the arena is split between two threads (a few in unit
/// tests, so the property test checks the split).
const PARALLEL_FROM: usize = if cfg!(test) { 8 } else { 100_000 };

/// Rows per piece of a split scan.
const PIECE: usize = if cfg!(test) { 3 } else { 16_384 };

/// The bit of a byte in a row's mask: letters and digits each have their own (so a mask says
/// exactly whether one is in the row), every other byte shares one of the remaining 28.
fn bit(b: u8) -> u64 {
    BITS[usize::from(b)]
}

/// [`bit`] of every byte, looked up (a row's mask is made of ~80 of them).
const BITS: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let n = match b {
            b'a'..=b'z' => b - b'a',
            b'0'..=b'9' => 26 + (b - b'0'),
            other => 36 + other % 28,
        };
        t[i] = 1 << n;
        i += 1;
    }
    t
};

/// Candidates over this share of the indexed rows are left to the scan: searching one row
/// (`short_search`, prefetched) costs about what scanning two does (measured at 2M rows: half
/// the rows searched took ~12 ms, the scan ~14).
const SEARCH_EACH_UPTO: usize = 2;

/// How many candidates ahead of its search a row's text is prefetched.
const PREFETCH_AHEAD: usize = 16;

fn has(rows: &[u64], row: usize) -> bool {
    rows.get(row / 64)
        .is_some_and(|w| w & (1 << (row % 64)) != 0)
}

/// Calls `f` with every row `from..to` whose bit is set, in order.
fn for_each_row(rows: &[u64], from: usize, to: usize, mut f: impl FnMut(usize)) {
    let mut w = from / 64;
    while w * 64 < to {
        let mut word = rows.get(w).copied().unwrap_or(0);
        while word != 0 {
            let row = w * 64 + word.trailing_zeros() as usize;
            if (from..to).contains(&row) {
                f(row);
            }
            word &= word - 1;
        }
        w += 1;
    }
}

/// The bits of every byte in `bytes`.
pub(super) fn byte_mask(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |m, &b| m | bit(b))
}

/// The compiled filter: the query, and which interned subjects and scopes contain it.
pub struct Matcher<'q> {
    finder: Finder<'q>,
    /// The bits a row's mask must have to possibly contain the query.
    need: u64,
    /// The query is one letter or digit: the mask alone decides.
    exact: bool,
    /// The query for the ids kept as UUIDs.
    ids: IdQuery,
    subjects: Vec<bool>,
    scopes: Vec<bool>,
    /// What the pair index says of rows `0..indexed`; the rows after are searched.
    pairs: PairAnswer,
    /// The indexed rows whose id (kept as a UUID) holds every pair of hex digits of the query:
    /// exactly those holding the query when it is two digits. `None`: no such pair.
    id_rows: Option<Vec<u64>>,
    indexed: usize,
    /// The candidates are few enough that searching each beats scanning the arena.
    few: bool,
}

impl Matcher<'_> {
    #[inline]
    fn subject_hit(&self, subject: u32) -> bool {
        self.subjects[subject as usize]
    }

    /// `NO_SCOPE` (no scope sent) is past the end: no hit.
    #[inline]
    fn scope_hit(&self, scope: u32) -> bool {
        self.scopes.get(scope as usize).copied().unwrap_or(false)
    }
}

impl RowStore {
    /// Compiles a lowercased query.
    pub fn matcher<'q>(&self, query: &'q str) -> Matcher<'q> {
        let finder = Finder::new(query.as_bytes());
        let q = query.as_bytes();
        let exact = q.len() == 1 && q[0].is_ascii_alphanumeric();
        let pairs = if exact {
            PairAnswer::Unknown
        } else {
            self.pairs.answer(q)
        };
        let indexed = self.pairs.rows();
        let few = match &pairs {
            PairAnswer::Candidates(rows) => {
                let n: u32 = rows.iter().map(|w| w.count_ones()).sum();
                n as usize <= indexed / SEARCH_EACH_UPTO
            }
            _ => false,
        };
        let ids = IdQuery::new(q);
        let id_rows = if ids.possible() && !exact {
            self.pairs.id_rows(&hex_pairs(q))
        } else {
            None
        };
        Matcher {
            pairs,
            id_rows,
            indexed,
            few,
            subjects: self.subjects.hits(&finder),
            scopes: self.scopes.hits(&finder),
            need: byte_mask(q),
            exact,
            ids,
            finder,
        }
    }

    /// Whether one row contains the query.
    pub fn hit(&self, m: &Matcher<'_>, row: usize) -> bool {
        self.interned_hit(m, row) || self.text_hit(m, row)
    }

    /// Branch-free (`|`): it runs over every row of a scan.
    #[inline]
    fn interned_hit(&self, m: &Matcher<'_>, row: usize) -> bool {
        m.subject_hit(self.subject[row]) | m.scope_hit(self.scope[row])
    }

    fn text_hit(&self, m: &Matcher<'_>, row: usize) -> bool {
        let mask = self.masks[row];
        if mask & m.need != m.need {
            return false;
        }
        m.exact || self.arena_hit(m, row) || self.id_hit(m, row)
    }

    /// Whether the row's filter text holds the query: the pair index's answer, else a search.
    fn arena_hit(&self, m: &Matcher<'_>, row: usize) -> bool {
        match &m.pairs {
            PairAnswer::Exact(rows) if row < m.indexed => has(rows, row),
            PairAnswer::Candidates(rows) if row < m.indexed && !has(rows, row) => false,
            _ => self.search(m, row),
        }
    }

    fn search(&self, m: &Matcher<'_>, row: usize) -> bool {
        short_search::holds(
            &self.hay,
            self.hay_at[row],
            self.hay_at[row + 1],
            m.finder.needle(),
        )
    }

    /// Whether the row's id, kept as a UUID, holds the query (an id kept as text is in the
    /// row's filter text instead).
    fn id_hit(&self, m: &Matcher<'_>, row: usize) -> bool {
        !self.is_other(row) && m.ids.hit(self.ids[row], &m.finder)
    }

    /// Which rows from `from` on contain the query (index 0 is row `from`).
    pub fn scan(&self, m: &Matcher<'_>, from: usize) -> Vec<bool> {
        let mut hit = Vec::new();
        self.scan_into(m, from, &mut hit);
        hit
    }

    /// [`Self::scan`] into `hit`, whose memory is reused: a fresh 2 MB array for every key
    /// costs ~500 page faults, ~1 ms here.
    pub fn scan_into(&self, m: &Matcher<'_>, from: usize, hit: &mut Vec<bool>) {
        let n = self.len();
        let from = from.min(n);
        hit.clear();
        hit.resize(n - from, false);
        if n - from >= PARALLEL_FROM {
            // Two threads take pieces in turn: one that starts late (a busy machine) leaves
            // the other at most a piece to wait for, not half of the rows.
            let pieces: Vec<Mutex<&mut [bool]>> = hit.chunks_mut(PIECE).map(Mutex::new).collect();
            let next = AtomicUsize::new(0);
            let work = || {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(piece) = pieces.get(k) else { break };
                    let mut out = piece.lock().unwrap_or_else(PoisonError::into_inner);
                    self.scan_piece(m, from + k * PIECE, &mut out);
                }
            };
            std::thread::scope(|s| {
                // No thread to be had: this one takes every piece.
                let _ = std::thread::Builder::new().spawn_scoped(s, work);
                work();
            });
        } else {
            self.scan_piece(m, from, hit);
        }
    }

    /// Rows `from..from + out.len()` (all false on entry): the interned subjects and scopes;
    /// the masks alone for a one-letter query (they hold the id's characters too), else the
    /// pair index and the text arena; then the ids kept as UUIDs.
    fn scan_piece(&self, m: &Matcher<'_>, from: usize, out: &mut [bool]) {
        let ids = !m.exact && m.ids.possible();
        // Subjects and scopes first: a row they hit needs no search of its text.
        self.interned_rows(m, from, out);
        if m.exact {
            for (h, &mask) in out.iter_mut().zip(&self.masks[from..]) {
                *h |= mask & m.need != 0;
            }
        } else {
            self.text_rows(m, from, out);
        }
        if !ids {
            return;
        }
        let Some(rows) = &m.id_rows else {
            return self.id_rows_read(m, from, out);
        };
        // The indexed rows from the id maps, without reading the ids; the rest read.
        let cut = m.indexed.clamp(from, from + out.len());
        let (answered, rest) = out.split_at_mut(cut - from);
        if m.ids.exact() {
            for_each_row(rows, from, cut, |row| answered[row - from] = true);
        } else {
            for_each_row(rows, from, cut, |row| {
                let h = &mut answered[row - from];
                *h = *h || m.ids.hit(self.ids[row], &m.finder);
            });
        }
        self.id_rows_read(m, cut, rest);
    }

    /// Sets the rows `from..from + out.len()` whose id, kept as a UUID, holds the query: each
    /// id read.
    fn id_rows_read(&self, m: &Matcher<'_>, from: usize, out: &mut [bool]) {
        if self.other.is_empty() {
            m.ids
                .mark(&self.ids[from..from + out.len()], &m.finder, out);
        } else {
            for (k, h) in out.iter_mut().enumerate() {
                *h = *h || self.id_hit(m, from + k);
            }
        }
    }

    /// Sets the rows `from..from + out.len()` whose subject or scope holds the query: only the
    /// columns that can hit are read (a query rarely hits both).
    fn interned_rows(&self, m: &Matcher<'_>, from: usize, out: &mut [bool]) {
        let to = from + out.len();
        match (m.subjects.contains(&true), m.scopes.contains(&true)) {
            (false, false) => {}
            (false, true) => {
                for (h, &s) in out.iter_mut().zip(&self.scope[from..to]) {
                    *h |= m.scope_hit(s);
                }
            }
            (true, false) => {
                for (h, &s) in out.iter_mut().zip(&self.subject[from..to]) {
                    *h |= m.subject_hit(s);
                }
            }
            (true, true) => {
                for (k, h) in out.iter_mut().enumerate() {
                    *h |= self.interned_hit(m, from + k);
                }
            }
        }
    }

    /// Rows `from..from + out.len()` whose filter text holds the query: those the pair index
    /// answers for, then the rest by the scan.
    fn text_rows(&self, m: &Matcher<'_>, from: usize, out: &mut [bool]) {
        let cut = m.indexed.clamp(from, from + out.len());
        let (answered, rest) = out.split_at_mut(cut - from);
        match &m.pairs {
            // A piece past the indexed rows answers nothing here (and its first word is past
            // the end of `rows`).
            PairAnswer::Exact(rows) if from % 64 == 0 => {
                let words = rows.get(from / 64..).unwrap_or_default();
                for (hits, &w) in answered.chunks_mut(64).zip(words) {
                    for (j, h) in hits.iter_mut().enumerate() {
                        *h |= (w >> j) & 1 != 0;
                    }
                }
            }
            PairAnswer::Exact(rows) => {
                for (k, h) in answered.iter_mut().enumerate() {
                    *h |= has(rows, from + k);
                }
            }
            PairAnswer::Candidates(rows) if m.few => {
                let mut todo = Vec::new();
                for_each_row(rows, from, cut, |row| {
                    if !answered[row - from] {
                        todo.push(row);
                    }
                });
                // Each row's text is asked for a few rows ahead of its search: candidates are
                // scattered, so the memory's own prefetching does not see them coming.
                for (k, &row) in todo.iter().enumerate() {
                    if let Some(&ahead) = todo.get(k + PREFETCH_AHEAD) {
                        short_search::prefetch(&self.hay, self.hay_at[ahead]);
                    }
                    answered[row - from] = self.search(m, row);
                }
            }
            _ => return self.scan_text(m, from, out),
        }
        self.scan_text(m, cut, rest);
    }

    /// Rows `from..from + out.len()` whose filter text holds the query: the text arena in one
    /// pass, jumping to the next row after each hit.
    fn scan_text(&self, m: &Matcher<'_>, from: usize, out: &mut [bool]) {
        let to = from + out.len();
        if from == to {
            return;
        }
        let end = self.hay_at[to];
        let (mut pos, mut row) = (self.hay_at[from], from);
        while let Some(off) = m.finder.find(&self.hay[pos..end]) {
            let at = pos + off;
            // Hits come in row order: walk forward to the row holding this one.
            while self.hay_at[row + 1] <= at {
                row += 1;
            }
            out[row - from] = true;
            row += 1;
            if row >= to {
                break;
            }
            pos = self.hay_at[row];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_digits_have_bits_of_their_own() {
        let own: Vec<u64> = (b'a'..=b'z').chain(b'0'..=b'9').map(bit).collect();
        for (i, a) in own.iter().enumerate() {
            assert_eq!(a.count_ones(), 1);
            for b in &own[i + 1..] {
                assert_ne!(a, b);
            }
            for other in (0..=255u8).filter(|b| !b.is_ascii_lowercase() && !b.is_ascii_digit()) {
                assert_ne!(*a, bit(other), "{other}");
            }
        }
    }
}
