//! [`Db`]'s settings operations (issue 20): the stored default token lifetime.

use crate::service::error::StoreError;

use super::admin::Acting;
use super::backend::{Db, run};
use super::rules::settings;
use super::sqlite::Access;
use super::tx::Tx;

impl Db {
    /// The default lifetime an admin set (seconds), None when none was.
    pub async fn default_expiry(&self) -> Result<Option<u64>, StoreError> {
        let stored = run!(self, point, |tx| tx.default_expiry().await)?;
        Ok(stored.and_then(|s| u64::try_from(s).ok()))
    }

    /// Sets it (None: back to the serve default). Audit `default_expiry_set`.
    pub async fn set_default_expiry(
        &self,
        secs: Option<u64>,
        by: Acting,
    ) -> Result<(), StoreError> {
        let out = run!(self, write, |tx| settings::set_default_expiry(
            tx, secs, &by
        )
        .await);
        self.health().record(out)
    }
}
