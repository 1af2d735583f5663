//! The tmux path against a private tmux server (its own socket, no config file): the token
//! reaches a named tmux buffer with tmux's default settings and with `set-clipboard on`, and the
//! clear (or dropping the clipboard) deletes it.
//!
//! Needs `tmux` (`apt-get install tmux`); set TOKENTAB_SKIP_X11_TESTS=1 to skip explicitly.

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokentab::secret::OneTimeSecret;
use tokentab::secret::clipboard::{ClearOutcome, ClipEnv, Clipboard, ClipboardMode, CopyOutcome};

const TOKEN: &str = "cmVmdGtuOjAxOjE3OTk5OTk5OTk6dG11eC10ZXN0LXRva2VuLXZhbHVl";

fn tmux_available() -> bool {
    match Command::new("tmux").arg("-V").output() {
        Ok(out) if out.status.success() => true,
        _ if std::env::var("TOKENTAB_SKIP_X11_TESTS").as_deref() == Ok("1") => {
            eprintln!("SKIPPED: tmux is not installed and TOKENTAB_SKIP_X11_TESTS=1");
            false
        }
        _ => panic!(
            "tmux is required for this test: install it (apt-get install tmux), \
             or set TOKENTAB_SKIP_X11_TESTS=1 to skip it explicitly"
        ),
    }
}

/// A private tmux server, killed on drop.
struct TmuxServer {
    label: String,
    socket: String,
}

impl TmuxServer {
    fn start() -> TmuxServer {
        static N: AtomicUsize = AtomicUsize::new(0);
        let label = format!(
            "tokentab-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut server = TmuxServer {
            label,
            socket: String::new(),
        };
        let out = server.run(&["-f", "/dev/null", "new-session", "-d", "-s", "t"]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
        let socket = server.run(&["display-message", "-p", "#{socket_path}"]);
        let socket = String::from_utf8(socket.stdout).unwrap().trim().to_string();
        assert!(!socket.is_empty());
        server.socket = socket;
        server
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.label)
            .args(args)
            .env("TERM", "xterm-256color")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// The environment a program started in one of this server's panes would see.
    fn env(&self) -> ClipEnv {
        let tmux = format!("{},{},0", self.socket, std::process::id());
        ClipEnv::from_vars(|k| match k {
            "TMUX" => Some(tmux.clone()),
            "TERM" => Some("tmux-256color".into()),
            "SSH_TTY" => Some("/dev/pts/7".into()),
            _ => None,
        })
    }

    fn buffer(&self, name: &str) -> Option<String> {
        let out = self.run(&["show-buffer", "-b", name]);
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).unwrap())
    }

    /// The contents of every buffer the server holds.
    fn all_buffers(&self) -> Vec<String> {
        let names = self.run(&["list-buffers", "-F", "#{buffer_name}"]);
        String::from_utf8(names.stdout)
            .unwrap()
            .lines()
            .filter_map(|name| self.buffer(name))
            .collect()
    }
}

impl Drop for TmuxServer {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn secret() -> OneTimeSecret {
    OneTimeSecret::new(TOKEN.to_string()).unwrap()
}

fn copy_reaches_tmux_and_clear_removes_it(server: &TmuxServer) {
    let mut cb = Clipboard::new(ClipboardMode::Auto, server.env());
    let mut term = Vec::new();
    let started = Instant::now();
    let out = cb.copy(&secret(), &mut term);
    eprintln!("tmux copy took {:?}", started.elapsed());
    assert_eq!(out, CopyOutcome::TmuxBuffer, "{}", out.label());
    assert!(term.is_empty(), "no OSC 52 inside tmux: {term:?}");
    let name = cb.tmux_buffer().unwrap().to_string();
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
    if !tmux_available() {
        return;
    }
    let server = TmuxServer::start();
    let setting = server.run(&["show-options", "-sv", "set-clipboard"]);
    assert_eq!(String::from_utf8_lossy(&setting.stdout).trim(), "external");
    copy_reaches_tmux_and_clear_removes_it(&server);
}

#[test]
fn tmux_with_set_clipboard_on() {
    if !tmux_available() {
        return;
    }
    let server = TmuxServer::start();
    assert!(
        server
            .run(&["set-option", "-s", "set-clipboard", "on"])
            .status
            .success()
    );
    let setting = server.run(&["show-options", "-sv", "set-clipboard"]);
    assert_eq!(String::from_utf8_lossy(&setting.stdout).trim(), "on");
    copy_reaches_tmux_and_clear_removes_it(&server);
}

#[test]
fn dropping_the_clipboard_deletes_the_buffer() {
    if !tmux_available() {
        return;
    }
    let server = TmuxServer::start();
    let mut cb = Clipboard::new(ClipboardMode::Tmux, server.env());
    assert_eq!(cb.copy(&secret(), &mut Vec::new()), CopyOutcome::TmuxBuffer);
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
    if !tmux_available() {
        return;
    }
    let server = TmuxServer::start();
    let mut cb = Clipboard::new(ClipboardMode::Auto, server.env());
    assert_eq!(cb.copy(&secret(), &mut Vec::new()), CopyOutcome::TmuxBuffer);
    let first = cb.tmux_buffer().unwrap().to_string();
    assert_eq!(cb.copy(&secret(), &mut Vec::new()), CopyOutcome::TmuxBuffer);
    let second = cb.tmux_buffer().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(server.buffer(&first), None);
    assert_eq!(server.all_buffers(), vec![TOKEN.to_string()]);
    assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::Cleared);
    assert!(server.all_buffers().is_empty());
}

#[test]
fn a_dead_tmux_server_is_not_claimed() {
    if !tmux_available() {
        return;
    }
    let server = TmuxServer::start();
    let env = server.env();
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
    fn attach(server: &TmuxServer) -> AttachedTerminal {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("terminal.out");
        let child = Command::new("script")
            .arg("-qfc")
            .arg(format!("tmux -S '{}' attach -t t", server.socket))
            .arg(&log)
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped()) // kept open: EOF would end the session
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("`script` (util-linux, apt-get install bsdutils) is needed for this test");
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let clients = server.run(&["list-clients", "-F", "#{client_name}"]);
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

fn buffer_also_reaches_the_outer_terminal(server: &TmuxServer) {
    use base64::Engine as _;
    let terminal = AttachedTerminal::attach(server);
    let mut cb = Clipboard::new(ClipboardMode::Auto, server.env());
    assert_eq!(cb.copy(&secret(), &mut Vec::new()), CopyOutcome::TmuxBuffer);
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
    if !tmux_available() {
        return;
    }
    buffer_also_reaches_the_outer_terminal(&TmuxServer::start());
}

#[test]
fn tmux_forwards_to_the_attached_terminal_with_set_clipboard_on() {
    if !tmux_available() {
        return;
    }
    let server = TmuxServer::start();
    assert!(
        server
            .run(&["set-option", "-s", "set-clipboard", "on"])
            .status
            .success()
    );
    buffer_also_reaches_the_outer_terminal(&server);
}
