//! Issue 17 in the real binary, in tmux at 80×24, against the service it started: alice is
//! disabled through the admin API and her tokens say so after `r` (status mark and Details),
//! then, enabled again, an admin creates a Custom fleet token for her with the form's User field,
//! and the token is hers, with exactly that scope.

use crate::common;

use common::screen::url_on;
use common::tab::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn set_alice(http: &Http, status: &str) {
    let (s, v) = http.call(
        Method::PATCH,
        &http.admin,
        "/access/api/v2/users/alice",
        Some(json!({ "status": status })),
    );
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// The table's lines of alice's tokens.
fn alice_rows(screen: &str) -> Vec<&str> {
    screen.lines().filter(|l| l.contains("alice: ")).collect()
}

#[test]
fn at_80x24_alice_disabled_shows_after_r_then_a_custom_fleet_token_is_made_for_her() {
    let home = Home::new();
    // Wide enough for the header to show the whole URL; then the size the issue asks for.
    let t = start_tab(&home, 130, 30, &[]);
    let table = wait_table(&t);
    let http = Http::new(url_on(&table), &home.data());
    t.tmux(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    t.wait_for("80 columns", WAIT, |s| {
        s.lines().all(|l| l.chars().count() <= 80) && s.contains("Access Tokens")
    });
    t.wait_text("· admin ·", WAIT);

    // Her tokens, before: one active, one expired.
    t.type_text("/user:alice");
    t.keys(&["Enter"]);
    let before = t.wait_for("alice's two tokens", WAIT, |s| alice_rows(s).len() == 2);
    assert!(!before.contains("disabled"), "{before}");

    set_alice(&http, "disabled");
    t.type_text("r");
    let after = t.wait_for("alice's tokens disabled", WAIT, |s| {
        let rows = alice_rows(s);
        // At 80 columns the status is the symbol in front of the expiry.
        rows.len() == 2 && rows.iter().all(|l| l.contains("⊘ 20"))
    });
    assert!(
        after.lines().next().unwrap_or("").contains("2 disabled"),
        "{after}"
    );
    t.type_text("i");
    let details = t.wait_text("Token details", WAIT);
    let flat = details
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains(
            "user alice is disabled: this token is refused until the user is enabled again"
        ),
        "{details}"
    );
    t.keys(&["Escape"]);
    t.wait_for("details closed", WAIT, |s| !s.contains("Token details"));

    // Enabled again: the next refresh shows her tokens as they are.
    set_alice(&http, "enabled");
    t.type_text("r");
    t.wait_for("alice's tokens enabled", WAIT, |s| {
        let rows = alice_rows(s);
        rows.len() == 2
            && rows
                .iter()
                .all(|l| !l.contains("disabled") && !l.contains('⊘'))
    });
    // Clear the filter.
    t.type_text("/");
    t.keys(&["Escape"]);

    // A Custom token for alice on the fleet demo/edge-eu, made in the 80×24 form.
    let desc = "alice pi fleet";
    let (secret, token_id) = make_custom_fleet_token(
        &t,
        desc,
        "alice",
        ("demo", "demo — Demo"),
        ("edge-eu", "edge-eu ("),
    );

    let (s, info) = http.get(&http.admin, &format!("/access/api/v1/tokens/{token_id}"));
    assert_eq!(s, StatusCode::OK, "{info}");
    assert_token_of(&info, "alice", "connect:fleet:demo/edge-eu:r");
    let (s, v) = http.get(&secret, "/access/api/v1/tokens/me");
    assert_eq!(s, StatusCode::OK, "{v}");
    let edge_eu = http.devices("demo", "edge-eu");
    let (s, v) = http.get(&secret, &format!("/api/v2/demo/devices/{}", edge_eu[0]));
    assert_eq!(s, StatusCode::OK, "reads in the fleet: {v}");

    t.keys(&["Escape"]);
    t.wait_text("it cannot be shown again", WAIT);
    t.type_text("q");
    assert_eq!(wait_exit(&t), 0);
}
