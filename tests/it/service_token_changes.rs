//! `GET /access/api/v1/tokens?changed_since=CURSOR` (issue 19) over HTTP, on the run's backend:
//! the rows created, revoked and last used since a listing's `changes_cursor`; an expired
//! token is no change (its row says when it expires); the cursor moves on; a user sees only
//! its own; a cursor the server cannot answer for is 410.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::service::{TestService, code, harness};

const TOKENS: &str = "/access/api/v1/tokens";

fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .iter()
        .map(|t| {
            t.as_str()
                .map_or_else(|| t["token_id"].as_str().unwrap().to_owned(), str::to_owned)
        })
        .collect()
}

async fn first_cursor(s: &TestService, token: &str) -> String {
    let (status, v) = s.get(token, &format!("{TOKENS}?limit=2")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["changes_cursor"]
        .as_str()
        .expect("a first page brings a changes cursor")
        .to_owned()
}

async fn changes(s: &TestService, token: &str, cursor: &str) -> (StatusCode, Value) {
    s.get(token, &format!("{TOKENS}?changed_since={cursor}"))
        .await
}

/// Asks for changes after `cursor` until `done` holds (last-used is written after the
/// answer); the answer and its next cursor.
async fn changes_until(
    s: &TestService,
    token: &str,
    cursor: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, v) = changes(s, token, cursor).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        if done(&v) {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "never: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn created_revoked_and_last_used_rows_come_once_after_the_cursor() {
    let s = harness().seeded().start().await;
    let c0 = first_cursor(&s, &s.admin).await;
    // Nothing changed yet (the admin's own last use aside).
    let (_, v) = changes(&s, &s.admin, &c0).await;
    assert!(ids(&v, "revoked").is_empty(), "{v}");

    let (secret, made) = s
        .mint(
            None,
            json!({"username": "alice", "description": "delta probe"}),
        )
        .await;
    let (_, gone) = s
        .mint(None, json!({"username": "bob", "description": "to revoke"}))
        .await;
    let (status, _) = s.delete(&s.admin, &format!("{TOKENS}/{gone}")).await;
    assert_eq!(status, StatusCode::OK);
    let v = changes_until(&s, &s.admin, &c0, |v| ids(v, "tokens").contains(&made)).await;
    assert!(ids(&v, "revoked").contains(&gone), "{v}");
    assert!(
        !ids(&v, "tokens").contains(&gone),
        "a revoked token is not live: {v}"
    );
    let mine = v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["token_id"] == made.as_str())
        .unwrap();
    assert_eq!(mine["description"], "delta probe");
    assert!(mine["last_used"].is_null());

    // Changes come at least once: the next cursor is where to ask from.
    let c2 = v["changes_cursor"].as_str().unwrap().to_owned();

    // A use of the new token moves its last-used time: a change.
    let (status, _) = s.get(&secret, &format!("{TOKENS}/me")).await;
    assert_eq!(status, StatusCode::OK);
    // (The create itself may come again first: changes come at least once.)
    let v = changes_until(&s, &s.admin, &c2, |v| {
        v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["token_id"] == made.as_str() && t["last_used"].as_i64().is_some())
    })
    .await;
    assert!(!ids(&v, "revoked").contains(&made), "{v}");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn an_expired_token_is_no_change_and_a_user_sees_only_its_own() {
    let s = harness().seeded().start().await;
    let alice = s.user_token("alice").await;
    let c_admin = first_cursor(&s, &s.admin).await;
    let c_alice = first_cursor(&s, &alice).await;
    let (_, short) = s
        .mint(
            None,
            json!({"username": "alice", "description": "short", "expires_in": 1}),
        )
        .await;
    let (_, bobs) = s
        .mint(None, json!({"username": "bob", "description": "bob's"}))
        .await;
    // Alice sees her new token, not bob's; the admin sees both.
    let v = changes_until(&s, &alice, &c_alice, |v| ids(v, "tokens").contains(&short)).await;
    assert!(!ids(&v, "tokens").contains(&bobs), "{v}");
    for t in v["tokens"].as_array().unwrap() {
        assert!(
            t["subject"].as_str().unwrap().ends_with("/users/alice"),
            "{t}"
        );
    }
    let v = changes_until(&s, &s.admin, &c_admin, |v| {
        let got = ids(v, "tokens");
        got.contains(&short) && got.contains(&bobs)
    })
    .await;
    let expiry = v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["token_id"] == short.as_str())
        .unwrap()["expiry"]
        .as_i64()
        .unwrap();
    // Asking alice for bob's changes answers nothing, like the listing.
    let (status, v2) = s
        .get(
            &alice,
            &format!("{TOKENS}?changed_since={c_alice}&username=bob"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ids(&v2, "tokens").is_empty(), "{v2}");

    // Once expired by time, the token is still listed (as the full list shows it) and its row
    // did not change: no delta revokes it, and one that carries it again (changes come at
    // least once) carries the same expiry; the client's clock tells.
    let c = v["changes_cursor"].as_str().unwrap().to_owned();
    while tokentab::model::clock::now() <= expiry {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, v) = changes(&s, &s.admin, &c).await;
    assert!(!ids(&v, "revoked").contains(&short), "{v}");
    for t in v["tokens"].as_array().unwrap() {
        if t["token_id"] == short.as_str() {
            assert_eq!(t["expiry"].as_i64(), Some(expiry), "{t}");
        }
    }
    let (_, listed) = s.get(&s.admin, &format!("{TOKENS}?token_id={short}")).await;
    assert_eq!(ids(&listed, "tokens"), vec![short.clone()]);

    // A custom-scoped token cannot list, nor ask for changes.
    let custom = s.scoped("connect:project:demo:r").await;
    let (status, _) = changes(&s, &custom, &c).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.handle.shutdown().await;
}

#[tokio::test]
async fn a_cursor_the_server_cannot_answer_for_is_410() {
    let s = harness().seeded().start().await;
    let c0 = first_cursor(&s, &s.admin).await;
    // Not ours, another backend's, one from the future: list again.
    let made = |raw: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    };
    for bad in [
        "garbage!".to_owned(),
        made("k1.s.99999999999.0"),
        made("k1.p.99999999999.0"),
    ] {
        let (status, v) = changes(&s, &s.admin, &bad).await;
        assert_eq!(status, StatusCode::GONE, "{bad}: {v}");
        assert_eq!(code(&v), "CHANGES_GONE");
    }
    // A filter besides username and limit is refused.
    let (status, _) = s
        .get(
            &s.admin,
            &format!("{TOKENS}?changed_since={c0}&order_by=expiry"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // More changes than `limit`: list again.
    for i in 0..3 {
        s.mint(
            None,
            json!({"username": "bob", "description": format!("many {i}")}),
        )
        .await;
    }
    let (status, v) = s
        .get(&s.admin, &format!("{TOKENS}?changed_since={c0}&limit=2"))
        .await;
    assert_eq!(status, StatusCode::GONE, "{v}");
    // A user disabled since: every token of theirs changed status, no row says so.
    let c1 = first_cursor(&s, &s.admin).await;
    let (status, v) = s
        .patch(
            &s.admin,
            "/access/api/v2/users/bob",
            json!({"status": "disabled"}),
        )
        .await;
    assert!(status.is_success(), "{v}");
    let (status, v) = changes(&s, &s.admin, &c1).await;
    assert_eq!(status, StatusCode::GONE, "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("list the tokens again"),
        "{v}"
    );
    // A fresh cursor works again.
    let c2 = first_cursor(&s, &s.admin).await;
    let (status, v) = changes(&s, &s.admin, &c2).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    s.handle.shutdown().await;
}
