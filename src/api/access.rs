//! JFrog Access: tokens, users, projects.

use reqwest::{Method, StatusCode};

use crate::model::expiry::ServerLimits;
use crate::model::wire::{
    CreateTokenRequest, CreatedTokenMeta, ProjectInfo, TokenChanges, TokenInfo, TokenList,
    UserInfo, UserList,
};
use crate::secret::one_time::OneTimeSecret;

use super::client::{Client, read_secret_body, read_success};
use super::error::ApiError;
pub use super::token_pages::PageHead;

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

/// The create response as read from the wire. The refresh and reference tokens, if sent, are
/// skipped without being copied.
#[derive(serde::Deserialize)]
struct CreateWire {
    token_id: String,
    #[serde(default, deserialize_with = "crate::model::wire::lenient_u64")]
    expires_in: Option<u64>,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    token_type: String,
    access_token: OneTimeSecret,
}

/// Most pages `list_all_*` follows before giving up (a server that never stops).
pub const MAX_PAGES: usize = 100_000;

fn some_query(q: &mut Vec<(&'static str, String)>, key: &'static str, v: Option<&str>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        q.push((key, v.to_owned()));
    }
}

/// Parses `T` from a bare array or from an object holding the array under one of `keys`.
pub(crate) fn lenient_list<T: serde::de::DeserializeOwned>(
    body: &[u8],
    keys: &[&str],
    what: &str,
) -> Result<Vec<T>, ApiError> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ApiError::decode(what, e))?;
    let arr = match v {
        serde_json::Value::Array(_) => v,
        serde_json::Value::Object(mut m) => keys
            .iter()
            .find_map(|k| m.remove(*k).filter(|x| x.is_array()))
            .ok_or_else(|| ApiError::decode(what, format!("no list under {}", keys.join("/"))))?,
        _ => return Err(ApiError::decode(what, "expected a list")),
    };
    serde_json::from_value(arr).map_err(|e| ApiError::decode(what, e))
}

/// Whether a user entry says the user is disabled (no status, or any other: not disabled).
pub fn user_is_disabled(u: &UserInfo) -> bool {
    u.status
        .as_deref()
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("disabled"))
}

impl Client {
    /// One page (`limit` + `cursor` extension; a real JFrog server ignores them and sends all).
    pub async fn list_tokens_page(
        &self,
        query: &TokenQuery,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<TokenList, ApiError> {
        self.list_tokens_page_head(query, cursor, limit)
            .await?
            .read()
            .await
    }

    /// One page up to its headers ([`PageHead`]): the next page can be asked for before this
    /// one's body is read.
    pub async fn list_tokens_page_head(
        &self,
        query: &TokenQuery,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<PageHead, ApiError> {
        let mut q = Vec::new();
        some_query(&mut q, "description", query.description.as_deref());
        some_query(&mut q, "username", query.username.as_deref());
        some_query(&mut q, "token_id", query.token_id.as_deref());
        some_query(&mut q, "order_by", query.order_by.as_deref());
        if query.descending {
            q.push(("descending_order", "true".into()));
        }
        if let Some(l) = limit {
            q.push(("limit", l.to_string()));
        }
        some_query(&mut q, "cursor", cursor);
        let resp = self
            .get_head(&["access", "api", "v1", "tokens"], &q)
            .await?;
        Ok(PageHead::new(resp))
    }

    /// Every page, following `cursor`.
    pub async fn list_all_tokens(&self, query: &TokenQuery) -> Result<Vec<TokenInfo>, ApiError> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .list_tokens_page(query, cursor.as_deref(), None)
                .await?;
            all.extend(page.tokens);
            match page.cursor {
                Some(next) if Some(&next) == cursor.as_ref() => {
                    return Err(ApiError::decode(
                        "token list",
                        "the server repeated a cursor",
                    ));
                }
                Some(next) => cursor = Some(next),
                None => return Ok(all),
            }
        }
        Err(ApiError::decode("token list", "too many pages"))
    }

    /// The tokens written since `cursor` (a listing's `changes_cursor`; our extension). Any
    /// 4xx (410: the server cannot tell what changed) means: list again. A server without the
    /// extension answers with a plain list, which does not parse as changes.
    pub async fn token_changes(&self, cursor: &str) -> Result<TokenChanges, ApiError> {
        let q = [("changed_since", cursor.to_owned())];
        self.get_json(&["access", "api", "v1", "tokens"], &q, "token changes")
            .await
    }

    pub async fn get_token(&self, token_id: &str) -> Result<TokenInfo, ApiError> {
        self.get_json(&["access", "api", "v1", "tokens", token_id], &[], "token")
            .await
    }

    /// `GET /access/api/v1/tokens/me`.
    pub async fn get_me(&self) -> Result<TokenInfo, ApiError> {
        self.get_json(&["access", "api", "v1", "tokens", "me"], &[], "token")
            .await
    }

    /// Never retried. The secret goes straight from the body into zeroizing memory.
    pub async fn create_token(&self, req: &CreateTokenRequest) -> Result<CreatedToken, ApiError> {
        let resp = self
            .send_once(Method::POST, &["access", "api", "v1", "tokens"], Some(req))
            .await?;
        if !resp.status().is_success() {
            return Err(read_success(resp)
                .await
                .err()
                .unwrap_or_else(|| ApiError::decode("create response", "unexpected status")));
        }
        let body = read_secret_body(resp).await?;
        // serde's message could quote a value from the body: keep only the position.
        let wire: CreateWire = serde_json::from_slice(&body).map_err(|e| {
            ApiError::decode(
                "create response",
                format!(
                    "{:?} error at line {} column {}",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        Ok(CreatedToken {
            meta: CreatedTokenMeta {
                token_id: wire.token_id,
                expires_in: wire.expires_in,
                scope: wire.scope,
                token_type: wire.token_type,
            },
            secret: wire.access_token,
        })
    }

    /// Never retried.
    pub async fn revoke_token(&self, token_id: &str) -> Result<RevokeOutcome, ApiError> {
        let resp = self
            .send_once::<()>(
                Method::DELETE,
                &["access", "api", "v1", "tokens", token_id],
                None,
            )
            .await?;
        match resp.status() {
            StatusCode::NO_CONTENT => Ok(RevokeOutcome::AlreadyGone),
            s if s.is_success() => Ok(RevokeOutcome::Revoked),
            _ => {
                read_success(resp).await?;
                Err(ApiError::decode("revoke response", "unexpected status"))
            }
        }
    }

    /// `GET /access/api/v2/users` page; `username` is a contains match.
    pub async fn list_users_page(
        &self,
        username: Option<&str>,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<UserList, ApiError> {
        self.list_users_page_with(username, None, cursor, limit)
            .await
    }

    /// As [`Client::list_users_page`], only users of `status` (`enabled` | `disabled`, JFrog's
    /// own query parameter). A server that ignores the parameter sends every user: callers
    /// that must not show disabled users drop them by each entry's `status`
    /// ([`user_is_disabled`]).
    pub async fn list_users_page_with(
        &self,
        username: Option<&str>,
        status: Option<&str>,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<UserList, ApiError> {
        let mut q = Vec::new();
        some_query(&mut q, "username", username);
        some_query(&mut q, "status", status);
        if let Some(l) = limit {
            q.push(("limit", l.to_string()));
        }
        some_query(&mut q, "cursor", cursor);
        let mut list: UserList = self
            .get_json(&["access", "api", "v2", "users"], &q, "user list")
            .await?;
        list.cursor = list.cursor.filter(|c| !c.is_empty());
        Ok(list)
    }

    /// Every user, following `cursor`.
    pub async fn list_all_users(&self, username: Option<&str>) -> Result<Vec<UserInfo>, ApiError> {
        self.list_all_users_with(username, None).await
    }

    /// As [`Client::list_all_users`], only users of `status` (as
    /// [`Client::list_users_page_with`]).
    pub async fn list_all_users_with(
        &self,
        username: Option<&str>,
        status: Option<&str>,
    ) -> Result<Vec<UserInfo>, ApiError> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .list_users_page_with(username, status, cursor.as_deref(), None)
                .await?;
            all.extend(page.users);
            match page.cursor {
                Some(next) if Some(&next) == cursor.as_ref() => {
                    return Err(ApiError::decode(
                        "user list",
                        "the server repeated a cursor",
                    ));
                }
                Some(next) => cursor = Some(next),
                None => return Ok(all),
            }
        }
        Err(ApiError::decode("user list", "too many pages"))
    }

    /// The caller's lifetime rules, for the create form: ours
    /// (`/tokentab/api/v1/config/token/limits`); a server without it (a JFrog Platform: 404)
    /// is asked for its default (`/access/api/v1/config/token/default_expiry`, which JFrog
    /// answers only to an admin). None when neither says anything: the form then shows only the
    /// formats, and the server alone decides at Generate.
    pub async fn token_limits(&self) -> Result<Option<ServerLimits>, ApiError> {
        #[derive(serde::Deserialize)]
        struct JfrogDefault {
            #[serde(
                default,
                alias = "default_expiry",
                deserialize_with = "crate::model::wire::lenient_u64"
            )]
            default_token_expiration: Option<u64>,
        }
        let ours = ["tokentab", "api", "v1", "config", "token", "limits"];
        match self.get_json(&ours, &[], "token limits").await {
            Ok(limits) => return Ok(Some(limits)),
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(e),
        }
        let jfrog = ["access", "api", "v1", "config", "token", "default_expiry"];
        match self
            .get_json::<JfrogDefault>(&jfrog, &[], "default expiry")
            .await
        {
            // JFrog's 0 means no default is forced: nothing to say.
            Ok(d) => Ok(d
                .default_token_expiration
                .filter(|s| *s > 0)
                .map(|d| ServerLimits {
                    default_expiry: Some(d),
                    ..ServerLimits::default()
                })),
            // Not there, or not for this caller (JFrog: admins only): nothing is said.
            Err(e) if matches!(e.status(), Some(403 | 404)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A bare array (also accepted: `{"projects":[…]}`).
    pub async fn list_projects(&self) -> Result<Vec<ProjectInfo>, ApiError> {
        let body = self
            .get_bytes(&["access", "api", "v1", "projects"], &[])
            .await?;
        lenient_list(&body, &["projects", "data", "items"], "project list")
    }
}
