//! What a PostgreSQL-backed service keeps at rest: every row of every table of its schema, read
//! as text, holds no access token and no refresh token — only their hashes (the SQLite twin is
//! `service_tokens::create_json_and_form_and_use_the_secret` and `service_audit`).

use crate::common::pg;
use crate::common::service::harness;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::StatusCode;
use serde_json::json;

async fn connect(url: &str) -> tokio_postgres::Client {
    let t = pg::target(url);
    let mut cfg = tokio_postgres::Config::new();
    cfg.user(&t.user)
        .host(&t.host)
        .port(t.port)
        .dbname(&t.dbname);
    if let Ok(p) = std::env::var("PGPASSWORD") {
        cfg.password(p);
    }
    let (client, conn) = cfg
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to the test PostgreSQL: {e}. {}", pg::FIX));
    tokio::spawn(conn);
    client
}

/// Every row of every table in `schema`, each as one JSON text.
async fn every_row(client: &tokio_postgres::Client, schema: &str) -> Vec<String> {
    let tables = client
        .query(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
            &[&schema],
        )
        .await
        .unwrap();
    assert!(
        tables.len() >= 8,
        "the schema has its tables: {}",
        tables.len()
    );
    let mut rows = Vec::new();
    for t in tables {
        let name: String = t.get(0);
        let sql = format!("SELECT row_to_json(x)::text FROM \"{schema}\".\"{name}\" x");
        for r in client.query(&sql, &[]).await.unwrap() {
            rows.push(r.get::<_, String>(0));
        }
    }
    rows
}

#[tokio::test]
async fn no_secret_is_stored_only_hashes() {
    let url = pg::fresh_schema_url();
    let s = harness().seeded().postgres(&url).start().await;
    let (status, made) = s
        .post_token(
            &s.admin,
            json!({"refreshable": true, "description": "at rest", "scope": "connect:project:demo:r"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let access = made["access_token"].as_str().unwrap().to_owned();
    let refresh = made["refresh_token"].as_str().unwrap().to_owned();
    let (status, again) = s
        .post_token(
            &s.admin,
            json!({"grant_type": "refresh_token", "refresh_token": refresh}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let secrets = [
        s.admin.clone(),
        access,
        refresh,
        again["access_token"].as_str().unwrap().to_owned(),
        again["refresh_token"].as_str().unwrap().to_owned(),
    ];

    let schema = pg::target(&url).schema.expect("a schema per test");
    let client = connect(&url).await;
    let rows = every_row(&client, &schema).await;
    assert!(
        rows.iter().any(|r| r.contains("at rest")),
        "the rows were read"
    );
    for secret in &secrets {
        // The 32 random bytes: base62 in a tkt_ token (issue 20), base64url in an older one.
        let raw = match tokentab::model::token_format::random_bytes(secret) {
            Some(bytes) => bytes.to_vec(),
            None => URL_SAFE_NO_PAD
                .decode(secret)
                .expect("a secret is tkt_ or base64url"),
        };
        let forms = [
            secret.clone(),
            STANDARD.encode(&raw),
            hex::encode(&raw),
            secret[..16].to_owned(),
            secret[4..20].to_owned(),
        ];
        for row in &rows {
            for f in &forms {
                assert!(!row.contains(f.as_str()), "a secret is stored: {row}");
            }
        }
    }
    s.handle.shutdown().await;
}
