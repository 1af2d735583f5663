//! Webhook deliveries as `GET /tokentab/api/v1/webhooks/deliveries` shows them (issue 20
//! item 4; our extension). Never carries a secret, a hash or a body.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The event id every try of it carries (`Tokentab-Event-Id`).
    pub event_id: String,
    /// `token.created`, `token.revoked`, `token.rotated`, `token.expiring`, `token.expired`,
    /// `user.disabled`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    pub username: String,
    /// `pending`, `delivered` or `dead`.
    pub state: String,
    pub attempts: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Seconds since the epoch: the next try (pending).
    pub next_try: i64,
    /// Seconds since the epoch.
    pub occurred_at: i64,
    /// Seconds since the epoch: delivered or given up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryList {
    pub deliveries: Vec<Delivery>,
    /// Pass as `cursor` for the next (older) page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
