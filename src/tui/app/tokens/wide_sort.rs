//! Sorting rows by 128-bit keys (16-byte text prefixes, whole UUIDs) without comparisons, most
//! significant digit first: each range is scattered by the top bits that vary across it (found
//! by XOR, so a prefix every key shares costs one read, not a pass), then each bucket the same
//! way, down to ranges short enough for insertion. Scatters are stable and the rows start in
//! arrival order, so equal keys keep it, exactly as the compared sort orders them.
//!
//! The scatters go back and forth between two buffers (only what ends in the spare one is
//! copied back); the first scatter of a large sort, and the buckets it makes, are shared with
//! a second thread.

use super::par;

/// Ranges at most this long are sorted by insertion.
const SMALL: usize = if cfg!(test) { 4 } else { 32 };

/// Most bits of a digit: 256 buckets, so the rows being written stay in cache and in the TLB
/// (65,536 buckets made every write a miss: 2,000,000 rows in 190 ms).
const DIGIT_BITS: u32 = 8;

const MAX_BUCKETS: usize = 1 << DIGIT_BITS;

/// From this many rows on, the first level is split between two threads (a few in unit tests,
/// so the property test checks the split).
const SPLIT_FROM: usize = if cfg!(test) { 40 } else { 1 << 17 };

/// Pieces of the first scatter, taken in turn by the two threads.
const PIECES: usize = 8;

/// The wide sort's buffers, kept from one sort to the next: allocated anew, a sort of
/// 2,000,000 rows faulted in ~18,000 fresh pages (~1.7 µs each here).
#[derive(Debug, Default)]
pub(super) struct WideScratch {
    /// The keys to sort, filled by the caller; sorted afterwards.
    pub(super) keys: Vec<u128>,
    spare_k: Vec<u128>,
    spare_r: Vec<u32>,
    digits: Vec<u8>,
}

/// A copy starts with empty buffers: they hold nothing between sorts.
impl Clone for WideScratch {
    fn clone(&self) -> Self {
        WideScratch::default()
    }
}

/// `rows` (ascending) stably ordered by the keys in `s.keys` (`keys[k]` of `rows[k]`), the keys
/// left in that order.
pub(super) fn sort_by_wide_keys(rows: &mut [u32], s: &mut WideScratch) {
    sort_wide(rows, s, can_gather());
}

/// Whether digits can be gathered from scattered bits (BMI2's PEXT).
fn can_gather() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("bmi2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// [`sort_by_wide_keys`], a digit being the top varying bits gathered when `gather`, else
/// the bits of a window from the top varying one down.
fn sort_wide(rows: &mut [u32], s: &mut WideScratch, gather: bool) {
    let n = rows.len();
    assert_eq!(s.keys.len(), n, "one key per row");
    // Their contents are overwritten before being read: never cleared, and replaced (not
    // grown) when short, so fresh pages are faulted in by the scatters on both threads
    // rather than zeroed first by this one.
    if s.spare_k.len() < n {
        s.spare_k = vec![0; n];
        s.spare_r = vec![0; n];
        s.digits = vec![0; n];
    }
    let home = Halves {
        k: &mut s.keys,
        r: rows,
    };
    let spare = Halves {
        k: &mut s.spare_k[..n],
        r: &mut s.spare_r[..n],
    };
    let digits = &mut s.digits[..n];
    if n >= SPLIT_FROM {
        sort_split(home, spare, digits, false, gather);
    } else {
        sort_into(home, spare, digits, false, gather);
    }
}

/// Keys and their rows, side by side.
struct Halves<'a> {
    k: &'a mut [u128],
    r: &'a mut [u32],
}

impl<'a> Halves<'a> {
    fn len(&self) -> usize {
        self.k.len()
    }

    fn copy_from(&mut self, other: &Halves<'_>) {
        self.k.copy_from_slice(other.k);
        self.r.copy_from_slice(other.r);
    }

    fn reborrow(&mut self) -> Halves<'_> {
        Halves {
            k: self.k,
            r: self.r,
        }
    }

    /// The first `at` rows and the rest.
    fn split_at(self, at: usize) -> (Halves<'a>, Halves<'a>) {
        let (k0, k1) = self.k.split_at_mut(at);
        let (r0, r1) = self.r.split_at_mut(at);
        (Halves { k: k0, r: r0 }, Halves { k: k1, r: r1 })
    }

    /// Stable insertion sort by key.
    fn insertion_sort(&mut self) {
        for i in 1..self.len() {
            let (key, row) = (self.k[i], self.r[i]);
            let mut j = i;
            while j > 0 && self.k[j - 1] > key {
                self.k[j] = self.k[j - 1];
                self.r[j] = self.r[j - 1];
                j -= 1;
            }
            self.k[j] = key;
            self.r[j] = row;
        }
    }
}

/// Which key bits make a bucket's number.
#[derive(Clone, Copy)]
enum Digit {
    /// `bits` bits from `shift` up.
    Window { shift: u32, bits: u32 },
    /// The bits of `mask` gathered, in order: with decimal text (3.3 bits of 8 vary) a window
    /// spends most of its bits on bits every key shares, and 2,000,000 descriptions took
    /// twice as many passes.
    Gather { mask: u128, bits: u32 },
}

impl Digit {
    /// The digit for a range whose keys differ in the bits of `varying` (not 0) and hold `n`
    /// rows; whether bits outside it still vary.
    fn for_range(varying: u128, n: usize, gather: bool) -> (Digit, bool) {
        // About eight rows a bucket on short ranges: 256 counters would cost more than the
        // rows.
        let bits = (n.ilog2().saturating_sub(2)).clamp(1, DIGIT_BITS);
        if gather {
            let (mut mask, mut left) = (0u128, varying);
            for _ in 0..bits {
                if left == 0 {
                    break;
                }
                let top = 1u128 << (127 - left.leading_zeros());
                mask |= top;
                left &= !top;
            }
            let bits = mask.count_ones();
            (Digit::Gather { mask, bits }, left != 0)
        } else {
            let shift = (128 - varying.leading_zeros()).saturating_sub(bits);
            let below = varying & ((1u128 << shift) - 1);
            (Digit::Window { shift, bits }, below != 0)
        }
    }

    fn buckets(self) -> usize {
        match self {
            Digit::Window { bits, .. } | Digit::Gather { bits, .. } => 1 << bits,
        }
    }

    /// Each key's digit into `out`.
    fn write(self, keys: &[u128], out: &mut [u8]) {
        match self {
            Digit::Window { shift, bits } => {
                let mask = (1u128 << bits) - 1;
                for (d, &key) in out.iter_mut().zip(keys) {
                    *d = ((key >> shift) & mask) as u8;
                }
            }
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a Gather digit is made only where `can_gather` saw BMI2.
            Digit::Gather { mask, .. } => unsafe { gather_digits(keys, mask, out) },
            #[cfg(not(target_arch = "x86_64"))]
            Digit::Gather { .. } => unreachable!("digits are gathered only with BMI2"),
        }
    }
}

/// The bits of `mask` of each key, gathered by PEXT (each half of the key on its own).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2")]
fn gather_digits(keys: &[u128], mask: u128, out: &mut [u8]) {
    use std::arch::x86_64::_pext_u64;
    let (high, low) = ((mask >> 64) as u64, mask as u64);
    let low_bits = low.count_ones();
    for (d, &key) in out.iter_mut().zip(keys) {
        let h = _pext_u64((key >> 64) as u64, high);
        let l = _pext_u64(key as u64, low);
        *d = ((h << low_bits) | l) as u8;
    }
}

/// The bits in which the keys differ from `first`.
fn varying(keys: &[u128], first: u128) -> u128 {
    keys.iter().fold(0, |acc, &key| acc | (key ^ first))
}

/// How many of `digits` fall in each bucket.
fn count(digits: &[u8]) -> [usize; MAX_BUCKETS] {
    let mut at = [0usize; MAX_BUCKETS];
    for &d in digits {
        at[usize::from(d)] += 1;
    }
    at
}

/// Sorts the range held in `src` (rows in arrival order within equal keys); the result ends in
/// `dst` when `to_dst`, else in `src`. All three are the same length; `digits` is scratch.
fn sort_into(
    mut src: Halves<'_>,
    mut dst: Halves<'_>,
    digits: &mut [u8],
    to_dst: bool,
    gather: bool,
) {
    let n = src.len();
    let varying = match src.k.first() {
        Some(&first) if n > SMALL => varying(src.k, first),
        _ => 0,
    };
    if varying == 0 {
        src.insertion_sort();
        if to_dst {
            dst.copy_from(&src);
        }
        return;
    }
    let (digit, more) = Digit::for_range(varying, n, gather);
    digit.write(src.k, digits);
    let sizes = count(digits);
    let mut at = [0usize; MAX_BUCKETS];
    let mut sum = 0;
    for (a, &size) in at.iter_mut().zip(&sizes[..digit.buckets()]) {
        *a = sum;
        sum += size;
    }
    for ((&key, &row), &d) in src.k.iter().zip(src.r.iter()).zip(digits.iter()) {
        let d = usize::from(d);
        dst.k[at[d]] = key;
        dst.r[at[d]] = row;
        at[d] += 1;
    }
    // The data is in `dst` now: each bucket sorts from there, to wherever it must end.
    each_bucket(
        dst,
        src,
        digits,
        &sizes[..digit.buckets()],
        |b_from, mut b_to, d| {
            if more {
                sort_into(b_from, b_to, d, !to_dst, gather);
            } else if !to_dst {
                // The bucket's keys are equal: in order already.
                b_to.copy_from(&b_from);
            }
        },
    );
}

/// Calls `each` with every non-empty bucket (of the lengths `sizes`, in order), cut alike from
/// `from`, `to` and `digits`.
fn each_bucket<'a>(
    mut from: Halves<'a>,
    mut to: Halves<'a>,
    mut digits: &'a mut [u8],
    sizes: &[usize],
    mut each: impl FnMut(Halves<'a>, Halves<'a>, &'a mut [u8]),
) {
    for &len in sizes {
        let (b_from, rest_from) = from.split_at(len);
        let (b_to, rest_to) = to.split_at(len);
        let (b_digits, rest_digits) = std::mem::take(&mut digits).split_at_mut(len);
        if len > 0 {
            each(b_from, b_to, b_digits);
        }
        (from, to, digits) = (rest_from, rest_to, rest_digits);
    }
}

/// One piece of a split scatter: its keys, rows and digits, and its part of each bucket.
type Scatter<'a> = (&'a [u128], &'a [u32], &'a [u8], Vec<Halves<'a>>);

/// [`sort_into`] for a large range, its first level on two threads: the digits and their
/// counts by pieces, each piece scattered into its own part of each bucket (pieces in order
/// within a bucket keep the sort stable), then the buckets taken in turn.
fn sort_split(src: Halves<'_>, mut dst: Halves<'_>, digits: &mut [u8], to_dst: bool, gather: bool) {
    let n = src.len();
    let piece = n.div_ceil(PIECES);
    let first = src.k[0];
    let mut ors: Vec<(&[u128], u128)> = src.k.chunks(piece).map(|c| (c, 0)).collect();
    par::on_two_threads(&mut ors, |(keys, v)| *v = varying(keys, first));
    let varying = ors.iter().fold(0, |acc, (_, v)| acc | v);
    if varying == 0 {
        if to_dst {
            dst.copy_from(&src);
        }
        return;
    }
    let (digit, more) = Digit::for_range(varying, n, gather);
    let buckets = digit.buckets();
    let mut counted: Vec<(&[u128], &mut [u8], [usize; MAX_BUCKETS])> = src
        .k
        .chunks(piece)
        .zip(digits.chunks_mut(piece))
        .map(|(k, d)| (k, d, [0; MAX_BUCKETS]))
        .collect();
    par::on_two_threads(&mut counted, |(keys, d, at)| {
        digit.write(keys, d);
        *at = count(d);
    });
    let counts: Vec<[usize; MAX_BUCKETS]> = counted.into_iter().map(|(_, _, at)| at).collect();
    // Each piece's part of each bucket, bucket by bucket, piece by piece.
    let mut sizes = [0usize; MAX_BUCKETS];
    let mut parts: Vec<Vec<Halves<'_>>> = counts.iter().map(|_| Vec::new()).collect();
    let mut rest = dst.reborrow();
    for (b, size) in sizes.iter_mut().enumerate().take(buckets) {
        for (p, at) in counts.iter().enumerate() {
            let (part, tail) = rest.split_at(at[b]);
            parts[p].push(part);
            rest = tail;
            *size += at[b];
        }
    }
    let mut scatters: Vec<Scatter<'_>> = src
        .k
        .chunks(piece)
        .zip(src.r.chunks(piece))
        .zip(digits.chunks(piece))
        .zip(parts)
        .map(|(((k, r), d), parts)| (k, r, d, parts))
        .collect();
    par::on_two_threads(&mut scatters, |(keys, rows, d, parts)| {
        let mut at = [0usize; MAX_BUCKETS];
        for ((&key, &row), &d) in keys.iter().zip(rows.iter()).zip(d.iter()) {
            let d = usize::from(d);
            parts[d].k[at[d]] = key;
            parts[d].r[at[d]] = row;
            at[d] += 1;
        }
    });
    drop(scatters);
    // The buckets, from `dst` back into `src`.
    let mut jobs: Vec<(Halves<'_>, Halves<'_>, &mut [u8])> = Vec::new();
    each_bucket(
        dst,
        src,
        digits,
        &sizes[..buckets],
        |b_from, mut b_to, d| {
            if !more {
                // The bucket's keys are equal: in order already.
                if !to_dst {
                    b_to.copy_from(&b_from);
                }
            } else if b_from.len() >= SPLIT_FROM && b_from.len() > n / 4 {
                // A bucket holding much of the range (a prefix all but a few rows share) is
                // split in its turn, not left to one thread.
                sort_split(b_from, b_to, d, !to_dst, gather);
            } else {
                jobs.push((b_from, b_to, d));
            }
        },
    );
    par::on_two_threads(&mut jobs, |(b_from, b_to, d)| {
        sort_into(b_from.reborrow(), b_to.reborrow(), d, !to_dst, gather);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn wide_keys_sort_stably_like_a_compared_sort(
            keys in proptest::collection::vec(prop_oneof![
                (0u128..3).prop_map(|k| k << 100),
                (0u128..3).prop_map(|k| (7 << 96) | (k << 40) | 5),
                // A shared prefix, then bits varying from an unaligned place on.
                any::<u128>().prop_map(|k| (0xabc << 116) | (k >> 61)),
                any::<u128>(),
            ], 0..6000),
        ) {
            let rows: Vec<u32> = (0..keys.len() as u32).map(|i| i * 2).collect();
            let mut want: Vec<usize> = (0..keys.len()).collect();
            want.sort_by_key(|&k| (keys[k], k));
            let want: Vec<u32> = want.into_iter().map(|k| rows[k]).collect();
            // A scratch used before, by a longer sort: its spare buffers hold stale rows.
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            // Both kinds of digit, where this machine has both.
            for gather in [false, can_gather()] {
                let mut scratch = WideScratch::default();
                let mut stale: Vec<u32> = (0..keys.len() as u32 + 3).collect();
                scratch.keys = vec![7; stale.len()];
                sort_wide(&mut stale, &mut scratch, gather);
                let mut order = rows.clone();
                scratch.keys.clone_from(&keys);
                sort_wide(&mut order, &mut scratch, gather);
                prop_assert_eq!(&order, &want);
                prop_assert_eq!(&scratch.keys, &sorted);
            }
        }

    }
}
