//! Sorting by small integer keys without comparisons: rows whose sort key fits 32 bits (a
//! rank of an interned column, or a time within 136 years of the earliest) are put in order by
//! stable counting passes of 16 bits each, so rows with equal keys keep their arrival order,
//! exactly as the compared sort orders them.

/// Bits per counting pass.
const DIGIT: u32 = 16;

/// `rows` (in ascending row order) stably ordered by `keys` (`keys[k]` is the key of
/// `rows[k]`): one counting pass per 16 bits the largest key needs.
pub(super) fn sort_by_keys(rows: &[u32], keys: &[u32]) -> Vec<u32> {
    let mut packed: Vec<u64> = rows
        .iter()
        .zip(keys)
        .map(|(&i, &k)| (u64::from(k) << 32) | u64::from(i))
        .collect();
    let top = packed.iter().map(|p| p >> 32).max().unwrap_or(0);
    let mut spare = vec![0u64; packed.len()];
    let mut shift = 32;
    while shift < 64 && (shift == 32 || top >> (shift - 32) != 0) {
        counting_pass(&packed, &mut spare, shift);
        std::mem::swap(&mut packed, &mut spare);
        shift += DIGIT;
    }
    packed
        .iter()
        .map(|p| (p & u64::from(u32::MAX)) as u32)
        .collect()
}

/// Stable scatter of `from` into `to` by the 16 bits at `shift`.
fn counting_pass(from: &[u64], to: &mut [u64], shift: u32) {
    let digit = |p: u64| ((p >> shift) & ((1 << DIGIT) - 1)) as usize;
    let mut at = vec![0usize; 1 << DIGIT];
    for &p in from {
        at[digit(p)] += 1;
    }
    let mut sum = 0;
    for c in &mut at {
        let n = *c;
        *c = sum;
        sum += n;
    }
    for &p in from {
        let d = digit(p);
        to[at[d]] = p;
        at[d] += 1;
    }
}

/// The times `time(0..n)` as 32-bit keys in their order, a missing time after every time when
/// `missing_last`, else before; None when the times span more than 32 bits.
pub(super) fn time_keys(
    n: usize,
    time: impl Fn(usize) -> Option<i64>,
    missing_last: bool,
) -> Option<Vec<u32>> {
    let (mut min, mut max) = (i64::MAX, i64::MIN);
    for t in (0..n).filter_map(&time) {
        min = min.min(t);
        max = max.max(t);
    }
    if min > max {
        return Some(vec![0; n]);
    }
    let span = u32::try_from(max.checked_sub(min)?).ok()?;
    // 0 and u32::MAX are kept for missing times.
    if span >= u32::MAX - 1 {
        return None;
    }
    Some(
        (0..n)
            .map(|k| match time(k) {
                Some(t) => (t - min) as u32 + 1,
                None if missing_last => u32::MAX,
                None => 0,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn counting_passes_sort_stably_like_a_compared_sort(
            keys in proptest::collection::vec(prop_oneof![0u32..4, 0u32..70_000, any::<u32>()], 0..300),
        ) {
            let rows: Vec<u32> = (0..keys.len() as u32).collect();
            let mut want = rows.clone();
            want.sort_by_key(|&i| (keys[i as usize], i));
            prop_assert_eq!(sort_by_keys(&rows, &keys), want);
        }

        #[test]
        fn time_keys_keep_the_order_of_the_times(
            times in proptest::collection::vec(proptest::option::of(-5i64..5), 0..40),
            base in prop_oneof![Just(0i64), Just(i64::MIN / 2), Just(1_780_000_000)],
            last in any::<bool>(),
        ) {
            let times: Vec<Option<i64>> = times.iter().map(|t| t.map(|t| base + t * 1000)).collect();
            let keys = time_keys(times.len(), |k| times[k], last).expect("a small span");
            for (a, b) in times.iter().zip(&keys) {
                for (c, d) in times.iter().zip(&keys) {
                    let by_time = match (a, c) {
                        (Some(a), Some(c)) => a.cmp(c),
                        (None, None) => std::cmp::Ordering::Equal,
                        (None, Some(_)) => if last { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Less },
                        (Some(_), None) => if last { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater },
                    };
                    prop_assert_eq!(b.cmp(d), by_time);
                }
            }
        }
    }

    #[test]
    fn times_further_apart_than_32_bits_are_left_to_the_compared_sort() {
        let keys = |t: &[Option<i64>]| time_keys(t.len(), |k| t[k], true);
        assert_eq!(keys(&[Some(0), Some(1 << 33)]), None);
        assert_eq!(keys(&[Some(i64::MIN), Some(i64::MAX)]), None);
        assert_eq!(keys(&[None, None]), Some(vec![0, 0]));
    }
}
