//! The integration tests: one binary, one module per area (it links the whole dependency tree
//! once instead of once per file). Areas by name prefix: `api_*` (the HTTP client), `cli_*`,
//! `config_*`, `export_*`, `service_*` / `serve_*` (the service over HTTP, on SQLite or on
//! PostgreSQL with `TOKENTAB_TEST_BACKEND=postgres`), `store_*` (the storage backends), `tui_*` /
//! `rotate_*` (TestBackend: update, snapshots, journeys), `e2e_*`, `*_tmux`, `clipboard_*`,
//! `no_leak`, `config_prompt` (the real binary in tmux, a PTY or under Xvfb).
//!
//! Helpers: `common` (see its module doc). A test that must change the process environment runs
//! in a child process of its own (`common::own_process`), so nothing leaks to the other tests.

mod common;

mod api_retry;
mod api_shapes;
mod api_tls;
mod cli_admin;
mod cli_admin_devices;
mod cli_admin_jfrog;
mod cli_audit;
mod cli_parity;
mod cli_tokens;
mod clipboard_env;
mod clipboard_tmux;
mod clipboard_x11;
mod clipboard_x11_timeout;
mod config_asset;
mod config_glyphs;
mod config_jfrog;
mod config_loader;
mod config_logging;
mod config_prompt;
mod config_resolve;
mod config_tokens;
mod e2e_nothing_lost;
mod e2e_paths;
mod e2e_switch;
mod e2e_tab;
mod export_csv;
mod filter_query_prop;
mod no_leak;
mod readme_day_one;
mod readme_examples;
mod rotate_journeys;
mod rotate_update;
mod serve_admin_token;
mod serve_network;
mod serve_pg_restart;
mod serve_replicas;
mod serve_shutdown;
mod service_admin_devices;
mod service_admin_guard;
mod service_admin_import;
mod service_admin_processes;
mod service_admin_projects;
mod service_admin_users;
mod service_admin_util;
mod service_at_rest;
mod service_audit;
mod service_crash;
mod service_devices;
mod service_durability;
mod service_hostile;
mod service_jfrog_calls;
mod service_limits;
mod service_logs;
mod service_membership;
mod service_operator;
mod service_pg_at_rest;
mod service_revocation;
mod service_token_changes;
mod service_token_config;
mod service_tokens;
mod service_webhooks;
mod store_admin;
mod store_admin_devices;
mod store_admin_projects;
mod store_conformance;
mod store_pg_faults;
mod store_pg_tls;
mod tui_admin_journeys;
mod tui_admin_tmux;
mod tui_audit;
mod tui_changes;
mod tui_changes_tmux;
mod tui_columns;
mod tui_columns_tmux;
mod tui_cursor_bytes;
mod tui_disabled;
mod tui_form;
mod tui_form_tmux;
mod tui_glyphs;
mod tui_glyphs_tmux;
mod tui_hostile;
mod tui_input;
mod tui_input_tmux;
mod tui_jfrog;
mod tui_journey;
mod tui_msgs;
mod tui_msgs_tmux;
mod tui_scroll;
mod tui_scroll_tmux;
mod tui_secret;
mod tui_secret_tmux;
mod tui_server_journeys;
mod tui_small;
mod tui_snapshots;
mod tui_snapshots_extra;
mod tui_streaming;
mod tui_switch;
mod tui_switch_journey;
mod tui_update;
