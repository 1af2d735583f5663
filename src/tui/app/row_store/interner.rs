//! Distinct strings stored once (subjects, issuers, scopes), with what the table shows and the
//! filter searches for each.

use std::collections::HashMap;

use memchr::memmem::Finder;

/// One distinct string, with what the table and the filter need of it.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) text: Box<str>,
    /// What the table shows and sorts by (the user name of a subject, the summary of a scope).
    pub(super) shown: Box<str>,
    /// Lowercased text the filter searches.
    pub(super) hay: Box<str>,
}

/// Distinct strings, each stored once; rows refer to them by number.
#[derive(Debug, Clone, Default)]
pub(super) struct Interner {
    pub(super) entries: Vec<Entry>,
    /// foldhash's randomly seeded hasher: fast, and a hostile server cannot choose collisions.
    index: HashMap<Box<str>, u32, foldhash::fast::RandomState>,
}

impl Interner {
    pub(super) fn intern(
        &mut self,
        text: &str,
        make: impl FnOnce(&str) -> (String, String),
    ) -> u32 {
        if let Some(&n) = self.index.get(text) {
            return n;
        }
        let n = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let (shown, hay) = make(text);
        self.entries.push(Entry {
            text: text.into(),
            shown: shown.into(),
            hay: hay.into(),
        });
        self.index.insert(text.into(), n);
        n
    }

    pub(super) fn get(&self, n: u32) -> &Entry {
        &self.entries[n as usize]
    }

    /// Which entries contain `query`.
    pub(super) fn hits(&self, finder: &Finder<'_>) -> Vec<bool> {
        self.entries
            .iter()
            .map(|e| finder.find(e.hay.as_bytes()).is_some())
            .collect()
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The rank of each text among all of them, equal texts sharing a rank.
pub(super) fn ranks<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let texts: Vec<&str> = texts.collect();
    let mut by_text: Vec<usize> = (0..texts.len()).collect();
    by_text.sort_by(|&a, &b| texts[a].cmp(texts[b]));
    let mut ranks = vec![0u32; texts.len()];
    let mut rank = 0u32;
    for (k, &i) in by_text.iter().enumerate() {
        if k > 0 && texts[i] != texts[by_text[k - 1]] {
            rank += 1;
        }
        ranks[i] = rank;
    }
    ranks
}
