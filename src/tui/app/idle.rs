//! Work for the loop's idle time, done a slice at a time between events so a key never waits
//! for more than one slice.

use super::App;

/// Rows indexed per slice: ~1-2 ms here (a key that comes in waits for the slice to end).
const INDEX_SLICE: usize = 4_096;

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
