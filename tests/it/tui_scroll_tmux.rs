//! Issue 19 item 1 on the real binary: the Linux console's terminal type in the C locale at
//! 80×24, `j` held past the bottom of the table's window. The tab scrolls the rows with
//! DECSTBM + IL/DL (seen in what it wrote to the pane), and the pane then equals a fresh redraw
//! of the same state (the tab redraws everything after a resize; the width goes to 81 and back).

use crate::common;
use crate::common::service::harness;

use std::os::unix::fs::PermissionsExt;

use common::tab::*;
use serde_json::json;

/// Frames (between synchronized-update markers) the tab wrote, and which of them set margins.
fn frames(stream: &[u8]) -> Vec<&[u8]> {
    let begin = b"\x1b[?2026h";
    let mut out = Vec::new();
    let mut rest = stream;
    while let Some(i) = rest.windows(begin.len()).position(|w| w == begin) {
        rest = &rest[i + begin.len()..];
        let end = rest
            .windows(8)
            .position(|w| w == b"\x1b[?2026l")
            .unwrap_or(rest.len());
        out.push(&rest[..end]);
    }
    out
}

/// `ESC [ top ; bottom r`: a frame that scrolled a band of rows.
fn sets_margins(frame: &[u8]) -> bool {
    frame.windows(2).enumerate().any(|(i, w)| {
        w == b"\x1b[" && {
            let tail = &frame[i + 2..];
            let n = tail
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b';')
                .count();
            n >= 3 && tail.get(n) == Some(&b'r') && tail[..n].contains(&b';')
        }
    })
}

#[test]
fn holding_j_past_the_window_on_the_linux_console_leaves_the_pane_a_fresh_redraw() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let svc = rt.block_on(async {
        let s = harness().start().await;
        for i in 0..60 {
            s.mint(
                None,
                json!({"username": "admin", "description": format!("scroll row {i:02}")}),
            )
            .await;
        }
        s
    });
    let home = Home::new();
    let cfg_dir = home.path().join("config").join("tokentab");
    std::fs::create_dir_all(&cfg_dir).expect("config dir");
    let token = home.path().join("svc.token");
    std::fs::write(&token, format!("{}\n", svc.admin)).expect("token file");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::write(
        cfg_dir.join("config.toml"),
        format!(
            "default_profile = \"svc\"\n[profiles.svc]\nurl = \"{}\"\ntoken_file = \"{}\"\n",
            svc.handle.url(),
            token.display(),
        ),
    )
    .expect("config file");

    let console = [("TERM", "linux"), ("LC_ALL", "C"), ("TOKENTAB_GLYPHS", "")];
    let t = launch(&home, 80, 24, &["--clipboard", "off"], None, &console);
    let written = home.path().join("pane.bytes");
    let pipe = format!("cat >> '{}'", written.display());
    t.tmux(&["pipe-pane", "-o", "-t", "t", &pipe]);
    t.wait_text("scroll row", WAIT);
    // By description, A to Z: row i of the table is "scroll row i".
    for _ in 0..12 {
        if t.screen().contains("sort: description") {
            break;
        }
        let before = t.screen();
        let title = |s: &str| s.lines().nth(1).unwrap_or("").to_owned();
        t.keys(&["s"]);
        t.wait_for("the sort to change", WAIT, |s| title(s) != title(&before));
    }
    if t.wait_text("sort: description", WAIT)
        .contains("sort: description v")
    {
        t.keys(&["S"]);
    }
    t.keys(&["g"]);
    let sorted = t.wait_text("sort: description ^", WAIT);
    assert!(sorted.contains("|>  scroll row 00"), "{sorted}");

    // Held: one key every 40 ms, past the 19 rows the window shows.
    let held = 40;
    t.keys(&vec!["j"; held]);
    let marker = format!("|>  scroll row {held:02}");
    let scrolled = t.wait_text(&marker, WAIT);
    assert!(
        !scrolled.contains("scroll row 00") && scrolled.contains("scroll row 39"),
        "the window follows the selection:\n{scrolled}"
    );

    // A fresh redraw of the same state: wider, then 80 columns again (each a full redraw).
    t.tmux(&["resize-window", "-t", "t", "-x", "81", "-y", "24"]);
    t.wait_for("the 81-column frame", WAIT, |s| {
        s.lines().nth(1).is_some_and(|l| l.trim_end().len() == 81)
    });
    t.tmux(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    let fresh = t.wait_for("the 80-column frame", WAIT, |s| {
        s.lines().nth(1).is_some_and(|l| l.trim_end().len() == 80) && s.contains(&marker)
    });
    assert_eq!(
        scrolled, fresh,
        "the pane after scrolling differs from a fresh redraw of it"
    );

    t.tmux(&["pipe-pane", "-t", "t"]);
    let stream = std::fs::read(&written).expect("pane bytes");
    let all = frames(&stream);
    let regions: Vec<usize> = all
        .iter()
        .filter(|f| sets_margins(f))
        .map(|f| f.len() + 16)
        .collect();
    println!(
        "{} frames, {} scrolled a region; bytes of those: {regions:?}",
        all.len(),
        regions.len()
    );
    assert!(
        regions.len() >= 5,
        "the held key scrolled rows with margins in only {} of {} frames",
        regions.len(),
        all.len()
    );
    t.keys(&["q"]);
    assert_eq!(wait_exit(&t), 0);
}
