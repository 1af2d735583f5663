//! `tokentab admin webhooks list|retry` (issue 20 item 4): the deliveries of a
//! `tokentab serve --webhook`, dead letters sent again.

use std::process::ExitCode;

use chrono::{DateTime, Utc};

use crate::api::Client;
use crate::cli::webhooks::WebhooksCommand;
use crate::commands::report::Failure;
use crate::model::webhook::Delivery;

use super::{clean, print_list, print_result, refused};

const HEADERS: [&str; 7] = [
    "Event",
    "Type",
    "Token",
    "State",
    "Attempts",
    "Next try",
    "Last error",
];

fn time_text(epoch: i64) -> String {
    DateTime::<Utc>::from_timestamp(epoch, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| epoch.to_string())
}

fn row(d: &Delivery) -> Vec<String> {
    let next = match d.state.as_str() {
        "pending" => time_text(d.next_try),
        _ => "-".into(),
    };
    let target = match &d.token_id {
        Some(t) => t.clone(),
        None => format!("user {}", d.username),
    };
    vec![
        clean(&d.event_id),
        clean(&d.kind),
        clean(&target),
        clean(&d.state),
        d.attempts.to_string(),
        next,
        clean(d.last_error.as_deref().unwrap_or("-")),
    ]
}

pub(super) async fn run(c: &Client, cmd: WebhooksCommand, json: bool) -> Result<ExitCode, Failure> {
    match cmd {
        WebhooksCommand::List { state, limit, .. } => {
            if !(1..=1000).contains(&limit) {
                return Err(Failure::Usage("--limit: 1 to 1000".into()));
            }
            let list = c
                .webhook_deliveries(state.map(|s| s.as_str()), limit, None)
                .await
                .map_err(refused)?;
            print_list(json, &list.deliveries, &HEADERS, row)
        }
        WebhooksCommand::Retry { event_id, .. } => {
            c.retry_webhook(event_id.trim()).await.map_err(refused)?;
            let answer = serde_json::json!({ "event_id": event_id.trim(), "state": "pending" });
            print_result(
                json,
                &answer,
                &format!("event {} will be sent again", event_id.trim()),
            )
        }
    }
}
