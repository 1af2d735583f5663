//! The compact row store: every token the table holds, one column per field instead of one
//! struct of `String`s per token. Subjects, issuers and scopes are interned (a service has few
//! distinct ones), token ids are kept as 16-byte UUIDs when they are canonical UUIDs (any other
//! id is kept as text), and descriptions, the lowercased filter text and the UUIDs as text live
//! in two arenas, with a 64-bit mask per row of the bytes its filter text and id hold (`scan`).
//! At 500,000 tokens this holds a token in well under 400 bytes (`tests/benches/large_bench.rs`).
//!
//! Rows are numbered in arrival order; the table's sorted and filtered indices refer to these
//! numbers. Every string is cleaned for display on the way in.

mod arena;
mod classes;
mod delta;
mod grams;
mod indexing;
mod interner;
mod keys;
mod pairs;
mod row_maps;
mod scan;
mod short_search;
mod uuid_match;

use std::borrow::Cow;

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::model::Token;
use crate::model::sanitize::{clean, sanitize_line};
use crate::model::token::{scope_summary, subject_username};

use arena::{push_hay, splice};
use interner::{Interner, ranks};
use pairs::PairIndex;
use scan::byte_mask;

pub use keys::KeyMatcher;
pub use scan::Matcher;

/// Marks "no time" in a time column.
const NO_TIME: i64 = i64::MIN;

/// Packs a canonical (lowercase, hyphenated) UUID into 16 bytes; anything else is `None` so it
/// is kept as text and shown exactly as the server sent it.
pub fn pack_uuid(id: &str) -> Option<u128> {
    if id.len() != 36 {
        return None;
    }
    let u = Uuid::try_parse(id).ok()?;
    let mut buf = [0u8; 36];
    (u.hyphenated().encode_lower(&mut buf) == id).then(|| u.as_u128())
}

/// The text of a packed UUID.
pub fn unpack_uuid(n: u128) -> String {
    Uuid::from_u128(n).hyphenated().to_string()
}

/// Appends a row's filter text to `hay` and gives its mask (which also holds the bytes of an id
/// kept as a UUID, so a one-letter query is answered by the mask alone).
fn push_filter_text(hay: &mut Vec<u8>, description: &str, id: &str, uuid: bool) -> u64 {
    let start = hay.len();
    push_hay(hay, description, (!uuid).then_some(id));
    let id_bytes = if uuid { id.as_bytes() } else { b"" };
    byte_mask(&hay[start..]) | byte_mask(id_bytes)
}

fn time(t: Option<DateTime<Utc>>) -> i64 {
    t.map_or(NO_TIME, |t| t.timestamp())
}

fn from_time(secs: i64) -> Option<DateTime<Utc>> {
    (secs != NO_TIME)
        .then(|| Utc.timestamp_opt(secs, 0).single())
        .flatten()
}

#[derive(Clone, Default)]
pub struct RowStore {
    /// The UUID, or for a row in `other` the index into `other_ids`.
    ids: Vec<u128>,
    /// One bit per row: its id is text in `other_ids`.
    other: Vec<u64>,
    other_ids: Vec<Box<str>>,
    /// Row i's description is `text[text_at[i]..text_at[i + 1]]`.
    text: String,
    text_at: Vec<usize>,
    /// Row i's filter text (lowercased "description NUL", and its id when that is not a UUID)
    /// is `hay[hay_at[i]..hay_at[i + 1]]`: one contiguous buffer, so a full filter is one SIMD
    /// scan, not 500,000 small ones.
    hay: Vec<u8>,
    hay_at: Vec<usize>,
    /// Row i's filter text as a set of bytes (see `scan`): a one-letter filter reads only this.
    masks: Vec<u64>,
    /// Which rows' filter text holds each pair of letters or digits (see `pairs`).
    pairs: PairIndex,
    subjects: Interner,
    issuers: Interner,
    scopes: Interner,
    subject: Vec<u32>,
    issuer: Vec<u32>,
    /// `u32::MAX`: the server sent no scope.
    scope: Vec<u32>,
    issued: Vec<i64>,
    expiry: Vec<i64>,
    last_used: Vec<i64>,
    refreshable: Vec<bool>,
    /// The subject user is disabled (the server said so with the token).
    user_disabled: Vec<bool>,
    /// Each interned scope's `scope:` kinds, filled at the first such query (scopes only grow).
    scope_kinds: Vec<u8>,
}

impl std::fmt::Debug for RowStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStore")
            .field("rows", &self.len())
            .field("subjects", &self.subjects.len())
            .field("scopes", &self.scopes.len())
            .finish()
    }
}

const NO_SCOPE: u32 = u32::MAX;
/// What the Scope column shows when the server sent no scope (real JFrog lists).
const NO_SCOPE_SHOWN: &str = "—";

impl RowStore {
    pub fn from_tokens(tokens: impl IntoIterator<Item = Token>) -> RowStore {
        let mut s = RowStore::default();
        s.extend(tokens);
        s
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn extend(&mut self, tokens: impl IntoIterator<Item = Token>) {
        let tokens = tokens.into_iter();
        let (n, _) = tokens.size_hint();
        self.reserve(n);
        for t in tokens {
            self.push(t);
        }
    }

    fn reserve(&mut self, n: usize) {
        self.ids.reserve(n);
        self.text_at.reserve(n + 1);
        self.hay_at.reserve(n + 1);
        self.masks.reserve(n);
        self.subject.reserve(n);
        self.issuer.reserve(n);
        self.scope.reserve(n);
        self.issued.reserve(n);
        self.expiry.reserve(n);
        self.last_used.reserve(n);
        self.refreshable.reserve(n);
        self.user_disabled.reserve(n);
    }

    /// Adds one token at the end, cleaning every string for display.
    pub fn push(&mut self, t: Token) {
        self.push_row(t, true);
    }

    /// Adds one token; its pairs are indexed when `index` and the index has every row before.
    fn push_row(&mut self, t: Token, index: bool) {
        if self.text_at.is_empty() {
            self.text_at.push(0);
            self.hay_at.push(0);
        }
        let row = self.ids.len();
        let id = sanitize_line(&t.token_id);
        let uuid = pack_uuid(&id);
        match uuid {
            Some(n) => self.ids.push(n),
            None => {
                self.ids.push(self.other_ids.len() as u128);
                self.other_ids.push(id.as_ref().into());
                self.set_other(row);
            }
        }
        let description = sanitize_line(&t.description);
        self.text.push_str(&description);
        self.text_at.push(self.text.len());
        let start = self.hay.len();
        let mask = push_filter_text(&mut self.hay, &description, &id, uuid.is_some());
        self.masks.push(mask);
        if index {
            self.pairs.push(row, &self.hay[start..], uuid);
        }
        self.hay_at.push(self.hay.len());
        let (subject, issuer, scope) = self.intern(&t);
        self.subject.push(subject);
        self.issuer.push(issuer);
        self.scope.push(scope);
        self.issued.push(t.issued_at.timestamp());
        self.expiry.push(time(t.expiry));
        self.last_used.push(time(t.last_used));
        self.refreshable.push(t.refreshable);
        self.user_disabled.push(t.user_disabled);
    }

    fn set_other(&mut self, row: usize) {
        let (w, b) = (row / 64, row % 64);
        if self.other.len() <= w {
            self.other.resize(w + 1, 0);
        }
        self.other[w] |= 1 << b;
    }

    fn is_other(&self, row: usize) -> bool {
        self.other
            .get(row / 64)
            .is_some_and(|w| w & (1 << (row % 64)) != 0)
    }

    fn intern(&mut self, t: &Token) -> (u32, u32, u32) {
        // Borrowed when clean, and the scope's summary made only for a scope not seen yet:
        // most of two million tokens share a few subjects and scopes.
        let subject = self.subjects.intern(&sanitize_line(&t.subject), |s| {
            let user = subject_username(s).to_owned();
            let hay = user.to_lowercase();
            (user, hay)
        });
        let issuer = self.issuers.intern(&sanitize_line(&t.issuer), |_| {
            (String::new(), String::new())
        });
        let scope = match t.scope.as_deref() {
            None => NO_SCOPE,
            Some(raw) => self.scopes.intern(&sanitize_line(raw), |raw| {
                let summary = clean(&scope_summary(Some(raw)));
                let hay = format!("{raw}\u{0}{summary}").to_lowercase();
                (summary, hay)
            }),
        };
        (subject, issuer, scope)
    }

    /// The id as the server sent it (cleaned).
    pub fn id(&self, row: usize) -> Cow<'_, str> {
        if self.is_other(row) {
            Cow::Borrowed(&self.other_ids[self.ids[row] as usize])
        } else {
            Cow::Owned(unpack_uuid(self.ids[row]))
        }
    }

    /// The row holding this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        match pack_uuid(id) {
            Some(n) => (0..self.len()).find(|&i| self.ids[i] == n && !self.is_other(i)),
            None => (0..self.len()).find(|&i| self.is_other(i) && self.id(i) == id),
        }
    }

    #[inline]
    pub fn description(&self, row: usize) -> &str {
        &self.text[self.text_at[row]..self.text_at[row + 1]]
    }

    pub fn subject(&self, row: usize) -> &str {
        &self.subjects.get(self.subject[row]).text
    }

    pub fn username(&self, row: usize) -> &str {
        &self.subjects.get(self.subject[row]).shown
    }

    pub fn scope(&self, row: usize) -> Option<&str> {
        match self.scope[row] {
            NO_SCOPE => None,
            n => Some(&self.scopes.get(n).text),
        }
    }

    pub fn scope_summary(&self, row: usize) -> &str {
        match self.scope[row] {
            NO_SCOPE => NO_SCOPE_SHOWN,
            n => &self.scopes.get(n).shown,
        }
    }

    pub fn issued_at(&self, row: usize) -> DateTime<Utc> {
        from_time(self.issued[row]).unwrap_or_default()
    }

    pub fn issued_secs(&self, row: usize) -> i64 {
        self.issued[row]
    }

    pub fn expiry(&self, row: usize) -> Option<DateTime<Utc>> {
        from_time(self.expiry[row])
    }

    /// Expiry in epoch seconds; `None` never expires.
    pub fn expiry_secs(&self, row: usize) -> Option<i64> {
        Some(self.expiry[row]).filter(|&s| s != NO_TIME)
    }

    /// Last used in epoch seconds; `None` never used.
    pub fn last_used_secs(&self, row: usize) -> Option<i64> {
        Some(self.last_used[row]).filter(|&s| s != NO_TIME)
    }

    /// Each row's rank by user name (equal names, equal ranks): sorting by it is sorting by
    /// the name, without comparing text.
    pub fn username_ranks(&self) -> Vec<u32> {
        let ranks = ranks(self.subjects.entries.iter().map(|e| &*e.shown));
        self.subject.iter().map(|&n| ranks[n as usize]).collect()
    }

    /// Each row's rank by the Scope column's text, as [`Self::username_ranks`].
    pub fn scope_summary_ranks(&self) -> Vec<u32> {
        let shown = self.scopes.entries.iter().map(|e| &*e.shown);
        // The last rank is the one of rows without a scope.
        let ranks = ranks(shown.chain([NO_SCOPE_SHOWN]));
        let none = ranks[ranks.len() - 1];
        self.scope
            .iter()
            .map(|&n| {
                if n == NO_SCOPE {
                    none
                } else {
                    ranks[n as usize]
                }
            })
            .collect()
    }

    /// The subject user is disabled.
    pub fn user_disabled(&self, row: usize) -> bool {
        self.user_disabled[row]
    }

    /// Every row's id is a canonical UUID (none is kept as text).
    pub fn all_uuids(&self) -> bool {
        self.other_ids.is_empty()
    }

    /// A packed UUID, when the row's id is one.
    pub fn uuid(&self, row: usize) -> Option<u128> {
        (!self.is_other(row)).then(|| self.ids[row])
    }

    /// The token as it was pushed (strings cleaned).
    pub fn token(&self, row: usize) -> Token {
        Token {
            token_id: self.id(row).into_owned(),
            description: self.description(row).to_owned(),
            subject: self.subject(row).to_owned(),
            issuer: self.issuers.get(self.issuer[row]).text.to_string(),
            issued_at: self.issued_at(row),
            expiry: self.expiry(row),
            scope: self.scope(row).map(str::to_owned),
            refreshable: self.refreshable[row],
            last_used: from_time(self.last_used[row]),
            user_disabled: self.user_disabled[row],
            last_from: None,
        }
    }

    /// Replaces one row's token (a detail fetched later), keeping its number.
    pub fn replace(&mut self, row: usize, t: Token) {
        if row >= self.len() {
            return;
        }
        let id = clean(&t.token_id);
        match (pack_uuid(&id), self.is_other(row)) {
            (Some(n), false) => self.ids[row] = n,
            (None, true) => self.other_ids[self.ids[row] as usize] = id.as_str().into(),
            // The id changes kind: rebuild from this row on (never seen from a server).
            _ => {
                let mut rest: Vec<Token> = (row + 1..self.len()).map(|i| self.token(i)).collect();
                rest.insert(0, t);
                self.truncate(row);
                self.extend(rest);
                return;
            }
        }
        let description = clean(&t.description);
        splice(
            &mut self.text,
            &mut self.text_at,
            row,
            description.as_bytes(),
        );
        let mut hay = Vec::with_capacity(description.len() + 1);
        let mask = push_filter_text(&mut hay, &description, &id, !self.is_other(row));
        self.masks[row] = mask;
        let uuid = (!self.is_other(row)).then(|| self.ids[row]);
        self.pairs.replace(row, &hay, uuid);
        splice(&mut self.hay, &mut self.hay_at, row, &hay);
        let (subject, issuer, scope) = self.intern(&t);
        self.subject[row] = subject;
        self.issuer[row] = issuer;
        self.scope[row] = scope;
        self.issued[row] = t.issued_at.timestamp();
        self.expiry[row] = time(t.expiry);
        self.last_used[row] = time(t.last_used);
        self.refreshable[row] = t.refreshable;
        self.user_disabled[row] = t.user_disabled;
    }

    /// Removes one row; the rows after it move down by one.
    pub fn remove(&mut self, row: usize) {
        if row >= self.len() {
            return;
        }
        if !self.other_ids.is_empty() {
            // Ids kept as text are numbered by row order: rebuild from this row on.
            let rest: Vec<Token> = (row + 1..self.len()).map(|i| self.token(i)).collect();
            self.truncate(row);
            self.extend(rest);
            return;
        }
        splice(&mut self.text, &mut self.text_at, row, b"");
        self.text_at.remove(row + 1);
        splice(&mut self.hay, &mut self.hay_at, row, b"");
        self.hay_at.remove(row + 1);
        self.pairs.remove(row);
        self.masks.remove(row);
        self.ids.remove(row);
        self.subject.remove(row);
        self.issuer.remove(row);
        self.scope.remove(row);
        self.issued.remove(row);
        self.expiry.remove(row);
        self.last_used.remove(row);
        self.refreshable.remove(row);
        self.user_disabled.remove(row);
    }

    /// Keeps the first `n` rows (interned strings stay).
    fn truncate(&mut self, n: usize) {
        if n >= self.len() {
            return;
        }
        let other_kept = (0..n).filter(|&i| self.is_other(i)).count();
        self.other_ids.truncate(other_kept);
        for i in n..self.len() {
            if let Some(w) = self.other.get_mut(i / 64) {
                *w &= !(1 << (i % 64));
            }
        }
        self.ids.truncate(n);
        self.text.truncate(self.text_at[n]);
        self.text_at.truncate(n + 1);
        self.hay.truncate(self.hay_at[n]);
        self.hay_at.truncate(n + 1);
        self.pairs.truncate(n);
        self.masks.truncate(n);
        self.subject.truncate(n);
        self.issuer.truncate(n);
        self.scope.truncate(n);
        self.issued.truncate(n);
        self.expiry.truncate(n);
        self.last_used.truncate(n);
        self.refreshable.truncate(n);
        self.user_disabled.truncate(n);
    }
}

#[cfg(test)]
mod tests;
