//! `POST /tokentab/api/v1/tokens/lookup` (issue 20, `tokentab scan`): which of these secrets,
//! known only by their SHA-256, are tokens of this server, whose, and are they live. The
//! secret itself is never sent.

use serde::{Deserialize, Serialize};

/// Most hashes one request may ask about.
pub const MAX_LOOKUP: usize = 100;

/// The request: lower-case hex SHA-256 of each candidate secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    pub sha256: Vec<String>,
}

/// What a hash is on this server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LookupStatus {
    Live,
    Revoked,
    Expired,
    Unknown,
}

impl LookupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LookupStatus::Live => "live",
            LookupStatus::Revoked => "revoked",
            LookupStatus::Expired => "expired",
            LookupStatus::Unknown => "unknown",
        }
    }
}

/// One answer, in the order asked. Unknown hashes carry only `sha256` and `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookupHit {
    pub sha256: String,
    pub status: LookupStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Unix seconds; absent for a token that never expires (or unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LookupResponse {
    pub tokens: Vec<LookupHit>,
}

/// Whether `s` is a lower-case hex SHA-256.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
