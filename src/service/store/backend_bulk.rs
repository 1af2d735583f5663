//! [`Db`]'s bulk revoke (issue 20, item 3): one transaction on either backend running
//! [`super::rules::bulk_revoke`]. No free-disk floor applies (a revoke makes no room worse).

use crate::model::bulk_revoke::BulkRevokeReply;
use crate::service::error::StoreError;

use super::backend::{Db, run};
use super::rules::bulk_revoke::{self, BulkRevoke};
use super::sqlite::Access;

impl Db {
    /// Revokes (or, in a dry run, only lists) every live token `req` picks, each with its own
    /// audit row, all in one transaction that first re-checks the caller live. Acknowledged =
    /// committed: the next request on any process sees every one revoked.
    pub async fn bulk_revoke(&self, req: BulkRevoke) -> Result<BulkRevokeReply, StoreError> {
        let out = run!(self, write, |tx| bulk_revoke::bulk_revoke(tx, req).await);
        self.health().record(out)
    }
}
