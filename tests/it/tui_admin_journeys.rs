//! Issue 17 in the tab, through `runtime::run` on a TestBackend against the embedded service over
//! real HTTP (the changes are made through the service's admin API, as an admin would): a
//! disabled user's tokens show disabled after `r` and again not once enabled, the user picker
//! lists only enabled users, and a fleet added between two opens of the fleet picker is there
//! after `r`.

use crate::common;
use crate::common::service::harness;

use crossterm::event::KeyCode;
use reqwest::{Method, StatusCode};
use serde_json::json;

use common::journey::{self as play, Person};
use common::service::TestService;
use tokentab::tui::app::{App, AppConfig};

const NOTE: &str = "user alice is disabled: this token is refused until the user is";

/// The tab on `svc`'s embedded service, signed in as its admin, at 140×40.
async fn as_admin<F, Fut>(svc: &TestService, drive: F) -> (App, String)
where
    F: FnOnce(Person) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let url = svc.handle.url();
    play::play(
        play::embedded_app(&url),
        play::patient_deps(&url, &svc.admin),
        140,
        40,
        drive,
    )
    .await
}

/// Sets alice's status through `PATCH /access/api/v2/users/alice`.
async fn set_alice(svc: &TestService, status: &str) {
    let (s, v) = svc
        .patch(
            &svc.admin,
            "/access/api/v2/users/alice",
            json!({ "status": status }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"].as_str(), Some(status), "{v}");
}

/// The table's body lines that hold `text` (the frame's rows between the borders).
fn rows_with<'a>(frame: &'a str, text: &str) -> Vec<&'a str> {
    frame.lines().filter(|l| l.contains(text)).collect()
}

async fn wait_table(p: &mut Person) -> String {
    p.wait("the table", |f| {
        f.contains(" tokens ·") && f.contains("· admin ·")
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_users_tokens_show_disabled_after_r_and_not_once_enabled() {
    let svc = harness().seeded().start().await;
    let (_, last) = as_admin(&svc, |mut p| {
        let svc = &svc;
        async move {
            wait_table(&mut p).await;
            p.key(KeyCode::Char('/'));
            p.text("user:alice");
            p.key(KeyCode::Enter);
            let before = p
                .wait("alice's tokens", |f| {
                    f.contains("alice: jf CLI on workstation")
                })
                .await;
            assert!(!before.contains("disabled"), "{before}");

            set_alice(svc, "disabled").await;
            p.key(KeyCode::Char('r'));
            let after = p
                .wait("alice's tokens disabled", |f| {
                    let rows = rows_with(f, "alice: ");
                    !rows.is_empty() && rows.iter().all(|l| l.contains("⊘ disabled"))
                })
                .await;
            assert!(after.contains(" disabled"), "the count:\n{after}");

            // Details say why.
            p.key(KeyCode::Char('i'));
            let details = p.wait_text("Token details").await;
            let flat = details
                .replace('│', " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(flat.contains(NOTE), "{details}");
            p.key(KeyCode::Esc);
            p.wait("details closed", |f| !f.contains("Token details"))
                .await;

            set_alice(svc, "enabled").await;
            p.key(KeyCode::Char('r'));
            p.wait("alice's tokens enabled again", |f| {
                let rows = rows_with(f, "alice: ");
                !rows.is_empty() && rows.iter().all(|l| !l.contains("disabled"))
            })
            .await;
            p.key(KeyCode::Char('q'));
        }
    })
    .await;
    assert!(!last.contains("⊘ disabled"), "{last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_picker_lists_only_enabled_users() {
    let svc = harness().seeded().start().await;
    set_alice(&svc, "disabled").await;
    as_admin(&svc, |mut p| {
        let svc = &svc;
        async move {
            wait_table(&mut p).await;
            p.key(KeyCode::Char('n'));
            p.wait_text("New token").await;
            // Expiration, Token scope, User.
            p.keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Enter]);
            p.wait_text("Choose a user").await;
            let list = p.wait("the users", |f| f.contains("bob <")).await;
            assert!(!list.contains("alice <"), "alice is disabled:\n{list}");
            // Enabled again: the next open lists her.
            p.key(KeyCode::Esc);
            p.wait("the picker closed", |f| !f.contains("Choose a user"))
                .await;
            set_alice(svc, "enabled").await;
            p.key(KeyCode::Enter);
            p.wait_text("Choose a user").await;
            p.wait("alice listed", |f| f.contains("alice <")).await;
            p.pick_only("alice", "alice <", "[ alice ▾]").await;
            p.key(KeyCode::Esc);
            p.key(KeyCode::Char('q'));
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_added_between_two_opens_is_in_the_picker_after_r() {
    let svc = harness().seeded().start().await;
    as_admin(&svc, |mut p| {
        let svc = &svc;
        async move {
            wait_table(&mut p).await;
            let first = p.open_demo_fleet_picker("pi fleet").await;
            assert!(!first.contains("rpi ("), "{first}");
            p.keys(&[KeyCode::Esc, KeyCode::Esc]);
            p.wait_text("Discard the new token?").await;
            p.key(KeyCode::Char('y'));
            p.wait("the form closed", |f| !f.contains("New token"))
                .await;

            let (s, v) = svc
                .call(
                    Method::POST,
                    Some(&svc.admin),
                    "/api/v2/demo/fleets",
                    Some(json!({ "name": "rpi" })),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");

            p.key(KeyCode::Char('r'));
            wait_table(&mut p).await;
            // The picker's page holds every fleet of demo: the new one with the others.
            let second = p.open_demo_fleet_picker("pi fleet").await;
            assert!(second.contains("rpi (0 devices)"), "{second}");
            p.pick_only("rpi", "rpi (", "[ rpi ▾]").await;
            p.key(KeyCode::Esc);
            p.key(KeyCode::Char('q'));
        }
    })
    .await;
}

/// A server that ignores `status=enabled` (sends every user): the picker still drops the ones
/// whose entry says disabled, and keeps those that say nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_picker_drops_disabled_users_a_server_sends_anyway() {
    use common::fault_server::{FaultServer, Reply};
    let server = FaultServer::start().await;
    let now = chrono::Utc::now().timestamp();
    let me = json!({"token_id": "me-1", "subject": "jfac@01hq/users/admin",
                    "issued_at": now - 86_400, "expiry": now + 30 * 86_400,
                    "issuer": "jfac@01hq", "scope": "applied-permissions/user"});
    server.on(
        "GET",
        "/access/api/v1/tokens/me",
        vec![Reply::json_value(200, &me)],
    );
    server.on(
        "GET",
        "/access/api/v1/tokens",
        vec![Reply::json_value(200, &json!({ "tokens": [me] }))],
    );
    let users = json!({"users": [
        {"username": "alice", "email": "alice@example.com", "status": "enabled"},
        {"username": "carol", "email": "carol@example.com", "status": "disabled"},
        {"username": "dave", "email": "dave@example.com", "status": "DISABLED"},
        {"username": "erin", "email": "erin@example.com"},
    ]});
    server.on(
        "GET",
        "/access/api/v2/users",
        vec![Reply::json_value(200, &users)],
    );
    let cfg = AppConfig {
        server_label: server.url(),
        ..AppConfig::default()
    };
    let d = play::deps_with(&server.url(), &"x".repeat(43), play::no_retries());
    play::play(
        App::new(cfg, chrono::Utc::now()),
        d,
        120,
        30,
        |mut p| async move {
            p.wait("the table", |f| {
                f.contains(" token ·") || f.contains(" tokens ·")
            })
            .await;
            p.key(KeyCode::Char('n'));
            p.wait_text("admin ▾").await;
            p.keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Enter]);
            let list = p
                .wait("the users", |f| {
                    f.contains("alice <") && f.contains("erin <")
                })
                .await;
            assert!(list.contains("2 found"), "{list}");
            assert!(
                !list.contains("carol <") && !list.contains("dave <"),
                "{list}"
            );
            p.key(KeyCode::Esc);
            p.key(KeyCode::Esc);
            p.key(KeyCode::Char('q'));
        },
    )
    .await;
    let asked: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/access/api/v2/users")
        .map(|r| r.query)
        .collect();
    assert!(
        !asked.is_empty() && asked.iter().all(|q| q.contains("status=enabled")),
        "{asked:?}"
    );
}
