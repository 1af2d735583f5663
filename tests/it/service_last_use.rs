//! Where a token was last used (issue 20, item 5): the client address and user agent of the
//! last recorded use, in the token's JSON (SQLite and the PostgreSQL pass), in
//! `tokens list --json` and `--csv`, and in the tab's Details.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokentab::tui::msg::{Answer, Effect, Owner, Request};

use crate::common::fixtures::{id_of, key, loaded, render_text, reply, sample};
use crate::common::service::{TestService, harness};

const TOKENS: &str = "/access/api/v1/tokens";

/// GETs `path` with `secret` and user agent `agent`.
async fn use_with(svc: &TestService, secret: &str, agent: &[u8], path: &str) -> StatusCode {
    svc.http
        .get(svc.url(path))
        .bearer_auth(secret)
        .header(
            reqwest::header::USER_AGENT,
            reqwest::header::HeaderValue::from_bytes(agent).unwrap(),
        )
        .send()
        .await
        .unwrap()
        .status()
}

/// Uses the token with `agent` until the admin sees `want` as its last agent (the write is
/// asynchronous, and a change comes at most once per gap); the token's JSON then.
async fn used_until(
    svc: &TestService,
    secret: &str,
    id: &str,
    agent: &[u8],
    path: &str,
    want: &str,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert_eq!(use_with(svc, secret, agent, path).await, StatusCode::OK);
        let (st, v) = svc.get(&svc.admin, &format!("{TOKENS}/{id}")).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        if v["last_used_agent"] == want {
            return v;
        }
        assert!(Instant::now() < deadline, "never recorded {want:?}: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_uses_address_and_agent_show_in_the_tokens_json() {
    let svc = harness().seeded().start().await;
    let (secret, id) = svc
        .mint(None, json!({"username": "alice", "description": "laptop"}))
        .await;
    let v = used_until(
        &svc,
        &secret,
        &id,
        b"jf-cli/2.60",
        &format!("{TOKENS}/me"),
        "jf-cli/2.60",
    )
    .await;
    assert_eq!(v["last_used_from"], "127.0.0.1", "{v}");
    assert!(v["last_used"].as_i64().is_some(), "{v}");

    // A new agent shows at once (within the gap a hostile client cannot make it write more).
    let hostile = "evil/1 \u{202e}gnp.exe";
    let v = used_until(
        &svc,
        &secret,
        &id,
        hostile.as_bytes(),
        &format!("{TOKENS}/me"),
        "evil/1 \\u{202e}gnp.exe",
    )
    .await;
    assert!(!v.to_string().contains('\u{202e}'), "stored escaped: {v}");
    // In the listing too.
    let (st, list) = svc.get(&svc.admin, &format!("{TOKENS}?limit=1000")).await;
    assert_eq!(st, StatusCode::OK);
    let row = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["token_id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["last_used_from"], "127.0.0.1", "{row}");

    // A long agent is capped.
    let long = format!("x{}", "y".repeat(5_000));
    let want = format!("x{}", "y".repeat(199));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        use_with(&svc, &secret, long.as_bytes(), &format!("{TOKENS}/me")).await;
        let (_, v) = svc.get(&svc.admin, &format!("{TOKENS}/{id}")).await;
        let agent = v["last_used_agent"].as_str().unwrap_or_default().to_owned();
        if agent.starts_with(&want) {
            assert!(agent.chars().count() < 240, "capped: {agent}");
            break;
        }
        assert!(Instant::now() < deadline, "never capped: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_reading_itself_records_where_from() {
    let svc = harness().seeded().start().await;
    let devices = svc.devices("demo", "lab").await;
    let device = &devices[0];
    let (secret, id) = svc
        .mint(
            None,
            json!({"scope": format!("connect:device:demo/{device}:r"), "description": "device"}),
        )
        .await;
    let v = used_until(
        &svc,
        &secret,
        &id,
        b"connect-agent/6.3",
        &format!("/api/v2/demo/devices/{device}"),
        "connect-agent/6.3",
    )
    .await;
    assert_eq!(v["last_used_from"], "127.0.0.1", "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_list_json_and_csv_carry_where_it_was_last_used() {
    let svc = harness().seeded().start().await;
    let (secret, id) = svc
        .mint(None, json!({"username": "bob", "description": "csv"}))
        .await;
    used_until(
        &svc,
        &secret,
        &id,
        b"csv-probe/1",
        &format!("{TOKENS}/me"),
        "csv-probe/1",
    )
    .await;
    let run = |fmt: &'static str| {
        let url = svc.url("");
        let admin = svc.admin.clone();
        async move {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
                .env_remove("TOKENTAB_URL")
                .env("TOKENTAB_TOKEN", admin)
                .args(["tokens", "list", fmt, "--url", &url])
                .output()
                .await
                .unwrap()
        }
    };
    let o = run("--json").await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["token_id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (
            row["last_used_from"].as_str(),
            row["last_used_agent"].as_str()
        ),
        (Some("127.0.0.1"), Some("csv-probe/1")),
        "{row}"
    );
    let o = run("--csv").await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let header = text.lines().next().unwrap();
    assert!(
        header.ends_with("scope_summary,last_used_from,last_used_agent"),
        "{header}"
    );
    let line = text.lines().find(|l| l.starts_with(id.as_str())).unwrap();
    assert!(line.ends_with(",127.0.0.1,csv-probe/1"), "{line}");
}

#[test]
fn details_show_where_the_token_was_last_used_sanitized() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Down);
    let fx = key(&mut app, KeyCode::Char('i'));
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Details,
            id,
            request: Request::GetToken(_),
        } => Some(*id),
        _ => None,
    });
    let shown = render_text(&mut app, 100, 30);
    let token = app.table.rows.selected_row().unwrap().token.token_id;
    let mut info = sample().into_iter().find(|t| t.token_id == token).unwrap();
    info.last_use = Some(Box::new(tokentab::model::wire::LastUseWire {
        last_used_from: Some("203.0.113.7".into()),
        last_used_agent: Some("curl/8.5 \u{1b}[2J\u{202e}evil".into()),
    }));
    app.update(reply(Owner::Details, id, Answer::Token(Ok(info))));
    let text = render_text(&mut app, 100, 30);
    assert!(
        !shown.contains("Used from"),
        "not before the server said: {shown}"
    );
    assert!(text.contains("Used from     203.0.113.7"), "{text}");
    assert!(text.contains("User agent    curl/8.5"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text}"
    );
}
