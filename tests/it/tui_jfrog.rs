//! The tab against a scripted server that answers the way a real JFrog Platform does (shapes from
//! the reference: `jfac@…/users/NAME` subjects, no `scope` in lists, 204 on revoke, the flat 400
//! body, 429 + Retry-After, one non-paged list of 20,000). Whole journeys through `runtime::run`;
//! the screen is read while the loop runs.

use crate::common;
use crate::common::timing::within_3x;

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use serde_json::{Value, json};

use common::fault_server::{FaultServer, Reply};
use common::fixtures::*;
use common::journey::{Person, deps, play};
use common::screen::row_of;
use tokentab::tui::app::App;

/// The admin token the scripted server expects in the header.
const ADMIN: &str = "jfrog-admin-token";
const SVC: &str = "jfac@01hq7x2k9mzv3f8e0b1c2d3e4f";
const TOKENS: &str = "/access/api/v1/tokens";

/// One token as JFrog lists it: no `scope`, no `expiry` when it never expires.
fn jf_token(
    id: &str,
    desc: &str,
    user: &str,
    issued_days_ago: i64,
    expiry_days: Option<i64>,
) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut t = json!({
        "token_id": id,
        "subject": format!("{SVC}/users/{user}"),
        "issued_at": now - issued_days_ago * 86_400,
        "issuer": SVC,
        "description": desc,
        "refreshable": false,
    });
    if let Some(d) = expiry_days {
        t["expiry"] = json!(now + d * 86_400);
    }
    t
}

/// A scripted platform that knows the signed-in user and, when given, lists `tokens`.
async fn platform(tokens: Option<Value>) -> FaultServer {
    let server = FaultServer::start().await;
    me_route(&server);
    if let Some(t) = tokens {
        server.on("GET", TOKENS, vec![Reply::json_value(200, &t)]);
    }
    server
}

/// The tab against `server` in a 160x48 terminal while `drive` plays the person.
async fn tab_on<F, Fut>(server: &FaultServer, app: App, drive: F) -> (App, String)
where
    F: FnOnce(Person) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    play(app, deps(&server.url(), ADMIN), 160, 48, drive).await
}

/// JFrog's 429 with a Retry-After of `secs`.
fn rate_limited(secs: &str) -> Reply {
    Reply::json(
        429,
        r#"{"errors":[{"code":"TOO_MANY_REQUESTS","message":"Rate limit exceeded"}]}"#,
    )
    .header("Retry-After", secs)
}

fn me_route(s: &FaultServer) {
    s.on(
        "GET",
        "/access/api/v1/tokens/me",
        vec![Reply::json_value(
            200,
            &jf_token("me-0000-1111", "", "admin", 1, None),
        )],
    );
}

const A: &str = "0c1f5b3e-6d2a-4e9b-a1c7-3f8d2e6b9a10";
const B: &str = "7d4e2a91-b3c5-4f68-9e0d-1a2b3c4d5e6f";
const C: &str = "e9f8d7c6-b5a4-4321-8fed-cba987654321";

fn three_tokens() -> Value {
    json!({"tokens": [
        jf_token(A, "ci deploy", "alice", 1, Some(30)),
        jf_token(B, "break-glass", "admin", 2, None),
        jf_token(C, "grafana scraper", "carol", 3, Some(200)),
    ]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_without_scope_show_a_dash_and_details_are_fetched_once_on_demand() {
    let server = platform(Some(three_tokens())).await;
    let mut detail = jf_token(A, "ci deploy", "alice", 1, Some(30));
    detail["scope"] = json!("applied-permissions/user");
    server.on(
        "GET",
        &format!("{TOKENS}/{A}"),
        vec![Reply::json_value(200, &detail).delay(Duration::from_millis(300))],
    );
    let app = App::new(cfg(), now());
    let server = &server;
    let drive = |mut p: Person| async move {
        let text = p.wait_text("3 tokens").await;
        // Subjects are user names; the jfac@ form never reaches the table.
        assert!(!text.contains("jfac@"), "{text}");
        assert!(row_of(&text, "ci deploy").contains("alice"), "{text}");
        assert!(row_of(&text, "grafana scraper").contains("carol"), "{text}");
        // No scope in the list: a dash, not a guess.
        for desc in ["ci deploy", "break-glass", "grafana scraper"] {
            assert!(row_of(&text, desc).contains('—'), "{desc}: {text}");
        }
        // No expiry: "never".
        assert!(row_of(&text, "break-glass").contains("never"), "{text}");
        // Details of the newest row (ci deploy) fetch GET /tokens/{id}.
        p.key(KeyCode::Char('i'));
        let text = p.wait_text("applied-permissions/user").await;
        assert!(text.contains(A), "the full ID is in Details: {text}");
        assert_eq!(server.count("GET", &format!("{TOKENS}/{A}")), 1);
        p.key(KeyCode::Esc);
        // The row learnt its scope; opening Details again does not fetch again.
        let text = p
            .wait("the scope in the row", |s| {
                !s.contains("Details") && row_of(s, "ci deploy").contains("User")
            })
            .await;
        assert!(row_of(&text, "break-glass").contains('—'), "{text}");
        p.key(KeyCode::Char('i'));
        p.wait_text("applied-permissions/user").await;
        p.key(KeyCode::Esc);
        assert_eq!(server.count("GET", &format!("{TOKENS}/{A}")), 1);
        p.key(KeyCode::Char('q'));
    };
    tab_on(server, app, drive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_204_is_already_gone_and_not_revocable_keeps_the_row() {
    let server = platform(Some(three_tokens())).await;
    server.on("DELETE", &format!("{TOKENS}/{A}"), vec![Reply::empty(204)]);
    server.on(
        "DELETE",
        &format!("{TOKENS}/{B}"),
        vec![Reply::json(
            400,
            r#"{"code":"BAD_REQUEST","message":"Token not revocable","detail":"Token not revocable. Token expirationTimeMillis: 1767225600000, issuedAtMillis: 1767222000000, revocableExpiryThresholdMillis: 21600000"}"#,
        )],
    );
    let app = App::new(cfg(), now());
    let server = &server;
    let drive = |mut p: Person| async move {
        p.wait_text("3 tokens").await;
        // Newest first: ci deploy is selected. Revoke: the dialog starts on Cancel.
        p.key(KeyCode::Char('d'));
        p.wait_text("Cancel").await;
        p.key(KeyCode::Tab);
        p.key(KeyCode::Enter);
        let text = p.wait_text("already revoked or unknown").await;
        assert!(text.contains("2 tokens"), "{text}");
        assert!(
            !text
                .lines()
                .skip(2)
                .any(|l| l.contains("ci deploy") && l.contains("alice")),
            "the row is gone: {text}"
        );
        assert_eq!(server.count("DELETE", &format!("{TOKENS}/{A}")), 1);
        // break-glass is selected now: the server refuses with the flat 400 body.
        p.key(KeyCode::Char('d'));
        p.wait_text("Cancel").await;
        p.key(KeyCode::Tab);
        p.key(KeyCode::Enter);
        let text = p.wait_text("Token not revocable").await;
        assert!(text.contains("could not revoke"), "{text}");
        assert!(text.contains("2 tokens"), "{text}");
        assert!(
            row_of(&text, "break-glass").contains("admin"),
            "the row stays: {text}"
        );
        assert_eq!(server.count("DELETE", &format!("{TOKENS}/{B}")), 1);
        p.key(KeyCode::Char('q'));
    };
    tab_on(server, app, drive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_tokens_in_one_answer_after_a_429_with_retry_after() {
    let server = platform(None).await;
    let tokens: Vec<Value> = (0..20_000)
        .map(|i| {
            jf_token(
                &format!("{i:08x}-aaaa-4bbb-8ccc-{i:012x}"),
                &format!("pipeline token {i}"),
                ["alice", "bob", "carol", "ci-bot"][i % 4],
                (i % 300) as i64,
                (i % 7 != 0).then_some((i % 400) as i64 - 50),
            )
        })
        .collect();
    server.on(
        "GET",
        TOKENS,
        vec![
            rate_limited("2"),
            Reply::json_value(200, &json!({ "tokens": tokens })),
        ],
    );
    let app = App::new(cfg(), now());
    let server = &server;
    let drive = |mut p: Person| async move {
        // While the client waits out Retry-After, the tab still answers keys.
        p.wait_text("loading tokens").await;
        p.key(KeyCode::Char('?'));
        p.wait_text("Keys (Esc closes)").await;
        p.key(KeyCode::Esc);
        let text = p.wait_text("20000 tokens").await;
        assert!(!text.contains("jfac@"), "{text}");
        assert_eq!(server.count("GET", TOKENS), 2, "one 429, one retry");
        // The whole list is there: the filter finds the last one.
        p.key(KeyCode::Char('/'));
        for c in "token 19999".chars() {
            p.key(KeyCode::Char(c));
        }
        let text = p.wait_text("(1 of 20000)").await;
        assert!(text.contains("pipeline token 19999"), "{text}");
        p.key(KeyCode::Esc);
        p.key(KeyCode::Char('G'));
        p.key(KeyCode::Char('q'));
    };
    let (app, _) = tab_on(server, app, drive).await;
    assert_eq!(app.table.rows.len(), 20_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_retry_after_is_said_plainly_without_waiting_or_hammering() {
    let server = platform(None).await;
    server.on("GET", TOKENS, vec![rate_limited("120")]);
    let app = App::new(cfg(), now());
    let started = Instant::now();
    let server = &server;
    let drive = |mut p: Person| async move {
        let text = p.wait_text("cannot load tokens").await;
        // Generous: it protects against sleeping through the 120 s Retry-After; the goal (20 s,
        // failing at 60 s) tells the two apart on any machine.
        within_3x(
            "a 120 s Retry-After said without waiting",
            started.elapsed(),
            Duration::from_secs(20),
        );
        assert!(text.contains("try again in 120 s"), "{text}");
        assert!(text.contains("press r to retry"), "{text}");
        assert_eq!(
            server.count("GET", TOKENS),
            1,
            "no retry loop against a 429"
        );
        p.key(KeyCode::Char('q'));
    };
    tab_on(server, app, drive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_token_asks_for_connect_scope_and_jfcon_audience_and_shows_the_answer_as_is() {
    let server = platform(Some(three_tokens())).await;
    let created = json!({
        "token_id": "f00dfeed-4444-4555-8666-ff0600000001",
        "access_token": SECRET,
        "expires_in": 7_776_000,
        "scope": "connect:project:demo:r connect:fleet:demo/edge-eu:rw connect:device:demo/d-feaf-d9aa:rwd",
        "token_type": "Bearer",
    });
    server.on(
        "POST",
        TOKENS,
        vec![
            Reply::json(
                403,
                r#"{"errors":[{"code":"FORBIDDEN","message":"Audience jfcon@* is not enabled on this platform"}]}"#,
            ),
            Reply::json_value(200, &created),
        ],
    );
    // The form is filled in the model (pickers answered in place), then the loop takes over.
    let mut app = loaded_with(cfg(), Vec::new(), 160, 48);
    custom_three_rows(&mut app);
    let server = &server;
    let drive = |mut p: Person| async move {
        p.wait_text("3 tokens").await;
        p.ctrl('s');
        // The server's own words, as they came.
        let text = p
            .wait_text("Audience jfcon@* is not enabled on this platform")
            .await;
        assert!(text.contains("403"), "{text}");
        p.ctrl('s');
        let text = p.wait_text(SECRET).await;
        assert!(text.contains("shown once"), "{text}");
        p.key(KeyCode::Esc);
        p.wait_text("cannot be shown again").await;
        p.key(KeyCode::Char('q'));
    };
    tab_on(server, app, drive).await;
    let posts: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == TOKENS)
        .collect();
    assert_eq!(posts.len(), 2);
    for p in &posts {
        let body: Value = serde_json::from_slice(&p.body).expect("a JSON body");
        assert_eq!(body["audience"], "jfcon@*", "{body}");
        let scope = body["scope"].as_str().expect("scope");
        let items: Vec<&str> = scope.split(' ').collect();
        assert_eq!(
            items,
            [
                "connect:project:demo:r",
                "connect:fleet:demo/edge-eu:rw",
                "connect:device:demo/d-feaf-d9aa:rwd"
            ],
            "{body}"
        );
        assert_eq!(body["description"], "edge fleet operator");
        assert!(body["expires_in"].as_u64().is_some_and(|s| s > 0), "{body}");
        assert_eq!(
            p.header("authorization"),
            Some("Bearer jfrog-admin-token"),
            "the admin token goes in the header only"
        );
    }
}
