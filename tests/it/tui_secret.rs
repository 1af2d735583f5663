//! Issue 18 item 6 on TestBackend at 80×24: the secret view names where the copy went (tmux
//! buffer by name and how to paste it, which system clipboard, OSC 52 unconfirmed, or why not),
//! counts down only what a clear will really remove, says what the clear did, copies again on
//! `c` while it is open (never after), and asks the runtime to release the mouse while it shows.

use crate::common;

use chrono::Duration;
use common::fixtures::*;
use crossterm::event::KeyCode;
use tokentab::secret::clipboard::{ClearOutcome, CopyOutcome, NativeKind};
use tokentab::tui::app::App;
use tokentab::tui::keymap::Mode;
use tokentab::tui::msg::{Answer, Effect, Msg, Owner};

const BUFFER: &str = "tokentab-0123456789abcdef";

fn tmux(name: &str) -> CopyOutcome {
    CopyOutcome::TmuxBuffer {
        buffer: name.into(),
    }
}

/// The model at 80×24 with the secret view open (its first copy asked for).
fn with_secret(clear_secs: u64) -> App {
    let mut app = loaded_with(
        tokentab::tui::app::AppConfig {
            clipboard_clear_secs: clear_secs,
            ..cfg()
        },
        sample(),
        80,
        24,
    );
    let id = generate(&mut app, "deploy bot");
    let fx = app.update(reply(Owner::Form, id, Answer::Created(Ok(created()))));
    assert!(fx.contains(&Effect::CopySecret));
    assert_eq!(app.mode(), Mode::Secret);
    app
}

fn screen(app: &mut App) -> String {
    render_text(app, 80, 24)
}

/// The screen's lines joined with single spaces, so a wrapped sentence reads as one.
fn flat(app: &mut App) -> String {
    screen(app)
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c.is_whitespace()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_tmux_buffer_is_named_with_how_to_paste_it_counted_down_and_then_said_deleted() {
    let mut app = with_secret(30);
    let fx = app.update(Msg::SecretCopied(tmux(BUFFER)));
    assert_eq!(
        fx,
        vec![Effect::ClearClipboardIn(std::time::Duration::from_secs(30))]
    );
    let s = flat(&mut app);
    assert!(s.contains(SECRET), "the token whole on one line: {s}");
    assert!(
        s.contains(&format!("copied to a tmux buffer: {BUFFER}")),
        "{s}"
    );
    assert!(
        s.contains(&format!(
            "paste it with prefix ] (or: tmux paste-buffer -b {BUFFER})"
        )),
        "{s}"
    );
    assert!(
        s.contains(&format!("the tmux buffer {BUFFER} will be deleted in 30 s")),
        "{s}"
    );
    assert!(!s.contains("the clipboard will be cleared"), "{s}");
    app.update(Msg::Tick(now() + Duration::seconds(7)));
    assert!(flat(&mut app).contains("will be deleted in 23 s"));

    // The clear ran: the view says what it did, not "copied … will be deleted" any more.
    app.update(Msg::ClipboardCleared(ClearOutcome::Cleared));
    let s = flat(&mut app);
    assert!(s.contains(&format!("tmux buffer {BUFFER} deleted")), "{s}");
    assert!(!s.contains("will be deleted"), "{s}");
    let status = app.status.as_ref().expect("a message").text.clone();
    assert_eq!(
        status,
        format!("clipboard cleared: tmux buffer {BUFFER} deleted")
    );
}

#[test]
fn the_system_clipboard_is_named_and_cleared_only_if_it_still_holds_the_token() {
    let mut app = with_secret(30);
    app.update(Msg::SecretCopied(CopyOutcome::SystemClipboard(
        NativeKind::X11,
    )));
    let s = flat(&mut app);
    assert!(s.contains("copied to the system clipboard (X11)"), "{s}");
    assert!(
        s.contains(
            "the system clipboard (X11) will be cleared in 30 s if it still holds the token"
        ),
        "{s}"
    );
    app.update(Msg::ClipboardCleared(ClearOutcome::LeftAlone));
    let s = flat(&mut app);
    assert!(
        s.contains("the system clipboard (X11) holds something else now; left alone"),
        "{s}"
    );
    assert!(!s.contains("will be cleared"), "{s}");

    let mut app = with_secret(30);
    app.update(Msg::SecretCopied(CopyOutcome::SystemClipboard(
        NativeKind::Wayland,
    )));
    assert!(flat(&mut app).contains("copied to the system clipboard (Wayland)"));
}

#[test]
fn osc52_is_unconfirmed_and_has_no_countdown() {
    let mut app = with_secret(30);
    let fx = app.update(Msg::SecretCopied(CopyOutcome::Osc52Sent));
    assert!(fx.is_empty(), "no clear timer: {fx:?}");
    assert_eq!(app.countdown(), None);
    let s = flat(&mut app);
    assert!(
        s.contains(
            "sent to the terminal (OSC 52), not confirmed: the terminal may have ignored it"
        ),
        "{s}"
    );
    assert!(
        s.contains("OSC 52 cannot be cleared reliably: no countdown"),
        "{s}"
    );
    assert!(!s.contains(" s if ") && !s.contains("cleared in"), "{s}");
    assert!(!s.contains("copied"), "never claims a copy: {s}");
}

#[test]
fn nothing_copied_says_why_and_how_to_select_it() {
    let mut app = with_secret(30);
    let fx = app.update(Msg::SecretCopied(CopyOutcome::NotCopied {
        reason: "clipboard is off".into(),
    }));
    assert!(fx.is_empty());
    let s = flat(&mut app);
    assert!(s.contains("not copied: clipboard is off"), "{s}");
    assert!(
        s.contains("select it with the mouse and copy it yourself"),
        "{s}"
    );
    assert!(!s.contains("cleared") && !s.contains("deleted"), "{s}");
    assert!(!s.contains("copy it from the screen"), "{s}");
    assert!(!app.wants_mouse(), "mouse capture released while it shows");
    key(&mut app, KeyCode::Esc);
    assert!(app.wants_mouse(), "and back after it closed");
}

#[test]
fn clearing_off_says_so_instead_of_a_countdown() {
    let mut app = with_secret(0);
    assert!(app.update(Msg::SecretCopied(tmux(BUFFER))).is_empty());
    let s = flat(&mut app);
    assert!(
        s.contains("clearing is off (--clipboard-clear 0): it stays until replaced"),
        "{s}"
    );
    assert!(!s.contains("will be deleted"), "{s}");
}

#[test]
fn c_copies_again_while_the_view_is_open_and_restarts_the_countdown_but_never_after() {
    let mut app = with_secret(30);
    app.update(Msg::SecretCopied(tmux(BUFFER)));
    let s = flat(&mut app);
    assert!(s.contains("c copy again"), "the view lists c: {s}");
    let text = screen(&mut app);
    let bottom = text.lines().last().unwrap_or_default();
    assert!(
        bottom.contains("c copy again"),
        "and the key line of the mode: {text}"
    );
    app.update(Msg::Tick(now() + Duration::seconds(20)));
    assert_eq!(app.countdown(), Some(10));
    let fx = key(&mut app, KeyCode::Char('c'));
    assert_eq!(fx, vec![Effect::CopySecret]);
    let again = "tokentab-fedcba9876543210";
    let fx = app.update(Msg::SecretCopied(tmux(again)));
    assert_eq!(
        fx,
        vec![Effect::ClearClipboardIn(std::time::Duration::from_secs(30))],
        "the countdown restarts"
    );
    assert_eq!(app.countdown(), Some(30));
    let s = flat(&mut app);
    assert!(
        s.contains(&format!("copied again to a tmux buffer: {again}")),
        "{s}"
    );
    assert!(s.contains(&format!("the tmux buffer {again} will be deleted in 30 s")));

    // After the clear, c still copies (the token is still here) and the view counts again.
    app.update(Msg::ClipboardCleared(ClearOutcome::Cleared));
    assert!(flat(&mut app).contains(&format!("tmux buffer {again} deleted")));
    assert_eq!(key(&mut app, KeyCode::Char('c')), vec![Effect::CopySecret]);
    app.update(Msg::SecretCopied(tmux(BUFFER)));
    let s = flat(&mut app);
    assert!(
        s.contains(&format!("the tmux buffer {BUFFER} will be deleted in 30 s"))
            && !s.contains(&format!("tmux buffer {BUFFER} deleted")),
        "{s}"
    );

    // Closed: the secret is gone, c asks for no copy.
    key(&mut app, KeyCode::Enter);
    assert!(app.secret().is_none());
    for _ in 0..3 {
        let fx = key(&mut app, KeyCode::Char('c'));
        assert!(!fx.contains(&Effect::CopySecret), "{fx:?}");
    }
    assert!(!screen(&mut app).contains(SECRET));
}
