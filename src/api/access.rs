//! JFrog Access: tokens, users, projects.

use crate::model::wire::{
    CreateTokenRequest, CreatedTokenMeta, ProjectInfo, TokenInfo, TokenList, UserList,
};
use crate::secret::one_time::OneTimeSecret;

use super::client::Client;
use super::error::ApiError;

/// Filters of `GET /access/api/v1/tokens`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenQuery {
    /// A trailing `*` is a prefix match.
    pub description: Option<String>,
    pub username: Option<String>,
    pub token_id: Option<String>,
    pub order_by: Option<String>,
    pub descending: bool,
}

/// A create response: the metadata, and the secret held in zeroizing memory.
pub struct CreatedToken {
    pub meta: CreatedTokenMeta,
    pub secret: OneTimeSecret,
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("meta", &self.meta)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// 200: revoked now.
    Revoked,
    /// 204: unknown or already revoked.
    AlreadyGone,
}

impl Client {
    /// One page (`limit` + `cursor` extension; a real JFrog server ignores them and sends all).
    pub async fn list_tokens_page(
        &self,
        query: &TokenQuery,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<TokenList, ApiError> {
        let _ = (query, cursor, limit);
        todo!()
    }

    /// Every page, following `cursor`.
    pub async fn list_all_tokens(&self, query: &TokenQuery) -> Result<Vec<TokenInfo>, ApiError> {
        let _ = query;
        todo!()
    }

    pub async fn get_token(&self, token_id: &str) -> Result<TokenInfo, ApiError> {
        let _ = token_id;
        todo!()
    }

    /// `GET /access/api/v1/tokens/me`.
    pub async fn get_me(&self) -> Result<TokenInfo, ApiError> {
        todo!()
    }

    /// Never retried. The secret goes straight from the body into zeroizing memory.
    pub async fn create_token(&self, req: &CreateTokenRequest) -> Result<CreatedToken, ApiError> {
        let _ = req;
        todo!()
    }

    /// Never retried.
    pub async fn revoke_token(&self, token_id: &str) -> Result<RevokeOutcome, ApiError> {
        let _ = token_id;
        todo!()
    }

    /// `GET /access/api/v2/users` page; `username` is a contains match.
    pub async fn list_users_page(
        &self,
        username: Option<&str>,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<UserList, ApiError> {
        let _ = (username, cursor, limit);
        todo!()
    }

    pub async fn list_projects(&self) -> Result<Vec<ProjectInfo>, ApiError> {
        todo!()
    }
}
