//! The audit trail of `tokentab serve` (`GET /tokentab/api/v1/audit`, admins only). A JFrog
//! Platform has no such endpoint: it answers 404, which [`is_missing_endpoint`] recognises.

use crate::model::wire::{AuditEntry, AuditList};

use super::client::Client;
use super::error::ApiError;

/// What a server without the endpoint is told it is, in every front end.
pub const NO_AUDIT_TRAIL: &str = "this server has no audit trail (tokentab serve only)";

/// Filters of the audit list; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub token_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Seconds since the epoch.
    pub since: Option<i64>,
}

/// Most rows [`Client::list_audit`] gathers (newest first).
pub const MAX_AUDIT_ROWS: usize = 10_000;
const PAGE: u32 = 500;

/// Whether `e` means the server has no audit endpoint (a 404 for the path itself).
pub fn is_missing_endpoint(e: &ApiError) -> bool {
    matches!(e, ApiError::NotFound { .. })
}

impl Client {
    pub async fn list_audit_page(
        &self,
        query: &AuditQuery,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<AuditList, ApiError> {
        let mut q: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        let pairs = [
            ("token_id", query.token_id.clone()),
            ("actor", query.actor.clone()),
            ("action", query.action.clone()),
            ("since", query.since.map(|s| s.to_string())),
            ("cursor", cursor.map(str::to_owned)),
        ];
        q.extend(
            pairs
                .into_iter()
                .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v))),
        );
        let mut list: AuditList = self
            .get_json(&["tokentab", "api", "v1", "audit"], &q, "audit list")
            .await?;
        list.cursor = list.cursor.filter(|c| !c.is_empty());
        Ok(list)
    }

    /// Newest first, following `cursor`, at most [`MAX_AUDIT_ROWS`].
    pub async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, ApiError> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        while all.len() < MAX_AUDIT_ROWS {
            let page = self.list_audit_page(query, cursor.as_deref(), PAGE).await?;
            all.extend(page.entries);
            match page.cursor {
                Some(next) if Some(&next) == cursor.as_ref() => {
                    return Err(ApiError::decode(
                        "audit list",
                        "the server repeated a cursor",
                    ));
                }
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        all.truncate(MAX_AUDIT_ROWS);
        Ok(all)
    }
}
