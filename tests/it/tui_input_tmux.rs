//! Coalesced input (issue 19 item 2) on the real binary in tmux, where both earlier failures
//! lived: crossterm's input lock held by a waiting reader while ratatui reads the cursor (closing
//! the secret view clears the screen, which asks the terminal where the cursor is, and no key
//! follows), and a burst followed by silence that was never drawn. Frames are counted at the PTY
//! by the synchronized-update markers every draw is wrapped in (`ESC [ ? 2026 h … l`).

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::tab::*;
use common::tmux::TmuxSession;

const BEGIN: &[u8] = b"\x1b[?2026h";
const END: &[u8] = b"\x1b[?2026l";

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// Everything the program writes to its terminal from now on goes to `file` too.
fn record(t: &TmuxSession, file: &Path) {
    let cmd = format!("cat >> '{}'", file.display());
    let out = t.tmux(&["pipe-pane", "-o", "-t", "t", &cmd]);
    assert!(out.status.success(), "pipe-pane: {out:?}");
}

/// The bytes recorded so far, once every frame begun in them has ended.
fn frames_done(file: &Path) -> Vec<u8> {
    let start = Instant::now();
    loop {
        let bytes = std::fs::read(file).unwrap_or_default();
        if count(&bytes, BEGIN) == count(&bytes, END) {
            return bytes;
        }
        assert!(start.elapsed() < WAIT, "a frame never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn fifty_keys_typed_at_once_into_the_filter_are_drawn_in_at_most_three_frames() {
    let home = Home::new();
    let t = start_tab(&home, 160, 48, &[]);
    wait_table(&t);
    let rec = home.path().join("pty.out");
    record(&t, &rec);
    t.type_text("/");
    t.wait_text("Access Tokens /▏", WAIT);
    let before = frames_done(&rec);
    // Two filter terms (the gap keeps the title's shown part the same from the 13th key on): only
    // the last key makes the count 1 (custom and expired; 12 custom tokens before `status:`,
    // none while `status:…` is incomplete), so the count on screen says every key was applied.
    let text = format!("scope:custom{}status:expired", " ".repeat(24));
    assert_eq!(text.len(), 50);
    let sent = Instant::now();
    // One send-keys: the 50 bytes reach the PTY at once, as a paste into a terminal without
    // bracketed paste does; nothing follows them.
    t.type_text(&text);
    t.wait_for("the whole filter applied and drawn", WAIT, |s| {
        s.contains("Access Tokens /scope:custom") && s.contains("…▏ (1 of 31)")
    });
    let shown = sent.elapsed();
    let after = frames_done(&rec);
    let burst = &after[before.len()..];
    let frames = count(burst, BEGIN);
    println!(
        "50 keys at the PTY: {frames} frame(s), {} bytes, on screen after {shown:?}",
        burst.len()
    );
    assert!((1..=3).contains(&frames), "{frames} frames for one burst");
    t.type_text("\x1b");
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
    assert_restored(&t);
}

#[test]
fn closing_the_secret_view_reads_the_cursor_without_waiting_for_a_key() {
    let home = Home::new();
    let t = start_tab(&home, 100, 30, &[]);
    wait_table(&t);
    t.type_text("n");
    t.wait_text("New token", WAIT);
    t.type_text("cursor read");
    t.keys(&["C-s"]);
    t.wait_text("Your new access token", WAIT);
    // Enter closes the view; the loop clears the screen, and ratatui's clear asks the terminal
    // for the cursor position through crossterm's input lock. No key comes after it.
    let closed = Instant::now();
    t.tmux(&["send-keys", "-t", "t", "Enter"]);
    let screen = t.wait_for("the view closed and the screen redrawn", WAIT, |s| {
        s.contains("it cannot be shown again") || s.contains("tokentab exited with")
    });
    let took = closed.elapsed();
    println!("secret view closed (clear + cursor read + frame) in {took:?}");
    assert!(
        !screen.contains("tokentab exited with") && !t.pane_dead(),
        "the tab died on the cursor read:\n{screen}"
    );
    // (crossterm gives up a cursor read after 2 s: a read that waited for a held lock fails the
    // clear, and the tab ends with an error. That is the failure this test shows absent.)
    // Still alive and reading keys.
    t.type_text("?");
    t.wait_text("Keys (Esc closes)", WAIT);
    t.keys(&["Escape"]);
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
    assert_restored(&t);
}

/// `R` (running) or `S` … while the process lives; `None` once it has exited (gone or a zombie).
fn alive(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let state = stat.rsplit_once(')')?.1.trim_start().chars().next()?;
    (state != 'Z' && state != 'X').then_some(state)
}

#[test]
fn a_closed_terminal_ends_the_tab() {
    // On a closed terminal crossterm's reader loops on `read() == 0` and never returns (the tab
    // once spun forever joining it): the input thread sees the hang-up on the tty itself and
    // never hands it to crossterm, and the tab quits on the hang-up without waiting for it.
    let home = Home::new();
    let t = start_tab(&home, 100, 30, &[]);
    wait_table(&t);
    let pid = tab_pid(&t);
    drop(t);
    let start = Instant::now();
    while let Some(state) = alive(pid) {
        assert!(
            start.elapsed() < WAIT,
            "tokentab {pid} still runs ({state}) after its terminal closed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("gone {:?} after the terminal closed", start.elapsed());
}
