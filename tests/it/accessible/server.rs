//! The accessible mode against a scripted server: hostile strings never reach the terminal raw,
//! and a slow load says its progress in words, not for every page.

use std::time::Duration;

use serde_json::json;

use super::pty::Pty;
use super::{LIST_PROMPT, MENU_PROMPT, assert_plain, env};
use crate::common::fault_server::{FaultServer, Reply};
use crate::common::tab::Home;

const TOKENS: &str = "/access/api/v1/tokens";
const ME: &str = "/access/api/v1/tokens/me";

fn token(id: &str, desc: &str, subject: &str) -> serde_json::Value {
    json!({
        "token_id": id, "subject": subject, "issued_at": 1_760_000_000,
        "expiry": 1_960_000_000, "issuer": "jfac@x", "description": desc,
        "scope": "applied-permissions/user"
    })
}

fn start() -> (tokio::runtime::Runtime, FaultServer) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt.block_on(FaultServer::start());
    (rt, server)
}

#[test]
fn hostile_server_strings_are_made_safe() {
    let (_rt, f) = start();
    let evil = "\u{1b}]52;c;ZXZpbA==\u{7}evil\u{202e}txt.exe \u{1b}[2J\r\u{9b}31m";
    let subject = "jfac@x/users/mal\u{1b}[31mlory";
    f.on(
        "GET",
        ME,
        vec![Reply::json_value(200, &token("me-1", "me", subject))],
    );
    f.on(
        "GET",
        TOKENS,
        vec![Reply::json_value(
            200,
            &json!({"tokens": [token("hostile-1", evil, subject)]}),
        )],
    );
    let home = Home::new();
    let mut p = Pty::start(&["--accessible"], &env(&home, "xterm", None, &f.url(), "t"));
    p.expect(MENU_PROMPT);
    p.send("1");
    let page = p.expect(LIST_PROMPT);
    assert!(page.contains("evil"), "{page}");
    p.send("1");
    p.expect("Token action, 1 to 3:");
    p.send("q");
    assert!(p.wait_exit().success());
    let bytes = p.bytes();
    assert_plain(&bytes, "hostile");
    let text = p.text();
    assert!(
        !text.contains('\u{202e}') && !text.contains('\u{9b}'),
        "{text}"
    );
}

#[test]
fn a_slow_load_says_its_progress_in_words() {
    let (_rt, f) = start();
    f.on(
        "GET",
        ME,
        vec![Reply::json_value(200, &token("me-1", "me", "admin"))],
    );
    let page = |i: usize, cursor: Option<&str>| {
        let mut v = json!({"tokens": [token(&format!("t-{i}"), &format!("token {i}"), "admin")], "total": 6});
        if let Some(c) = cursor {
            v["cursor"] = json!(c);
        }
        v
    };
    // Six pages; only the second is slower than the progress interval.
    let mut replies: Vec<Reply> = (1..=6)
        .map(|i| {
            let next = (i < 6).then(|| format!("c{}", i + 1));
            Reply::json_value(200, &page(i, next.as_deref()))
        })
        .collect();
    replies[1] = replies[1].clone().delay(Duration::from_millis(3_300));
    f.on("GET", TOKENS, replies);
    let home = Home::new();
    let mut p = Pty::start(&["--accessible"], &env(&home, "dumb", None, &f.url(), "t"));
    p.expect(MENU_PROMPT);
    p.send("1");
    let said = p.expect(LIST_PROMPT);
    assert!(said.contains("Loading, 2 of 6 tokens."), "{said}");
    // Said after the slow page (and after the first, if even that took 3 s), not after each.
    assert!(
        said.matches("Loading, ").count() <= 2,
        "not for every page: {said}"
    );
    assert!(said.contains("Loaded 6 tokens"), "{said}");
    p.send("q");
    assert!(p.wait_exit().success());
}
