//! Operations of [`super::PgDb`] still to write (issue 10 wiring in progress).

use crate::model::wire::AuditEntry;
use crate::service::error::StoreError;
use crate::service::store::audit::{AuditFilter, Record};
use crate::service::store::backend::{Refresh, Refreshed};
use crate::service::store::tokens::{TokenFilter, TokenRow};

use super::PgDb;

pub(super) fn not_yet() -> StoreError {
    StoreError::Config("not yet implemented on PostgreSQL".into())
}

impl PgDb {
    pub async fn refresh_token(&self, _req: Refresh) -> Result<Option<Refreshed>, StoreError> {
        Err(not_yet())
    }

    pub async fn live_token_by_hash(
        &self,
        _hash: [u8; 32],
    ) -> Result<Option<TokenRow>, StoreError> {
        Err(not_yet())
    }

    pub async fn revoke_by_hash_if(
        &self,
        _hash: [u8; 32],
        _now: i64,
        _caller: Option<String>,
        _may: impl FnOnce(&TokenRow) -> bool + Send + 'static,
        _record: Option<Record>,
    ) -> Result<Option<String>, StoreError> {
        Err(not_yet())
    }

    pub async fn count_tokens(&self, _filter: TokenFilter) -> Result<u64, StoreError> {
        Err(not_yet())
    }

    pub async fn meta(&self, _key: String) -> Result<Option<String>, StoreError> {
        Err(not_yet())
    }

    pub async fn audit_record(
        &self,
        _record: Record,
        _at: i64,
        _result: String,
    ) -> Result<(), StoreError> {
        Err(not_yet())
    }

    pub async fn audit_list(
        &self,
        _filter: AuditFilter,
        _limit: u32,
    ) -> Result<(Vec<AuditEntry>, Option<i64>), StoreError> {
        Err(not_yet())
    }

    pub async fn audit_prune(&self, _before: i64) -> Result<usize, StoreError> {
        Err(not_yet())
    }
}
