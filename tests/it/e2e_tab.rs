//! The real binary in a real terminal (tmux): the embedded service, the table, a filter, a User
//! and a Custom token read off the screen and tried over HTTP, revoke, quit, small terminals,
//! Ctrl-C and SIGTERM, and a terminal left as it was found.

use crate::common;

use std::collections::BTreeSet;

use common::screen::{secret_on, token_id_on, url_on};
use common::tab::*;
use common::tmux;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The normal screen saved beneath the alternate one while the tab runs (`capture-pane -a`).
fn normal_screen_beneath(t: &tmux::TmuxSession) -> String {
    let out = t.tmux(&["capture-pane", "-a", "-p", "-t", "t"]);
    assert!(
        out.status.success(),
        "the pane is on its alternate screen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn scope_items(s: &str) -> BTreeSet<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn list_filter_create_both_kinds_revoke_and_quit() {
    let home = Home::new();
    let t = start_tab(&home, 130, 42, &[]);
    let table = wait_table(&t);
    let http = Http::new(url_on(&table), &home.data());
    let total = http.tokens().len();
    // The user name arrives by its own call: wait for it too.
    let table = t.wait_for("the count and the user", WAIT, |s| {
        s.contains(&format!("{total} tokens")) && s.contains("· admin ·")
    });
    assert!(table.contains("(embedded)"), "{table}");
    let running = t.pane_flags();
    assert!(
        running.contains("alt=1") && running.contains("mouse=1"),
        "{running}"
    );

    // A filter narrows the table, with a match count.
    let alice = http
        .tokens()
        .iter()
        .filter(|t| {
            t["subject"].as_str().unwrap_or("").ends_with("/alice")
                || t["description"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase()
                    .contains("alice")
        })
        .count();
    t.type_text("/alice");
    let filtered = t.wait_text(&format!("/alice▏ ({alice} of {total})"), WAIT);
    assert!(filtered.contains("alice: jf CLI"), "{filtered}");
    assert!(!filtered.contains("Lab Pi #1"), "{filtered}");
    t.keys(&["Escape"]);
    t.wait_for("the filter cleared", WAIT, |s| {
        !s.contains("/alice") && s.contains("Lab Pi #1")
    });

    // A User token.
    t.type_text("n");
    t.wait_text("New token", WAIT);
    t.type_text("e2e user token");
    t.keys(&["C-s"]);
    let view = t.wait_text("Your new access token", WAIT);
    assert!(view.contains("not copied"), "{view}");
    let user_secret = secret_on(&view);
    let (s, me) = http.get(&user_secret, "/access/api/v1/tokens/me");
    assert_eq!(s, StatusCode::OK, "the user token authenticates: {me}");
    assert_eq!(me["scope"].as_str(), Some("applied-permissions/user"));
    t.keys(&["Enter"]);
    let closed = t.wait_text("it cannot be shown again", WAIT);
    assert!(!closed.contains(&user_secret), "{closed}");

    // A Custom token with two rows: Fleet demo/edge-eu Read + Write, Device <lab> Delete.
    let edge_eu = http.devices("demo", "edge-eu");
    let chosen = http.devices("demo", "lab")[5].clone();
    let desc = "e2e custom token";
    t.type_text("n");
    t.wait_text("New token", WAIT);
    t.type_text(desc);
    t.keys(&["Tab", "Tab", "Space"]);
    t.wait_text("(•) Custom", WAIT);
    // Past User (the signed-in admin stays) to Target entity.
    t.keys(&["Tab", "Tab", "Right"]);
    t.wait_text("◂ Fleet", WAIT);
    t.keys(&["Tab", "Enter"]);
    t.wait_text("Choose a project", WAIT);
    pick_only(&t, "demo", "demo — Demo", "[ demo ▾]");
    t.keys(&["Enter"]);
    t.wait_text("Choose a fleet in demo", WAIT);
    pick_only(&t, "edge-eu", "edge-eu (", "[ edge-eu ▾]");
    t.keys(&["Right", "Space"]);
    t.wait_text("[x] Read  [x] Write  [ ] Delete", WAIT);
    t.keys(&["Tab", "Enter"]);
    t.wait_text("Permissions (1)", WAIT);
    t.keys(&["BTab", "BTab", "BTab", "BTab", "Right"]);
    t.wait_text("◂ Device", WAIT);
    t.keys(&["Tab", "Tab", "Enter"]);
    t.wait_text("Choose a device in demo", WAIT);
    // Devices go by name, their id short beside it (issue 18 item 5).
    let short: String = chosen.chars().take(6).collect();
    pick_only(
        &t,
        &chosen,
        &format!("({short}…) · fleet lab"),
        &format!("({short}…) ▾]"),
    );
    t.keys(&["Space", "Left", "Space", "Right", "Right", "Space"]);
    t.wait_text("[ ] Read  [ ] Write  [x] Delete", WAIT);
    t.keys(&["Tab", "Enter"]);
    let rows = t.wait_text("Permissions (2)", WAIT);
    // The rows under their headings, by name, with check boxes under Read Write Delete.
    assert!(
        rows.contains("Target entity") && rows.contains("Read Write Delete"),
        "{rows}"
    );
    assert!(
        rows.contains("edge-eu") && rows.contains(&format!("({short}…)")),
        "{rows}"
    );
    t.keys(&["C-s"]);
    let view = t.wait_text("Your new access token", WAIT);
    let secret = secret_on(&view);
    let token_id = token_id_on(&view);

    // It does exactly what its rows say.
    let dev = |p: &str, d: &str| format!("/api/v2/{p}/devices/{d}");
    let (s, info) = http.get(&http.admin, &format!("/access/api/v1/tokens/{token_id}"));
    assert_eq!(s, StatusCode::OK, "{info}");
    assert_eq!(
        scope_items(info["scope"].as_str().unwrap_or("")),
        scope_items(&format!(
            "connect:fleet:demo/edge-eu:rw connect:device:demo/{chosen}:d"
        ))
    );
    let (s, v) = http.get(&secret, "/access/api/v1/tokens/me");
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = http.get(&secret, &dev("demo", &edge_eu[0]));
    assert_eq!(s, StatusCode::OK, "read in the fleet: {v}");
    let (s, v) = http.call(
        Method::PATCH,
        &secret,
        &dev("demo", &edge_eu[0]),
        Some(json!({"description": "patched from the e2e test"})),
    );
    assert_eq!(s, StatusCode::OK, "write in the fleet: {v}");
    let (s, v) = http.call(Method::DELETE, &secret, &dev("demo", &edge_eu[1]), None);
    assert_eq!(s, StatusCode::FORBIDDEN, "no delete in the fleet: {v}");
    let (s, v) = http.get(&secret, &dev("demo", &chosen));
    assert_eq!(s, StatusCode::FORBIDDEN, "delete only on the device: {v}");
    let retail = http.devices("retail", "signage");
    let (s, v) = http.get(&secret, &dev("retail", &retail[0]));
    // No right there at all: answered like a device that does not exist.
    assert_eq!(s, StatusCode::NOT_FOUND, "another project: {v}");
    let (s, v) = http.call(Method::DELETE, &secret, &dev("demo", &chosen), None);
    assert_eq!(s, StatusCode::OK, "delete the chosen device: {v}");

    // Close the view: the token leaves the (alternate) screen, and the normal screen kept
    // beneath it while the tab runs never received it (a print before entering the alternate
    // screen, or a stray write to the main one, would land there).
    t.keys(&["Escape"]);
    let closed = t.wait_text("it cannot be shown again", WAIT);
    assert!(!closed.contains(&secret), "{closed}");
    let beneath = normal_screen_beneath(&t);
    assert!(
        !beneath.contains(&secret) && !beneath.contains(&user_secret),
        "{beneath}"
    );
    t.wait_text(desc, WAIT);

    // Revoke it from the table (the new row is selected).
    t.type_text("d");
    let dialog = t.wait_text("Revoke token?", WAIT);
    assert!(dialog.contains(&format!("\"{desc}\"")), "{dialog}");
    t.keys(&["Right"]);
    t.wait_text("[ Revoke ]", WAIT);
    t.keys(&["Enter"]);
    let gone = t.wait_text(&format!("revoked \"{desc}\""), WAIT);
    assert_eq!(
        gone.matches(desc).count(),
        1,
        "only the message names it:\n{gone}"
    );
    let (s, v) = http.get(&secret, "/access/api/v1/tokens/me");
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let (s, _) = http.get(&secret, &dev("demo", &edge_eu[0]));
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        http.tokens()
            .iter()
            .all(|t| t["token_id"].as_str() != Some(token_id.as_str()))
    );

    // q quits: exit 0 and the terminal as it was, the main screen without a trace of the tab.
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
    assert_restored(&t);
    let after = t.screen();
    assert!(!after.contains("Access Tokens"), "{after}");
    // The normal screen and its whole scrollback, now the one shown: where anything the tab
    // printed on the way out would be. The shell's exit line proves it is that screen.
    let history = t.tmux(&["capture-pane", "-p", "-S", "-", "-t", "t"]);
    let history = String::from_utf8_lossy(&history.stdout);
    assert!(history.contains("tokentab exited with 0"), "{history}");
    assert!(!history.contains(&secret) && !history.contains(&user_secret));
}

#[test]
fn a_tiny_terminal_asks_to_be_enlarged_then_ctrl_c_quits() {
    let home = Home::new();
    let t = start_tab(&home, 40, 10, &[]);
    t.wait_text("enlarge the terminal", WAIT);
    t.tmux(&["resize-window", "-t", "t", "-x", "100", "-y", "30"]);
    let table = wait_table(&t);
    assert!(!table.contains("enlarge"), "{table}");
    t.tmux(&["resize-window", "-t", "t", "-x", "20", "-y", "5"]);
    t.wait_text("enlarge", WAIT);
    t.tmux(&["resize-window", "-t", "t", "-x", "100", "-y", "30"]);
    wait_table(&t);
    // 1x1: the table's top-left cell is blank; the message's first letter shows once drawn.
    t.tmux(&["resize-window", "-t", "t", "-x", "1", "-y", "1"]);
    t.wait_for("a 1x1 frame", WAIT, |s| s.trim() == "e");
    t.tmux(&["resize-window", "-t", "t", "-x", "100", "-y", "30"]);
    let back = wait_table(&t);
    assert!(!back.contains("exited with"), "{back}");
    t.keys(&["C-c"]);
    assert_eq!(wait_exit(&t), 0);
    assert_restored(&t);
}

/// Sends `signal` to the running tab (left with its create panel open) and checks it quits
/// cleanly (exit 0) with the terminal restored.
fn signal_quits_cleanly(signal: &str, extra: &[&str]) {
    let home = Home::new();
    let t = start_tab(&home, 100, 30, extra);
    wait_table(&t);
    let mouse = if extra.contains(&"--no-mouse") {
        "mouse=0"
    } else {
        "mouse=1"
    };
    let flags = t.pane_flags();
    assert!(flags.contains("alt=1") && flags.contains(mouse), "{flags}");
    t.type_text("n");
    t.wait_text("New token", WAIT);
    let pid = tab_pid(&t).to_string();
    let killed = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert_eq!(wait_exit(&t), 0, "a clean quit on SIG{signal}");
    assert_restored(&t);
}

#[test]
fn sigterm_quits_cleanly_and_restores_the_terminal() {
    signal_quits_cleanly("TERM", &["--no-mouse"]);
    signal_quits_cleanly("TERM", &[]);
}

#[test]
fn sighup_quits_cleanly_and_restores_the_terminal() {
    signal_quits_cleanly("HUP", &[]);
}

/// SGR mouse bytes as a terminal sends them (1-based column and row).
fn click(t: &tmux::TmuxSession, col: u16, row: u16) {
    t.type_text(&format!("\x1b[<0;{col};{row}M\x1b[<0;{col};{row}m"));
}

#[test]
fn pastes_outside_a_field_do_nothing_and_the_mouse_selects_and_sorts() {
    let home = Home::new();
    let t = start_tab(&home, 120, 30, &[]);
    wait_table(&t);

    // A bracketed paste of "q" in the table is not a key: the tab keeps running.
    t.tmux(&["set-buffer", "-b", "p", "qqq"]);
    t.tmux(&["paste-buffer", "-p", "-b", "p", "-t", "t"]);
    t.type_text("?");
    t.wait_text("Keys (Esc closes)", WAIT);
    t.keys(&["Escape"]);
    t.wait_for("help closed", WAIT, |s| !s.contains("Keys (Esc closes)"));
    // Into the description field it is text.
    t.type_text("n");
    t.wait_text("New token", WAIT);
    t.tmux(&["set-buffer", "-b", "p", "pasted into the field"]);
    t.tmux(&["paste-buffer", "-p", "-b", "p", "-t", "t"]);
    t.wait_text("[pasted into the field", WAIT);
    // The form has input: Esc asks before discarding it (issue 18).
    t.keys(&["Escape"]);
    t.wait_text("Discard the new token?", WAIT);
    t.keys(&["y"]);
    t.wait_for("the panel closed", WAIT, |s| !s.contains("New token"));

    // Click the third body row (screen row 6): it becomes the selected one.
    let before = t.screen();
    let row6 = before.lines().nth(5).unwrap_or("").to_owned();
    assert!(!row6.starts_with("│▌"), "{before}");
    click(&t, 10, 6);
    t.wait_for("row 6 selected", WAIT, |s| {
        s.lines().nth(5).is_some_and(|l| l.starts_with("│▌"))
    });
    // Click the Description header: sorted by it, ascending.
    let header = before.lines().nth(2).unwrap_or("");
    let col = header
        .find("Description")
        .map(|b| header[..b].chars().count())
        .unwrap_or(5);
    click(&t, col as u16 + 3, 3);
    t.wait_text("Description▲", WAIT);
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
    assert_restored(&t);
}
