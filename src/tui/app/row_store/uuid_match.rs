//! Whether a token id kept as a 16-byte UUID contains a query, read from the 16 bytes: no
//! 36-character text per row is kept for the filter (37 bytes a token less), and the common
//! queries are decided by a few word operations per row instead of a text search.
//!
//! The text is `h0…h7-h8…h11-h12…h15-h16…h19-h20…h31`, `h` the 32 hex digits (nibbles) from
//! the most significant. A query of one hex digit is in it when some nibble equals it; a query
//! of two hex digits when two nibbles side by side *in one group* equal it (a dash parts the
//! groups). Any other query (longer, or with a dash) is ruled out by a digit or a pair it
//! holds and decided by the text, made only for the rows that pass.

use memchr::memmem::Finder;
use uuid::Uuid;

/// Every byte's high bit, every byte's low seven bits; the same per nibble.
const BYTE_HIGH: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;
const BYTE_LOW: u128 = 0x7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f;
const NIBBLE_HIGH: u128 = 0x8888_8888_8888_8888_8888_8888_8888_8888;
const NIBBLE_LOW: u128 = 0x7777_7777_7777_7777_7777_7777_7777_7777;
const EVERY_BYTE: u128 = 0x0101_0101_0101_0101_0101_0101_0101_0101;
const EVERY_NIBBLE: u128 = 0x1111_1111_1111_1111_1111_1111_1111_1111;

/// The high bit of byte `i` (counted from the most significant).
const fn byte_flag(i: u32) -> u128 {
    1 << ((15 - i) * 8 + 7)
}

/// In `id << 4`, byte i holds the pair (h2i+1, h2i+2): those that are side by side in the
/// text. Not the pairs a dash parts (h7|h8, h11|h12, h15|h16, h19|h20: bytes 3, 5, 7, 9), nor
/// byte 15 (h31 and the zero shifted in).
const ODD_PAIRS: u128 = {
    let mut m = 0;
    let mut i = 0;
    while i < 15 {
        if !matches!(i, 3 | 5 | 7 | 9) {
            m |= byte_flag(i);
        }
        i += 1;
    }
    m
};

/// The high bit of every zero byte of `v` (exact: no carry runs between bytes).
#[inline]
fn zero_bytes(v: u128) -> u128 {
    !(((v & BYTE_LOW) + BYTE_LOW) | v) & BYTE_HIGH
}

#[inline]
fn zero_nibbles(v: u128) -> u128 {
    !(((v & NIBBLE_LOW) + NIBBLE_LOW) | v) & NIBBLE_HIGH
}

/// Some nibble of `id` is `digit`.
#[inline]
fn has_digit(id: u128, digit: u8) -> bool {
    zero_nibbles(id ^ (u128::from(digit) * EVERY_NIBBLE)) != 0
}

/// Sets `out[k]` when the text of `ids[k]` holds the two digits `pair` side by side.
#[cfg(target_arch = "x86_64")]
fn mark_pairs(ids: &[u128], pair: u8, out: &mut [bool]) {
    // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU this build runs on has it.
    unsafe { sse2::mark_pairs(ids, pair, out) }
}

#[cfg(not(target_arch = "x86_64"))]
fn mark_pairs(ids: &[u128], pair: u8, out: &mut [bool]) {
    for (h, &id) in out.iter_mut().zip(ids) {
        *h |= has_pair(id, pair);
    }
}

/// The text of `id` holds the two digits `pair` (first digit in the high nibble) side by side.
#[inline]
fn has_pair(id: u128, pair: u8) -> bool {
    let p = u128::from(pair) * EVERY_BYTE;
    // Bytes of the id are the pairs (h2i, h2i+1): never parted by a dash.
    zero_bytes(id ^ p) != 0 || zero_bytes((id << 4) ^ p) & ODD_PAIRS != 0
}

/// The pair test in SSE2 (every x86-64 has it): a byte compare of the id and of the id moved
/// by a nibble, about a third of the word operations' instructions.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x, _mm_set1_epi8,
        _mm_slli_epi64, _mm_slli_si128, _mm_srli_epi64,
    };

    /// [`super::ODD_PAIRS`] as a movemask: bit k is byte k from the least significant.
    const ODD_BYTES: i32 = {
        let mut m = 0;
        let mut k = 0;
        while k < 16 {
            if super::ODD_PAIRS & (1 << (8 * k + 7)) != 0 {
                m |= 1 << k;
            }
            k += 1;
        }
        m
    };

    #[target_feature(enable = "sse2")]
    pub(super) fn mark_pairs(ids: &[u128], pair: u8, out: &mut [bool]) {
        let p = _mm_set1_epi8(pair as i8);
        for (h, &id) in out.iter_mut().zip(ids) {
            // A row already hit (its text, subject or scope) needs no look at its id.
            if *h {
                continue;
            }
            let v = _mm_set_epi64x((id >> 64) as i64, id as i64);
            let aligned = _mm_movemask_epi8(_mm_cmpeq_epi8(v, p));
            // The id moved up a nibble: each 64-bit half, and the top nibble of the low half
            // carried into the high half.
            let moved = _mm_or_si128(
                _mm_slli_epi64::<4>(v),
                _mm_slli_si128::<8>(_mm_srli_epi64::<60>(v)),
            );
            let odd = _mm_movemask_epi8(_mm_cmpeq_epi8(moved, p));
            *h |= aligned | (odd & ODD_BYTES) != 0;
        }
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// The pairs of hex digits side by side in `q` (first digit in the high nibble): in a UUID's
/// text that holds `q` they are side by side too, so in one group.
pub(super) fn hex_pairs(q: &[u8]) -> Vec<u8> {
    q.windows(2)
        .filter_map(|w| Some((hex_value(w[0])? << 4) | hex_value(w[1])?))
        .collect()
}

/// What rules a row out before its text is made.
#[derive(Debug, Clone, Copy)]
enum Test {
    Digit(u8),
    /// The query's first pair of digits side by side, and its last when that is another.
    Pair(u8, Option<u8>),
    /// Only dashes in the query: every UUID may hold it.
    Nothing,
}

/// A lowercased query compiled for ids kept as UUIDs.
#[derive(Debug, Clone, Copy)]
pub(super) struct IdQuery {
    test: Test,
    /// The test alone decides (the query is one digit or two).
    exact: bool,
    /// The query is made of hex digits and dashes and fits in a UUID's text.
    possible: bool,
}

impl IdQuery {
    pub(super) fn new(q: &[u8]) -> IdQuery {
        let possible = !q.is_empty()
            && q.len() <= 36
            && q.iter().all(|&b| b == b'-' || hex_value(b).is_some());
        let digits: Vec<Option<u8>> = q.iter().map(|&b| hex_value(b)).collect();
        let pairs = hex_pairs(q);
        let test = match (pairs.first(), digits.iter().flatten().next()) {
            (Some(&p), _) => Test::Pair(p, pairs.last().copied().filter(|&l| l != p)),
            (None, Some(&d)) => Test::Digit(d),
            (None, None) => Test::Nothing,
        };
        let exact = match test {
            Test::Pair(..) => q.len() == 2,
            Test::Digit(_) => q.len() == 1,
            Test::Nothing => false,
        };
        IdQuery {
            test,
            exact,
            possible,
        }
    }

    /// The test alone decides: the query is one hex digit or two.
    pub(super) fn exact(&self) -> bool {
        self.exact
    }

    /// Whether any UUID's text may hold the query.
    pub(super) fn possible(&self) -> bool {
        self.possible
    }

    /// Sets `out[k]` when the text of `ids[k]` holds the query (leaves the others as they
    /// are): one tight loop per kind of test, as this runs over every row of the store.
    pub(super) fn mark(&self, ids: &[u128], finder: &Finder<'_>, out: &mut [bool]) {
        if !self.possible {
            return;
        }
        match (self.test, self.exact) {
            (Test::Pair(p, _), true) => mark_pairs(ids, p, out),
            (Test::Digit(d), true) => {
                for (h, &id) in out.iter_mut().zip(ids) {
                    *h |= has_digit(id, d);
                }
            }
            // A longer query: its pair rules most rows out, the text decides the others.
            (Test::Pair(p, last), false) => {
                let mut maybe = vec![false; out.len()];
                mark_pairs(ids, p, &mut maybe);
                for ((h, &id), _) in out.iter_mut().zip(ids).zip(&maybe).filter(|(_, m)| **m) {
                    *h = *h || last.is_none_or(|l| has_pair(id, l)) && in_text(id, finder);
                }
            }
            _ => {
                for (h, &id) in out.iter_mut().zip(ids) {
                    *h = *h || self.hit(id, finder);
                }
            }
        }
    }

    /// Whether the text of `id` holds the query (`finder` searches for the query itself).
    pub(super) fn hit(&self, id: u128, finder: &Finder<'_>) -> bool {
        if !self.possible {
            return false;
        }
        let passed = match self.test {
            Test::Digit(d) => has_digit(id, d),
            Test::Pair(p, last) => has_pair(id, p) && last.is_none_or(|l| has_pair(id, l)),
            Test::Nothing => true,
        };
        if !passed || self.exact {
            return passed;
        }
        in_text(id, finder)
    }
}

/// Whether the text of `id` holds what `finder` looks for.
fn in_text(id: u128, finder: &Finder<'_>) -> bool {
    let mut text = [0u8; 36];
    Uuid::from_u128(id).hyphenated().encode_lower(&mut text);
    finder.find(&text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Ids made of few distinct digits, so short queries hit often.
    fn any_id() -> impl Strategy<Value = u128> {
        prop_oneof![
            any::<u128>(),
            (any::<u128>(), any::<u128>()).prop_map(|(a, b)| {
                // Each nibble is one of 0, 7, e, f, picked by two bits of a and b.
                (0..32).fold(0u128, |id, k| {
                    let pick = ((a >> k) & 1) | (((b >> k) & 1) << 1);
                    (id << 4) | [0x0, 0x7, 0xe, 0xf][pick as usize]
                })
            }),
        ]
    }

    proptest! {
        #[test]
        fn an_id_holds_a_query_exactly_when_its_text_does(
            id in any_id(),
            query in prop_oneof![
                "[07ef]{1,3}".prop_map(String::from),
                "[0-9a-f-]{1,5}".prop_map(String::from),
                "[07ef-]{1,6}".prop_map(String::from),
                "[a-z0-9-]{1,3}".prop_map(String::from),
            ],
        ) {
            let text = Uuid::from_u128(id).hyphenated().to_string();
            let q = IdQuery::new(query.as_bytes());
            let finder = Finder::new(query.as_bytes());
            let want = text.contains(&query);
            prop_assert_eq!(q.hit(id, &finder), want, "{} in {}", query, text);
            let mut marked = [false];
            q.mark(&[id], &finder, &mut marked);
            prop_assert_eq!(marked[0], want);
            // Both forms of the pair test, whichever the build uses.
            if let Some(pair) = text_pair(&query) {
                prop_assert_eq!(has_pair(id, pair), want);
                let mut marked = [false];
                mark_pairs(&[id], pair, &mut marked);
                prop_assert_eq!(marked[0], want);
            }
        }
    }

    /// A query of two hex digits as the pair byte.
    fn text_pair(q: &str) -> Option<u8> {
        let b = q.as_bytes();
        (b.len() == 2).then(|| Some((hex_value(b[0])? << 4) | hex_value(b[1])?))?
    }

    #[test]
    fn pairs_across_a_dash_or_past_the_end_are_not_side_by_side() {
        // 0000000e-f000-0000-0000-00000000000e: "ef" only across the first dash, "e0" never
        // after the last digit.
        let id = Uuid::parse_str("0000000e-f000-0000-0000-00000000000e")
            .unwrap()
            .as_u128();
        let f = |q: &str| IdQuery::new(q.as_bytes()).hit(id, &Finder::new(q.as_bytes()));
        assert!(!f("ef"));
        assert!(f("e-f"));
        assert!(f("0e"));
        assert!(!f("e0"), "only 'e' ends the text");
        assert!(f("-"));
        assert!(!f("--"));
        assert!(!f("g"));
    }
}
