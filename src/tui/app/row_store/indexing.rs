//! Indexing the rows after the load, in slices the event loop runs when it has nothing else
//! to do: the pair index (`pairs`) first, the gram index (`grams`) following it.

use super::RowStore;
use crate::model::Token;

/// From this many rows on the store builds a gram index (`grams`) in idle time: below, a
/// search of every candidate row is quick (a few in unit tests, so the tests build one).
const GRAMS_FROM: usize = if cfg!(test) { 8 } else { 65_536 };

impl RowStore {
    /// [`Self::extend`] without indexing the new rows: the load path, where indexing (~350 ns
    /// a row with the ids' pairs and the grams, ~0.7 s at 2,000,000 rows) would be paid on the
    /// thread that draws while the pages come in. [`Self::index_some`] catches up afterwards;
    /// until then the rows past the index are searched, not looked up.
    pub fn extend_unindexed(&mut self, tokens: impl IntoIterator<Item = Token>) {
        let tokens = tokens.into_iter();
        let (n, _) = tokens.size_hint();
        self.reserve(n);
        for t in tokens {
            self.push_row(t, false);
        }
    }

    /// Indexes up to `rows` more rows' pairs, and up to as many rows' grams (the gram index
    /// follows the pairs); whether rows are left unindexed.
    pub fn index_some(&mut self, rows: usize) -> bool {
        let from = self.pairs.rows();
        let to = from.saturating_add(rows).min(self.len());
        let (hay, at, ids, other) = (&self.hay, &self.hay_at, &self.ids, &self.other);
        let is_other = |r: usize| other.get(r / 64).is_some_and(|w| w & (1 << (r % 64)) != 0);
        self.pairs.push_rows(
            (from, to, self.ids.len()),
            |r| &hay[at[r]..at[r + 1]],
            |r| (!is_other(r)).then(|| ids[r]),
        );
        if self.len() >= GRAMS_FROM {
            let (hay, at) = (&self.hay, &self.hay_at);
            self.pairs
                .index_grams(self.len(), rows, |r| &hay[at[r]..at[r + 1]]);
        }
        self.unindexed() > 0
    }

    /// Rows past the pair index (see [`Self::extend_unindexed`]), or in a store large enough
    /// to have a gram index, past that (it follows the pairs).
    pub fn unindexed(&self) -> usize {
        let behind = self.len() - self.pairs.rows();
        if self.len() >= GRAMS_FROM {
            behind + self.pairs.grams_behind()
        } else {
            behind
        }
    }
}
