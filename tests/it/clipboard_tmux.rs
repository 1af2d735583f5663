//! The tmux path against a private tmux server (its own socket, no config file): the token
//! reaches a named tmux buffer with tmux's default settings and with `set-clipboard on`, and the
//! clear (or dropping the clipboard) deletes it.
//!
//! Needs `tmux` (`apt-get install tmux`): a test fails with the install line without it.

use crate::common;

use std::process::{Command, Stdio};
use std::time::Instant;

use common::tmux::TmuxSession;

use tokentab::model::settings::ClipboardMode;
use tokentab::secret::OneTimeSecret;
use tokentab::secret::clipboard::{ClearOutcome, ClipEnv, Clipboard, CopyOutcome};

const TOKEN: &str = "cmVmdGtuOjAxOjE3OTk5OTk5OTk6dG11eC10ZXN0LXRva2VuLXZhbHVl";

/// The environment a program started in one of this server's panes would see.
fn env_of(server: &TmuxSession) -> ClipEnv {
    let tmux = format!("{},{},0", server.socket().display(), std::process::id());
    ClipEnv::from_vars(|k| match k {
        "TMUX" => Some(tmux.clone()),
        "TERM" => Some("tmux-256color".into()),
        "SSH_TTY" => Some("/dev/pts/7".into()),
        _ => None,
    })
}

/// The copy went to the tmux buffer the clipboard now holds, and the outcome names it.
fn assert_named(out: CopyOutcome, cb: &Clipboard) {
    let buffer = cb.tmux_buffer().expect("a buffer held").to_string();
    assert_eq!(out, CopyOutcome::TmuxBuffer { buffer });
}

fn secret() -> OneTimeSecret {
    OneTimeSecret::new(TOKEN.to_string()).unwrap()
}

fn copy_reaches_tmux_and_clear_removes_it(server: &TmuxSession) {
    let mut cb = Clipboard::new(ClipboardMode::Auto, env_of(server));
    let mut term = Vec::new();
    let started = Instant::now();
    let out = cb.copy(&secret(), &mut term);
    eprintln!("tmux copy took {:?}", started.elapsed());
    let name = cb.tmux_buffer().unwrap().to_string();
    // The outcome names the buffer, so the secret view can say which one and how to paste it.
    assert_eq!(
        out,
        CopyOutcome::TmuxBuffer {
            buffer: name.clone()
        },
        "{}",
        out.label()
    );
    assert_eq!(out.label(), format!("copied to a tmux buffer: {name}"));
    assert!(term.is_empty(), "no OSC 52 inside tmux: {term:?}");
    assert!(name.starts_with("tokentab-"), "{name}");
    assert_eq!(server.buffer(&name).as_deref(), Some(TOKEN));
    assert!(cb.holds_secret());

    let started = Instant::now();
    assert_eq!(cb.clear_if_ours(&mut term), ClearOutcome::Cleared);
    eprintln!("tmux clear took {:?}", started.elapsed());
    assert_eq!(server.buffer(&name), None);
    let left: Vec<String> = server.all_buffers();
    assert!(
        left.iter().all(|b| !b.contains(TOKEN)),
        "a tmux buffer still holds the token"
    );
    assert!(!cb.holds_secret());
    assert_eq!(cb.clear_if_ours(&mut term), ClearOutcome::NothingToClear);
}

#[test]
fn tmux_default_settings() {
    let server = TmuxSession::idle();
    assert_eq!(server.server_option("set-clipboard"), "external");
    copy_reaches_tmux_and_clear_removes_it(&server);
}

#[test]
fn tmux_with_set_clipboard_on() {
    let server = TmuxSession::idle();
    server.set_server_option("set-clipboard", "on");
    copy_reaches_tmux_and_clear_removes_it(&server);
}

#[test]
fn dropping_the_clipboard_deletes_the_buffer() {
    let server = TmuxSession::idle();
    let mut cb = Clipboard::new(ClipboardMode::Tmux, env_of(&server));
    assert_named(cb.copy(&secret(), &mut Vec::new()), &cb);
    let name = cb.tmux_buffer().unwrap().to_string();
    assert_eq!(server.buffer(&name).as_deref(), Some(TOKEN));
    drop(cb);
    assert_eq!(
        server.buffer(&name),
        None,
        "quitting early must clear at once"
    );
}

#[test]
fn a_second_copy_replaces_the_first_buffer() {
    let server = TmuxSession::idle();
    let mut cb = Clipboard::new(ClipboardMode::Auto, env_of(&server));
    assert_named(cb.copy(&secret(), &mut Vec::new()), &cb);
    let first = cb.tmux_buffer().unwrap().to_string();
    assert_named(cb.copy(&secret(), &mut Vec::new()), &cb);
    let second = cb.tmux_buffer().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(server.buffer(&first), None);
    assert_eq!(server.all_buffers(), vec![TOKEN.to_string()]);
    assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::Cleared);
    assert!(server.all_buffers().is_empty());
}

#[test]
fn a_dead_tmux_server_is_not_claimed() {
    let server = TmuxSession::idle();
    let env = env_of(&server);
    drop(server);
    let mut cb = Clipboard::new(ClipboardMode::Auto, env);
    let mut term = Vec::new();
    let out = cb.copy(&secret(), &mut term);
    assert!(!out.copied(), "{out:?}");
    let label = out.label();
    assert!(
        label.contains("not copied") && label.contains("tmux"),
        "{label}"
    );
    assert!(!label.contains(TOKEN));
    assert!(
        term.is_empty(),
        "tmux drops OSC 52 by default; none is sent"
    );
    assert!(!cb.holds_secret());
}

/// A terminal attached to `server` (a client in a pty made by `script`), recording what tmux
/// sends it. Detached and its recording deleted on drop.
struct AttachedTerminal {
    child: std::process::Child,
    _dir: tempfile::TempDir,
    log: std::path::PathBuf,
}

impl AttachedTerminal {
    fn attach(server: &TmuxSession) -> AttachedTerminal {
        common::tools::require_script();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("terminal.out");
        let child = Command::new("script")
            .arg("-qfc")
            .arg(format!(
                "tmux -S '{}' attach -t t",
                server.socket().display()
            ))
            .arg(&log)
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped()) // kept open: EOF would end the session
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("`script` (util-linux, apt-get install bsdutils) is needed for this test");
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let clients = server.tmux(&["list-clients", "-F", "#{client_name}"]);
            if !clients.stdout.is_empty() {
                break;
            }
            assert!(Instant::now() < deadline, "the tmux client never attached");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        AttachedTerminal {
            child,
            _dir: dir,
            log,
        }
    }

    /// Waits until the terminal received `needle`.
    fn received(&self, needle: &str) -> bool {
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let seen = std::fs::read(&self.log).unwrap_or_default();
            if String::from_utf8_lossy(&seen).contains(needle) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for AttachedTerminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn buffer_also_reaches_the_outer_terminal(server: &TmuxSession) {
    use base64::Engine as _;
    let terminal = AttachedTerminal::attach(server);
    let mut cb = Clipboard::new(ClipboardMode::Auto, env_of(server));
    assert_named(cb.copy(&secret(), &mut Vec::new()), &cb);
    let b64 = base64::engine::general_purpose::STANDARD.encode(TOKEN);
    assert!(
        terminal.received(&format!("]52;;{b64}")),
        "load-buffer -w did not forward the buffer to the attached terminal"
    );
    assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::Cleared);
    assert!(server.all_buffers().is_empty());
}

#[test]
fn tmux_forwards_to_the_attached_terminal_with_default_settings() {
    buffer_also_reaches_the_outer_terminal(&TmuxSession::idle());
}

#[test]
fn tmux_forwards_to_the_attached_terminal_with_set_clipboard_on() {
    let server = TmuxSession::idle();
    server.set_server_option("set-clipboard", "on");
    buffer_also_reaches_the_outer_terminal(&server);
}
