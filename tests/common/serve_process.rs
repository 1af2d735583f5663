//! Starts the real binary, `tokentab serve --listen 127.0.0.1:0`, on given database and data
//! dir; waits for its listening line. Include with `#[path = "common/serve_process.rs"] mod proc;`.
#![allow(dead_code)]

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Starts `tokentab serve` on a random port with `extra` arguments; returns the child (killed
/// on drop) and its URL.
pub async fn start(db: &Path, data: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .arg("--data-dir")
        .arg(data)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start tokentab serve");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("no listening line within 60 s")
        .unwrap()
        .expect("stdout closed before the listening line");
    let url = first
        .strip_prefix("tokentab serve: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    let second = lines.next_line().await.unwrap().unwrap();
    assert!(second.contains("admin.token"), "{second}");
    (child, url)
}
