//! [`Db`]'s change listing (issue 19, [`super::changes`]): each backend answers it its own way
//! (a counter on SQLite, transaction ids on PostgreSQL), so this is a plain dispatch.

use crate::service::error::StoreError;

use super::backend::Db;
use super::changes::{ChangeCursor, ChangeQuery, Changes};

impl Db {
    /// The change cursor now: a listing read after it, plus every change after it, is the
    /// whole list.
    pub async fn change_cursor(&self) -> Result<ChangeCursor, StoreError> {
        match self {
            Db::Sqlite(db) => db.change_cursor().await,
            Db::Postgres(db) => db.change_cursor().await,
        }
    }

    /// The token rows written since `q.since` (see [`Changes`]).
    pub async fn token_changes(&self, q: ChangeQuery) -> Result<Changes, StoreError> {
        match self {
            Db::Sqlite(db) => db.token_changes(q).await,
            Db::Postgres(db) => db.token_changes(q).await,
        }
    }
}
