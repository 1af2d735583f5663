//! Issue 19 item 5 on the real binary in tmux (80×24, the Linux console's ASCII set): a revoke
//! made by another client (`tokentab tokens revoke`, a separate process) shows in an idle tab
//! within the refresh interval (`--refresh 1`), by change, with the filter and the selection
//! kept.

use crate::common;
use crate::common::service::harness;

use std::process::Command;

use common::tab::*;
use serde_json::json;

/// The description on the selected row (the ASCII set marks it with `>`).
fn selected(screen: &str) -> Option<String> {
    screen.lines().find_map(|l| {
        l.strip_prefix("|>").map(|rest| {
            rest.trim_start()
                .split("  ")
                .next()
                .unwrap_or("")
                .to_owned()
        })
    })
}

#[test]
fn a_revoke_by_the_cli_reaches_an_idle_tab_with_filter_and_selection_kept() {
    let s = harness().start_blocking();
    let (_, victim) = s.mint(json!({"username": "admin", "description": "zq c victim"}));
    s.mint(json!({"username": "admin", "description": "zq b keep"}));
    s.mint(json!({"username": "admin", "description": "zq a keep"}));
    let home = Home::new();
    let token_file = s.admin_token_file().display().to_string();
    let args = [
        "--url",
        &s.url(),
        "--token-file",
        &token_file,
        "--refresh",
        "1",
        "--clipboard",
        "off",
    ];
    let t = start_with_env(&home, 80, 24, CONSOLE, &args);
    t.wait_for("the token table", WAIT, crate::common::tab::table_loaded);
    t.type_text("/");
    t.type_text("zq");
    t.keys(&["Enter"]);
    t.wait_text("(3 of ", WAIT);
    // Select "zq a keep", row by row from the top (rows issued in the same second keep the
    // server's order).
    t.type_text("g");
    let is_target = |sc: &str| selected(sc).is_some_and(|d| d.starts_with("zq a keep"));
    let mut before = t.wait_for("a row selected", WAIT, |sc| selected(sc).is_some());
    for _ in 0..3 {
        if is_target(&before) {
            break;
        }
        let was = selected(&before);
        t.type_text("j");
        before = t.wait_for("the selection moved", WAIT, |sc| selected(sc) != was);
    }
    assert!(is_target(&before), "{before}");
    assert!(before.contains("zq c victim"), "{before}");

    // Another client revokes the victim (the token in the environment, never an argument).
    let out = Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args(["tokens", "revoke", &victim])
        .env("TOKENTAB_URL", s.url())
        .env("TOKENTAB_TOKEN", s.admin())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .output()
        .expect("tokentab tokens revoke");
    assert!(out.status.success(), "{out:?}");

    // Within the interval (1 s; the wait allows for a busy machine), without a key pressed.
    let after = t.wait_for("the revoke shown", WAIT, |sc| {
        sc.contains("(2 of ") && !sc.contains("zq c victim")
    });
    assert!(after.contains("/zq"), "filter kept:\n{after}");
    assert_eq!(
        selected(&after)
            .as_deref()
            .map(|d| d.starts_with("zq a keep")),
        Some(true),
        "selection kept:\n{after}"
    );
    t.keys(&["q"]);
    t.wait_for("the program exited", WAIT, |_| t.pane_dead());
}
