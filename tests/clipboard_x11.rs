//! The native path under a real X server (Xvfb started here on a free display), read back from
//! another process with xclip: the token is there after the copy, gone after the clear, and a
//! value someone else copied in between is left alone.
//!
//! arboard takes the display from `$DISPLAY`, which is process-wide: the tests of this binary
//! take turns (a lock) and each sets it for its own Xvfb.
//!
//! Needs Xvfb and xclip (`apt-get install xvfb xclip`); set TOKENTAB_SKIP_X11_TESTS=1 to skip
//! explicitly.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokentab::secret::OneTimeSecret;
use tokentab::secret::clipboard::{
    ClearOutcome, ClipEnv, ClipPath, Clipboard, ClipboardMode, CopyOutcome,
};

const TOKEN: &str = "eyJ2ZXIiOiIyIn0.cmVmdGtuOngxMS10ZXN0LXRva2Vu.c2lnbmF0dXJl";
const OTHER: &str = "something the user copied since";

static DISPLAY_LOCK: Mutex<()> = Mutex::new(());

fn tools_available() -> bool {
    let missing: Vec<&str> = [("Xvfb", "-help"), ("xclip", "-version")]
        .into_iter()
        .filter(|(tool, arg)| {
            Command::new(tool)
                .arg(arg)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_err()
        })
        .map(|(tool, _)| tool)
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("TOKENTAB_SKIP_X11_TESTS").as_deref() == Ok("1") {
        eprintln!("SKIPPED: {missing:?} not installed and TOKENTAB_SKIP_X11_TESTS=1");
        return false;
    }
    panic!(
        "{missing:?} required for this test: install them (apt-get install xvfb xclip), \
         or set TOKENTAB_SKIP_X11_TESTS=1 to skip it explicitly"
    );
}

/// A private X server on a display number it picks itself (`-displayfd`), killed on drop.
/// While it lives, `$DISPLAY` of this process names it.
struct Xvfb {
    child: Child,
    display: String,
    _turn: MutexGuard<'static, ()>,
}

impl Xvfb {
    fn start() -> Xvfb {
        let turn = DISPLAY_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "320x240x24",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Xvfb writes the display number once it accepts connections.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb did not start");
        let display = format!(":{number}");
        // SAFETY: the tests of this binary that read or write DISPLAY hold DISPLAY_LOCK.
        unsafe {
            std::env::set_var("DISPLAY", &display);
            std::env::remove_var("WAYLAND_DISPLAY");
        }
        Xvfb {
            child,
            display,
            _turn: turn,
        }
    }

    fn env(&self) -> ClipEnv {
        ClipEnv::from_vars(|k| (k == "DISPLAY").then(|| self.display.clone()))
    }

    /// What another X client reads from the CLIPBOARD selection (None: nothing there). Waits
    /// out an X server reset (it resets when its last client leaves, refusing connections for
    /// a moment).
    fn read_clipboard(&self, target: Option<&str>) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut cmd = Command::new("xclip");
            cmd.args(["-selection", "clipboard", "-o"]);
            if let Some(target) = target {
                cmd.args(["-t", target]);
            }
            let out = cmd
                .env("DISPLAY", &self.display)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            if out.status.success() {
                return Some(String::from_utf8_lossy(&out.stdout).into_owned());
            }
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("not available") {
                return None;
            }
            assert!(
                Instant::now() < deadline,
                "xclip cannot read the clipboard: {err}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Another program copies `text` (xclip keeps serving it from the background).
    fn copy_from_elsewhere(&self, text: &str) {
        let mut xclip = Command::new("xclip")
            .args(["-selection", "clipboard", "-i"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        xclip
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        assert!(xclip.wait().unwrap().success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.read_clipboard(None).as_deref() != Some(text) {
            assert!(Instant::now() < deadline, "xclip never took the clipboard");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM, so Xvfb removes its lock file and socket for the next one.
        let pid = rustix::process::Pid::from_child(&self.child);
        if rustix::process::kill_process(pid, rustix::process::Signal::TERM).is_err() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn secret() -> OneTimeSecret {
    OneTimeSecret::new(TOKEN.to_string()).unwrap()
}

#[test]
fn holds_the_token_after_copy_and_not_after_clear() {
    if !tools_available() {
        return;
    }
    let x = Xvfb::start();
    let mut cb = Clipboard::new(ClipboardMode::Auto, x.env());
    let mut term = Vec::new();
    let started = Instant::now();
    let out = cb.copy(&secret(), &mut term);
    eprintln!("native copy (first, connects) took {:?}", started.elapsed());
    assert_eq!(out, CopyOutcome::SystemClipboard, "{}", out.label());
    assert!(
        term.is_empty(),
        "no OSC 52 when the system clipboard worked"
    );
    assert_eq!(cb.held_path(), Some(ClipPath::Native));

    let started = Instant::now();
    assert_eq!(x.read_clipboard(None).as_deref(), Some(TOKEN));
    eprintln!("xclip read-back took {:?}", started.elapsed());
    let targets = x.read_clipboard(Some("TARGETS")).unwrap_or_default();
    assert!(
        targets.contains("x-kde-passwordManagerHint"),
        "marked secret for clipboard managers: {targets}"
    );

    let started = Instant::now();
    assert_eq!(cb.clear_if_ours(&mut term), ClearOutcome::Cleared);
    eprintln!("native clear took {:?}", started.elapsed());
    assert!(!cb.holds_secret());
    let after = x.read_clipboard(None);
    assert!(
        after.as_deref().unwrap_or("").is_empty(),
        "clipboard after clear: {after:?}"
    );
}

#[test]
fn a_value_copied_in_between_is_left_alone() {
    if !tools_available() {
        return;
    }
    let x = Xvfb::start();
    let mut cb = Clipboard::new(ClipboardMode::Native, x.env());
    assert_eq!(
        cb.copy(&secret(), &mut Vec::new()),
        CopyOutcome::SystemClipboard
    );
    assert_eq!(x.read_clipboard(None).as_deref(), Some(TOKEN));

    x.copy_from_elsewhere(OTHER);
    assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::LeftAlone);
    assert!(!cb.holds_secret());
    assert_eq!(x.read_clipboard(None).as_deref(), Some(OTHER));
    drop(cb);
    assert_eq!(x.read_clipboard(None).as_deref(), Some(OTHER));
}

#[test]
fn dropping_the_clipboard_clears_it() {
    if !tools_available() {
        return;
    }
    let x = Xvfb::start();
    let mut cb = Clipboard::new(ClipboardMode::Auto, x.env());
    assert_eq!(
        cb.copy(&secret(), &mut Vec::new()),
        CopyOutcome::SystemClipboard
    );
    assert_eq!(x.read_clipboard(None).as_deref(), Some(TOKEN));
    drop(cb);
    let after = x.read_clipboard(None);
    assert!(after.as_deref().unwrap_or("").is_empty(), "{after:?}");
}

#[test]
fn a_second_copy_replaces_the_first() {
    if !tools_available() {
        return;
    }
    let x = Xvfb::start();
    let mut cb = Clipboard::new(ClipboardMode::Native, x.env());
    let second = "c2Vjb25kLXRva2VuLXZhbHVlLWZvci10ZXN0";
    assert_eq!(
        cb.copy(&secret(), &mut Vec::new()),
        CopyOutcome::SystemClipboard
    );
    let started = Instant::now();
    let out = cb.copy(&OneTimeSecret::new(second.into()).unwrap(), &mut Vec::new());
    eprintln!(
        "native copy replacing the first (same connection) took {:?}",
        started.elapsed()
    );
    assert_eq!(out, CopyOutcome::SystemClipboard);
    assert_eq!(x.read_clipboard(None).as_deref(), Some(second));
    assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::Cleared);
}

#[test]
fn a_dead_display_falls_to_the_next_path_and_never_claims_a_copy() {
    // A stale X socket nobody listens on (a display whose server is gone). A socket path of our
    // own, not a display number: a freed number may be taken by another test's Xvfb at once.
    let _turn = DISPLAY_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("X0");
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let display = socket.to_str().unwrap().to_string();
    // SAFETY: the tests of this binary that read or write DISPLAY hold DISPLAY_LOCK.
    unsafe {
        std::env::set_var("DISPLAY", &display);
        std::env::remove_var("WAYLAND_DISPLAY");
    }
    let env = ClipEnv::from_vars(|k| (k == "DISPLAY").then(|| display.clone()));
    assert!(env.display && !env.x_forwarded);

    let mut native_only = Clipboard::new(ClipboardMode::Native, env.clone());
    let started = Instant::now();
    let out = native_only.copy(&secret(), &mut Vec::new());
    eprintln!(
        "native copy on a dead display gave up after {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(!out.copied(), "{out:?}");
    assert!(out.label().contains("not copied") && !out.label().contains(TOKEN));
    assert!(!native_only.holds_secret());

    let mut auto = Clipboard::new(ClipboardMode::Auto, env);
    let mut term = Vec::new();
    assert_eq!(auto.copy(&secret(), &mut term), CopyOutcome::Osc52Sent);
    assert!(term.starts_with(b"\x1b]52;c;"));
    assert_eq!(
        auto.clear_if_ours(&mut Vec::new()),
        ClearOutcome::BlindClear
    );
}

#[test]
fn copy_right_after_a_clear_is_really_there() {
    if !tools_available() {
        return;
    }
    let x = Xvfb::start();
    let mut cb = Clipboard::new(ClipboardMode::Auto, x.env());
    let copy = |cb: &mut Clipboard, value: &str| {
        let out = cb.copy(&OneTimeSecret::new(value.into()).unwrap(), &mut Vec::new());
        assert_eq!(out, CopyOutcome::SystemClipboard, "{value}");
    };
    for round in 0..10 {
        let (a, b, c) = (
            format!("{TOKEN}-{round}a"),
            format!("{TOKEN}-{round}b"),
            format!("{TOKEN}-{round}c"),
        );
        copy(&mut cb, &a);
        copy(&mut cb, &b); // replaces `a` at once
        assert_eq!(
            x.read_clipboard(None),
            Some(b),
            "round {round}: claimed but not pasteable"
        );
        assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::Cleared);
        copy(&mut cb, &c); // right after a clear
        assert_eq!(
            x.read_clipboard(None),
            Some(c),
            "round {round}: claimed but not pasteable"
        );
        assert_eq!(cb.clear_if_ours(&mut Vec::new()), ClearOutcome::Cleared);
        let after = x.read_clipboard(None);
        assert!(
            after.as_deref().unwrap_or("").is_empty(),
            "round {round}: {after:?}"
        );
    }
}
