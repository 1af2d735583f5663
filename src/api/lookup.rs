//! `POST /tokentab/api/v1/tokens/lookup` (issue 20): which secrets, known by their SHA-256
//! only, are tokens of this server. `tokentab serve` only: a JFrog Platform answers 404.

use reqwest::Method;

use crate::model::lookup::{LookupRequest, LookupResponse};

use super::client::{Client, read_success};
use super::error::ApiError;

const LOOKUP: [&str; 5] = ["tokentab", "api", "v1", "tokens", "lookup"];

impl Client {
    /// One batch (at most [`crate::model::lookup::MAX_LOOKUP`] hashes), never retried.
    pub async fn lookup_tokens(&self, sha256: Vec<String>) -> Result<LookupResponse, ApiError> {
        let resp = self
            .send_once(Method::POST, &LOOKUP, Some(&LookupRequest { sha256 }))
            .await?;
        let body = read_success(resp).await?;
        serde_json::from_slice(&body).map_err(|e| ApiError::decode("token lookup", e))
    }
}
