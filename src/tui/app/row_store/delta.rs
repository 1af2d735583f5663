//! Changes applied to the store in batches (issue 19's refresh by change): where a set of ids
//! are, in one pass, and many rows removed in one pass (one at a time each removal moves every
//! later row: a thousand revokes at two million rows would move them a thousand times).

use std::collections::HashMap;

use crate::model::Token;

use super::{RowStore, pack_uuid};

/// Keeps the items whose `kill` entry is false.
fn retain_rows<T>(v: &mut Vec<T>, kill: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        let keep = !kill[i];
        i += 1;
        keep
    });
}

/// The rows of a text arena (`arena[at[i]..at[i + 1]]`) whose `kill` entry is false.
fn retain_arena(arena: &[u8], at: &[usize], kill: &[bool]) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::with_capacity(arena.len());
    let mut out_at = Vec::with_capacity(at.len());
    out_at.push(0);
    for (i, k) in kill.iter().enumerate() {
        if !k {
            out.extend_from_slice(&arena[at[i]..at[i + 1]]);
            out_at.push(out.len());
        }
    }
    (out, out_at)
}

impl RowStore {
    /// The row of each id (None: not held), in one pass over the rows.
    pub fn positions(&self, ids: &[&str]) -> Vec<Option<usize>> {
        let mut uuids: HashMap<u128, usize> = HashMap::new();
        let mut texts: HashMap<&str, usize> = HashMap::new();
        for (k, id) in ids.iter().enumerate() {
            match pack_uuid(id) {
                Some(n) => uuids.insert(n, k),
                None => texts.insert(id, k),
            };
        }
        let mut out = vec![None; ids.len()];
        for row in 0..self.len() {
            let k = if self.is_other(row) {
                texts.get(&*self.id(row)).copied()
            } else {
                uuids.get(&self.ids[row]).copied()
            };
            if let Some(k) = k {
                out[k] = Some(row);
            }
        }
        out
    }

    /// Removes the rows `dead` (ascending, no repeats); the others keep their order, each
    /// moving down by the number of removed rows before it.
    pub fn remove_rows(&mut self, dead: &[usize]) {
        let n = self.len();
        let Some(&first) = dead.first() else {
            return;
        };
        let mut kill = vec![false; n];
        for &d in dead.iter().filter(|&&d| d < n) {
            kill[d] = true;
        }
        if !self.other_ids.is_empty() {
            // Ids kept as text are numbered by row order: rebuild from the first removed row.
            let rest: Vec<Token> = (first + 1..n)
                .filter(|&i| !kill[i])
                .map(|i| self.token(i))
                .collect();
            self.truncate(first);
            self.extend(rest);
            return;
        }
        let (text, text_at) = retain_arena(self.text.as_bytes(), &self.text_at, &kill);
        // Whole rows of valid UTF-8, so the result is too.
        self.text = String::from_utf8(text).unwrap_or_default();
        self.text_at = text_at;
        let (hay, hay_at) = retain_arena(&self.hay, &self.hay_at, &kill);
        self.hay = hay;
        self.hay_at = hay_at;
        retain_rows(&mut self.ids, &kill);
        // The rows from the first one gone on have moved: index them again (every id is a
        // UUID here).
        self.pairs.truncate(first);
        for row in first..self.hay_at.len() - 1 {
            let text = &self.hay[self.hay_at[row]..self.hay_at[row + 1]];
            self.pairs.push(row, text, Some(self.ids[row]));
        }
        retain_rows(&mut self.masks, &kill);
        retain_rows(&mut self.subject, &kill);
        retain_rows(&mut self.issuer, &kill);
        retain_rows(&mut self.scope, &kill);
        retain_rows(&mut self.issued, &kill);
        retain_rows(&mut self.expiry, &kill);
        retain_rows(&mut self.last_used, &kill);
        retain_rows(&mut self.refreshable, &kill);
        retain_rows(&mut self.user_disabled, &kill);
    }
}
