//! Retry policy and timeouts of the API client against a misbehaving server.

use crate::common;
use crate::common::timing::within_3x;

use std::time::{Duration, Instant};

use common::fault_server::{FaultServer, Reply, refusing_port};
use secrecy::SecretString;
use tokentab::api::client::RetryTiming;
use tokentab::api::{ApiError, Client, ClientOptions, TokenQuery};
use tokentab::model::wire::CreateTokenRequest;

const TOKENS: &str = "/access/api/v1/tokens";
const LIST: &str =
    r#"{"tokens":[{"token_id":"t1","subject":"jfac@01x/users/alice","issued_at":1700000000}]}"#;

fn fast() -> RetryTiming {
    RetryTiming {
        base: Duration::from_millis(20),
        max_step: Duration::from_millis(200),
        max_total: Duration::from_secs(10),
    }
}

fn client_with(url: &str, opts: ClientOptions) -> Client {
    Client::new(url, SecretString::from("test-token".to_owned()), opts)
        .expect("client")
        .with_retry_timing(fast())
}

fn client(url: &str) -> Client {
    client_with(url, ClientOptions::default())
}

fn create_req() -> CreateTokenRequest {
    CreateTokenRequest {
        description: Some("x".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn get_retries_502_503_504_then_succeeds() {
    let s = FaultServer::start().await;
    s.on(
        "GET",
        TOKENS,
        vec![
            Reply::text(502, "bad gateway"),
            Reply::text(503, "unavailable"),
            Reply::text(504, "timeout"),
            Reply::json(200, LIST),
        ],
    );
    let list = client(&s.url())
        .list_tokens_page(&TokenQuery::default(), None, None)
        .await
        .expect("list after retries");
    assert_eq!(list.tokens.len(), 1);
    assert_eq!(s.count("GET", TOKENS), 4);
}

#[tokio::test]
async fn get_gives_up_after_max_retries() {
    let s = FaultServer::start().await;
    s.on("GET", TOKENS, vec![Reply::text(503, "down")]);
    let opts = ClientOptions {
        max_retries: 2,
        ..Default::default()
    };
    let err = client_with(&s.url(), opts)
        .list_tokens_page(&TokenQuery::default(), None, None)
        .await
        .expect_err("always 503");
    assert_eq!(
        err,
        ApiError::Server {
            status: 503,
            message: "down".into()
        }
    );
    assert_eq!(s.count("GET", TOKENS), 3, "one try and two retries");
}

#[tokio::test]
async fn get_500_is_not_retried() {
    let s = FaultServer::start().await;
    s.on(
        "GET",
        TOKENS,
        vec![Reply::text(500, "boom"), Reply::json(200, LIST)],
    );
    let err = client(&s.url())
        .list_tokens_page(&TokenQuery::default(), None, None)
        .await
        .expect_err("500 is final");
    assert_eq!(err.status(), Some(500));
    assert_eq!(s.count("GET", TOKENS), 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let s = FaultServer::start().await;
    s.on(
        "GET",
        TOKENS,
        vec![
            Reply::json(
                429,
                r#"{"errors":[{"code":"TOO_MANY","message":"slow down"}]}"#,
            )
            .header("Retry-After", "1"),
            Reply::text(503, "maintenance").header("Retry-After", "1"),
            Reply::json(200, LIST),
        ],
    );
    let t0 = Instant::now();
    client(&s.url())
        .list_tokens_page(&TokenQuery::default(), None, None)
        .await
        .expect("second try succeeds");
    // A lower bound only (load can only make it longer): two Retry-After: 1 were both waited.
    assert!(
        t0.elapsed() >= Duration::from_millis(1950),
        "waited only {:?}; the backoff step is 20 ms, Retry-After said 1 s twice",
        t0.elapsed()
    );
    assert_eq!(s.count("GET", TOKENS), 3);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_reported_not_waited() {
    let s = FaultServer::start().await;
    s.on(
        "GET",
        TOKENS,
        vec![
            Reply::json(429, r#"{"errors":[{"code":"TOO_MANY","message":"later"}]}"#)
                .header("Retry-After", "120"),
        ],
    );
    let t0 = Instant::now();
    let err = client(&s.url())
        .list_tokens_page(&TokenQuery::default(), None, None)
        .await
        .expect_err("rate limited");
    // Protects: the 120 s Retry-After is reported, not slept through (nor retried). The goal
    // (20 s, failing at 60 s) is far below 120 s and far above a normal answer, so load cannot
    // decide the outcome.
    within_3x(
        "a 429 with Retry-After 120 s reported",
        t0.elapsed(),
        Duration::from_secs(20),
    );
    match &err {
        ApiError::RateLimited {
            retry_after,
            message,
        } => {
            assert_eq!(*retry_after, Some(120));
            assert_eq!(message, "TOO_MANY: later");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(err.user_message().contains("try again in 120 s"));
    assert_eq!(s.count("GET", TOKENS), 1);
}

#[tokio::test]
async fn post_and_delete_are_never_retried() {
    let s = FaultServer::start().await;
    s.on("POST", TOKENS, vec![Reply::text(503, "busy")]);
    s.on(
        "DELETE",
        &format!("{TOKENS}/t1"),
        vec![Reply::text(502, "bad gateway")],
    );
    s.on(
        "PATCH",
        "/api/v2/demo/devices/d-1",
        vec![Reply::text(504, "gw")],
    );
    let c = client(&s.url());
    let err = c.create_token(&create_req()).await.expect_err("503");
    assert_eq!(err.status(), Some(503));
    let err = c.revoke_token("t1").await.expect_err("502");
    assert_eq!(err.status(), Some(502));
    let err = c
        .patch_device("demo", "d-1", &Default::default())
        .await
        .expect_err("504");
    assert_eq!(err.status(), Some(504));
    assert_eq!(s.count("POST", TOKENS), 1);
    assert_eq!(s.count("DELETE", &format!("{TOKENS}/t1")), 1);
    assert_eq!(s.count("PATCH", "/api/v2/demo/devices/d-1"), 1);

    // 429 on a POST: reported, not retried.
    s.on(
        "POST",
        TOKENS,
        vec![Reply::text(429, "slow").header("Retry-After", "0")],
    );
    let err = c.create_token(&create_req()).await.expect_err("429");
    assert!(matches!(
        err,
        ApiError::RateLimited {
            retry_after: Some(0),
            ..
        }
    ));
    assert_eq!(s.count("POST", TOKENS), 2);
}

#[tokio::test]
async fn connection_reset_is_a_network_error_and_post_is_not_resent() {
    let s = FaultServer::start().await;
    s.on("POST", TOKENS, vec![Reply::reset()]);
    s.on("GET", TOKENS, vec![Reply::reset()]);
    let c = client(&s.url());
    let err = c.create_token(&create_req()).await.expect_err("reset");
    assert!(matches!(err, ApiError::Network { .. }), "{err:?}");
    assert_eq!(s.count("POST", TOKENS), 1);
    let err = c
        .list_tokens_page(&TokenQuery::default(), None, None)
        .await
        .expect_err("reset");
    assert!(matches!(err, ApiError::Network { .. }), "{err:?}");
    assert!(err.user_message().starts_with("cannot reach the server"));
}

#[tokio::test]
async fn connect_errors_on_get_are_retried_until_the_server_appears() {
    let (port, addr) = refusing_port();
    let opts = ClientOptions {
        max_retries: 8,
        ..Default::default()
    };
    let c = client_with(&format!("http://{addr}"), opts).with_retry_timing(RetryTiming {
        base: Duration::from_millis(100),
        max_step: Duration::from_millis(400),
        max_total: Duration::from_secs(20),
    });
    let late = tokio::spawn(async move {
        // Refused for a while (the first tries fail to connect), then the server comes up on
        // the same port. How long does not matter to the assertions: retries last up to 20 s.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let s = FaultServer::start_listening(port);
        s.on("GET", TOKENS, vec![Reply::json(200, LIST)]);
        s
    });
    let list = c
        .list_tokens_page(&TokenQuery::default(), None, None)
        .await
        .expect("retried until the server listened");
    assert_eq!(list.tokens[0].token_id, "t1");
    let s = late.await.expect("server task");
    assert_eq!(s.count("GET", TOKENS), 1);
}

#[tokio::test]
async fn connect_errors_on_post_are_not_retried() {
    let (_port, addr) = refusing_port();
    let c = client(&format!("http://{addr}"));
    let err = c
        .create_token(&create_req())
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, ApiError::Network { .. }), "{err:?}");
}

#[tokio::test]
async fn request_timeout_fires_and_is_not_retried() {
    let s = FaultServer::start().await;
    s.on(
        "GET",
        TOKENS,
        vec![Reply::json(200, LIST).delay(Duration::from_secs(120))],
    );
    s.on(
        "POST",
        TOKENS,
        vec![Reply::json(200, "{}").delay(Duration::from_secs(120))],
    );
    let opts = ClientOptions {
        request_timeout: Duration::from_millis(400),
        ..Default::default()
    };
    let c = client_with(&s.url(), opts);
    let t0 = Instant::now();
    let err = c
        .list_tokens_page(&TokenQuery::default(), None, None)
        .await
        .expect_err("slow server");
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    // Protects: the 400 ms timeout fires instead of waiting for the answer 120 s later. The
    // goal (20 s, failing at 60 s) leaves a loaded machine all the room it needs and still tells
    // the two apart.
    within_3x(
        "a 400 ms timeout against a 120 s answer",
        t0.elapsed(),
        Duration::from_secs(20),
    );
    assert_eq!(s.count("GET", TOKENS), 1);
    let err = c
        .create_token(&create_req())
        .await
        .expect_err("slow server");
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    assert!(err.user_message().contains("did not answer in time"));
    assert_eq!(s.count("POST", TOKENS), 1);
}
