//! The bootstrap admin token: its lifetime respects `--max-expiry` (an older, longer one is
//! replaced and revoked at start), and `serve --rotate-admin-token` replaces it (old one 401,
//! new file 0600, the message says where) and goes on serving.

use crate::common::service as svc;
use crate::common::service::child as serve_child;

use std::path::Path;

use reqwest::StatusCode;
use serde_json::Value;
use tokentab::service::{AdminToken, spawn};

const ME: &str = "/access/api/v1/tokens/me";

fn admin_token(data: &Path) -> String {
    std::fs::read_to_string(data.join("admin.token"))
        .expect("admin.token")
        .trim()
        .to_owned()
}

async fn me(base: &str, token: &str) -> (StatusCode, Value) {
    let resp = svc::client()
        .get(format!("{base}{ME}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET /tokens/me");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn admin_token_expires_within_max_expiry_and_is_replaced_when_the_limit_shrinks() {
    let dir = tempfile::tempdir().unwrap();
    let week: i64 = 7 * 86_400;
    let h = spawn(svc::config(dir.path(), false, Some(week as u64)))
        .await
        .unwrap();
    assert_eq!(h.admin_token, AdminToken::Minted);
    let first = admin_token(&dir.path().join("data"));
    let (status, body) = me(&h.url(), &first).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let expiry = body["expiry"].as_i64().expect("the admin token expires");
    assert!(
        expiry <= now() + week && expiry > now() + week - 3_600,
        "{expiry}"
    );
    h.shutdown().await;

    // Same limit: kept.
    let h = spawn(svc::config(dir.path(), false, Some(week as u64)))
        .await
        .unwrap();
    assert_eq!(h.admin_token, AdminToken::Kept);
    assert_eq!(admin_token(&dir.path().join("data")), first);
    h.shutdown().await;

    // A shorter limit: the week-long token no longer fits; a new one, the old one revoked.
    let day: i64 = 86_400;
    let h = spawn(svc::config(dir.path(), false, Some(day as u64)))
        .await
        .unwrap();
    assert_eq!(h.admin_token, AdminToken::Minted);
    let second = admin_token(&dir.path().join("data"));
    assert_ne!(second, first);
    let (status, body) = me(&h.url(), &second).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["expiry"].as_i64().expect("expires") <= now() + day);
    let (status, _) = me(&h.url(), &first).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the replaced token is revoked"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn rotate_admin_token_revokes_the_old_one_writes_a_private_file_and_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = serve_child::same_db_args();
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--no-seed",
        "--data-dir",
        data.to_str().unwrap(),
    ];
    args.extend(db.iter().map(String::as_str));
    let s = serve_child::start(&args, None).await;
    let old = admin_token(&data);
    assert_eq!(me(&s.url, &old).await.0, StatusCode::OK);
    s.stop().await;

    let mut rotate = args.to_vec();
    rotate.push("--rotate-admin-token");
    let s = serve_child::start(&rotate, None).await;
    let path = data.join("admin.token");
    assert!(
        s.token_line.contains("rotated")
            && s.token_line.contains("revoked")
            && s.token_line.contains(path.to_str().unwrap()),
        "{}",
        s.token_line
    );
    assert_eq!(serve_child::mode(&path), 0o600);
    let new = admin_token(&data);
    assert_ne!(new, old);
    assert!(
        !s.token_line.contains(&new),
        "the message never shows the token"
    );
    // Still serving, in the same process.
    assert_eq!(me(&s.url, &new).await.0, StatusCode::OK);
    assert_eq!(me(&s.url, &old).await.0, StatusCode::UNAUTHORIZED);
    s.stop().await;

    // A plain restart keeps the rotated token.
    let s = serve_child::start(&args, None).await;
    assert_eq!(admin_token(&data), new);
    assert_eq!(me(&s.url, &new).await.0, StatusCode::OK);
    s.stop().await;
}
