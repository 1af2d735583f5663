//! Limits a stolen token cannot stretch (non-admin lifetimes, never-expiring, project
//! membership, list page cap, live tokens per user), text fields a terminal could misread, and
//! one answer for what a caller may not see.

use crate::common::pg;
use crate::common::service as svc;
use crate::common::service::harness;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use svc::{code, message};
use tokentab::service::ServiceConfig;
use tokentab::service::store::sqlite::{Store, tokens};
use tokentab::service::store::tokens::NewToken;

const TOKENS: &str = "/access/api/v1/tokens";
const DAY: u64 = 86_400;

#[tokio::test]
async fn non_admins_get_bounded_lifetimes_and_only_their_projects() {
    let s = harness().seeded().start().await;
    let alice = s.user_token("alice").await;
    // Never-expiring: refused for a non-admin, naming the rule; fine for an admin.
    let (st, v) = s.post_token(&alice, json!({"expires_in": 0})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(message(&v).contains("never expire"), "{v}");
    assert!(message(&v).contains("--max-user-expiry"), "{v}");
    let (st, v) = s.post_token(&s.admin, json!({"expires_in": 0})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // Above the default one-year limit: refused, naming it; one year and the default: fine.
    let (st, v) = s
        .post_token(&alice, json!({"expires_in": 365 * DAY + 1}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(message(&v).contains("365 days"), "{v}");
    assert!(message(&v).contains("--max-user-expiry"), "{v}");
    let (st, v) = s.post_token(&alice, json!({"expires_in": 365 * DAY})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = s
        .post_token(&alice, json!({"description": "default"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["expires_in"], 365 * DAY);
    // An admin user's identity token is an admin: no user limit.
    let dana = s.user_token("dana").await;
    let (st, v) = s
        .post_token(&dana, json!({"expires_in": 3 * 365 * DAY}))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");

    // project_key: alice is in demo and retail, not factory; a missing project answers alike.
    let (st, v) = s.post_token(&alice, json!({"project_key": "demo"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, factory) = s
        .post_token(&alice, json!({"project_key": "factory"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{factory}");
    assert!(message(&factory).contains("not a member"), "{factory}");
    let (st, v) = s.post_token(&alice, json!({"project_key": "nosuch"})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(
        message(&v).replace("nosuch", "P"),
        message(&factory).replace("factory", "P")
    );
    // Admins: any existing project.
    let (st, v) = s
        .post_token(
            &s.admin,
            json!({"username": "alice", "project_key": "factory"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn serve_flags_set_the_user_limits() {
    let s = harness()
        .seeded()
        .spawn_binary(&["--max-user-expiry", "30d", "--max-tokens-per-user", "3"])
        .await;
    let admin = s.admin.clone();
    let post = |token: String, body: Value| {
        let s = &s;
        async move { s.call(Method::POST, Some(&token), TOKENS, Some(body)).await }
    };
    // grace: one seeded live token, plus this one.
    let (st, v) = post(admin.clone(), json!({"username": "grace"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let bob = v["access_token"].as_str().unwrap().to_owned();
    let (st, v) = post(bob.clone(), json!({"expires_in": 31 * DAY})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert!(message(&v).contains("30 days"), "{v}");
    let (st, v) = post(bob.clone(), json!({"description": "default"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        v["expires_in"],
        30 * DAY,
        "the default is capped at the user limit"
    );
    // Now three live tokens: the cap.
    let (st, v) = post(bob.clone(), json!({"description": "one too many"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert!(message(&v).contains("3 live tokens"), "{v}");
    assert!(message(&v).contains("--max-tokens-per-user"), "{v}");
    // The admin is not capped, also when creating for grace.
    let (st, v) = post(admin.clone(), json!({"username": "grace"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn per_user_cap_counts_live_tokens_only() {
    let s = harness()
        .config(|dir| ServiceConfig {
            max_tokens_per_user: 2,
            ..svc::config(dir, false, None)
        })
        .start()
        .await;
    // Admins are not capped.
    for _ in 0..3 {
        let (st, v) = s.post_token(&s.admin, json!({})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    s.handle.shutdown().await;

    let s = harness()
        .config(|dir| ServiceConfig {
            max_tokens_per_user: 4,
            ..svc::config(dir, true, None)
        })
        .start()
        .await;
    // grace has one seeded live token (and an expired one would not count); this is her second.
    let grace = s.user_token("grace").await;
    let mut ids = Vec::new();
    for i in 0..2 {
        let (st, v) = s
            .post_token(&grace, json!({"description": format!("g{i}")}))
            .await;
        assert_eq!(st, StatusCode::OK, "{i}: {v}");
        ids.push(v["token_id"].as_str().unwrap().to_owned());
    }
    let (st, v) = s.post_token(&grace, json!({})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert!(message(&v).contains("4 live tokens"), "{v}");
    // Revoking one makes room.
    let (st, _) = s.delete(&grace, &format!("{TOKENS}/{}", ids[0])).await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = s.post_token(&grace, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn token_list_pages_by_default_and_caps_the_limit() {
    let s = harness().start().await;
    // 10,050 live tokens written straight into the database (fast), then listed over HTTP.
    let now = chrono::Utc::now().timestamp();
    if let Some(db) = s.sqlite_file() {
        let store = Store::open(&db).unwrap();
        store
            .write_now(move |tx| {
                for i in 0..10_050u32 {
                    let mut hash = [0u8; 32];
                    hash[..4].copy_from_slice(&i.to_be_bytes());
                    tokens::insert(
                        tx,
                        &NewToken {
                            token_id: format!("bulk-{i:05}"),
                            secret_hash: hash,
                            username: "admin".into(),
                            scope: "applied-permissions/user".into(),
                            audience: "*@*".into(),
                            description: "bulk".into(),
                            project_key: None,
                            refreshable: false,
                            issued_at: now,
                            expiry: None,
                        },
                    )?;
                }
                Ok::<_, tokentab::service::StoreError>(())
            })
            .unwrap();
    } else {
        // The same rows on PostgreSQL, in one statement.
        let url = s.postgres.as_deref().expect("a backend");
        pg::connect(url)
            .await
            .execute(
                "INSERT INTO tokens (token_id, secret_hash, username, scope, audience, \
                 description, refreshable, issued_at) \
                 SELECT 'bulk-' || lpad(i::text, 5, '0'), \
                 int4send(i) || decode(repeat('00', 28), 'hex'), 'admin', \
                 'applied-permissions/user', '*@*', 'bulk', false, $1 \
                 FROM generate_series(0, 10049) AS i",
                &[&now],
            )
            .await
            .unwrap();
    }
    let (st, v) = s.get(&s.admin, TOKENS).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        v["tokens"].as_array().unwrap().len(),
        1_000,
        "default page size"
    );
    assert!(v["cursor"].is_string());
    let (st, v) = s.get(&s.admin, &format!("{TOKENS}?limit=50000")).await;
    assert_eq!(
        st,
        StatusCode::OK,
        "a limit over the cap is lowered, not refused"
    );
    assert_eq!(v["tokens"].as_array().unwrap().len(), 10_000, "the cap");
    assert!(v["cursor"].is_string());
    let (st, v) = s.get(&s.admin, &format!("{TOKENS}?limit=0")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn unsafe_characters_are_refused_on_every_write_path() {
    let s = harness().seeded().start().await;
    let device = s.devices("demo", "lab").await[0].clone();
    let dev_path = format!("/api/v2/demo/devices/{device}");
    let (_, before) = s.get(&s.admin, &dev_path).await;
    let form = |body: &str| {
        s.http
            .post(s.url(TOKENS))
            .bearer_auth(&s.admin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
    };
    for (c, kind) in [
        ('\u{202E}', "bidi control"),
        ('\u{2066}', "bidi control"),
        ('\u{200B}', "zero-width character"),
        ('\u{FEFF}', "zero-width character"),
        ('\u{1B}', "control character"),
        ('\u{9B}', "control character"),
    ] {
        let point = format!("U+{:04X} ({kind})", u32::from(c));
        let text = format!("a{c}b");
        let encoded: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
        let mut answers: Vec<(&str, StatusCode, Value)> = Vec::new();
        let (st, v) = s.post_token(&s.admin, json!({"description": text})).await;
        answers.push(("description", st, v));
        let (st, v) = s.post_token(&s.admin, json!({"audience": text})).await;
        answers.push(("audience", st, v));
        let resp = form(&format!("description={encoded}")).await.unwrap();
        answers.push(("description", resp.status(), resp.json().await.unwrap()));
        let resp = form(&format!("audience={encoded}")).await.unwrap();
        answers.push(("audience", resp.status(), resp.json().await.unwrap()));
        let (st, v) = s
            .patch(&s.admin, &dev_path, json!({"description": text}))
            .await;
        answers.push(("description", st, v));
        let (st, v) = s
            .patch(&s.admin, &dev_path, json!({"tags": ["ok", text]}))
            .await;
        answers.push(("tag", st, v));
        for (field, st, v) in answers {
            assert_eq!(st, StatusCode::BAD_REQUEST, "{field} {point}: {v}");
            assert_eq!(code(&v), "BAD_REQUEST");
            assert_eq!(message(&v), format!("{field} contains {point}"), "{v}");
        }
    }
    // Nothing was written.
    let (_, after) = s.get(&s.admin, &dev_path).await;
    assert_eq!(after, before);
    s.handle.shutdown().await;
}

#[tokio::test]
async fn invisible_tokens_and_devices_answer_like_missing_ones() {
    let s = harness().seeded().start().await;
    let alice = s.user_token("alice").await;
    let (_, bob_id) = s.mint(None, json!({"username": "bob"})).await;
    let missing = uuid::Uuid::new_v4().to_string();
    for method in [Method::GET, Method::DELETE] {
        let exists = s
            .call(
                method.clone(),
                Some(&alice),
                &format!("{TOKENS}/{bob_id}"),
                None,
            )
            .await;
        let absent = s
            .call(
                method.clone(),
                Some(&alice),
                &format!("{TOKENS}/{missing}"),
                None,
            )
            .await;
        assert_eq!(exists, absent, "{method}");
    }
    let (st, _) = s.get(&s.admin, &format!("{TOKENS}/{bob_id}")).await;
    assert_eq!(st, StatusCode::OK, "bob's token is still live");

    // Devices: alice (member of demo and retail) and a token scoped to one device. The answers
    // differ only by the id they name.
    let factory = s.devices("factory", "vision").await[0].clone();
    let demo = s.devices("demo", "lab").await;
    let one_device = s
        .scoped(&format!("connect:device:demo/{}:r", demo[0]))
        .await;
    for (token, project, existing) in [
        (&alice, "factory", factory.as_str()),
        (&one_device, "demo", demo[1].as_str()),
    ] {
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            let body = (method == Method::PATCH).then(|| json!({"description": "x"}));
            let exists = s
                .call(
                    method.clone(),
                    Some(token),
                    &format!("/api/v2/{project}/devices/{existing}"),
                    body.clone(),
                )
                .await;
            let absent = s
                .call(
                    method.clone(),
                    Some(token),
                    &format!("/api/v2/{project}/devices/d-0000-0000"),
                    body,
                )
                .await;
            assert_eq!(
                exists.0,
                StatusCode::NOT_FOUND,
                "{method} {project}: {}",
                exists.1
            );
            assert_eq!(exists.0, absent.0);
            assert_eq!(
                message(&exists.1).replace(existing, "ID"),
                message(&absent.1).replace("d-0000-0000", "ID"),
            );
        }
    }
    s.handle.shutdown().await;
}
