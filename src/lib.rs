//! tokentab: the JFrog Connect Access Tokens tab in a terminal, and the embedded token service
//! it talks to by default.

pub mod api;
pub mod cli;
pub mod commands;
pub mod config;
pub mod model;
pub mod secret;
pub mod service;
pub mod tui;

#[cfg(test)]
mod layer_rules;
