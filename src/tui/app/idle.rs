//! Work for the loop's idle time, done a slice at a time between events so a key never waits
//! for more than one slice.

use super::App;

/// Rows indexed per slice: ~2 ms here (~110 ns a row).
const INDEX_SLICE: usize = 16_384;

impl App {
    /// Whether there is idle work: rows the load left unindexed, once the pages have stopped
    /// coming (they go first: the list loads no later for the index).
    pub fn has_idle_work(&self) -> bool {
        self.table.streaming.is_none() && self.table.rows.unindexed() > 0
    }

    /// One slice of the idle work.
    pub fn idle_work(&mut self) {
        self.table.rows.index_some(INDEX_SLICE);
    }
}
