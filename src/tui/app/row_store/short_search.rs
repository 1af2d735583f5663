//! Whether one short row of the text arena holds a query. The rows the pair index leaves as
//! candidates are searched one by one, and on a row of ~50 bytes a general searcher's setup
//! costs more than the row: memchr's `memmem` took ~42 ns a row here, a direct SIMD compare of
//! the query's first two bytes and its last, 16 positions at a time, takes less than half.

/// Whether `arena[from..to]` holds `q` (an empty `q` is everywhere).
pub(super) fn holds(arena: &[u8], from: usize, to: usize, q: &[u8]) -> bool {
    if q.is_empty() {
        return true;
    }
    #[cfg(target_arch = "x86_64")]
    if q.len() >= 2 {
        return sse2::holds(arena, from, to, q);
    }
    plain(arena, from, to, q)
}

/// Asks for the cache line holding `arena[at]` ahead of its use (a hint: no effect on results).
pub(super) fn prefetch(arena: &[u8], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(byte) = arena.get(at) {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch reads nothing and faults on nothing; the address is in `arena`.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (arena, at);
}

fn plain(arena: &[u8], from: usize, to: usize, q: &[u8]) -> bool {
    arena[from..to].windows(q.len()).any(|w| w == q)
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };

    pub(super) fn holds(arena: &[u8], from: usize, to: usize, q: &[u8]) -> bool {
        // The last 16-byte load of a row ends at `to + 15`: rows near the arena's end are
        // searched plainly.
        if to + 15 > arena.len() || to - from < q.len() {
            return super::plain(arena, from, to, q);
        }
        // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU this build runs on has it.
        unsafe { holds_sse2(arena, from, to, q) }
    }

    /// `to + 15 <= arena.len()`, `to - from >= q.len() >= 2`.
    #[target_feature(enable = "sse2")]
    fn holds_sse2(arena: &[u8], from: usize, to: usize, q: &[u8]) -> bool {
        let k = q.len();
        let last = to - k;
        let (first, second, end) = (
            _mm_set1_epi8(q[0] as i8),
            _mm_set1_epi8(q[1] as i8),
            _mm_set1_epi8(q[k - 1] as i8),
        );
        let load = |at: usize| {
            debug_assert!(at + 16 <= arena.len());
            // SAFETY: every load starts at p + 0, 1 or k - 1 with p <= last = to - k, so it
            // ends by to + 15 <= arena.len() (checked by the caller).
            unsafe { _mm_loadu_si128(arena.as_ptr().add(at).cast::<__m128i>()) }
        };
        let mut p = from;
        while p <= last {
            let m = _mm_and_si128(
                _mm_and_si128(
                    _mm_cmpeq_epi8(load(p), first),
                    _mm_cmpeq_epi8(load(p + 1), second),
                ),
                _mm_cmpeq_epi8(load(p + k - 1), end),
            );
            let mut starts = _mm_movemask_epi8(m) as u32;
            let valid = last - p + 1;
            if valid < 16 {
                starts &= (1 << valid) - 1;
            }
            while starts != 0 {
                let i = p + starts.trailing_zeros() as usize;
                // The first two bytes and the last are equal: only the ones between are left
                // (none for a query of three bytes or fewer).
                if (2..k - 1).all(|j| arena[i + j] == q[j]) {
                    return true;
                }
                starts &= starts - 1;
            }
            p += 16;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn holds_exactly_when_a_window_equals_the_query(
            arena in proptest::collection::vec(prop::sample::select(b"abcab\0".to_vec()), 0..120),
            q in proptest::collection::vec(prop::sample::select(b"abc".to_vec()), 0..6),
            cut in (0usize..120, 0usize..120),
        ) {
            let (from, to) = (cut.0.min(cut.1).min(arena.len()), cut.0.max(cut.1).min(arena.len()));
            let want = q.is_empty() || arena[from..to].windows(q.len()).any(|w| w == &q[..]);
            prop_assert_eq!(holds(&arena, from, to, &q), want);
        }
    }
}
