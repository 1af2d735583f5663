//! Issue 20 item 6: JFrog's `PUT /access/api/v1/config/token/default_expiry` (admin): stored
//! (one settings row), bounded by `--max-expiry`, audited, said by `GET` and our limits, used
//! by creates without `expires_in` on every replica, by the tab's form default, and by
//! `tokentab admin default-expiry`. On both backends (harness); replicas on PostgreSQL.

use crate::cli_admin::AdminCli;
use crate::common::journey::{Person, deps, embedded_app, play};
use crate::common::service::{TestService, harness, message};
use crate::common::{pg, replicas};

use crossterm::event::KeyCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const DEFAULT: &str = "/access/api/v1/config/token/default_expiry";
const LIMITS: &str = "/tokentab/api/v1/config/token/limits";
const DAY: u64 = 86_400;

async fn put(s: &TestService, token: &str, body: Value) -> (StatusCode, Value) {
    s.call(Method::PUT, Some(token), DEFAULT, Some(body)).await
}

#[tokio::test]
async fn put_round_trip_is_used_by_a_create_without_expires_in_and_audited() {
    let s = harness().seeded().start().await;
    let (st, v) = put(&s, &s.admin, json!({"default_token_expiration": 14 * DAY})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"default_token_expiration": 14 * DAY}));
    let (st, v) = s.get(&s.admin, DEFAULT).await;
    assert_eq!(
        (st, v),
        (
            StatusCode::OK,
            json!({"default_token_expiration": 14 * DAY})
        )
    );
    let (_, l) = s.get(&s.admin, LIMITS).await;
    assert_eq!(l["default_expiry"], 14 * DAY);
    assert_eq!(l["default_chosen"], true);
    // A create naming no lifetime gets it; one naming its own keeps it.
    let (st, v) = s.post_token(&s.admin, json!({"username": "alice"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["expires_in"], 14 * DAY);
    let (_, v) = s
        .post_token(&s.admin, json!({"username": "alice", "expires_in": 3600}))
        .await;
    assert_eq!(v["expires_in"], 3600);
    // A non-admin may read it (its form needs it), not set it.
    let alice = s.user_token("alice").await;
    let (st, v) = put(&s, &alice, json!({"default_token_expiration": DAY})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(message(&v).contains("admin"), "{v}");
    let (_, v) = s.get(&alice, DEFAULT).await;
    assert_eq!(v["default_token_expiration"], 14 * DAY);
    // Bad bodies: 0, a string, an unknown field, none.
    for bad in [
        json!({"default_token_expiration": 0}),
        json!({"default_token_expiration": "14d"}),
        json!({"default_token_expiration": DAY, "x": 1}),
        json!({}),
    ] {
        let (st, v) = put(&s, &s.admin, bad.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert!(message(&v).contains("default_token_expiration"), "{v}");
    }
    // The change is in the trail, once.
    let (_, a) = s.get(&s.admin, "/tokentab/api/v1/audit?limit=1000").await;
    let rows: Vec<&Value> = a["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "default_expiry_set" && e["result"] == "ok")
        .collect();
    assert_eq!(rows.len(), 1, "{a}");
    // null: back to the serve default (a year).
    let (st, v) = put(&s, &s.admin, json!({"default_token_expiration": null})).await;
    assert_eq!(
        (st, v),
        (
            StatusCode::OK,
            json!({"default_token_expiration": 365 * DAY})
        )
    );
    let (_, l) = s.get(&s.admin, LIMITS).await;
    assert!(l.get("default_chosen").is_none(), "{l}");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn the_default_is_bounded_by_max_expiry_and_survives_a_restart() {
    let s = harness().seeded().max_expiry(30 * DAY).start().await;
    let (st, v) = put(&s, &s.admin, json!({"default_token_expiration": 31 * DAY})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert!(message(&v).contains("--max-expiry"), "{v}");
    let (st, v) = put(&s, &s.admin, json!({"default_token_expiration": 7 * DAY})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let s = s.restart().await;
    let (_, v) = s.get(&s.admin, DEFAULT).await;
    assert_eq!(v["default_token_expiration"], 7 * DAY);
    let (_, v) = s.post_token(&s.admin, json!({"username": "alice"})).await;
    assert_eq!(v["expires_in"], 7 * DAY);
    s.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_default_set_on_one_replica_is_used_by_the_next_create_on_another() {
    let url = pg::fresh_schema_url();
    let r = replicas::start(&url, 2, &["--no-seed"]).await;
    let (st, v) = r
        .call(
            0,
            Method::PUT,
            &r.admin,
            DEFAULT,
            Some(json!({"default_token_expiration": 3 * DAY})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = r
        .call(
            1,
            Method::POST,
            &r.admin,
            replicas::TOKENS,
            Some(json!({"description": "d"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["expires_in"], 3 * DAY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tab_form_starts_with_the_default_an_admin_chose() {
    let s = harness().seeded().start().await;
    let (st, v) = put(&s, &s.admin, json!({"default_token_expiration": 14 * DAY})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let url = s.handle.url();
    let (_, last) = play(
        embedded_app(&url),
        deps(&url, &s.admin),
        80,
        24,
        |mut p: Person| async move {
            p.wait("the table", crate::common::tab::table_loaded).await;
            p.key(KeyCode::Char('n'));
            p.wait_text("+14d").await;
            p.ctrl('c');
        },
    )
    .await;
    assert!(last.contains("+14d"), "{last}");
    s.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_command_shows_sets_and_resets_it() {
    let s = harness().start().await;
    let cli = AdminCli::new(&s.handle.url());
    let tf = cli.token_file("admin.token", &s.admin);
    let out = cli.ok(&tf, &["default-expiry"]).await;
    assert_eq!(out, "default token expiration is 365 d (31536000 s)\n");
    let out = cli.ok(&tf, &["default-expiry", "30d"]).await;
    assert_eq!(out, "default token expiration set to 30 d (2592000 s)\n");
    let v = cli.json(&tf, &["default-expiry", "--json"]).await;
    assert_eq!(v, json!({"default_token_expiration": 30 * DAY}));
    let out = cli.ok(&tf, &["default-expiry", "--reset"]).await;
    assert!(out.contains("365 d"), "{out}");
    let err = cli.fails(&tf, &["default-expiry", "30m"], 2).await;
    assert!(err.contains("30m"), "{err}");
    let err = cli.fails(&tf, &["default-expiry", "0"], 2).await;
    assert!(err.contains("at least 1"), "{err}");
    s.handle.shutdown().await;
}
