//! Issue 18 items 2, 3a and 4 on the real binary in tmux at 80×24 with `TERM=linux` and
//! `LC_ALL=C` (the ASCII glyph set): the own-token revoke warns, and afterwards signing in again
//! through `P` loads the table; a cut message opened in full with `m`; the header's count drops
//! after a revoke without `r`.

use crate::common;
use crate::common::service::harness;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::tab::*;
use common::tmux::TmuxSession;
use serde_json::json;

/// The tab at 80×24 on the Linux console in the C locale (the glyph set chosen automatically),
/// with `args` after `--data-dir`.
fn start(home: &Home, args: &[&str]) -> TmuxSession {
    let mut all = args.to_vec();
    all.extend(["--clipboard", "off"]);
    start_with_env(home, 80, 24, CONSOLE, &all)
}

fn write_token(path: &Path, token: &str) {
    std::fs::write(path, format!("{token}\n")).expect("token file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// The table loaded (the ASCII set's separator in the header).
fn wait_table(t: &TmuxSession) -> String {
    t.wait_for("the token table", WAIT, |s| {
        crate::common::tab::table_loaded(s)
    })
}

fn quit(t: &TmuxSession) {
    t.keys(&["q"]);
    t.wait_for("the program exited", WAIT, |_| t.pane_dead());
}

/// Filters to `text` (one row) and leaves the filter line.
fn only(t: &TmuxSession, text: &str) {
    t.type_text("/");
    t.type_text(text);
    t.keys(&["Enter"]);
    t.wait_text("(1 of ", WAIT);
}

#[test]
fn own_token_revoke_warns_then_signing_in_again_loads_the_table() {
    let s = harness().start_blocking();
    let (mine, _) = s.mint(json!({"username": "admin", "description": "zq tab own"}));
    let home = Home::new();
    let cfg_dir = home.path().join("config").join("tokentab");
    std::fs::create_dir_all(&cfg_dir).expect("config dir");
    let file = home.path().join("alpha.token");
    write_token(&file, &mine);
    std::fs::write(
        cfg_dir.join("config.toml"),
        format!(
            "default_profile = \"alpha\"\n[profiles.alpha]\nurl = \"{}\"\ntoken_file = \"{}\"\n",
            s.url(),
            file.display(),
        ),
    )
    .expect("config file");
    let t = start(&home, &[]);
    wait_table(&t);
    // Which token is the tab's own is known once the server answered who the tab is.
    t.wait_text("| admin |", WAIT);
    only(&t, "zq tab own");
    t.type_text("d");
    let dialog = t.wait_text("Revoke token?", WAIT);
    assert!(
        dialog.contains("this tab is signed in with") && dialog.contains("sign in again"),
        "{dialog}"
    );
    t.keys(&["Right", "Enter"]);
    let out = t.wait_text("signed out", WAIT);
    assert!(out.contains("P: switch server or sign in again"), "{out}");
    assert!(!out.contains("to retry"), "{out}");
    // Signing in again: a new token where the profile reads it, then the same entry in P.
    let (fresh, _) = s.mint(json!({"username": "admin", "description": "zq second sign-in"}));
    write_token(&file, &fresh);
    t.type_text("P");
    t.wait_text("Switch server", WAIT);
    t.keys(&["Enter"]);
    let back = t.wait_for("the table on the fresh token", WAIT, |sc| {
        sc.contains("switched to alpha") && sc.contains("zq second sign-in")
    });
    assert!(!back.contains("signed out"), "{back}");
    quit(&t);
}

#[test]
fn a_cut_403_opens_in_full_with_m() {
    let (s, proxy) = crate::tui_msgs::guarded();
    let home = Home::new();
    let token_file = s.admin_token_file().display().to_string();
    let t = start(&home, &["--url", &proxy, "--token-file", &token_file]);
    wait_table(&t);
    only(&t, "zq guarded");
    t.type_text("d");
    t.wait_text("Revoke token?", WAIT);
    t.keys(&["Right", "Enter"]);
    let cut = t.wait_text("could not revoke", WAIT);
    let last = cut
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(last.trim_end().ends_with("m: all"), "{cut}");
    assert!(!cut.contains("#release"), "{cut}");
    t.type_text("m");
    let full = t.wait_text("Message (Esc closes)", WAIT);
    assert!(full.contains("ask them in #release"), "{full}");
    t.keys(&["Escape"]);
    t.wait_for("the message closed", WAIT, |sc| {
        !sc.contains("Message (Esc closes)")
    });
    quit(&t);
}

#[test]
fn the_header_count_drops_after_a_revoke_without_r() {
    let s = harness().start_blocking();
    s.mint(json!({"username": "admin", "description": "zq soon", "expires_in": 3 * 86_400}));
    let home = Home::new();
    let token_file = s.admin_token_file().display().to_string();
    let t = start(&home, &["--url", &s.url(), "--token-file", &token_file]);
    t.wait_text("1 yours expiring", WAIT);
    only(&t, "zq soon");
    t.type_text("d");
    t.wait_text("Revoke token?", WAIT);
    t.keys(&["Right", "Enter"]);
    let after = t.wait_text("revoked \"zq soon\"", WAIT);
    assert!(!after.contains("yours expiring"), "{after}");
    quit(&t);
}

/// The embedded service's own admin token revoked from the tab: choosing the embedded entry
/// again in `P` restarts the service, whose start-up writes a fresh `admin.token`, and the table
/// loads on it (before, the same revoked client was reused and the tab stayed signed out).
#[test]
fn embedded_admin_token_revoked_then_signing_in_again_restarts_the_service() {
    let home = Home::new();
    let t = start(&home, &[]);
    wait_table(&t);
    t.wait_text("| admin |", WAIT);
    let token_file = home.data().join("admin.token");
    let before = std::fs::read_to_string(&token_file).expect("admin.token");
    only(&t, "tokentab admin token");
    t.type_text("d");
    let dialog = t.wait_text("Revoke token?", WAIT);
    assert!(dialog.contains("this tab is signed in with"), "{dialog}");
    let code = dialog
        .split("any case (")
        .nth(1)
        .and_then(|rest| rest.get(..4))
        .expect("the admin confirmation names its 4 characters")
        .to_owned();
    t.type_text(&code);
    t.keys(&["Tab", "Enter"]);
    t.wait_text("signed out", WAIT);
    t.type_text("P");
    t.wait_text("Switch server", WAIT);
    t.keys(&["Enter"]);
    let back = t.wait_for("the table on a fresh admin token", WAIT, |sc| {
        sc.contains("switched to embedded") && crate::common::tab::table_loaded(sc)
    });
    assert!(!back.contains("signed out"), "{back}");
    let after = std::fs::read_to_string(&token_file).expect("admin.token");
    assert_ne!(before, after, "start-up replaced the revoked admin token");
    quit(&t);
}
