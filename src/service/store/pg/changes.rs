//! The change listing on PostgreSQL ([`super::super::changes`]): transactions commit in any
//! order, so a cursor is the oldest transaction still running when it was read
//! (`pg_snapshot_xmin`), and a row written since has `change_xid` (its writer's transaction,
//! set by a trigger, schema version 8) at or above it, whenever that writer commits.

use crate::service::error::StoreError;

use super::super::changes::{ChangeCursor, ChangeQuery, ChangedRow, Changes};
use super::PgDb;
use super::errors::classify;
use super::tokens::{COLUMNS, token_row};

const BACKEND: char = 'p';

/// `(xmin, xmax, generation)`: the oldest transaction running now, the first not yet started,
/// and how many changes no row tells were committed (a cursor read under another count
/// must list again).
const NOW: &str = "SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint, \
     (SELECT generation FROM token_changes) FROM pg_current_snapshot() AS s";

impl PgDb {
    pub async fn change_cursor(&self) -> Result<ChangeCursor, StoreError> {
        let c = self.client().await?;
        let row = c.query_one(NOW, &[]).await.map_err(classify)?;
        Ok(ChangeCursor {
            backend: BACKEND,
            pos: row.try_get(0).map_err(classify)?,
            generation: row.try_get(2).map_err(classify)?,
        })
    }

    pub async fn token_changes(&self, q: ChangeQuery) -> Result<Changes, StoreError> {
        let c = self.client().await?;
        // The cursor first, then the rows (a row written in between comes twice, never not).
        let now = c.query_one(NOW, &[]).await.map_err(classify)?;
        let (xmin, xmax, generation): (i64, i64, i64) = (
            now.try_get(0).map_err(classify)?,
            now.try_get(1).map_err(classify)?,
            now.try_get(2).map_err(classify)?,
        );
        let since = q.since;
        if since.backend != BACKEND || since.pos > xmax || since.generation != generation {
            return Ok(Changes::Stale);
        }
        let limit = i64::from(q.limit) + 1;
        let sql = format!(
            "SELECT {COLUMNS}, revoked_at IS NOT NULL FROM tokens \
             WHERE change_xid >= $1 AND ($3::text IS NULL OR username = $3) \
             ORDER BY change_xid, seq LIMIT $2"
        );
        let stmt = c.prepare_cached(&sql).await.map_err(classify)?;
        let found = c
            .query(&stmt, &[&since.pos, &limit, &q.username])
            .await
            .map_err(classify)?;
        if found.len() > q.limit as usize {
            return Ok(Changes::TooMany);
        }
        let rows = found
            .iter()
            .map(|r| {
                Ok(ChangedRow {
                    row: token_row(r)?,
                    revoked: r.try_get(13)?,
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(classify)?;
        Ok(Changes::Rows {
            rows,
            next: ChangeCursor {
                backend: BACKEND,
                pos: xmin,
                generation,
            },
        })
    }
}
