//! clap definitions of the webhook flags of `tokentab serve` and of `tokentab admin webhooks`
//! (issue 20 item 4), nothing else.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::admin::AdminCommon;

/// `serve`'s webhook flags.
#[derive(Debug, Args, Clone, Default)]
pub struct WebhookArgs {
    /// POST token and user events (created, revoked, rotated, expiring, expired, user
    /// disabled) to this http(s) URL, signed; repeat for more receivers. Needs
    /// --webhook-secret-file.
    #[arg(long = "webhook", value_name = "URL")]
    pub webhooks: Vec<String>,

    /// A file (readable by its owner only) holding the key the deliveries are signed with
    /// (HMAC-SHA256), at least 16 bytes; e.g. `openssl rand -hex 32 > FILE`.
    #[arg(long, value_name = "PATH")]
    pub webhook_secret_file: Option<PathBuf>,

    /// Send `token.expiring` this long before a token expires, once per lead time, e.g.
    /// 30d,7d,1d.
    #[arg(long, value_name = "DURATIONS", default_value = "7d,1d")]
    pub webhook_expiring: String,

    /// One delivery's time limit.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub webhook_timeout: String,

    /// Give a delivery up (a dead letter, `tokentab admin webhooks list --state dead`) after
    /// this many tries...
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub webhook_max_attempts: u32,

    /// ...or this long after its first try.
    #[arg(long, value_name = "DURATION", default_value = "3d")]
    pub webhook_max_age: String,

    /// The longest wait between two tries (they back off exponentially, with jitter).
    #[arg(long, value_name = "DURATION", default_value = "10min")]
    pub webhook_backoff_max: String,

    /// Delete delivered and dead deliveries this long after they finished.
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub webhook_retention: String,

    /// How often to look for tokens whose expiry notice is due.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub webhook_sweep_every: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeliveryState {
    Pending,
    Delivered,
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dead => "dead",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Webhook deliveries, newest first: event, type, token, state, attempts, next try, last
    /// error.
    List {
        /// Only deliveries in this state.
        #[arg(long, value_enum, value_name = "STATE")]
        state: Option<DeliveryState>,
        /// At most this many (1-1000).
        #[arg(long, value_name = "N", default_value_t = 100)]
        limit: u32,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Send a dead letter again (its attempts and age start over).
    Retry {
        /// The event id (`list` shows it).
        #[arg(value_name = "EVENT_ID")]
        event_id: String,
        #[command(flatten)]
        common: AdminCommon,
    },
}
