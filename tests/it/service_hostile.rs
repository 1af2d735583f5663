//! Hostile input at every door: long, control, unicode, separator-laden values give a JFrog
//! error (or are stored verbatim where they are legal), never a panic or a dead service.

mod abuse;

use crate::common::service as svc;
use crate::common::service::harness;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use svc::code;

#[tokio::test]
async fn hostile_values_get_errors_and_the_service_stays_up() {
    let s = harness().seeded().start().await;
    let long = "x".repeat(10_000);
    let paths = [
        format!("/api/v2/{long}/devices"),
        format!("/api/v2/demo/devices/{long}"),
        "/api/v2/demo/devices/a%3Ab".to_owned(),
        "/api/v2/demo/devices/a%2Fb".to_owned(),
        "/api/v2/demo/devices/%00".to_owned(),
        "/api/v2/demo/devices/%1B%5B2J".to_owned(),
        "/api/v2/demo/devices/%E2%80%AEevil".to_owned(),
        "/api/v2/demo/devices/%FF%FE".to_owned(),
        "/api/v2/de%2Fmo/devices".to_owned(),
        "/api/v2/DEMO/fleets".to_owned(),
        format!("/api/v2/demo/devices?limit={long}"),
        format!("/api/v2/demo/devices?after={long}&search={long}&tags={long}"),
        "/api/v2/demo/devices?search=%00%1B%5B2J%E2%80%AE".to_owned(),
        format!("/access/api/v1/tokens?description={long}*&cursor={long}"),
        "/access/api/v1/tokens?order_by=%00".to_owned(),
        "/access/api/v1/tokens/%00".to_owned(),
        format!("/access/api/v1/tokens/{long}"),
        format!("/access/api/v2/users?username={long}&cursor=%FF"),
    ];
    for path in &paths {
        let resp = s
            .http
            .get(s.url(path))
            .bearer_auth(&s.admin)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status != StatusCode::INTERNAL_SERVER_ERROR, "{path}: {v}");
        if !status.is_success() {
            assert!(v["errors"][0]["code"].is_string(), "{path}: {status} {v}");
            let msg = v["errors"][0]["message"].as_str().unwrap();
            assert!(!msg.chars().any(char::is_control), "{path}: {msg:?}");
            assert!(msg.chars().count() < 1000, "messages stay short: {path}");
        }
    }
    let bodies = [
        json!({"scope": "connect:device:demo/a:b:r"}),
        json!({"scope": "connect:device:demo/\u{1b}[2J:r"}),
        json!({"scope": "connect:project:démo:r"}),
        json!({"scope": "applied-permissions/admin\u{0}"}),
        json!({"scope": "\"unbalanced"}),
        json!({"scope": long.clone()}),
        json!({"username": long.clone()}),
        json!({"username": "../../etc/passwd"}),
        json!({"audience": "\u{1b}]52;c;ZXZpbA==\u{7}"}),
        json!({"project_key": "x"}),
        json!({"description": "\u{9b}31m"}),
        json!({"refreshable": "perhaps"}),
        json!({"expires_in": 1e300}),
        json!({"expires_in": u64::MAX}),
        json!(["not", "an", "object"]),
    ];
    for body in &bodies {
        let (st, v) = s.post_token(&s.admin, body.clone()).await;
        assert!(st.is_client_error(), "{body}: {st} {v}");
        assert!(v["errors"][0]["code"].is_string(), "{body}: {v}");
    }
    // Legal but unusual text is stored verbatim; a bidi override is refused, by code point.
    let (st, v) = s
        .post_token(
            &s.admin,
            json!({"description": "déploiement \u{202e}txt.exe"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(
        v["errors"][0]["message"],
        "description contains U+202E (bidi control)"
    );
    let text = "déploiement 日本語 🚀 txt.exe";
    let (secret, id) = s.mint(None, json!({"description": text})).await;
    let (st, v) = s.get(&secret, &format!("/access/api/v1/tokens/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["description"], text);
    // A raw, malformed HTTP request line does not hurt anyone either.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut sock = tokio::net::TcpStream::connect(s.handle.addr).await.unwrap();
        sock.write_all(b"GET /\x00\x1b HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), sock.read_to_end(&mut buf)).await;
    }
    let (st, v) = s.get(&s.admin, "/api/v2/demo/fleets").await;
    assert_eq!(st, StatusCode::OK, "still serving: {}", code(&v));
    s.handle.shutdown().await;
}
