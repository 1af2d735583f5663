//! The refresh by change (issue 19): the tokens the server says changed are updated or added,
//! those revoked removed, and the sorted and filtered index mended around them (a merge, not a
//! sort of every row), keeping the selection (same token, same place on screen when it is
//! still shown), the marks, the filter and the sort.

use chrono::{DateTime, Utc};

use crate::model::Token;
use crate::model::sanitize::clean;

use super::{RowIx, Rows, ix};

impl Rows {
    /// Applies one answer of changes; true when any row changed (false: nothing to redraw
    /// but the counts, recomputed at `now` either way).
    pub fn apply_changes(
        &mut self,
        changed: Vec<Token>,
        revoked: &[String],
        now: DateTime<Utc>,
    ) -> bool {
        let time_moved = self.now != now;
        if changed.is_empty() && revoked.is_empty() {
            self.recount(now);
            if time_moved && self.query.is_some() {
                // `status:` and `unused:` depend on the clock.
                self.refilter();
            }
            return false;
        }
        let keep_id = self.selected_id();
        // The view is mended below: list it while its order is here.
        self.view.list_all(&self.order);
        let on_screen = self.selected.saturating_sub(self.offset);
        let changed_ids: Vec<String> = changed.iter().map(|t| clean(&t.token_id)).collect();
        let revoked: Vec<String> = revoked.iter().map(|id| clean(id)).collect();
        let names: Vec<&str> = changed_ids
            .iter()
            .chain(revoked.iter())
            .map(String::as_str)
            .collect();
        let at = self.store.positions(&names);
        let (at_changed, at_revoked) = at.split_at(changed_ids.len());

        // Rows taken out of the index: those revoked and those changed (put back in order).
        let n = self.store.len();
        let mut out = vec![false; n];
        let mut dead: Vec<usize> = at_revoked.iter().flatten().copied().collect();
        dead.sort_unstable();
        dead.dedup();
        let mut touched = Vec::new();
        let mut fresh_tokens = Vec::new();
        for (t, row) in changed.into_iter().zip(at_changed) {
            match *row {
                // A token that was revoked in the same answer stays gone.
                Some(r) if dead.binary_search(&r).is_ok() => {}
                Some(r) => {
                    self.store.replace(r, t);
                    touched.push(r);
                }
                None => fresh_tokens.push(t),
            }
        }
        for &r in dead.iter().chain(&touched) {
            out[r] = true;
        }
        let kept = |list: &[RowIx]| -> Vec<RowIx> {
            list.iter().copied().filter(|&i| !out[i as usize]).collect()
        };
        let (mut order, mut view) = (kept(&self.order), kept(self.view.rows(&self.order)));

        // Removing rows renumbers the ones after them.
        if !dead.is_empty() {
            self.store.remove_rows(&dead);
            let shift = |i: usize| i - dead.partition_point(|&d| d < i);
            for i in order.iter_mut().chain(view.iter_mut()) {
                *i = ix(shift(*i as usize));
            }
            for i in &mut touched {
                *i = shift(*i);
            }
            for id in &revoked {
                self.marked.remove(id);
            }
        }
        let from = self.store.len();
        self.store.extend(fresh_tokens);
        let mut fresh: Vec<RowIx> = touched
            .into_iter()
            .chain(from..self.store.len())
            .map(ix)
            .collect();
        self.sort_indices(&mut fresh);
        self.order = self.merge(&order, &fresh);
        self.recount(now);
        self.history.clear();
        if self.filter.is_empty() {
            self.view.set_all(&self.order);
        } else if time_moved && self.query.is_some() {
            self.refilter();
        } else {
            let pass = self.passes(&fresh);
            let shown: Vec<RowIx> = fresh
                .iter()
                .zip(pass)
                .filter(|(_, p)| *p)
                .map(|(&i, _)| i)
                .collect();
            let merged = self.merge(&view, &shown);
            self.view.set(merged);
        }
        match keep_id.and_then(|id| self.store.positions(&[&id])[0]) {
            Some(i) if let Some(pos) = self.view.position(&self.order, ix(i)) => {
                self.selected = pos;
                self.offset = pos.saturating_sub(on_screen);
            }
            // The selected row went away: the one that took its place is selected.
            _ => {}
        }
        self.clamp();
        true
    }

    /// Whether each of `rows` passes the filter (as [`Rows::hits`] does for a range).
    fn passes(&mut self, rows: &[RowIx]) -> Vec<bool> {
        if self.query_error.is_some() {
            return vec![false; rows.len()];
        }
        let Some(q) = self.query.clone() else {
            let m = self.store.matcher(&self.filter);
            return rows
                .iter()
                .map(|&i| self.store.hit(&m, i as usize))
                .collect();
        };
        let k = self.store.key_matcher(&q, self.now);
        let m = (!q.text.is_empty()).then(|| self.store.matcher(&q.text));
        rows.iter()
            .map(|&i| i as usize)
            .map(|i| m.as_ref().is_none_or(|m| self.store.hit(m, i)) && self.store.keys_hit(&k, i))
            .collect()
    }
}
