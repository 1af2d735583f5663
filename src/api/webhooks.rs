//! Webhook deliveries of a `tokentab serve` (issue 20 item 4; admins only).

use reqwest::Method;

use crate::model::webhook::DeliveryList;

use super::client::{Client, read_success};
use super::error::ApiError;

impl Client {
    /// One page, newest first.
    pub async fn webhook_deliveries(
        &self,
        state: Option<&str>,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<DeliveryList, ApiError> {
        let mut q: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(s) = state {
            q.push(("state", s.to_owned()));
        }
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        self.get_json(
            &["tokentab", "api", "v1", "webhooks", "deliveries"],
            &q,
            "webhook deliveries",
        )
        .await
    }

    /// Sends a dead letter again.
    pub async fn retry_webhook(&self, event_id: &str) -> Result<(), ApiError> {
        let resp = self
            .send_once::<()>(
                Method::POST,
                &[
                    "tokentab",
                    "api",
                    "v1",
                    "webhooks",
                    "deliveries",
                    event_id,
                    "retry",
                ],
                None,
            )
            .await?;
        read_success(resp).await.map(drop)
    }
}
