//! Which rows the filter lets through, for actions that must not reach a row the person
//! cannot see (the bulk revoke of marked rows).

use super::{Rows, ix};

impl Rows {
    /// The token `id` is a row of the current view (not hidden by the filter).
    pub fn is_visible(&self, id: &str) -> bool {
        self.store
            .position(id)
            .is_some_and(|i| self.view.contains(ix(i)))
    }
}
