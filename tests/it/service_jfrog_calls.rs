//! JFrog's other token calls (reference §1.2, §1.5): revoke by value (JSON and form), revoke
//! `me`, refresh tokens; create's content types (415) and fields (each honoured or refused by
//! name).

use crate::common::service as svc;
use crate::common::service::child as serve_child;
use crate::common::service::harness;

use reqwest::StatusCode;
use serde_json::{Value, json};
use svc::{TestService, code, message};

const TOKENS: &str = "/access/api/v1/tokens";
const REVOKE: &str = "/access/api/v1/tokens/revoke";

/// A raw request: the body sent as is with this content type.
async fn raw(
    s: &TestService,
    method: reqwest::Method,
    token: &str,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let mut req = s.http.request(method, s.url(path)).bearer_auth(token);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = req.body(body.to_owned()).send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn revoke_by_value_json_and_form() {
    let s = harness().seeded().start().await;
    // JSON body, by an admin.
    let (secret, id) = s.mint(None, json!({"description": "by value json"})).await;
    let (st, v) = s
        .call(
            reqwest::Method::DELETE,
            Some(&s.admin),
            REVOKE,
            Some(json!({"token": secret})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"revoked-token-id": id}));
    let (st, _) = s.get(&secret, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // Again: it is gone now, and an unknown value is the same 404.
    let (st, again) = s
        .call(
            reqwest::Method::DELETE,
            Some(&s.admin),
            REVOKE,
            Some(json!({"token": secret})),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{again}");
    assert_eq!(code(&again), "NOT_FOUND");
    let unknown = tokentab::service::new_secret().unwrap();
    let (st, v) = s
        .call(
            reqwest::Method::DELETE,
            Some(&s.admin),
            REVOKE,
            Some(json!({"token": *unknown})),
        )
        .await;
    assert_eq!((st, &v), (StatusCode::NOT_FOUND, &again));
    let (st, v) = s
        .call(
            reqwest::Method::DELETE,
            Some(&s.admin),
            REVOKE,
            Some(json!({"token": "garbage"})),
        )
        .await;
    assert_eq!((st, &v), (StatusCode::NOT_FOUND, &again));

    // Form body, by the owner (same rights as revoke by id).
    let alice = s.user_token("alice").await;
    let (own, own_id) = s
        .mint(Some(&alice), json!({"description": "alice's"}))
        .await;
    let form = format!("token={own}");
    let (st, v) = raw(
        &s,
        reqwest::Method::DELETE,
        &alice,
        REVOKE,
        Some(FORM),
        &form,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["revoked-token-id"], own_id.as_str());

    // Someone else's token: the same 404 as an unknown one, and it keeps working.
    let bob = s.user_token("bob").await;
    let form = format!("token={bob}");
    let (st, v) = raw(
        &s,
        reqwest::Method::DELETE,
        &alice,
        REVOKE,
        Some(FORM),
        &form,
    )
    .await;
    assert_eq!((st, &v), (StatusCode::NOT_FOUND, &again));
    let (st, _) = s.get(&bob, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::OK);

    // Missing token field; another content type.
    let (st, v) = s
        .call(
            reqwest::Method::DELETE,
            Some(&s.admin),
            REVOKE,
            Some(json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert!(message(&v).contains("token"), "{v}");
    let (st, v) = raw(
        &s,
        reqwest::Method::DELETE,
        &s.admin,
        REVOKE,
        Some("text/plain"),
        &bob,
    )
    .await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
    assert_eq!(code(&v), "UNSUPPORTED_MEDIA_TYPE");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn delete_me_revokes_the_callers_own_token() {
    let s = harness().seeded().start().await;
    let alice = s.user_token("alice").await;
    let (st, me) = s.get(&alice, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s.delete(&alice, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = s.get(&alice, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
    let (st, v) = s.delete(&alice, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
    let (st, _) = s
        .get(
            &s.admin,
            &format!("{TOKENS}/{}", me["token_id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "revoked tokens are not listed");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn refresh_gives_a_new_pair_and_retires_the_old_one() {
    let s = harness().seeded().start().await;
    let alice = s.user_token("alice").await;
    let (st, first) = s
        .post_token(
            &alice,
            json!({"refreshable": true, "expires_in": 7200, "description": "refreshable"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{first}");
    let access = first["access_token"].as_str().unwrap().to_owned();
    let refresh = first["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        tokentab::model::token_format::shape(&refresh),
        tokentab::model::token_format::Shape::Current,
        "256 bits, in the format of access tokens"
    );
    assert_ne!(refresh, access);
    // A non-refreshable token gets no refresh token.
    let (_, plain) = s.post_token(&alice, json!({"description": "plain"})).await;
    assert!(plain.get("refresh_token").is_none(), "{plain}");

    // Someone else (even an admin) cannot use alice's refresh token: the same 404 as unknown.
    let bob = s.user_token("bob").await;
    let (st, not_found) = raw(
        &s,
        reqwest::Method::POST,
        &bob,
        TOKENS,
        Some(FORM),
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{not_found}");
    assert_eq!(
        message(&not_found),
        "Token matching the provided refresh token was not found."
    );
    let (st, v) = s
        .post_token(
            &s.admin,
            json!({"grant_type": "refresh_token", "refresh_token": refresh}),
        )
        .await;
    assert_eq!((st, &v), (StatusCode::NOT_FOUND, &not_found));
    let unknown = tokentab::service::new_secret().unwrap();
    let (st, v) = s
        .post_token(
            &alice,
            json!({"grant_type": "refresh_token", "refresh_token": *unknown}),
        )
        .await;
    assert_eq!((st, &v), (StatusCode::NOT_FOUND, &not_found));

    // The owner refreshes (form, as JFrog's doc; with access_token, as jfrog-client-go).
    let (st, second) = raw(
        &s,
        reqwest::Method::POST,
        &alice,
        TOKENS,
        Some(FORM),
        &format!(
            "grant_type=refresh_token&refresh_token={refresh}&access_token={access}&refreshable=true"
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{second}");
    assert_eq!(second["scope"], "applied-permissions/user");
    assert_eq!(second["expires_in"], 7200, "same lifetime length");
    assert_eq!(second["token_type"], "Bearer");
    let new_access = second["access_token"].as_str().unwrap().to_owned();
    let new_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_access, access);
    assert_ne!(new_refresh, refresh);
    // New pair works; old access token is 401; the used refresh token is 404.
    let (st, me) = s.get(&new_access, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::OK, "{me}");
    assert_eq!(me["description"], "refreshable");
    assert_eq!(me["refreshable"], true);
    let (st, _) = s.get(&access, &format!("{TOKENS}/me")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, v) = s
        .post_token(
            &alice,
            json!({"grant_type": "refresh_token", "refresh_token": refresh}),
        )
        .await;
    assert_eq!((st, &v), (StatusCode::NOT_FOUND, &not_found));
    // JSON refresh with the new pair, authenticated by the new access token itself.
    let (st, third) = s
        .post_token(
            &new_access,
            json!({"grant_type": "refresh_token", "refresh_token": new_refresh}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{third}");
    let (st, _) = s.get(&new_access, &format!("{TOKENS}/me")).await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "the caller's own token was the old one"
    );
    // A refresh cannot change what the token is.
    let third_refresh = third["refresh_token"].as_str().unwrap();
    for (field, value) in [
        ("scope", json!("applied-permissions/admin")),
        ("expires_in", json!(0)),
        ("description", json!("other")),
    ] {
        let mut body = json!({"grant_type": "refresh_token", "refresh_token": third_refresh});
        body[field] = value;
        let (st, v) = s.post_token(&alice, body).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{field}: {v}");
        assert!(message(&v).starts_with(field), "{v}");
    }
    s.handle.shutdown().await;
}

#[tokio::test]
async fn create_takes_json_and_form_refuses_other_types_and_unsupported_fields() {
    let s = harness().seeded().start().await;
    let (st, v) = raw(
        &s,
        reqwest::Method::POST,
        &s.admin,
        TOKENS,
        Some(FORM),
        "description=form",
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = raw(
        &s,
        reqwest::Method::POST,
        &s.admin,
        TOKENS,
        Some("application/json; charset=utf-8"),
        r#"{"description":"json"}"#,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    for ct in [
        Some("text/plain"),
        Some("application/xml"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let (st, v) = raw(
            &s,
            reqwest::Method::POST,
            &s.admin,
            TOKENS,
            ct,
            r#"{"description":"x"}"#,
        )
        .await;
        assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}: {v}");
        assert_eq!(code(&v), "UNSUPPORTED_MEDIA_TYPE");
        assert!(message(&v).contains("application/json"), "{v}");
    }
    for (body, field) in [
        (
            json!({"include_reference_token": true}),
            "include_reference_token",
        ),
        (json!({"grant_type": "password"}), "grant_type"),
        (json!({"expiry_in": 60}), "expiry_in"),
        (json!({"refresh_token": "x"}), "refresh_token"),
        (
            json!({"scope": "connect:project:demo:r", "audience": "jfrt@*"}),
            "audience",
        ),
    ] {
        let (st, v) = s.post_token(&s.admin, body.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert!(message(&v).contains(field), "{body}: {v}");
    }
    // Fields that are honoured.
    for body in [
        json!({"include_reference_token": false}),
        json!({"force_revocable": true}),
        json!({"grant_type": "client_credentials", "project_key": "demo", "audience": "jfrt@*"}),
    ] {
        let (st, v) = s.post_token(&s.admin, body.clone()).await;
        assert_eq!(st, StatusCode::OK, "{body}: {v}");
    }
    s.handle.shutdown().await;
}

/// The service on this run's backend with `--refresh-grace` of `grace` seconds and
/// `--max-user-expiry` of `max_user_expiry`.
async fn start_refresh_limits(grace: u64, max_user_expiry: Option<u64>) -> TestService {
    use tokentab::service::{RefreshOptions, ServiceConfig};
    harness()
        .config(move |dir| ServiceConfig {
            max_user_expiry,
            ..svc::config(dir, true, None)
        })
        .tune(move |o| {
            o.refresh = RefreshOptions {
                grace: std::time::Duration::from_secs(grace),
            }
        })
        .start()
        .await
}

fn epoch_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Polls the clock until it reads at least `at` (epoch seconds).
async fn until_clock(at: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while epoch_now() < at {
        assert!(
            std::time::Instant::now() < deadline,
            "the clock never reached {at}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A refreshable token of `username` minted by the admin: its refresh token, id, issue time and
/// expiry.
async fn refreshable(
    s: &TestService,
    username: &str,
    expires_in: u64,
) -> (String, String, i64, i64) {
    let (st, v) = s
        .post_token(
            &s.admin,
            json!({"username": username, "refreshable": true, "expires_in": expires_in}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let id = v["token_id"].as_str().unwrap().to_owned();
    let (issued, expiry) = issued_and_expiry(s, &id).await;
    (
        v["refresh_token"].as_str().unwrap().to_owned(),
        id,
        issued,
        expiry,
    )
}

async fn issued_and_expiry(s: &TestService, id: &str) -> (i64, i64) {
    let (st, t) = s.get(&s.admin, &format!("{TOKENS}/{id}")).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    (
        t["issued_at"].as_i64().unwrap(),
        t["expiry"].as_i64().unwrap(),
    )
}

async fn refresh_with(s: &TestService, caller: &str, refresh: &str) -> (StatusCode, Value) {
    s.post_token(
        caller,
        json!({"grant_type": "refresh_token", "refresh_token": refresh}),
    )
    .await
}

#[tokio::test]
async fn a_refresh_token_works_until_expiry_plus_grace_then_is_404() {
    // Default grace (24 h): an expired access token's refresh token still works.
    let s = start_refresh_limits(24 * 3600, None).await;
    let (refresh, _, _, expiry) = refreshable(&s, "admin", 1).await;
    until_clock(expiry).await;
    let (st, v) = refresh_with(&s, &s.admin, &refresh).await;
    assert_eq!(st, StatusCode::OK, "within the grace: {v}");
    assert_eq!(v["expires_in"], 1, "same lifetime length");
    s.handle.shutdown().await;

    // A grace of 1 s: once it has passed, the refresh token is as good as unknown.
    let s = start_refresh_limits(1, None).await;
    let (refresh, id, _, expiry) = refreshable(&s, "admin", 1).await;
    until_clock(expiry + 2).await;
    let (st, v) = refresh_with(&s, &s.admin, &refresh).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "past expiry + grace: {v}");
    assert_eq!(
        message(&v),
        "Token matching the provided refresh token was not found."
    );
    let (st, _) = s.get(&s.admin, &format!("{TOKENS}/{id}")).await;
    assert_eq!(st, StatusCode::OK, "the lapsed token was not replaced");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn a_chain_of_refreshes_stops_at_the_lifetime_limit_from_its_first_issue() {
    // alice may hold tokens for 6 s (--max-user-expiry); the admin gives her a refreshable one
    // of 4 s, which she refreshes, with another token of hers, as often as she can.
    const LIMIT: i64 = 6;
    let s = start_refresh_limits(24 * 3600, Some(LIMIT as u64)).await;
    let (alice, _) = s
        .mint(None, json!({"username": "alice", "expires_in": 3600}))
        .await;
    let (mut refresh, _, chain_start, first_expiry) = refreshable(&s, "alice", 4).await;
    assert_eq!(first_expiry, chain_start + 4);
    let end = chain_start + LIMIT;
    let mut expiries = Vec::new();
    loop {
        let (st, v) = refresh_with(&s, &alice, &refresh).await;
        let answered = epoch_now();
        if st == StatusCode::NOT_FOUND {
            assert!(
                answered >= end,
                "refused at {answered}, before the chain's end {end}"
            );
            break;
        }
        assert_eq!(st, StatusCode::OK, "{v}");
        let (_, expiry) = issued_and_expiry(&s, v["token_id"].as_str().unwrap()).await;
        assert!(
            expiry <= end,
            "a refresh reached {expiry}, past the chain's end {end}"
        );
        expiries.push(expiry);
        refresh = v["refresh_token"].as_str().unwrap().to_owned();
        // Goal: refused within 1 s of the end; fails at 3x that.
        let late = epoch_now() - end;
        assert!(
            late <= 3,
            "still refreshing {late} s after the chain's end: goal 1 s (fails at 3x): {expiries:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    assert!(expiries.len() >= 2, "{expiries:?}");
    assert_eq!(
        expiries.last(),
        Some(&end),
        "cut at the chain's end: {expiries:?}"
    );
    s.handle.shutdown().await;
}

/// `tokentab serve --refresh-grace`: `0` reaches the service (a refresh token dies with its
/// access token); a value that is not a duration is refused before anything starts (exit 2).
#[tokio::test]
async fn the_refresh_grace_flag_reaches_the_service() {
    let s = harness()
        .seeded()
        .spawn_binary(&["--refresh-grace", "0"])
        .await;
    let call = |body: Value| s.call(reqwest::Method::POST, Some(&s.admin), TOKENS, Some(body));
    let (st, v) = call(json!({"refreshable": true, "expires_in": 1})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let refresh = v["refresh_token"].as_str().unwrap().to_owned();
    // Issued within the second before the answer: expired by the clock's next second + 1.
    until_clock(epoch_now() + 2).await;
    let (st, v) = call(json!({"grant_type": "refresh_token", "refresh_token": refresh})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "no grace: {v}");

    let dir = tempfile::tempdir().unwrap();
    let (db, data) = (dir.path().join("t.db"), dir.path().join("data"));
    let (db, data) = (db.to_string_lossy(), data.to_string_lossy());
    let out = serve_child::refused(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        &db,
        "--data-dir",
        &data,
        "--refresh-grace",
        "soon",
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--refresh-grace"), "{err}");
}
