//! Helpers for the integration tests, included once at the binary's root (`mod common;` in
//! `tests/it/main.rs`); a test module reaches them as `crate::common::…`.
//! One harness per kind of test: `service` (the one way to start the service: in-process, on a
//! runtime of its own for sync tests, or the real `tokentab serve`; see its module doc), `journey` (TestBackend),
//! `tmux` + `tab` (the real binary in a terminal), `xvfb` (a real X server), `fault_server`
//! (a scripted misbehaving server), `fixtures` (model-level sample data), `own_process` (a test
//! that changes the process environment runs in a child process of its own).

pub mod db_calls;
pub mod fault_server;
pub mod fixtures;
pub mod journey;
pub mod own_process;
pub mod pg;
pub mod pty_open;
pub mod replicas;
pub mod screen;
pub mod service;
pub mod tab;
pub mod timing;
pub mod tmpfs;
pub mod tmux;
pub mod tools;
pub mod xvfb;
