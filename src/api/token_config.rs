//! JFrog's `GET/PUT /access/api/v1/config/token/default_expiry` (issue 20): the lifetime a
//! create without `expires_in` gets. Admin only on a JFrog Platform and for the PUT here.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::client::{Client, read_success};
use super::error::ApiError;

const DEFAULT_EXPIRY: [&str; 6] = ["access", "api", "v1", "config", "token", "default_expiry"];

/// JFrog's body, both ways. `None` in a PUT: back to the server's own default (tokentab).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultExpiry {
    pub default_token_expiration: Option<u64>,
}

impl Client {
    pub async fn default_expiry(&self) -> Result<DefaultExpiry, ApiError> {
        self.get_json(&DEFAULT_EXPIRY, &[], "default expiry").await
    }

    /// One attempt, never retried; the server's answer (the default now in force).
    pub async fn set_default_expiry(&self, secs: Option<u64>) -> Result<DefaultExpiry, ApiError> {
        let body = DefaultExpiry {
            default_token_expiration: secs,
        };
        let resp = self
            .send_once(Method::PUT, &DEFAULT_EXPIRY, Some(&body))
            .await?;
        let bytes = read_success(resp).await?;
        serde_json::from_slice(&bytes).map_err(|e| ApiError::decode("default expiry", e))
    }
}
