//! The tab against a scripted server that answers the way a real JFrog Platform does (shapes from
//! the reference: `jfac@…/users/NAME` subjects, no `scope` in lists, 204 on revoke, the flat 400
//! body, 429 + Retry-After, one non-paged list of 20,000). Whole journeys through `runtime::run`;
//! the screen is read while the loop runs.

#[path = "common/fault_server.rs"]
mod fault_server;
mod tui_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use fault_server::{FaultServer, Reply};
use tokentab::api::{Client, ClientOptions};
use tokentab::secret::clipboard::{ClipEnv, Clipboard, ClipboardMode};
use tokentab::tui::app::App;
use tokentab::tui::runtime::{self, Deps};
use tui_support::*;

/// A TestBackend the test can read while the loop draws on it.
#[derive(Clone)]
struct Screen(Arc<Mutex<TestBackend>>);

impl Screen {
    fn new(w: u16, h: u16) -> Screen {
        Screen(Arc::new(Mutex::new(TestBackend::new(w, h))))
    }
    fn text(&self) -> String {
        buffer_text(self.0.lock().unwrap().buffer())
    }
}

impl Backend for Screen {
    type Error = std::convert::Infallible;
    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.0.lock().unwrap().draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.0.lock().unwrap().get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Self::Error> {
        self.0.lock().unwrap().set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().clear()
    }
    fn clear_region(&mut self, t: ClearType) -> Result<(), Self::Error> {
        self.0.lock().unwrap().clear_region(t)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.0.lock().unwrap().size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.0.lock().unwrap().window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().flush()
    }
}

type Input = std::pin::Pin<Box<dyn Stream<Item = std::io::Result<Event>> + Send>>;

fn input() -> (mpsc::UnboundedSender<Event>, Input) {
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let stream =
        futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    (tx, Box::pin(stream))
}

fn press(tx: &mpsc::UnboundedSender<Event>, code: KeyCode) {
    tx.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
        .unwrap();
}

fn ctrl_key(tx: &mpsc::UnboundedSender<Event>, c: char) {
    tx.send(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
    .unwrap();
}

fn deps(url: &str) -> Deps {
    let client = Client::new(
        url,
        SecretString::from("jfrog-admin-token".to_string()),
        ClientOptions::default(),
    )
    .expect("client");
    let mut d = Deps::new(
        client,
        Clipboard::new(ClipboardMode::Off, ClipEnv::default()),
    );
    d.request_timeout = Duration::from_secs(60);
    d
}

/// Polls the screen until `pred` holds (generous: a loaded 2-core machine).
async fn wait_for(screen: &Screen, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let text = screen.text();
        if pred(&text) {
            return text;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}; screen:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_text(screen: &Screen, text: &str) -> String {
    wait_for(screen, text, |s| s.contains(text)).await
}

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

fn row_of<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no row with {needle}:\n{screen}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_without_scope_show_a_dash_and_details_are_fetched_once_on_demand() {
    let server = FaultServer::start().await;
    me_route(&server);
    server.on("GET", TOKENS, vec![Reply::json_value(200, &three_tokens())]);
    let mut detail = jf_token(A, "ci deploy", "alice", 1, Some(30));
    detail["scope"] = json!("applied-permissions/user");
    server.on(
        "GET",
        &format!("{TOKENS}/{A}"),
        vec![Reply::json_value(200, &detail).delay(Duration::from_millis(300))],
    );
    let screen = Screen::new(160, 48);
    let mut term = Terminal::new(screen.clone()).unwrap();
    let (tx, stream) = input();
    let app = App::new(cfg(), now());
    let driver = async {
        let text = wait_text(&screen, "3 tokens").await;
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
        press(&tx, KeyCode::Char('i'));
        let text = wait_text(&screen, "applied-permissions/user").await;
        assert!(text.contains(A), "the full ID is in Details: {text}");
        assert_eq!(server.count("GET", &format!("{TOKENS}/{A}")), 1);
        press(&tx, KeyCode::Esc);
        // The row learnt its scope; opening Details again does not fetch again.
        let text = wait_for(&screen, "the scope in the row", |s| {
            !s.contains("Details") && row_of(s, "ci deploy").contains("User")
        })
        .await;
        assert!(row_of(&text, "break-glass").contains('—'), "{text}");
        press(&tx, KeyCode::Char('i'));
        wait_text(&screen, "applied-permissions/user").await;
        press(&tx, KeyCode::Esc);
        assert_eq!(server.count("GET", &format!("{TOKENS}/{A}")), 1);
        press(&tx, KeyCode::Char('q'));
    };
    let (res, ()) = tokio::join!(
        runtime::run(&mut term, app, stream, deps(&server.url())),
        driver
    );
    res.expect("run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_204_is_already_gone_and_not_revocable_keeps_the_row() {
    let server = FaultServer::start().await;
    me_route(&server);
    server.on("GET", TOKENS, vec![Reply::json_value(200, &three_tokens())]);
    server.on("DELETE", &format!("{TOKENS}/{A}"), vec![Reply::empty(204)]);
    server.on(
        "DELETE",
        &format!("{TOKENS}/{B}"),
        vec![Reply::json(
            400,
            r#"{"code":"BAD_REQUEST","message":"Token not revocable","detail":"Token not revocable. Token expirationTimeMillis: 1767225600000, issuedAtMillis: 1767222000000, revocableExpiryThresholdMillis: 21600000"}"#,
        )],
    );
    let screen = Screen::new(160, 48);
    let mut term = Terminal::new(screen.clone()).unwrap();
    let (tx, stream) = input();
    let app = App::new(cfg(), now());
    let driver = async {
        wait_text(&screen, "3 tokens").await;
        // Newest first: ci deploy is selected. Revoke: the dialog starts on Cancel.
        press(&tx, KeyCode::Char('d'));
        wait_text(&screen, "Cancel").await;
        press(&tx, KeyCode::Tab);
        press(&tx, KeyCode::Enter);
        let text = wait_text(&screen, "already revoked or unknown").await;
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
        press(&tx, KeyCode::Char('d'));
        wait_text(&screen, "Cancel").await;
        press(&tx, KeyCode::Tab);
        press(&tx, KeyCode::Enter);
        let text = wait_text(&screen, "Token not revocable").await;
        assert!(text.contains("could not revoke"), "{text}");
        assert!(text.contains("2 tokens"), "{text}");
        assert!(
            row_of(&text, "break-glass").contains("admin"),
            "the row stays: {text}"
        );
        assert_eq!(server.count("DELETE", &format!("{TOKENS}/{B}")), 1);
        press(&tx, KeyCode::Char('q'));
    };
    let (res, ()) = tokio::join!(
        runtime::run(&mut term, app, stream, deps(&server.url())),
        driver
    );
    res.expect("run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_tokens_in_one_answer_after_a_429_with_retry_after() {
    let server = FaultServer::start().await;
    me_route(&server);
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
            Reply::json(
                429,
                r#"{"errors":[{"code":"TOO_MANY_REQUESTS","message":"Rate limit exceeded"}]}"#,
            )
            .header("Retry-After", "2"),
            Reply::json_value(200, &json!({ "tokens": tokens })),
        ],
    );
    let screen = Screen::new(160, 48);
    let mut term = Terminal::new(screen.clone()).unwrap();
    let (tx, stream) = input();
    let app = App::new(cfg(), now());
    let driver = async {
        // While the client waits out Retry-After, the tab still answers keys.
        wait_text(&screen, "loading tokens").await;
        press(&tx, KeyCode::Char('?'));
        wait_text(&screen, "Keys (Esc closes)").await;
        press(&tx, KeyCode::Esc);
        let text = wait_text(&screen, "20000 tokens").await;
        assert!(!text.contains("jfac@"), "{text}");
        assert_eq!(server.count("GET", TOKENS), 2, "one 429, one retry");
        // The whole list is there: the filter finds the last one.
        press(&tx, KeyCode::Char('/'));
        for c in "token 19999".chars() {
            press(&tx, KeyCode::Char(c));
        }
        let text = wait_text(&screen, "(1 of 20000)").await;
        assert!(text.contains("pipeline token 19999"), "{text}");
        press(&tx, KeyCode::Esc);
        press(&tx, KeyCode::Char('G'));
        press(&tx, KeyCode::Char('q'));
    };
    let (res, ()) = tokio::join!(
        runtime::run(&mut term, app, stream, deps(&server.url())),
        driver
    );
    let (app, _) = res.expect("run");
    assert_eq!(app.rows.len(), 20_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_retry_after_is_said_plainly_without_waiting_or_hammering() {
    let server = FaultServer::start().await;
    me_route(&server);
    server.on(
        "GET",
        TOKENS,
        vec![
            Reply::json(
                429,
                r#"{"errors":[{"code":"TOO_MANY_REQUESTS","message":"Rate limit exceeded"}]}"#,
            )
            .header("Retry-After", "120"),
        ],
    );
    let screen = Screen::new(160, 48);
    let mut term = Terminal::new(screen.clone()).unwrap();
    let (tx, stream) = input();
    let app = App::new(cfg(), now());
    let started = Instant::now();
    let driver = async {
        let text = wait_text(&screen, "cannot load tokens").await;
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no 120 s wait before saying so"
        );
        assert!(text.contains("try again in 120 s"), "{text}");
        assert!(text.contains("press r to retry"), "{text}");
        assert_eq!(
            server.count("GET", TOKENS),
            1,
            "no retry loop against a 429"
        );
        press(&tx, KeyCode::Char('q'));
    };
    let (res, ()) = tokio::join!(
        runtime::run(&mut term, app, stream, deps(&server.url())),
        driver
    );
    res.expect("run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_token_asks_for_connect_scope_and_jfcon_audience_and_shows_the_answer_as_is() {
    let server = FaultServer::start().await;
    me_route(&server);
    server.on("GET", TOKENS, vec![Reply::json_value(200, &three_tokens())]);
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
    let screen = Screen::new(160, 48);
    let mut term = Terminal::new(screen.clone()).unwrap();
    let (tx, stream) = input();
    let driver = async {
        wait_text(&screen, "3 tokens").await;
        ctrl_key(&tx, 's');
        // The server's own words, as they came.
        let text = wait_text(&screen, "Audience jfcon@* is not enabled on this platform").await;
        assert!(text.contains("403"), "{text}");
        ctrl_key(&tx, 's');
        let text = wait_text(&screen, SECRET).await;
        assert!(text.contains("shown once"), "{text}");
        press(&tx, KeyCode::Esc);
        wait_text(&screen, "cannot be shown again").await;
        press(&tx, KeyCode::Char('q'));
    };
    let (res, ()) = tokio::join!(
        runtime::run(&mut term, app, stream, deps(&server.url())),
        driver
    );
    res.expect("run");
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
