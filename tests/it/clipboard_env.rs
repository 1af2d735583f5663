//! Path choice, the "not copied" outcome, the exact OSC 52 bytes (plain and GNU screen) and the
//! absence of the secret from Debug output. No display or tmux is used here.

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tokentab::model::settings::ClipboardMode;
use tokentab::secret::OneTimeSecret;
use tokentab::secret::clipboard::{
    ClearOutcome, ClipEnv, ClipPath, Clipboard, CopyOutcome, planned_path,
};

const TOKEN: &str = "eyJ2ZXIiOiIyIiwidHlwIjoiSldUIn0.cmVmdGtuOjAxOjE3OTk5OTk5OTk6c2VjcmV0.Zm9vYmFy";

fn secret() -> OneTimeSecret {
    OneTimeSecret::new(TOKEN.to_string()).unwrap()
}

fn env(vars: &[(&str, &str)]) -> ClipEnv {
    ClipEnv::from_vars(|k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.to_string())
    })
}

#[test]
fn env_is_read_from_variables() {
    let e = env(&[
        ("DISPLAY", "localhost:10.0"),
        ("TMUX", "/tmp/tmux-1000/default,4242,0"),
        ("SSH_CONNECTION", "10.0.0.1 5555 10.0.0.2 22"),
        ("TERM", "screen-256color"),
    ]);
    assert!(e.display && e.x_forwarded && e.tmux && e.ssh && !e.linux_console && !e.screen);
    assert_eq!(e.tmux_socket.as_deref(), Some("/tmp/tmux-1000/default"));

    let local = env(&[
        ("DISPLAY", ":0"),
        ("STY", "1234.pts-0.host"),
        ("TERM", "linux"),
    ]);
    assert!(local.display && !local.x_forwarded && local.screen && local.linux_console);
    assert!(!env(&[("DISPLAY", "unix:0")]).x_forwarded);
    assert!(
        !env(&[("DISPLAY", "")]).display,
        "an empty variable is unset"
    );
}

#[test]
fn planned_paths_follow_the_environment() {
    use ClipPath::*;
    let auto = |vars: &[(&str, &str)]| planned_path(ClipboardMode::Auto, &env(vars));
    // Local desktop.
    assert_eq!(auto(&[("DISPLAY", ":0")]), vec![Native, Osc52]);
    assert_eq!(
        auto(&[("WAYLAND_DISPLAY", "wayland-0")]),
        vec![Native, Osc52]
    );
    assert_eq!(
        auto(&[("DISPLAY", ":0"), ("TMUX", "/s,1,0")]),
        vec![Native, Tmux]
    );
    // SSH: a local-looking display is the remote machine's, Wayland cannot be forwarded.
    assert_eq!(
        auto(&[("DISPLAY", ":0"), ("SSH_TTY", "/dev/pts/3")]),
        vec![Osc52]
    );
    assert_eq!(
        auto(&[("WAYLAND_DISPLAY", "w"), ("SSH_TTY", "/dev/pts/3")]),
        vec![Osc52]
    );
    assert_eq!(
        auto(&[("DISPLAY", "localhost:10.0"), ("SSH_TTY", "/dev/pts/3")]),
        vec![Native, Osc52]
    );
    assert_eq!(
        auto(&[("SSH_TTY", "/dev/pts/3"), ("TMUX", "/s,1,0")]),
        vec![Tmux]
    );
    // Nothing at all, and the kernel console.
    assert_eq!(auto(&[]), vec![Osc52]);
    assert_eq!(auto(&[("TERM", "linux")]), Vec::<ClipPath>::new());
    // Inside tmux on the console: tmux's own buffer needs nothing from the terminal.
    assert_eq!(auto(&[("TERM", "linux"), ("TMUX", "/s,1,0")]), vec![Tmux]);
    assert_eq!(
        auto(&[("TERM", "linux"), ("DISPLAY", ":0")]),
        Vec::<ClipPath>::new()
    );
    // Overrides are taken literally.
    let e = env(&[("TERM", "linux")]);
    assert_eq!(planned_path(ClipboardMode::Osc52, &e), vec![Osc52]);
    assert_eq!(planned_path(ClipboardMode::Tmux, &e), vec![Tmux]);
    assert_eq!(planned_path(ClipboardMode::Native, &e), vec![Native]);
    assert!(planned_path(ClipboardMode::Off, &env(&[("DISPLAY", ":0")])).is_empty());
}

#[test]
fn linux_console_is_not_copied_and_says_so() {
    let mut cb = Clipboard::new(ClipboardMode::Auto, env(&[("TERM", "linux")]));
    let mut term = Vec::new();
    let out = cb.copy(&secret(), &mut term);
    assert!(matches!(out, CopyOutcome::NotCopied { .. }), "{out:?}");
    assert!(!out.copied());
    assert!(out.label().contains("not copied"), "{}", out.label());
    assert!(
        term.is_empty(),
        "nothing may be written to the Linux console"
    );
    assert!(!cb.holds_secret());
    assert_eq!(cb.clear_if_ours(&mut term), ClearOutcome::NothingToClear);

    let mut off = Clipboard::new(ClipboardMode::Off, env(&[("DISPLAY", ":0")]));
    let out = off.copy(&secret(), &mut term);
    assert!(
        out.label().contains("not copied") && out.label().contains("off"),
        "{}",
        out.label()
    );
    assert!(term.is_empty());
}

#[test]
fn osc52_writes_exactly_the_sequence_then_a_blind_clear() {
    let mut cb = Clipboard::new(
        ClipboardMode::Auto,
        env(&[("SSH_TTY", "/dev/pts/1"), ("TERM", "xterm-256color")]),
    );
    let mut term = Vec::new();
    let out = cb.copy(&secret(), &mut term);
    assert_eq!(out, CopyOutcome::Osc52Sent);
    assert!(out.label().contains("not confirmed"));
    let expected = format!("\x1b]52;c;{}\x1b\\", STANDARD.encode(TOKEN));
    assert_eq!(String::from_utf8(term.clone()).unwrap(), expected);
    assert!(cb.holds_secret());
    assert_eq!(cb.held_path(), Some(ClipPath::Osc52));

    term.clear();
    assert_eq!(cb.clear_if_ours(&mut term), ClearOutcome::BlindClear);
    assert_eq!(term, b"\x1b]52;c;\x1b\\");
    assert!(!cb.holds_secret());
    assert_eq!(cb.clear_if_ours(&mut term), ClearOutcome::NothingToClear);
}

#[test]
fn osc52_under_gnu_screen_is_dcs_wrapped_in_76_byte_chunks() {
    let mut cb = Clipboard::new(ClipboardMode::Auto, env(&[("STY", "4242.pts-1.host")]));
    let mut term = Vec::new();
    assert_eq!(cb.copy(&secret(), &mut term), CopyOutcome::Osc52Sent);
    let b64 = STANDARD.encode(TOKEN);
    let chunks: Vec<&str> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    assert!(
        chunks.len() >= 2,
        "the test token must need more than one chunk"
    );
    let expected = format!("\x1bP\x1b]52;c;{}\x07\x1b\\", chunks.join("\x1b\\\x1bP"));
    assert_eq!(String::from_utf8(term.clone()).unwrap(), expected);
    // What screen passes on (the DCS wrappers removed) is one OSC 52 with the whole payload.
    let inner = String::from_utf8(term)
        .unwrap()
        .replace("\x1b\\\x1bP", "")
        .replace("\x1bP", "")
        .replace("\x1b\\", "");
    assert_eq!(inner, format!("\x1b]52;c;{b64}\x07"));

    let mut term = Vec::new();
    assert_eq!(cb.clear_if_ours(&mut term), ClearOutcome::BlindClear);
    assert_eq!(term, b"\x1bP\x1b]52;c;\x07\x1b\\");
}

struct BrokenTerminal;

impl Write for BrokenTerminal {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::BrokenPipe, "terminal gone"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failed_terminal_write_is_not_claimed() {
    let mut cb = Clipboard::new(ClipboardMode::Osc52, ClipEnv::default());
    let out = cb.copy(&secret(), &mut BrokenTerminal);
    assert!(!out.copied(), "{out:?}");
    assert!(out.label().contains("not copied"));
    assert!(!cb.holds_secret());
}

#[test]
fn the_secret_is_not_in_debug_output() {
    let mut cb = Clipboard::new(ClipboardMode::Auto, env(&[("SSH_TTY", "/dev/pts/1")]));
    let mut term = Vec::new();
    let out = cb.copy(&secret(), &mut term);
    assert!(cb.holds_secret());
    let b64 = STANDARD.encode(TOKEN);
    let while_held = format!("{cb:?}");
    assert!(
        while_held.contains("Osc52"),
        "Debug still says the path: {while_held}"
    );
    let cleared = cb.clear_if_ours(&mut Vec::new());
    let shown = format!("{while_held} {cb:?} {out:?} {cleared:?} {}", out.label());
    for needle in [TOKEN, &b64, &TOKEN[..16], &TOKEN[TOKEN.len() - 16..]] {
        assert!(!shown.contains(needle), "secret leaked into: {shown}");
    }
}

#[test]
fn the_clipboard_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Clipboard>();
    assert_send::<CopyOutcome>();
}
