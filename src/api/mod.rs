//! The HTTP client (reqwest): the only place the TUI and the `tokens` commands do network I/O.

pub mod access;
pub mod admin;
pub mod audit;
pub mod bulk_revoke;
pub mod client;
pub mod connect;
pub mod error;
pub mod lookup;
pub mod token_config;
mod token_pages;
pub mod webhooks;

pub use access::{CreatedToken, RevokeOutcome, TokenQuery, user_is_disabled};
pub use client::{Client, ClientOptions};
pub use error::ApiError;
