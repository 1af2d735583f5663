//! The tmux path: the secret becomes a named tmux paste buffer (`load-buffer -b NAME -w -`, fed
//! on stdin), which `-w` also forwards to the outer terminal's clipboard when tmux can. The clear
//! deletes that buffer.
//!
//! tmux's default `set-clipboard external` drops OSC 52 from panes, which is why we hand the
//! secret to tmux itself. The secret goes through a pipe, never argv or the environment.
//!
//! What cannot be wiped: the pipe's kernel buffer, the tmux client and server processes' memory
//! (tmux frees the buffer on delete but does not zero it), and whatever the outer terminal's
//! clipboard received through `-w` (we cannot reach it to clear).

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a tmux command may take before we give up on it (and kill it).
const TMUX_TIMEOUT: Duration = Duration::from_secs(3);

/// A fresh, unguessable buffer name, so we never overwrite or delete a buffer of the user's.
pub fn new_buffer_name() -> Result<String, String> {
    let mut raw = [0u8; 8];
    getrandom::fill(&mut raw).map_err(|e| format!("no randomness for a buffer name: {e}"))?;
    Ok(format!("tokentab-{}", hex::encode(raw)))
}

fn tmux(socket: Option<&str>) -> Command {
    let mut cmd = Command::new("tmux");
    if let Some(socket) = socket {
        cmd.arg("-S").arg(socket);
    }
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    cmd
}

/// Loads `secret` into the buffer `name` of the tmux server at `socket` (the one from `$TMUX`;
/// `None` = tmux's default server).
pub fn load(socket: Option<&str>, name: &str, secret: &[u8]) -> Result<(), String> {
    match load_with(socket, name, secret, true) {
        // tmux < 3.2 has no `-w`; a buffer alone is still a copy.
        Err(e) if e.contains("unknown flag") || e.contains("usage:") => {
            load_with(socket, name, secret, false)
        }
        other => other,
    }
}

fn load_with(socket: Option<&str>, name: &str, secret: &[u8], send: bool) -> Result<(), String> {
    let mut cmd = tmux(socket);
    cmd.arg("load-buffer").arg("-b").arg(name);
    if send {
        cmd.arg("-w");
    }
    cmd.arg("-").stdin(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run tmux: {e}"))?;
    let fed = match child.stdin.take() {
        // Tokens are far below the pipe's capacity, so this write does not block on tmux.
        Some(mut stdin) => stdin
            .write_all(secret)
            .map_err(|e| format!("cannot feed tmux: {e}")),
        None => Err("tmux has no stdin".to_string()),
    };
    // stdin is closed here (dropped), so tmux sees EOF.
    let status = finish(child);
    fed?;
    status
}

/// Whether the tmux server at `socket` answers (it has a session to paste into).
pub fn reachable(socket: Option<&str>) -> Result<(), String> {
    let mut cmd = tmux(socket);
    cmd.arg("has-session").stdin(Stdio::null());
    let child = cmd.spawn().map_err(|e| format!("cannot run tmux: {e}"))?;
    finish(child)
}

/// Deletes the buffer `name`. `Ok(false)` when tmux no longer has it (or the server is gone).
pub fn delete(socket: Option<&str>, name: &str) -> Result<bool, String> {
    let mut cmd = tmux(socket);
    cmd.arg("delete-buffer")
        .arg("-b")
        .arg(name)
        .stdin(Stdio::null());
    let child = cmd.spawn().map_err(|e| format!("cannot run tmux: {e}"))?;
    match finish(child) {
        Ok(()) => Ok(true),
        Err(e) if e.contains("unknown buffer") || e.contains("no server") => Ok(false),
        Err(e) if e.contains("error connecting") || e.contains("No such file") => Ok(false),
        Err(e) => Err(e),
    }
}

/// Waits (bounded) for a tmux command; its stderr (tmux's own message, never the secret) becomes
/// the error.
fn finish(mut child: Child) -> Result<(), String> {
    let deadline = Instant::now() + TMUX_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("tmux did not answer within {TMUX_TIMEOUT:?}"));
            }
            Err(e) => return Err(format!("cannot wait for tmux: {e}")),
        }
    };
    if status.success() {
        return Ok(());
    }
    let mut msg = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut msg);
    }
    let msg = crate::model::sanitize::sanitize_line(msg.trim());
    Err(format!("tmux failed ({status}): {msg}"))
}
