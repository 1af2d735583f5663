//! What a token's lifetime may be, asked before a create: JFrog's
//! `GET /access/api/v1/config/token/default_expiry` and our
//! `GET /tokentab/api/v1/config/token/limits`, for the caller, from the serve limits — and the
//! numbers they say are the ones a create is then held to. On both backends (harness).

use crate::common::service::{TestService, harness};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const LIMITS: &str = "/tokentab/api/v1/config/token/limits";
const DEFAULT: &str = "/access/api/v1/config/token/default_expiry";
const DAY: u64 = 86_400;

async fn limits(s: &TestService, token: &str) -> Value {
    let (st, v) = s.get(token, LIMITS).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

async fn default_expiry(s: &TestService, token: &str) -> Value {
    let (st, v) = s.get(token, DEFAULT).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn limits_follow_the_serve_defaults_per_caller() {
    let s = harness().seeded().start().await;
    let alice = s.user_token("alice").await;
    // An admin: no limit, never allowed, JFrog's one-year default.
    assert_eq!(
        limits(&s, &s.admin).await,
        json!({"max_expiry": null, "default_expiry": 365 * DAY, "never_allowed": true})
    );
    // A non-admin: --max-user-expiry (one year by default), never refused.
    assert_eq!(
        limits(&s, &alice).await,
        json!({"max_expiry": 365 * DAY, "default_expiry": 365 * DAY, "never_allowed": false})
    );
    assert_eq!(
        default_expiry(&s, &s.admin).await,
        json!({"default_token_expiration": 365 * DAY})
    );
    // Any valid token may read them, a custom (Connect) token too.
    let custom = s.scoped("connect:project:demo:r").await;
    assert_eq!(limits(&s, &custom).await["max_expiry"], 365 * DAY);
    assert_eq!(
        default_expiry(&s, &custom).await["default_token_expiration"],
        365 * DAY
    );
    s.handle.shutdown().await;
}

#[tokio::test]
async fn max_expiry_is_said_and_is_what_a_create_is_held_to() {
    let s = harness().seeded().max_expiry(30 * DAY).start().await;
    let alice = s.user_token("alice").await;
    for token in [s.admin.as_str(), alice.as_str()] {
        assert_eq!(
            limits(&s, token).await,
            json!({"max_expiry": 30 * DAY, "default_expiry": 30 * DAY, "never_allowed": false})
        );
        assert_eq!(
            default_expiry(&s, token).await,
            json!({"default_token_expiration": 30 * DAY})
        );
        // The limit said is the limit held: one second more is refused, the limit is not.
        let (st, v) = s
            .post_token(token, json!({"expires_in": 30 * DAY + 1}))
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        let (st, v) = s.post_token(token, json!({"expires_in": 30 * DAY})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        // And a create naming no lifetime gets the default said.
        let (st, v) = s.post_token(token, json!({"description": "d"})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["expires_in"], 30 * DAY);
    }
    s.handle.shutdown().await;
}

#[tokio::test]
async fn both_need_a_valid_token() {
    let s = harness().seeded().start().await;
    for path in [LIMITS, DEFAULT] {
        let (st, v) = s.call(Method::GET, None, path, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{path}: {v}");
        assert!(v["errors"][0]["code"].is_string(), "{path}: {v}");
        let (st, v) = s.call(Method::GET, Some("not-a-token"), path, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{path}: {v}");
        // A revoked token is no longer valid either.
        let (secret, id) = s.mint(None, json!({"username": "alice"})).await;
        let (st, _) = s
            .delete(&s.admin, &format!("/access/api/v1/tokens/{id}"))
            .await;
        assert_eq!(st, StatusCode::OK);
        let (st, v) = s.get(&secret, path).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{path}: {v}");
    }
    s.handle.shutdown().await;
}
