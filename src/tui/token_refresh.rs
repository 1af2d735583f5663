//! The quiet refresh of the rows on screen, for a server that cannot say what changed (a real
//! JFrog Platform: no `changed_since`): one GET per visible token, a few at a time.

use futures_util::StreamExt;

use crate::api::{ApiError, Client};
use crate::model::wire::TokenInfo;

/// GETs in flight at once.
const AT_ONCE: usize = 4;

/// Each id with its token now, None when the server no longer has it (404: revoked or gone).
/// The first other error ends the refresh.
pub async fn tokens_by_id(
    c: Client,
    ids: Vec<String>,
) -> Result<Vec<(String, Option<TokenInfo>)>, ApiError> {
    let answers: Vec<_> = futures_util::stream::iter(ids)
        .map(|id| {
            let c = c.clone();
            async move {
                let got = c.get_token(&id).await;
                (id, got)
            }
        })
        .buffered(AT_ONCE)
        .collect()
        .await;
    answers
        .into_iter()
        .map(|(id, got)| match got {
            Ok(t) => Ok((id, Some(t))),
            Err(ApiError::NotFound { .. }) => Ok((id, None)),
            Err(e) => Err(e),
        })
        .collect()
}
