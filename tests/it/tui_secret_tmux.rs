//! Issue 18 item 6 on the real binary in tmux at 80×24, `TERM=linux`, `LC_ALL=C` (ASCII set):
//! the secret view names the tmux buffer it copied to and how to paste it, the buffer holds the
//! token, the countdown ends with "deleted" and the buffer gone, `c` copies again (that `c`
//! does nothing once the view is closed is shown on TestBackend, `tui_secret`); with
//! `--clipboard off` there is no countdown, the view says how to select the token, and mouse
//! capture is off while the view shows and back on after (`#{mouse_any_flag}`).

use crate::common;

use std::time::{Duration, Instant};

use common::screen::secret_on;
use common::tab::*;
use common::tmux::TmuxSession;

/// Starts `tokentab --data-dir <home data> ARGS` at 80×24 with `TERM=linux` and `LC_ALL=C` set
/// for the program itself (tmux sets a pane's TERM from its own `default-terminal`), run by a
/// shell that stays after it and prints its exit status.
fn start_console(home: &Home, args: &[&str]) -> TmuxSession {
    let data = home.data().display().to_string();
    let script = "\"$0\" \"$@\"; printf '\\ntokentab exited with %s\\n' $?; exec sleep 600";
    let mut argv = vec![
        "env",
        "TERM=linux",
        "LC_ALL=C",
        "TOKENTAB_GLYPHS=",
        "sh",
        "-c",
        script,
        env!("CARGO_BIN_EXE_tokentab"),
        "--data-dir",
        data.as_str(),
    ];
    argv.extend_from_slice(args);
    let vars = home.env();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TmuxSession::start(&argv, 80, 24, &vars)
}

/// The secret view's text (inside its frame, over the table) with its lines joined by single
/// spaces, so a wrapped sentence reads as one; empty when the view is not on screen.
fn flat(screen: &str) -> String {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let Some((top, left)) = lines.iter().enumerate().find_map(|(i, l)| {
        let text: String = l.iter().collect();
        let at = text.find("+ Your new access token")?;
        Some((i, text[..at].chars().count()))
    }) else {
        return String::new();
    };
    let right = lines[top]
        .iter()
        .skip(left + 1)
        .position(|c| *c == '+')
        .map_or(lines[top].len(), |p| left + 1 + p);
    let mut inside = Vec::new();
    for l in &lines[top + 1..] {
        if l.get(left) == Some(&'+') {
            break;
        }
        let row: String = l.iter().take(right).skip(left + 1).collect();
        inside.push(row.trim().to_owned());
    }
    inside.join(" ")
}

/// `#{mouse_any_flag}` of the pane: 1 while the program captures the mouse.
fn mouse(t: &TmuxSession) -> String {
    let flags = t.pane_flags();
    flags
        .split_whitespace()
        .find_map(|f| f.strip_prefix("mouse="))
        .unwrap_or_default()
        .to_owned()
}

fn wait_mouse(t: &TmuxSession, want: &str) {
    let start = Instant::now();
    while mouse(t) != want {
        assert!(
            start.elapsed() < WAIT,
            "mouse capture never became {want}: {}",
            t.pane_flags()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The word after `prefix` on the screen (a buffer name).
fn word_after(screen: &str, prefix: &str) -> String {
    let flat = flat(screen);
    let rest = flat
        .split(prefix)
        .nth(1)
        .unwrap_or_else(|| panic!("no {prefix:?} on screen:\n{screen}"));
    rest.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The table in the ASCII set (`wait_table` reads the unicode header).
fn wait_ascii_table(t: &TmuxSession) {
    t.wait_for("the token table", WAIT, |s| {
        crate::common::tab::table_loaded(s)
    });
}

/// The running program really has the console's TERM and locale.
fn assert_console(t: &TmuxSession) {
    let environ = std::fs::read(format!("/proc/{}/environ", tab_pid(t))).expect("environ");
    let vars: Vec<&[u8]> = environ.split(|b| *b == 0).collect();
    assert!(vars.contains(&&b"TERM=linux"[..]), "TERM=linux");
    assert!(vars.contains(&&b"LC_ALL=C"[..]), "LC_ALL=C");
}

fn create(t: &TmuxSession, desc: &str) -> String {
    t.type_text("n");
    t.wait_text("New token", WAIT);
    t.type_text(desc);
    t.keys(&["C-s"]);
    t.wait_text("Your new access token", WAIT)
}

#[test]
fn inside_tmux_the_view_names_the_buffer_counts_down_to_deleted_and_c_copies_again() {
    let home = Home::new();
    let t = start_console(&home, &["--clipboard", "auto", "--clipboard-clear", "4"]);
    wait_ascii_table(&t);
    assert_console(&t);
    wait_mouse(&t, "1");
    create(&t, "tmux named buffer");
    let view = t.wait_text("copied to a tmux buffer: tokentab-", WAIT);
    let secret = secret_on(&view);
    let name = word_after(&view, "copied to a tmux buffer: ");
    assert!(name.starts_with("tokentab-"), "{name}");
    let said = flat(&view);
    assert!(
        said.contains(&format!(
            "paste it with prefix ] (or: tmux paste-buffer -b {name})"
        )),
        "{view}"
    );
    // `tmux show-buffer -b NAME` has exactly the token.
    assert_eq!(t.buffer(&name).as_deref(), Some(secret.as_str()));
    let counting = t.wait_for("the countdown", WAIT, |s| {
        flat(s).contains(&format!("the tmux buffer {name} will be deleted in "))
    });
    assert!(
        !counting.contains("clipboard will be cleared"),
        "{counting}"
    );

    // The countdown ends: the view says deleted, and tmux has no such buffer any more.
    let done = t.wait_for("the buffer deleted", WAIT, |s| {
        flat(s).contains(&format!("tmux buffer {name} deleted"))
    });
    assert!(!flat(&done).contains("will be deleted"), "{done}");
    assert_eq!(t.buffer(&name), None, "the buffer is gone");
    assert!(done.contains(&secret), "the view is still open: {done}");

    // c: copied again, into a new buffer, with a new countdown.
    t.type_text("c");
    let again = t.wait_text("copied again to a tmux buffer: tokentab-", WAIT);
    let second = word_after(&again, "copied again to a tmux buffer: ");
    assert_ne!(second, name);
    assert_eq!(t.buffer(&second).as_deref(), Some(secret.as_str()));
    t.wait_for("the new countdown", WAIT, |s| {
        flat(s).contains(&format!("the tmux buffer {second} will be deleted in "))
    });

    t.keys(&["Enter"]);
    t.wait_text("it cannot be shown again", WAIT);
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
    assert!(
        t.all_buffers().iter().all(|b| !b.contains(&secret)),
        "no buffer keeps the token after the quit"
    );
}

#[test]
fn with_the_clipboard_off_there_is_no_countdown_and_the_mouse_is_free_while_the_view_shows() {
    let home = Home::new();
    let t = start_console(&home, &["--clipboard", "off"]);
    wait_ascii_table(&t);
    assert_console(&t);
    wait_mouse(&t, "1");
    let view = create(&t, "select by mouse");
    let view = if view.contains("not copied") {
        view
    } else {
        t.wait_text("not copied", WAIT)
    };
    let said = flat(&view);
    assert!(said.contains("not copied: clipboard is off"), "{view}");
    assert!(
        said.contains("select it with the mouse and copy it yourself"),
        "{view}"
    );
    assert!(
        !said.contains("will be") && !said.contains("cleared in"),
        "no countdown: {view}"
    );
    // Mouse capture released while the token shows, so a drag selects it.
    wait_mouse(&t, "0");
    assert!(t.buffer_names().iter().all(|n| !n.starts_with("tokentab-")));
    t.keys(&["Escape"]);
    t.wait_text("it cannot be shown again", WAIT);
    wait_mouse(&t, "1");
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
    assert_restored(&t);
}
