//! Refresh by change (issue 19): which token rows changed since a cursor, on both backends.
//!
//! A cursor is a position in the database's change order, read *before* the rows it goes
//! with: a row written in between is sent now and again after that cursor (a client applies
//! a change by token id, so twice is the same as once), never skipped.
//! - SQLite: the number of the last change (`token_changes.seq`, bumped by triggers on every
//!   insert and update of a token row; the single writer commits them in order).
//! - PostgreSQL: the oldest transaction still running (`pg_snapshot_xmin`); each token row
//!   keeps the transaction that last wrote it (`change_xid`), so every row written after the
//!   cursor was read has `change_xid >= cursor`, whenever it commits.
//!
//! Some changes no row can tell (a token deleted, a user disabled or enabled: the status of
//! every token of theirs): they mark every older cursor [`Changes::Stale`], and the client lists
//! again (SQLite: the counter's number of the last such change; PostgreSQL: a count of them,
//! carried in the cursor: xids cannot say whether such a change came before a cursor when a
//! transaction anywhere in the cluster holds the oldest running xid back). Expiry needs nothing: a row carries its expiry time, and the client's clock tells.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::tokens::TokenRow;

/// A position in the change order of one backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor {
    pub(crate) backend: char,
    pub(crate) pos: i64,
    /// PostgreSQL: the count of changes no row tells when the cursor was read (SQLite: 0).
    pub(crate) generation: i64,
}

impl ChangeCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "k1.{}.{}.{}",
            self.backend, self.pos, self.generation
        ))
    }

    /// None for anything this service did not make.
    pub fn decode(text: &str) -> Option<ChangeCursor> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let rest = raw.strip_prefix("k1.")?;
        let mut parts = rest.splitn(3, '.');
        let (backend, pos, generation) = (parts.next()?, parts.next()?, parts.next()?);
        let mut chars = backend.chars();
        let backend = chars.next().filter(|c| matches!(c, 's' | 'p'))?;
        if chars.next().is_some() {
            return None;
        }
        let pos: i64 = pos.parse().ok().filter(|p| *p >= 0)?;
        let generation: i64 = generation.parse().ok().filter(|g| *g >= 0)?;
        Some(ChangeCursor {
            backend,
            pos,
            generation,
        })
    }
}

/// What a change listing asks: the rows of `username` (None: everyone's), at most `limit`.
#[derive(Debug, Clone)]
pub struct ChangeQuery {
    pub since: ChangeCursor,
    pub username: Option<String>,
    pub limit: u32,
}

/// A token row written since the cursor: live (its current state) or revoked.
#[derive(Debug, Clone)]
pub struct ChangedRow {
    pub row: TokenRow,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub enum Changes {
    /// Every row changed since the cursor, and the cursor to ask with next time.
    Rows {
        rows: Vec<ChangedRow>,
        next: ChangeCursor,
    },
    /// Something changed that no row tells (or the cursor is from another database or
    /// backend): list again.
    Stale,
    /// More than `limit` rows changed: listing again is cheaper.
    TooMany,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        for c in [
            ChangeCursor {
                backend: 's',
                pos: 0,
                generation: 0,
            },
            ChangeCursor {
                backend: 'p',
                pos: 1 << 40,
                generation: 3,
            },
        ] {
            assert_eq!(ChangeCursor::decode(&c.encode()), Some(c));
        }
        for bad in [
            "",
            "!!",
            &URL_SAFE_NO_PAD.encode("k1.x.5.0"),
            &URL_SAFE_NO_PAD.encode("k1.s.-1.0"),
            &URL_SAFE_NO_PAD.encode("k1.sp.5.0"),
            &URL_SAFE_NO_PAD.encode("k1.s.5"),
            &URL_SAFE_NO_PAD.encode("k2.s.5.0"),
        ] {
            assert_eq!(ChangeCursor::decode(bad), None, "{bad}");
        }
    }
}
