//! The composition root's helpers: resolving the server and token (shared by the TUI launch and
//! the `tokens` commands), the script-facing `tokens` commands and `serve`.

pub mod connect;
pub mod launch;
pub mod logging;
pub mod serve;
pub mod table;
pub mod tokens;
