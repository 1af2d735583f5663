//! Passes over a whole view split between this thread and one more: the second thread is
//! a help, never needed (when none can be had, this thread does every piece), and the result
//! is the same row for row as one pass.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// From this many rows on a pass is split (a few in unit tests, so the split is checked).
const SPLIT_FROM: usize = if cfg!(test) { 4 } else { 100_000 };

/// Runs `work` on every piece, taken in turn by this thread and one more.
fn on_two_threads<T: Send>(pieces: &mut [T], work: impl Fn(&mut T) + Sync) {
    let cells: Vec<Mutex<&mut T>> = pieces.iter_mut().map(Mutex::new).collect();
    let next = AtomicUsize::new(0);
    let run = || {
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(cell) = cells.get(k) else { break };
            let mut piece = cell.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut piece);
        }
    };
    std::thread::scope(|s| {
        let _ = std::thread::Builder::new().spawn_scoped(s, run);
        run();
    });
}

/// Moves the rows for which `keep` holds to the front, in their order; how many. Every row is
/// written whether kept or not (no branch to mispredict on a filter's random hits).
fn compact(rows: &mut [usize], keep: &impl Fn(usize) -> bool) -> usize {
    let mut kept = 0;
    for r in 0..rows.len() {
        let i = rows[r];
        rows[kept] = i;
        kept += usize::from(keep(i));
    }
    kept
}

/// Keeps the rows of `v` for which `keep` holds, in their order.
pub(super) fn retain(v: &mut Vec<usize>, keep: impl Fn(usize) -> bool + Sync) {
    if v.len() < SPLIT_FROM {
        v.retain(|&i| keep(i));
        return;
    }
    let mid = v.len() / 2;
    let (a, b) = v.split_at_mut(mid);
    let mut pieces = [(a, 0usize), (b, 0usize)];
    on_two_threads(&mut pieces, |(rows, kept)| *kept = compact(rows, &keep));
    let (first, second) = (pieces[0].1, pieces[1].1);
    v.copy_within(mid..mid + second, first);
    v.truncate(first + second);
}

/// `out` becomes the rows of `from` for which `keep` holds, in their order.
pub(super) fn filter_into(
    from: &[usize],
    keep: impl Fn(usize) -> bool + Sync,
    out: &mut Vec<usize>,
) {
    out.clear();
    if from.len() < SPLIT_FROM {
        out.extend(from.iter().copied().filter(|&i| keep(i)));
        return;
    }
    let (a, b) = from.split_at(from.len() / 2);
    let mut pieces = [(a, Some(std::mem::take(out))), (b, None)];
    on_two_threads(&mut pieces, |(rows, kept)| {
        let kept = kept.get_or_insert_with(Vec::new);
        kept.clear();
        kept.extend_from_slice(rows);
        let n = compact(kept, &keep);
        kept.truncate(n);
    });
    let [(_, first), (_, second)] = pieces;
    *out = first.unwrap_or_default();
    out.extend_from_slice(&second.unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn split_passes_keep_what_one_pass_keeps(
            rows in proptest::collection::vec(0usize..50, 0..40),
            cut in 0usize..50,
        ) {
            let want: Vec<usize> = rows.iter().copied().filter(|&i| i % 3 != 0 && i < cut).collect();
            let mut v = rows.clone();
            retain(&mut v, |i| i % 3 != 0 && i < cut);
            prop_assert_eq!(&v, &want);
            let mut out = vec![7, 7, 7];
            filter_into(&rows, |i| i % 3 != 0 && i < cut, &mut out);
            prop_assert_eq!(&out, &want);
        }
    }
}
