//! The composition root's helpers: resolving the server and token (shared by the TUI launch and
//! the `tokens` commands), the script-facing `tokens` commands, `serve` and `config path|show`.
//! Only here and in `main` are clap's types turned into each layer's own options.

pub mod admin;
pub mod audit;
pub mod config;
pub mod connect;
pub mod launch;
pub mod logging;
mod report;
mod rotate;
pub mod scan;
#[cfg(unix)]
pub mod sd_notify;
pub mod serve;
mod serve_webhooks;
pub mod switch;
pub mod table;
pub mod tokens;
