//! `POST /tokentab/api/v1/tokens/revoke` (our extension, issue 20 item 3), and what a client
//! does against a server without it (a JFrog Platform): the tokens listed, the same selectors
//! applied here by the model's rules, then revoked one by one.

use reqwest::Method;

use crate::model::Token;
use crate::model::bulk_revoke::{
    BulkRevokeReply, BulkRevokeRequest, BulkToken, KEPT_ADMIN, KEPT_OWN,
};
use crate::model::filter_query::FilterQuery;

use super::access::TokenQuery;
use super::client::{Client, read_success};
use super::error::ApiError;

/// The start of the service's message when nothing matched (told apart from "no such
/// endpoint": both are 404).
pub const NOTHING_MATCHED: &str = "no live token matches";

#[derive(Debug)]
pub enum BulkAnswer {
    /// The service did it (or, in a dry run, said what it would do).
    Done(BulkRevokeReply),
    /// Nothing matched: the service's words.
    NothingMatched(String),
    /// The server has no bulk endpoint (a JFrog Platform): revoke one by one.
    NoEndpoint,
}

impl Client {
    /// One request, never retried.
    pub async fn bulk_revoke(&self, req: &BulkRevokeRequest) -> Result<BulkAnswer, ApiError> {
        let resp = self
            .send_once(
                Method::POST,
                &["tokentab", "api", "v1", "tokens", "revoke"],
                Some(req),
            )
            .await?;
        let status = resp.status().as_u16();
        match read_success(resp).await {
            Ok(body) => serde_json::from_slice(&body)
                .map(BulkAnswer::Done)
                .map_err(|e| ApiError::decode("bulk revoke", e)),
            Err(ApiError::NotFound { message }) if message.contains(NOTHING_MATCHED) => {
                Ok(BulkAnswer::NothingMatched(message))
            }
            Err(ApiError::NotFound { .. }) => Ok(BulkAnswer::NoEndpoint),
            Err(_) if status == 405 || status == 501 => Ok(BulkAnswer::NoEndpoint),
            Err(e) => Err(e),
        }
    }

    /// Without the endpoint: what `req` picks among the listed tokens, by the same rules
    /// (`user`, `filter`, `token_ids`; a scope target needs each token's scope, which a JFrog
    /// listing does not carry: refused). `me`: the caller's own token id, kept.
    pub async fn bulk_pick(
        &self,
        req: &BulkRevokeRequest,
        me: Option<&str>,
    ) -> Result<BulkRevokeReply, ApiError> {
        if req.scope.is_some() {
            return Err(ApiError::InvalidArgument {
                message: "this server has no bulk revoke and lists no scopes: --scope needs a \
                          tokentab service; use --user or --filter"
                    .into(),
            });
        }
        let filter = match &req.filter {
            Some(f) => Some(
                FilterQuery::parse(f).map_err(|e| ApiError::InvalidArgument {
                    message: format!("filter: {e}"),
                })?,
            ),
            None => None,
        };
        let query = TokenQuery {
            username: req.user.clone(),
            ..TokenQuery::default()
        };
        let now = chrono::Utc::now();
        let mut reply = BulkRevokeReply {
            dry_run: req.dry_run,
            ..BulkRevokeReply::default()
        };
        for info in self.list_all_tokens(&query).await? {
            let t = info.into_token();
            let picked = t.expiry.is_none_or(|e| e > now)
                && req.user.as_deref().is_none_or(|u| t.username() == u)
                && filter.as_ref().is_none_or(|q| q.matches(&t, now))
                && req
                    .token_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&t.token_id));
            if !picked {
                continue;
            }
            let kept = if me == Some(t.token_id.as_str()) {
                Some(KEPT_OWN)
            } else if t.is_admin_scoped() && !req.include_admin {
                Some(KEPT_ADMIN)
            } else {
                None
            };
            match kept {
                Some(why) => reply.kept.push(bulk_token(&t, Some(why))),
                None => reply.tokens.push(bulk_token(&t, None)),
            }
        }
        reply.matched = reply.tokens.len() as u64;
        Ok(reply)
    }
}

/// Revoke exactly these tokens (the tab's `D`: the rows it showed and the count typed for
/// them, admin-scoped ones included; the service still keeps the caller's own).
pub fn ids_request(ids: Vec<String>) -> BulkRevokeRequest {
    BulkRevokeRequest {
        token_ids: Some(ids),
        include_admin: true,
        dry_run: false,
        ..BulkRevokeRequest::default()
    }
}

pub fn bulk_token(t: &Token, kept: Option<&str>) -> BulkToken {
    BulkToken {
        token_id: t.token_id.clone(),
        description: t.description.clone(),
        username: t.username().to_owned(),
        scope: t.scope.clone().unwrap_or_default(),
        kept_because: kept.map(str::to_owned),
    }
}
