//! The change listing on SQLite ([`super::super::changes`]): `token_changes.seq` counts every
//! write of a token row (triggers, schema version 8) and the one writer commits them in order,
//! so a cursor is the count read before the rows.

use rusqlite::{Connection, params};

use crate::service::error::StoreError;

use super::super::changes::{ChangeCursor, ChangeQuery, ChangedRow, Changes};
use super::tokens::{COLUMNS, token_row};
use super::{Access, SqliteDb};

const BACKEND: char = 's';

/// `(seq, stale_before)`: the last change's number, and the first one an older cursor misses.
fn counter(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.prepare_cached("SELECT seq, stale_before FROM token_changes WHERE id = 0")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
}

fn rows_since(conn: &Connection, q: &ChangeQuery) -> rusqlite::Result<Vec<ChangedRow>> {
    let limit = i64::from(q.limit) + 1;
    let read = |r: &rusqlite::Row<'_>| {
        Ok(ChangedRow {
            row: token_row(r)?,
            revoked: r.get(13)?,
        })
    };
    match &q.username {
        None => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS}, revoked_at IS NOT NULL FROM tokens \
                 WHERE change_seq > ?1 ORDER BY change_seq LIMIT ?2"
            ))?
            .query_map(params![q.since.pos, limit], read)?
            .collect(),
        Some(u) => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS}, revoked_at IS NOT NULL FROM tokens \
                 WHERE change_seq > ?1 AND username = ?3 ORDER BY change_seq LIMIT ?2"
            ))?
            .query_map(params![q.since.pos, limit, u], read)?
            .collect(),
    }
}

impl SqliteDb {
    pub async fn change_cursor(&self) -> Result<ChangeCursor, StoreError> {
        let (seq, _) = self
            .store
            .run(Access::Point, |c| counter(c).map_err(StoreError::from))
            .await?;
        Ok(ChangeCursor {
            backend: BACKEND,
            pos: seq,
            generation: 0,
        })
    }

    pub async fn token_changes(&self, q: ChangeQuery) -> Result<Changes, StoreError> {
        // The counter first (a point read: an idle client costs only this), then the rows.
        let (seq, stale_before) = self
            .store
            .run(Access::Point, |c| counter(c).map_err(StoreError::from))
            .await?;
        let since = q.since;
        if since.backend != BACKEND || since.pos > seq || since.pos < stale_before {
            return Ok(Changes::Stale);
        }
        let next = ChangeCursor {
            backend: BACKEND,
            pos: seq,
            generation: 0,
        };
        if since.pos == seq {
            return Ok(Changes::Rows {
                rows: Vec::new(),
                next,
            });
        }
        let limit = q.limit as usize;
        let rows = self
            .store
            .run(Access::Read, move |c| {
                rows_since(c, &q).map_err(StoreError::from)
            })
            .await?;
        if rows.len() > limit {
            return Ok(Changes::TooMany);
        }
        Ok(Changes::Rows { rows, next })
    }
}
