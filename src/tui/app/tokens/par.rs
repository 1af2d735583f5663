//! Passes over a whole view split between this thread and one more: the second thread is
//! a help, never needed (when none can be had, this thread does every piece), and the result
//! is the same row for row as one pass.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use super::RowIx;

/// From this many rows on a pass is split (a few in unit tests, so the split is checked).
const SPLIT_FROM: usize = if cfg!(test) { 4 } else { 100_000 };

/// Runs `work` on every piece, taken in turn by this thread and one more.
pub(super) fn on_two_threads<T: Send>(pieces: &mut [T], work: impl Fn(&mut T) + Sync) {
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
fn compact(rows: &mut [RowIx], keep: &impl Fn(usize) -> bool) -> usize {
    let mut kept = 0;
    for r in 0..rows.len() {
        let i = rows[r];
        rows[kept] = i;
        kept += usize::from(keep(i as usize));
    }
    kept
}

/// Rows per piece of a split pass: small, so a helper thread that starts late (a busy
/// machine) leaves this one at most a piece to wait for.
const PIECE: usize = if cfg!(test) { 3 } else { 1 << 15 };

/// `out[k]` becomes `f(from[k])` for every k (the same length).
pub(super) fn map_into<T: Send>(from: &[RowIx], out: &mut [T], f: impl Fn(usize) -> T + Sync) {
    let fill = |(from, out): &mut (&[RowIx], &mut [T])| {
        for (o, &i) in out.iter_mut().zip(from.iter()) {
            *o = f(i as usize);
        }
    };
    let mut pieces: Vec<(&[RowIx], &mut [T])> =
        from.chunks(PIECE).zip(out.chunks_mut(PIECE)).collect();
    if from.len() < SPLIT_FROM {
        pieces.iter_mut().for_each(fill);
    } else {
        on_two_threads(&mut pieces, fill);
    }
}

/// Keeps the rows of `v` for which `keep` holds, in their order.
pub(super) fn retain(v: &mut Vec<RowIx>, keep: impl Fn(usize) -> bool + Sync) {
    if v.len() < SPLIT_FROM {
        v.retain(|&i| keep(i as usize));
        return;
    }
    let mut pieces: Vec<(&mut [RowIx], usize)> = v.chunks_mut(PIECE).map(|c| (c, 0)).collect();
    on_two_threads(&mut pieces, |(rows, kept)| *kept = compact(rows, &keep));
    let kept: Vec<usize> = pieces.iter().map(|(_, k)| *k).collect();
    let mut to = 0;
    for (p, k) in kept.into_iter().enumerate() {
        v.copy_within(p * PIECE..p * PIECE + k, to);
        to += k;
    }
    v.truncate(to);
}

/// `out` becomes the rows of `from` for which `keep` holds, in their order.
pub(super) fn filter_into(
    from: &[RowIx],
    keep: impl Fn(usize) -> bool + Sync,
    out: &mut Vec<RowIx>,
) {
    out.clear();
    if from.len() < SPLIT_FROM {
        out.extend(from.iter().copied().filter(|&i| keep(i as usize)));
        return;
    }
    out.extend_from_slice(from);
    retain(out, keep);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn split_passes_keep_what_one_pass_keeps(
            rows in proptest::collection::vec(0u32..50, 0..40),
            cut in 0usize..50,
        ) {
            let want: Vec<RowIx> = rows.iter().copied().filter(|&i| i % 3 != 0 && (i as usize) < cut).collect();
            let mut v = rows.clone();
            retain(&mut v, |i| i % 3 != 0 && i < cut);
            prop_assert_eq!(&v, &want);
            let mut out = vec![7, 7, 7];
            filter_into(&rows, |i| i % 3 != 0 && i < cut, &mut out);
            prop_assert_eq!(&out, &want);
        }
    }
}
