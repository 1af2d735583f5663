//! Helpers shared by the integration tests: `mod common;` in a test file, then `use common::…`.
//! One harness per kind of test: `journey` (TestBackend), `tmux` + `tab` (the real binary),
//! `xvfb` (a real X server), `service` (the embedded service over HTTP), `fault_server`
//! (a scripted misbehaving server), `fixtures` (model-level sample data).
#![allow(dead_code)]

pub mod fault_server;
pub mod fixtures;
pub mod journey;
pub mod screen;
pub mod served;
pub mod service;
pub mod tab;
pub mod tmux;
pub mod tools;
pub mod xvfb;
