//! Issue 20 item 1: new secrets are `tkt_` + base62 + CRC32 (model::token_format); legacy
//! 43-character secrets stay valid; a `tkt_` secret whose checksum fails is refused with a
//! clear 401 before any database work. On both backends (harness).

use crate::common::service::{TestService, db_texts, harness, message};

use reqwest::StatusCode;
use serde_json::json;
use tokentab::model::token_format::{self, Shape};

const ME: &str = "/access/api/v1/tokens/me";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `secret` with one body character changed: the checksum no longer holds.
fn flip(secret: &str, at: usize) -> String {
    let mut b = secret.as_bytes().to_vec();
    b[at] = if b[at] == b'Q' { b'R' } else { b'Q' };
    String::from_utf8(b).unwrap()
}

/// Gives token `id` the secret `secret` behind the API (a token made before issue 20).
async fn set_secret(s: &TestService, id: &str, secret: &str) {
    let hash = hex(&tokentab::service::hash_secret(secret));
    db_texts(
        s.sqlite_file(),
        s.postgres.as_deref(),
        [
            "UPDATE tokens SET secret_hash = unhex(?1) WHERE token_id = ?2 RETURNING token_id",
            "UPDATE tokens SET secret_hash = decode($1, 'hex') WHERE token_id = $2 \
             RETURNING token_id",
        ],
        &[&hash, id],
    )
    .await;
}

#[tokio::test]
async fn new_secrets_carry_prefix_and_checksum_and_legacy_ones_still_work() {
    let s = harness().seeded().start().await;
    let (secret, _) = s.mint(None, json!({"username": "alice"})).await;
    assert_eq!(
        token_format::shape(&secret),
        Shape::Current,
        "{}",
        secret.len()
    );
    let (st, v) = s.get(&secret, ME).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // A token whose secret is of the old shape (43 URL-safe base64 characters).
    let (_, id) = s.mint(None, json!({"username": "bob"})).await;
    let legacy = "Zk3o0pQ7rS8tUv1wXy2zAb4cDe5fGh6iJk7lMn8oP-A";
    assert_eq!(token_format::shape(legacy), Shape::Legacy);
    set_secret(&s, &id, legacy).await;
    let (st, v) = s.get(legacy, ME).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["token_id"], id.as_str());
    s.handle.shutdown().await;
}

#[tokio::test]
async fn a_failed_checksum_is_refused_before_any_database_work() {
    let s = harness().seeded().start().await;
    let (secret, _) = s.mint(None, json!({"username": "alice"})).await;
    let forged = flip(&secret, 20);
    assert_eq!(token_format::shape(&forged), Shape::BadChecksum);
    let (st, v) = s.get(&forged, ME).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
    assert!(message(&v).contains("checksum"), "{v}");
    // The proof: with the tokens table gone, any secret that reaches the database fails
    // there (a server error, not a 401), and the forged one is still a checksum 401.
    db_texts(
        s.sqlite_file(),
        s.postgres.as_deref(),
        ["DROP TABLE tokens", "DROP TABLE tokens CASCADE"],
        &[],
    )
    .await;
    let unknown = tokentab::service::new_secret().unwrap();
    let (st, v) = s.get(&unknown, ME).await;
    assert!(
        st.is_server_error(),
        "the lookup reached the database: {st} {v}"
    );
    let (st, v) = s.get(&forged, ME).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
    assert!(message(&v).contains("checksum"), "{v}");
    s.handle.shutdown().await;
}
