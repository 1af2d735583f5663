//! Service settings an admin changes through the API (issue 20): the default lifetime of a
//! create without `expires_in`. One row (`settings`, id 0), read by every replica at each
//! create, so a change made through one process is what the next create on any other gets.

use super::super::admin::Acting;
use super::super::tx::{Res, Tx};
use super::{caller_live, note};

/// Sets the default (seconds; None: back to the serve default), re-checking the caller, with
/// its audit row `default_expiry_set`, in one transaction.
pub async fn set_default_expiry<T: Tx>(tx: &T, secs: Option<u64>, by: &Acting) -> Res<()> {
    caller_live(tx, by.caller.as_deref()).await?;
    let stored = secs.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
    tx.set_default_expiry(stored).await?;
    note(tx, by, "default_expiry_set", |r| {
        r.description = Some(match secs {
            Some(s) => format!("default_token_expiration {s}"),
            None => "default_token_expiration reset to the serve default".to_owned(),
        })
    })
    .await
}
