//! Issue 18 items 2, 3a and 4 and the row-action bullets as journeys on TestBackend against a
//! real service: the own-token revoke warns and then offers what works; a message too long for
//! the status line is never cut inside a word and `m` shows it all; the header's count, Details
//! and the status line follow every change; `d` leaves marked rows the filter hides alone; the
//! rotate dialog says when a token has expired.

use crate::common;
use crate::common::service::harness;

use std::sync::Arc;

use crossterm::event::KeyCode;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::json;

use common::journey::{self as journey, Person};
use common::service::blocking::Served;
use tokentab::api::Client;
use tokentab::tui::switch::{ConnectFuture, ServerEntry, Session, SessionClient};

fn entry(key: &str) -> ServerEntry {
    ServerEntry {
        key: key.into(),
        name: key.into(),
        kind: "profile".into(),
        url: key.into(),
        readonly: false,
        problem: None,
    }
}

/// Filters the table to `text` and leaves the filter line (the row is selected).
async fn only(p: &mut Person, text: &str) {
    p.key(KeyCode::Char('/'));
    p.text(text);
    p.key(KeyCode::Enter);
    p.wait(&format!("{text} alone"), |f| f.contains("(1 of "))
        .await;
}

/// Item 2: revoking the token the tab is signed in with warns in the dialog; afterwards the
/// banner offers the server list (not "press r to retry"), and switching there loads the
/// other server's table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_token_revoke_warns_then_offers_a_switch_that_works() {
    let alpha = harness().start().await;
    let bravo = harness().start().await;
    let (mine, mine_id) = alpha
        .mint(
            None,
            json!({"username": "admin", "description": "tab own token"}),
        )
        .await;
    bravo
        .mint(
            None,
            json!({"username": "admin", "description": "bravo marker"}),
        )
        .await;
    let (burl, badmin) = (bravo.handle.url(), bravo.admin.clone());
    let connector = move |_key: &str| -> ConnectFuture {
        let (url, token) = (burl.clone(), badmin.clone());
        Box::pin(async move {
            let client = Client::new(&url, SecretString::from(token), journey::no_retries())
                .map_err(|e| e.user_message())?;
            Ok(Session {
                client: SessionClient(Arc::new(client)),
                label: url,
                profile: Some("bravo".into()),
                embedded: false,
                readonly: false,
                banner: None,
            })
        })
    };
    let mut app = journey::embedded_app(&alpha.handle.url());
    app.servers.entries = vec![entry("alpha"), entry("bravo")];
    app.servers.current = Some("alpha".into());
    let mut deps = journey::deps_with(&alpha.handle.url(), &mine, journey::no_retries());
    deps.connector = Some(Arc::new(connector));
    let (_app, _) = journey::play(app, deps, 80, 24, |mut p| async move {
        p.wait_text("tab own token").await;
        // Which token is the tab's own is known once the server answered who the tab is.
        p.wait_text("· admin ·").await;
        only(&mut p, "tab own token").await;
        p.key(KeyCode::Char('d'));
        let dialog = p.wait_text("Revoke token?").await;
        assert!(
            dialog.contains("this tab is signed in with") && dialog.contains("sign in again"),
            "the dialog warns:\n{dialog}"
        );
        p.key(KeyCode::Right);
        p.key(KeyCode::Enter);
        let after = p.wait_text("signed out").await;
        assert!(
            after.contains("P: switch server or sign in again"),
            "the banner offers the server list:\n{after}"
        );
        assert!(!after.contains("to retry"), "{after}");
        p.key(KeyCode::Char('P'));
        p.wait_text("Switch server").await;
        p.key(KeyCode::End);
        p.key(KeyCode::Enter);
        let on_bravo = p.wait_text("bravo marker").await;
        assert!(!on_bravo.contains("signed out"), "{on_bravo}");
        p.key(KeyCode::Char('q'));
    })
    .await;
    let (status, _) = alpha
        .get(&alpha.admin, &format!("/access/api/v1/tokens/{mine_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the own token is revoked");
}

/// Item 4 (row actions): with two marked rows and a filter that hides one, `d` revokes only the
/// one shown and the dialog says the other is left out; it stays on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d_leaves_a_marked_row_the_filter_hides() {
    let svc = harness().start().await;
    let (_, hidden_id) = svc
        .mint(
            None,
            json!({"username": "admin", "description": "zq mark one"}),
        )
        .await;
    let (_, shown_id) = svc
        .mint(
            None,
            json!({"username": "admin", "description": "zq mark two"}),
        )
        .await;
    let app = journey::embedded_app(&svc.handle.url());
    let deps = journey::deps_with(&svc.handle.url(), &svc.admin, journey::no_retries());
    journey::play(app, deps, 80, 24, |mut p| async move {
        p.wait_text("zq mark one").await;
        p.key(KeyCode::Char('/'));
        p.text("zq mark");
        p.key(KeyCode::Enter);
        p.wait_text("(2 of ").await;
        p.keys(&[KeyCode::Char(' '), KeyCode::Char(' ')]);
        p.wait_text("2 marked").await;
        p.key(KeyCode::Char('/'));
        p.text(" two");
        p.key(KeyCode::Enter);
        p.wait_text("(1 of ").await;
        p.key(KeyCode::Char('d'));
        let dialog = p.wait_text("Revoke token?").await;
        assert!(
            dialog.contains("1 marked row is hidden by the filter: not included"),
            "{dialog}"
        );
        assert!(!dialog.contains("zq mark one"), "{dialog}");
        p.key(KeyCode::Right);
        p.key(KeyCode::Enter);
        p.wait_text("revoked \"zq mark two\"").await;
        p.key(KeyCode::Char('q'));
    })
    .await;
    let (s, _) = svc
        .get(&svc.admin, &format!("/access/api/v1/tokens/{hidden_id}"))
        .await;
    assert_eq!(s, StatusCode::OK, "the hidden marked token stays");
    let (s, _) = svc
        .get(&svc.admin, &format!("/access/api/v1/tokens/{shown_id}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the shown one is revoked");
}

/// Item 4: the header's "N yours expiring" drops after a revoke without `r`; the "revoked"
/// acknowledgement goes with the next key; Details shows the last use of a token used after the
/// list was read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_count_details_and_messages_follow_changes() {
    let svc = harness().start().await;
    svc.mint(
        None,
        json!({"username": "admin", "description": "zq soon", "expires_in": 3 * 86_400}),
    )
    .await;
    let (used, used_id) = svc
        .mint(
            None,
            json!({"username": "admin", "description": "zq used later"}),
        )
        .await;
    let app = journey::embedded_app(&svc.handle.url());
    let deps = journey::deps_with(&svc.handle.url(), &svc.admin, journey::no_retries());
    let svc_ref = &svc;
    journey::play(app, deps, 80, 24, |mut p| async move {
        p.wait_text("1 yours expiring").await;
        p.wait_text("zq used later").await;
        // Used now, after the list was read; wait until the service has recorded it.
        let (s, _) = svc_ref.get(&used, "/access/api/v1/tokens/me").await;
        assert_eq!(s, StatusCode::OK);
        let since = std::time::Instant::now();
        loop {
            let (_, v) = svc_ref
                .get(&svc_ref.admin, &format!("/access/api/v1/tokens/{used_id}"))
                .await;
            if v["last_used"].as_i64().is_some() {
                break;
            }
            assert!(
                since.elapsed() < journey::WAIT,
                "the use is never recorded: {v}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        only(&mut p, "zq used later").await;
        p.key(KeyCode::Char('i'));
        let details = p
            .wait("Details with the last use", |f| {
                f.contains("Token details") && f.contains("Last used") && !f.contains("never")
            })
            .await;
        assert!(details.contains("recorded at most hourly"), "{details}");
        p.key(KeyCode::Esc);
        p.key(KeyCode::Esc);
        only(&mut p, "zq soon").await;
        p.key(KeyCode::Char('d'));
        p.wait_text("Revoke token?").await;
        p.key(KeyCode::Right);
        p.key(KeyCode::Enter);
        let after = p.wait_text("revoked \"zq soon\"").await;
        assert!(
            !after.contains("yours expiring"),
            "the count follows:\n{after}"
        );
        // The acknowledgement goes with the next key.
        p.key(KeyCode::Down);
        p.wait("the acknowledgement gone", |f| {
            !f.contains("revoked \"zq soon\"")
        })
        .await;
        p.key(KeyCode::Char('q'));
    })
    .await;
}

/// Item 5 (row actions): the rotate dialog of an expired token says so and what rotating does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_an_expired_token_says_it_is_expired() {
    let svc = harness().start().await;
    svc.mint(
        None,
        json!({"username": "admin", "description": "zq short lived", "expires_in": 2}),
    )
    .await;
    let app = journey::embedded_app(&svc.handle.url());
    let deps = journey::deps_with(&svc.handle.url(), &svc.admin, journey::no_retries());
    journey::play(app, deps, 80, 24, |mut p| async move {
        p.wait_text("zq short lived").await;
        only(&mut p, "zq short lived").await;
        // Reopen the dialog until the clock has passed the expiry (the tab's clock ticks).
        let dialog = loop {
            p.key(KeyCode::Char('R'));
            let d = p.wait_text("Rotate token?").await;
            if d.contains("This token has expired") {
                break d;
            }
            p.key(KeyCode::Esc);
            p.wait("the dialog closed", |f| !f.contains("Rotate token?"))
                .await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        };
        assert!(
            dialog.contains("This token has expired") && dialog.contains("working replacement"),
            "{dialog}"
        );
        p.key(KeyCode::Esc);
        p.key(KeyCode::Char('q'));
    })
    .await;
}

/// What the server says when it refuses to revoke "zq guarded" (long, for 80 columns).
pub const GUARDED_SAID: &str = "the token zq guarded belongs to the release pipeline of project \
     demo and only its owners or a platform administrator may revoke it; ask them in #release";

/// A service with the token "zq guarded", and a proxy in front of it that answers that token's
/// DELETE with a real 403 saying [`GUARDED_SAID`] (every other request reaches the service).
pub fn guarded() -> (Served, String) {
    let s = harness().start_blocking();
    let (_, id) = s.mint(json!({"username": "admin", "description": "zq guarded"}));
    let proxy = s.proxy_failing(
        "DELETE",
        &format!("/access/api/v1/tokens/{id}"),
        403,
        &json!({"errors": [{"code": "FORBIDDEN", "message": GUARDED_SAID}]}).to_string(),
    );
    (s, proxy)
}

/// Item 3: a message too long for the status line at 80 columns wraps onto the line above and
/// what still does not fit ends between words with "m: all"; `m` shows all of it. The server's
/// 403 is real (a proxy answers it for that one DELETE; everything else reaches the service).
#[test]
fn a_long_403_is_never_cut_inside_a_word_and_m_shows_it_all() {
    let (s, proxy) = guarded();
    let said = GUARDED_SAID;
    let app = journey::embedded_app(&proxy);
    let deps = journey::deps_with(&proxy, s.admin(), journey::no_retries());
    s.rt.block_on(journey::play(app, deps, 80, 24, |mut p| async move {
        p.wait_text("zq guarded").await;
        only(&mut p, "zq guarded").await;
        p.key(KeyCode::Char('d'));
        p.wait_text("Revoke token?").await;
        p.key(KeyCode::Right);
        p.key(KeyCode::Enter);
        let cut = p.wait_text("could not revoke").await;
        let bottom: Vec<&str> = cut.lines().rev().take(2).collect();
        assert!(bottom[0].trim_end().ends_with("m: all"), "{cut}");
        // Every word on the two lines is a whole word of the message (none cut inside).
        let message =
            format!("could not revoke: 403 FORBIDDEN: {said} — your token lacks the right");
        let strip = |w: &str| {
            w.trim_end_matches('…')
                .trim_end_matches([':', ';', ','])
                .to_owned()
        };
        let whole: Vec<String> = message.split(' ').map(strip).collect();
        for line in &bottom {
            for w in line.split_whitespace().map(strip) {
                assert!(
                    ["✕", "—", "m", "all", ""].contains(&w.as_str()) || whole.contains(&w),
                    "{w:?} is not a whole word of the message:\n{cut}"
                );
            }
        }
        p.key(KeyCode::Char('m'));
        let full = p.wait_text("Message (Esc closes)").await;
        let flat: String = full
            .lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(flat.contains("ask them in #release"), "{full}");
        p.key(KeyCode::Esc);
        p.wait("the message closed", |f| {
            !f.contains("Message (Esc closes)")
        })
        .await;
        p.key(KeyCode::Char('q'));
    }));
}

/// Item 3: the expiry error at 80 columns wraps onto the line above the status bar, whole.
#[test]
fn the_expiry_error_wraps_whole_at_80_columns() {
    use common::fixtures::{loaded, now, render_text};
    let text = tokentab::model::expiry::Expiry::parse("tomorrow", now())
        .expect_err("not an expiry")
        .to_string();
    let mut app = loaded(80, 24);
    app.status = Some(tokentab::tui::app::Status::new(text.clone(), true, now()));
    let screen = render_text(&mut app, 80, 24);
    let bottom: Vec<&str> = screen.lines().rev().take(2).collect();
    let shown = format!("{} {}", bottom[1].trim(), bottom[0].trim());
    assert_eq!(shown, format!("✕ {text}"), "{screen}");
}

/// Item 5 in Details: a device the scope names by id is shown by its name (short id beside),
/// asked of the server when Details opens, under the permission heading; the scope string
/// itself stays below.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_name_the_device_a_scope_names_by_id() {
    let svc = harness().seeded().start().await;
    let app = journey::embedded_app(&svc.handle.url());
    let deps = journey::deps_with(&svc.handle.url(), &svc.admin, journey::no_retries());
    journey::play(app, deps, 100, 30, |mut p| async move {
        p.wait_text("Lab Pi #1").await;
        only(&mut p, "Lab Pi #1").await;
        p.key(KeyCode::Char('i'));
        let details = p
            .wait("the device by name", |f| {
                f.contains("Device · demo / lab-rpi-") && f.contains(" (d-")
            })
            .await;
        assert!(
            details.contains("Target entity · Target · Permission action types")
                && details.contains("Read, Write, Delete")
                && details.contains("connect:device:demo/d-"),
            "{details}"
        );
        p.key(KeyCode::Esc);
    })
    .await;
}
