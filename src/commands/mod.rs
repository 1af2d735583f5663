//! The composition root's helpers: resolving the server and token (shared by the TUI launch and
//! the `tokens` commands) and the script-facing `tokens` commands.

pub mod connect;
pub mod launch;
pub mod logging;
pub mod table;
pub mod tokens;
