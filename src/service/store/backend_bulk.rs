//! [`Db`]'s bulk revoke (issue 20, item 3): one transaction on either backend running
//! [`super::rules::bulk_revoke`]. No free-disk floor applies (a revoke makes no room worse).
//! And where a token was last used (item 5): [`Db::note_last_use`].

use crate::model::bulk_revoke::BulkRevokeReply;
use crate::service::error::StoreError;

use super::backend::{Db, run};
use super::rules::bulk_revoke::{self, BulkRevoke};
use super::sqlite::Access;
use super::tx::Tx;

impl Db {
    /// Revokes (or, in a dry run, only lists) every live token `req` picks, each with its own
    /// audit row, all in one transaction that first re-checks the caller live. Acknowledged =
    /// committed: the next request on any process sees every one revoked.
    pub async fn bulk_revoke(&self, req: BulkRevoke) -> Result<BulkRevokeReply, StoreError> {
        let out = run!(self, write, |tx| bulk_revoke::bulk_revoke(tx, req).await);
        self.health().record(out)
    }
}

impl Db {
    /// Records a use with where it came from (issue 20 item 5): `last_used = now` (never moved
    /// back) with its address and user agent. Skipped under the free-disk floor, as
    /// [`Db::touch_last_used`] is.
    pub async fn note_last_use(
        &self,
        id: String,
        now: i64,
        source: Option<String>,
        agent: Option<String>,
    ) -> Result<(), StoreError> {
        if self.health().room_to_grow().is_err() {
            return Ok(());
        }
        let out = run!(self, write_one, |tx| tx
            .note_last_use(&id, now, source.as_deref(), agent.as_deref())
            .await);
        self.health().record(out)
    }
}
