//! `/access/api/v1/tokens` over real HTTP: create (JSON and form), list (filters, paging), get,
//! revoke; validation, expiry limits, non-admin limits and every 401.

use crate::common::pg;
use crate::common::service as svc;
use crate::common::service::harness;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use svc::{code, message};
use tokentab::service::store::sqlite::{Store, tokens};
use tokentab::service::store::tokens::NewToken;

const TOKENS: &str = "/access/api/v1/tokens";

#[tokio::test]
async fn create_json_and_form_and_use_the_secret() {
    let s = harness().seeded().start().await;
    let (status, v) = s
        .post_token(
            &s.admin,
            json!({"username": "alice", "description": "ci deploy", "expires_in": 3600}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let secret = v["access_token"].as_str().unwrap();
    // tkt_ + 43 base62 + a 6-character CRC32 that holds (issue 20).
    assert_eq!(secret.len(), 53);
    assert!(secret.starts_with("tkt_"), "{secret}");
    assert_eq!(
        tokentab::model::token_format::shape(secret),
        tokentab::model::token_format::Shape::Current
    );
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["scope"], "applied-permissions/user");
    assert_eq!(v["expires_in"], 3600);
    let id = v["token_id"].as_str().unwrap();
    let parsed = uuid::Uuid::parse_str(id).unwrap();
    assert_eq!(parsed.get_version_num(), 4);

    // The new secret authenticates as alice.
    let (status, me) = s.get(secret, &format!("{TOKENS}/me")).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["token_id"], id);
    assert!(me["subject"].as_str().unwrap().ends_with("/users/alice"));
    assert!(me["subject"].as_str().unwrap().starts_with("jfac@"));
    assert!(me["issuer"].as_str().unwrap().starts_with("jfac@"));
    assert_eq!(me["description"], "ci deploy");
    let issued = me["issued_at"].as_i64().unwrap();
    assert_eq!(me["expiry"].as_i64().unwrap() - issued, 3600);

    // Form body, JFrog's documented curl style; booleans and numbers as strings.
    let resp = s
        .http
        .post(s.url(TOKENS))
        .bearer_auth(&s.admin)
        .form(&[
            // alice is a member of both projects (a grant outside her projects is refused).
            ("username", "alice"),
            (
                "scope",
                "connect:fleet:demo/edge-eu:rw connect:project:retail:r",
            ),
            ("expires_in", "7200"),
            ("refreshable", "true"),
            ("description", "form made"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["scope"],
        "connect:fleet:demo/edge-eu:rw connect:project:retail:r"
    );
    let custom_id = v["token_id"].as_str().unwrap().to_owned();
    let (status, got) = s.get(&s.admin, &format!("{TOKENS}/{custom_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["refreshable"], true);
    // Audiences are not part of the wire shape: look in the database. Custom tokens are for
    // Connect only; the rest default to every service.
    const AUDIENCE: &str = "SELECT audience FROM tokens WHERE token_id = $1";
    assert_eq!(s.db_texts(AUDIENCE, &[&custom_id]).await, ["jfcon@*"]);
    assert_eq!(s.db_texts(AUDIENCE, &[id]).await, ["*@*"]);
    assert!(got["subject"].as_str().unwrap().ends_with("/users/alice"));

    // Defaults: 1 year, user scope, the caller as subject.
    let (status, v) = s.post_token(&s.admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["expires_in"], 365 * 86_400);
    // expires_in 0 = never (no limit configured): no expires_in, no expiry.
    let (status, v) = s
        .post_token(
            &s.admin,
            json!({"expires_in": 0, "scope": "applied-permissions/admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v.get("expires_in").is_none(), "{v}");
    let (_, got) = s
        .get(
            &s.admin,
            &format!("{TOKENS}/{}", v["token_id"].as_str().unwrap()),
        )
        .await;
    assert!(got.get("expiry").is_none(), "{got}");
    s.handle.shutdown().await;
}

#[tokio::test]
async fn create_validation_errors_are_400_naming_the_problem() {
    let s = harness().seeded().start().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"description": "x".repeat(1025)}), "1024"),
        (json!({"description": "bell\u{7}"}), "control"),
        (json!({"description": "line\nbreak"}), "control"),
        (
            json!({"scope": format!("connect:project:demo:r {}", "x".repeat(495))}),
            "500",
        ),
        (json!({"scope": "connect:project:demo:x"}), "permission"),
        (json!({"scope": "connect:planet:demo:r"}), "planet"),
        (json!({"scope": "bogus"}), "bogus"),
        (json!({"scope": "connect:project:nosuch:r"}), "nosuch"),
        (
            json!({"scope": "connect:fleet:demo/no-fleet:r"}),
            "no-fleet",
        ),
        (
            json!({"scope": "connect:device:demo/d-0000-0000:r"}),
            "d-0000-0000",
        ),
        (
            json!({"scope": "connect:fleet:retail/edge-eu:r"}),
            "retail/edge-eu",
        ),
        (json!({"username": "nobody"}), "nobody"),
        (json!({"username": "a/b"}), "username"),
        (json!({"project_key": "nosuch"}), "nosuch"),
        (json!({"expires_in": -1}), "expires_in"),
        (json!({"expires_in": "soon"}), "expires_in"),
        (json!({"grant_type": "refresh_token"}), "refresh"),
    ];
    for (body, needle) in cases {
        let (status, v) = s.post_token(&s.admin, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} -> {v}");
        assert_eq!(code(&v), "BAD_REQUEST");
        assert!(message(&v).contains(needle), "{body}: {}", message(&v));
    }
    // Not JSON at all.
    let resp = s
        .http
        .post(s.url(TOKENS))
        .bearer_auth(&s.admin)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(code(&v), "BAD_REQUEST");
    // Nothing was stored by the failures: only the seeded tokens and the admin token remain.
    let ids = s.all_token_ids(&s.admin).await;
    assert_eq!(ids.len(), 31);
    s.handle.shutdown().await;
}

#[tokio::test]
async fn max_expiry_limits_lifetimes_with_403() {
    let ninety = 90 * 86_400;
    let s = harness().max_expiry(ninety).start().await;
    let (status, v) = s.post_token(&s.admin, json!({"expires_in": 0})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(message(&v).contains("never"));
    let (status, v) = s
        .post_token(&s.admin, json!({"expires_in": ninety + 1}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(code(&v), "FORBIDDEN");
    let (status, v) = s.post_token(&s.admin, json!({"expires_in": ninety})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = s
        .post_token(&s.admin, json!({"description": "default"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        v["expires_in"], ninety,
        "the default is capped at the limit"
    );
    s.handle.shutdown().await;
}

fn descriptions(v: &Value) -> Vec<String> {
    v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["description"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn list_filters_order_and_paging() {
    let s = harness().start().await;
    for (d, user, refreshable, days) in [
        ("deploy eu", "admin", false, 10),
        ("deploy us", "admin", true, 30),
        ("Deploy caps", "admin", false, 20),
        ("backup", "admin", false, 5),
    ] {
        s.mint(
            None,
            json!({"description": d, "username": user, "refreshable": refreshable, "expires_in": days * 86_400}),
        )
        .await;
    }
    let (status, v) = s
        .get(&s.admin, &format!("{TOKENS}?description=deploy*"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut got = descriptions(&v);
    got.sort();
    assert_eq!(
        got,
        ["deploy eu", "deploy us"],
        "prefix match is case-sensitive"
    );
    let (_, v) = s
        .get(&s.admin, &format!("{TOKENS}?description=backup"))
        .await;
    assert_eq!(descriptions(&v), ["backup"]);
    let (_, v) = s
        .get(&s.admin, &format!("{TOKENS}?description=deploy"))
        .await;
    assert!(descriptions(&v).is_empty(), "without * the match is exact");
    let (_, v) = s.get(&s.admin, &format!("{TOKENS}?refreshable=true")).await;
    assert_eq!(descriptions(&v), ["deploy us"]);
    let (_, v) = s
        .get(
            &s.admin,
            &format!("{TOKENS}?order_by=expiry&descending_order=true"),
        )
        .await;
    let got = descriptions(&v);
    // The admin bootstrap token never expires: it sorts last ascending, first descending.
    assert_eq!(
        got,
        [
            "tokentab admin token (admin.token)",
            "deploy us",
            "Deploy caps",
            "deploy eu",
            "backup"
        ]
    );
    let (_, v) = s.get(&s.admin, &format!("{TOKENS}?order_by=expiry")).await;
    assert_eq!(descriptions(&v)[0], "backup");
    let id = v["tokens"][0]["token_id"].as_str().unwrap().to_owned();
    let (_, v) = s.get(&s.admin, &format!("{TOKENS}?token_id={id}")).await;
    assert_eq!(descriptions(&v), ["backup"]);
    let (_, v) = s.get(&s.admin, &format!("{TOKENS}?username=nobody")).await;
    assert!(v["tokens"].as_array().unwrap().is_empty());
    assert!(v.get("cursor").is_none());

    // Paging: limit 2 over 5 tokens in every order; all seen once, cursor only while more remain.
    for order in ["created", "token_id", "owner", "subject", "expiry"] {
        for desc in [false, true] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            let mut pages = 0;
            loop {
                let mut path = format!("{TOKENS}?limit=2&order_by={order}&descending_order={desc}");
                if let Some(c) = &cursor {
                    path.push_str(&format!("&cursor={c}"));
                }
                let (status, v) = s.get(&s.admin, &path).await;
                assert_eq!(status, StatusCode::OK, "{v}");
                pages += 1;
                for t in v["tokens"].as_array().unwrap() {
                    seen.push(t["token_id"].as_str().unwrap().to_owned());
                }
                match v["cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
            }
            assert_eq!(pages, 3, "{order} {desc}");
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), 5, "{order} {desc}: {seen:?}");
        }
    }
    for bad in [
        "order_by=colour",
        "limit=0",
        "limit=abc",
        "descending_order=maybe",
        "refreshable=perhaps",
        "cursor=garbage!",
    ] {
        let (status, v) = s.get(&s.admin, &format!("{TOKENS}?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(code(&v), "BAD_REQUEST");
    }
    // A cursor from one order is refused under another.
    let (_, v) = s
        .get(&s.admin, &format!("{TOKENS}?limit=1&order_by=expiry"))
        .await;
    let c = v["cursor"].as_str().unwrap();
    let (status, _) = s
        .get(
            &s.admin,
            &format!("{TOKENS}?limit=1&order_by=token_id&cursor={c}"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    s.handle.shutdown().await;
}

#[tokio::test]
async fn get_and_revoke_by_id() {
    let s = harness().start().await;
    let (secret, id) = s.mint(None, json!({"description": "short lived"})).await;
    let (status, v) = s.get(&s.admin, &format!("{TOKENS}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["token_id"], id.as_str());
    assert_eq!(v["scope"], "applied-permissions/user");
    let (status, v) = s
        .get(&s.admin, &format!("{TOKENS}/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&v), "NOT_FOUND");

    let (status, _) = s.delete(&s.admin, &format!("{TOKENS}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.delete(&s.admin, &format!("{TOKENS}/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "already revoked");
    let (status, _) = s
        .delete(&s.admin, &format!("{TOKENS}/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "unknown");
    let (status, _) = s.get(&s.admin, &format!("{TOKENS}/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked tokens are gone");
    assert!(!s.all_token_ids(&s.admin).await.contains(&id));
    let (status, v) = s.get(&secret, &format!("{TOKENS}/me")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(message(&v).contains("revoked"));

    // A token may revoke itself, even a custom one.
    let (custom, custom_id) = s
        .mint(None, json!({"scope": "applied-permissions/groups:readers"}))
        .await;
    let (status, v) = s.get(&custom, &format!("{TOKENS}/me")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["token_id"], custom_id.as_str());
    let (status, _) = s.delete(&custom, &format!("{TOKENS}/me")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.get(&custom, &format!("{TOKENS}/me")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    s.handle.shutdown().await;
}

#[tokio::test]
async fn non_admin_limits() {
    let s = harness().seeded().start().await;
    let alice = s.user_token("alice").await;
    let (_, bob_id) = s
        .mint(None, json!({"username": "bob", "description": "bob's"}))
        .await;

    // Alice may create a user token for herself (named or implied) ...
    let (status, v) = s.post_token(&alice, json!({"description": "mine"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let alice_second = v["token_id"].as_str().unwrap().to_owned();
    let (status, _) = s
        .post_token(
            &alice,
            json!({"username": "alice", "scope": "applied-permissions/user"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // ... and nothing else.
    for body in [
        json!({"username": "bob"}),
        json!({"scope": "applied-permissions/admin"}),
        json!({"scope": "connect:project:demo:r"}),
        json!({"scope": "applied-permissions/user connect:project:demo:r"}),
    ] {
        let (status, v) = s.post_token(&alice, body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}: {v}");
        assert_eq!(code(&v), "FORBIDDEN");
    }
    // She lists only her own tokens, even when asking for someone else's.
    let (status, v) = s.get(&alice, TOKENS).await;
    assert_eq!(status, StatusCode::OK);
    let subjects: Vec<&str> = v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap())
        .collect();
    assert!(subjects.len() >= 4, "seeded + made: {subjects:?}");
    assert!(subjects.iter().all(|s| s.ends_with("/users/alice")));
    let (_, v) = s.get(&alice, &format!("{TOKENS}?username=bob")).await;
    assert!(v["tokens"].as_array().unwrap().is_empty());
    // Others' tokens answer exactly like missing ones: 404 to read, 204 to revoke (and stay
    // live); her own: fine.
    let unknown = uuid::Uuid::new_v4();
    let (status, v) = s.get(&alice, &format!("{TOKENS}/{bob_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        (status, v),
        s.get(&alice, &format!("{TOKENS}/{unknown}")).await
    );
    let (status, v) = s.delete(&alice, &format!("{TOKENS}/{bob_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        (status, v),
        s.delete(&alice, &format!("{TOKENS}/{unknown}")).await
    );
    let (status, _) = s.get(&s.admin, &format!("{TOKENS}/{bob_id}")).await;
    assert_eq!(status, StatusCode::OK, "still there");
    let (status, _) = s.delete(&alice, &format!("{TOKENS}/{alice_second}")).await;
    assert_eq!(status, StatusCode::OK);
    // Users are admin-only.
    let (status, v) = s.get(&alice, "/access/api/v2/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");

    // An admin user's identity token is admin; a custom token manages no tokens.
    let dana = s.user_token("dana").await;
    let (status, v) = s
        .post_token(
            &dana,
            json!({"username": "bob", "scope": "connect:project:demo:r"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let custom = s.scoped("connect:project:demo:rwd").await;
    let (status, _) = s.get(&custom, TOKENS).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.post_token(&custom, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.delete(&custom, &format!("{TOKENS}/{bob_id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.handle.shutdown().await;
}

#[tokio::test]
async fn missing_malformed_unknown_revoked_expired_are_401() {
    let s = harness().start().await;
    // An expired token with a secret we know, written straight into the database.
    let expired = tokentab::service::new_secret().unwrap();
    let now = chrono::Utc::now().timestamp();
    let secret_hash = tokentab::service::hash_secret(&expired);
    let new = NewToken {
        token_id: uuid::Uuid::new_v4().to_string(),
        secret_hash,
        username: "admin".into(),
        scope: "applied-permissions/admin".into(),
        audience: "*@*".into(),
        description: "expired".into(),
        project_key: None,
        refreshable: false,
        issued_at: now - 100,
        expiry: Some(now - 10),
    };
    match (s.sqlite_file(), &s.postgres) {
        (Some(db), _) => {
            let store = Store::open(&db).unwrap();
            store
                .write_now(move |tx| {
                    tokens::insert(tx, &new).map_err(tokentab::service::StoreError::from)
                })
                .unwrap();
        }
        (None, Some(url)) => {
            pg::connect(url)
                .await
                .execute(
                    "INSERT INTO tokens (token_id, secret_hash, username, scope, audience, \
                     description, refreshable, issued_at, expiry) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        &new.token_id,
                        &new.secret_hash.as_slice(),
                        &new.username,
                        &new.scope,
                        &new.audience,
                        &new.description,
                        &new.refreshable,
                        &new.issued_at,
                        &new.expiry,
                    ],
                )
                .await
                .unwrap();
        }
        (None, None) => unreachable!("a backend"),
    }
    let (revoked, revoked_id) = s.mint(None, json!({})).await;
    s.delete(&s.admin, &format!("{TOKENS}/{revoked_id}")).await;
    let unknown = tokentab::service::new_secret().unwrap();

    let paths = [
        (Method::GET, TOKENS.to_owned()),
        (Method::POST, TOKENS.to_owned()),
        (Method::GET, format!("{TOKENS}/me")),
        (Method::DELETE, format!("{TOKENS}/{revoked_id}")),
        (Method::GET, "/access/api/v2/users".to_owned()),
        (Method::GET, "/access/api/v1/projects".to_owned()),
        (Method::GET, "/api/v2/demo/fleets".to_owned()),
        (Method::GET, "/api/v2/demo/devices".to_owned()),
        (Method::GET, "/api/v2/demo/devices/d-0000-0000".to_owned()),
        (Method::PATCH, "/api/v2/demo/devices/d-0000-0000".to_owned()),
        (
            Method::DELETE,
            "/api/v2/demo/devices/d-0000-0000".to_owned(),
        ),
    ];
    let long = "a".repeat(10_000);
    let headers: Vec<(Option<String>, &str)> = vec![
        (None, "missing"),
        (Some(format!("Basic {}", s.admin)), "scheme"),
        (Some("Bearer".into()), "malformed"),
        (Some("Bearer short".into()), "malformed"),
        (Some(format!("Bearer {long}")), "malformed"),
        (Some(format!("Bearer {}=", &s.admin[..42])), "malformed"),
        (Some(format!("Bearer {}", *unknown)), "unknown"),
        (Some(format!("Bearer {revoked}")), "revoked"),
        (Some(format!("Bearer {}", *expired)), "expired"),
    ];
    for (method, path) in &paths {
        for (header, why) in &headers {
            let mut req = s.http.request(method.clone(), s.url(path));
            if let Some(h) = header {
                req = req.header("authorization", h);
            }
            if *method != Method::GET && *method != Method::DELETE {
                req = req.json(&json!({}));
            }
            let resp = req.send().await.unwrap();
            assert_eq!(
                resp.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} {why}"
            );
            assert_eq!(resp.headers()["www-authenticate"], "Bearer");
            let v: Value = resp.json().await.unwrap();
            assert_eq!(code(&v), "UNAUTHORIZED", "{why}");
            assert!(
                !message(&v).contains(&s.admin[..20]),
                "secrets are never echoed"
            );
        }
    }
    s.handle.shutdown().await;
}

#[tokio::test]
async fn last_used_is_recorded() {
    let s = harness().start().await;
    let (secret, id) = s.mint(None, json!({"description": "watch me"})).await;
    let (_, v) = s.get(&s.admin, &format!("{TOKENS}/{id}")).await;
    assert!(v.get("last_used").is_none(), "unused so far: {v}");
    let (st, _) = s.get(&secret, "/access/api/v1/projects").await;
    assert_eq!(st, StatusCode::OK);
    // Recorded off the request path: poll.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, v) = s.get(&s.admin, &format!("{TOKENS}/{id}")).await;
        if let Some(t) = v["last_used"].as_i64() {
            assert!((t - chrono::Utc::now().timestamp()).abs() < 120);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "last_used never set");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    s.handle.shutdown().await;
}

/// Seconds since the epoch, as the service counts them.
fn epoch_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A token used once (so its principal sits in the auth cache) and used again after it expired
/// is refused: the cache's own expiry check, not a database read, has to do it, since nothing
/// bumps the revocation epoch in between.
#[tokio::test]
async fn an_expired_token_in_the_auth_cache_is_refused() {
    let s = harness().start().await;
    // The shortest lifetime first; a longer one when a busy machine did not use it in time.
    for lifetime in [2u64, 5, 15] {
        let (secret, _) = s
            .mint(
                None,
                json!({"expires_in": lifetime, "description": "short-lived"}),
            )
            .await;
        let mut expiry = None;
        for _ in 0..2 {
            let (st, v) = s.get(&secret, &format!("{TOKENS}/me")).await;
            if st != StatusCode::OK {
                break;
            }
            expiry = v["expiry"].as_i64();
        }
        let (Some(expiry), true) = (expiry, epoch_now() < expiry.unwrap_or(0)) else {
            continue; // expired before it was used twice: not cached in time
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(lifetime + 30);
        while epoch_now() < expiry {
            assert!(
                std::time::Instant::now() < deadline,
                "the clock never reached {expiry}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let (st, v) = s.get(&secret, &format!("{TOKENS}/me")).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "served after expiry: {v}");
        assert_eq!(message(&v), "this access token has expired");
        s.handle.shutdown().await;
        return;
    }
    panic!("no token could be used twice before it expired, even with 15 s");
}
