//! Answer shapes of real JFrog servers and of our service: error bodies, create, revoke, lists,
//! lenient device pages, paging, and what must never leak.

use crate::common;

use common::fault_server::{FaultServer, Reply};
use secrecy::SecretString;
use serde_json::json;
use tokentab::api::connect::DeviceQuery;
use tokentab::api::{ApiError, Client, ClientOptions, RevokeOutcome, TokenQuery};
use tokentab::model::sanitize::is_unsafe_char;
use tokentab::model::wire::{CreateTokenRequest, DevicePatch};

const TOKENS: &str = "/access/api/v1/tokens";

fn client(url: &str) -> Client {
    let opts = ClientOptions {
        max_retries: 0,
        ..Default::default()
    };
    Client::new(url, SecretString::from("bearer-abc".to_owned()), opts).expect("client")
}

fn device(id: &str) -> serde_json::Value {
    json!({"device_uuid": id, "device_name": format!("name {id}"), "group": "edge", "tags": ["a"]})
}

#[tokio::test]
async fn every_error_shape_is_parsed() {
    let s = FaultServer::start().await;
    let c = client(&s.url());
    let cases: Vec<(Reply, ApiError)> = vec![
        (
            Reply::json(
                404,
                r#"{"errors":[{"code":"NOT_FOUND","message":"Token not found"}]}"#,
            ),
            ApiError::NotFound {
                message: "NOT_FOUND: Token not found".into(),
            },
        ),
        (
            Reply::json(
                400,
                r#"{"code":"BAD_REQUEST","message":"Token not revocable","detail":"Token not revocable. Token expirationTimeMillis: 1"}"#,
            ),
            ApiError::BadRequest {
                message: "BAD_REQUEST: Token not revocable".into(),
            },
        ),
        (
            Reply::json(
                401,
                r#"{"errors":[{"status":401,"message":"Bad credentials"}]}"#,
            ),
            ApiError::Unauthorized {
                message: "401: Bad credentials".into(),
            },
        ),
        (
            Reply::json(
                403,
                r#"{"errors":[{"code":"FORBIDDEN","message":"a"},{"code":"FORBIDDEN","message":"b"}]}"#,
            ),
            ApiError::Forbidden {
                message: "FORBIDDEN: a; FORBIDDEN: b".into(),
            },
        ),
        (
            Reply::text(502, "<html><body>nginx bad gateway</body></html>"),
            ApiError::Server {
                status: 502,
                message: "<html><body>nginx bad gateway</body></html>".into(),
            },
        ),
        (
            Reply::empty(302).header("Location", "https://elsewhere.example/"),
            ApiError::Status {
                status: 302,
                message: "the server redirects to https://elsewhere.example/: use that URL".into(),
            },
        ),
        (
            Reply::empty(409),
            ApiError::Conflict {
                message: String::new(),
            },
        ),
    ];
    for (reply, want) in cases {
        s.on("GET", &format!("{TOKENS}/x"), vec![reply]);
        let got = c.get_token("x").await.expect_err("error status");
        assert_eq!(got, want);
        assert!(!got.user_message().is_empty());
    }
    let e = ApiError::Unauthorized {
        message: String::new(),
    };
    assert!(
        e.user_message().contains("TOKENTAB_TOKEN"),
        "{}",
        e.user_message()
    );
}

#[tokio::test]
async fn hostile_server_text_is_sanitised_and_truncated() {
    let s = FaultServer::start().await;
    let evil = format!(
        "{{\"errors\":[{{\"code\":\"X\",\"message\":\"\\u001b]52;c;ZXZpbA==\\u0007\\u001b[2J\\u202eevil\\r\\nnext {}\"}}]}}",
        "A".repeat(5000)
    );
    s.on("GET", &format!("{TOKENS}/x"), vec![Reply::json(403, &evil)]);
    s.on(
        "GET",
        &format!("{TOKENS}/y"),
        vec![Reply::bytes(
            500,
            b"\x1b[31mred\x1b[0m \xff\xfe raw".to_vec(),
        )],
    );
    let c = client(&s.url());
    for id in ["x", "y"] {
        let err = c.get_token(id).await.expect_err("error");
        for text in [err.user_message(), err.to_string(), format!("{err:?}")] {
            assert!(
                !text.chars().any(|ch| ch != '\\' && is_unsafe_char(ch)),
                "unsafe char in {text:?}"
            );
            assert!(text.chars().count() < 600, "not truncated: {}", text.len());
        }
        assert!(!err.user_message().contains('\u{1b}'));
    }
    let err = c.get_token("x").await.expect_err("error");
    assert!(err.user_message().starts_with("your token lacks the right"));
    assert!(err.user_message().contains("evil"));
}

#[tokio::test]
async fn create_sends_json_and_keeps_the_secret_out_of_debug() {
    let s = FaultServer::start().await;
    let secret = "reftkn-SECRET-0123456789abcdefghijklmnopqrstuvwxyz";
    s.on(
        "POST",
        TOKENS,
        vec![Reply::json_value(
            200,
            &json!({"token_id":"7e0e","access_token":secret,"refresh_token":"REFRESH-SECRET",
                    "expires_in":3600,"scope":"applied-permissions/user","token_type":"Bearer",
                    "reference_token":"REF-SECRET"}),
        )],
    );
    let c = client(&s.url());
    let req = CreateTokenRequest {
        description: Some("ci deploy".into()),
        scope: Some("applied-permissions/user".into()),
        expires_in: Some(3600),
        username: Some("alice".into()),
        ..Default::default()
    };
    let created = c.create_token(&req).await.expect("created");
    assert_eq!(created.secret.expose(), secret);
    assert_eq!(created.meta.token_id, "7e0e");
    assert_eq!(created.meta.expires_in, Some(3600));
    assert_eq!(created.meta.token_type, "Bearer");
    let dbg = format!("{created:?} {c:?}");
    assert!(!dbg.contains("SECRET"), "{dbg}");
    assert!(!dbg.contains("bearer-abc"), "{dbg}");

    let reqs = s.requests();
    let post = reqs.iter().find(|r| r.method == "POST").expect("recorded");
    assert_eq!(post.header("authorization"), Some("Bearer bearer-abc"));
    assert_eq!(post.header("content-type"), Some("application/json"));
    let sent: serde_json::Value = serde_json::from_slice(&post.body).expect("json body");
    assert_eq!(
        sent,
        json!({"username":"alice","scope":"applied-permissions/user","expires_in":3600,
               "description":"ci deploy"})
    );
}

#[tokio::test]
async fn malformed_create_answers_never_echo_the_secret() {
    let s = FaultServer::start().await;
    let c = client(&s.url());
    let bodies = [
        r#"{"token_id":"x","access_token":"SECRETVALUE123","expires_in":"soon"}"#.to_owned(),
        r#"{"token_id":"x","access_token":"SECRETVALUE123""#.to_owned(),
        r#"{"token_id":5,"access_token":"SECRETVALUE123"}"#.to_owned(),
        r#"{"access_token":"SECRETVALUE123\u001b[2J"}"#.to_owned(),
        r#"{"token_id":"x","access_token":"SECRETVALUE123 with space"}"#.to_owned(),
        r#"{"token_id":"x","access_token":["SECRETVALUE123"]}"#.to_owned(),
        "SECRETVALUE123".to_owned(),
    ];
    for body in bodies {
        s.on("POST", TOKENS, vec![Reply::json(200, &body)]);
        let err = c
            .create_token(&CreateTokenRequest::default())
            .await
            .expect_err("malformed");
        assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
        let all = format!("{err:?} {err} {}", err.user_message());
        assert!(!all.contains("SECRETVALUE"), "{all}");
    }
}

#[tokio::test]
async fn revoke_outcomes() {
    let s = FaultServer::start().await;
    s.on(
        "DELETE",
        &format!("{TOKENS}/a"),
        vec![Reply::text(200, "OK")],
    );
    s.on("DELETE", &format!("{TOKENS}/b"), vec![Reply::empty(204)]);
    s.on(
        "DELETE",
        &format!("{TOKENS}/c"),
        vec![Reply::json(
            400,
            r#"{"code":"BAD_REQUEST","message":"Token not revocable","detail":"…"}"#,
        )],
    );
    let c = client(&s.url());
    assert_eq!(c.revoke_token("a").await, Ok(RevokeOutcome::Revoked));
    assert_eq!(c.revoke_token("b").await, Ok(RevokeOutcome::AlreadyGone));
    let err = c.revoke_token("c").await.expect_err("400");
    assert!(err.user_message().contains("Token not revocable"));
}

#[tokio::test]
async fn jfac_subjects_and_a_non_paged_list_of_20000() {
    let s = FaultServer::start().await;
    let tokens: Vec<serde_json::Value> = (0..20_000)
        .map(|i| {
            json!({"token_id": format!("id-{i}"), "subject": format!("jfac@01fmabc/users/user{}", i % 7),
                   "issuer":"jfac@01fmabc","issued_at":1_735_689_600, "expiry": 1_767_225_600 + i,
                   "description": format!("tok {i}"), "refreshable": false})
        })
        .collect();
    s.on(
        "GET",
        TOKENS,
        vec![Reply::json_value(200, &json!({ "tokens": tokens }))],
    );
    let c = client(&s.url());
    let q = TokenQuery {
        description: Some("tok*".into()),
        username: Some("user3".into()),
        ..Default::default()
    };
    let all = c.list_all_tokens(&q).await.expect("list");
    assert_eq!(all.len(), 20_000);
    assert_eq!(s.count("GET", TOKENS), 1, "no cursor: one request");
    let t = all[3].clone().into_token();
    assert_eq!(t.username(), "user3");
    assert_eq!(t.scope, None);
    let query = &s.requests()[0].query;
    assert!(
        query.contains("description=tok*") || query.contains("description=tok%2A"),
        "{query}"
    );
    assert!(query.contains("username=user3"), "{query}");
}

#[tokio::test]
async fn token_pages_are_walked_by_cursor() {
    let s = FaultServer::start().await;
    s.on(
        "GET",
        TOKENS,
        vec![
            Reply::json(
                200,
                r#"{"tokens":[{"token_id":"a","issued_at":1}],"cursor":"c1"}"#,
            ),
            Reply::json(
                200,
                r#"{"tokens":[{"token_id":"b","issued_at":1}],"cursor":"c2"}"#,
            ),
            Reply::json(
                200,
                r#"{"tokens":[{"token_id":"c","issued_at":1}],"cursor":""}"#,
            ),
        ],
    );
    let all = client(&s.url())
        .list_all_tokens(&TokenQuery::default())
        .await
        .expect("walk");
    let ids: Vec<_> = all.iter().map(|t| t.token_id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let queries: Vec<_> = s.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(queries, ["", "cursor=c1", "cursor=c2"]);

    // A server that repeats its cursor is an error, not an endless loop.
    s.on(
        "GET",
        TOKENS,
        vec![Reply::json(200, r#"{"tokens":[],"cursor":"same"}"#)],
    );
    let err = client(&s.url())
        .list_all_tokens(&TokenQuery::default())
        .await
        .expect_err("loop");
    assert!(matches!(err, ApiError::Decode { .. }));
}

#[tokio::test]
async fn device_lists_are_read_leniently() {
    let s = FaultServer::start().await;
    let path = "/api/v2/demo/devices";
    let c = client(&s.url());
    let shapes = [
        (json!([device("d-1"), device("d-2")]), None),
        (
            json!({"devices":[device("d-1")], "after":"d-1"}),
            Some("d-1"),
        ),
        (
            json!({"data":[device("d-1")], "next_cursor":"n1"}),
            Some("n1"),
        ),
        (json!({"items":[device("d-1")], "cursor": 42}), Some("42")),
        (
            json!({"devices":[device("d-1")], "next":"x", "after":null}),
            Some("x"),
        ),
        (json!({"devices":null}), None),
    ];
    for (body, cursor) in shapes {
        s.on("GET", path, vec![Reply::json_value(200, &body)]);
        let page = c
            .list_devices_page("demo", &DeviceQuery::default())
            .await
            .expect("page");
        assert_eq!(page.after.as_deref(), cursor, "{body}");
        // As many devices as the body carries (in whichever field): a parser that drops them
        // fails here, not only one that misreads the first.
        let want = match &body {
            serde_json::Value::Array(a) => a.len(),
            v => ["devices", "data", "items"]
                .iter()
                .find_map(|k| v[*k].as_array().map(Vec::len))
                .unwrap_or(0),
        };
        assert!(want > 0 || body["devices"].is_null(), "{body}");
        assert_eq!(page.devices.len(), want, "devices kept from {body}");
        if let Some(first) = page.devices.first() {
            assert_eq!(first.device_uuid, "d-1");
            assert_eq!(first.group, "edge");
        }
    }
    s.on(
        "GET",
        path,
        vec![Reply::json(200, r#"{"devices":[{"nope":1}]}"#)],
    );
    let err = c
        .list_devices_page("demo", &DeviceQuery::default())
        .await
        .expect_err("bad item");
    assert!(matches!(err, ApiError::Decode { .. }));
    s.on("GET", path, vec![Reply::json(200, r#"{"devices":[tru"#)]);
    let err = c
        .list_devices_page("demo", &DeviceQuery::default())
        .await
        .expect_err("malformed");
    assert!(err.user_message().contains("could not be read"));
}

#[tokio::test]
async fn all_device_pages_with_filters() {
    let s = FaultServer::start().await;
    let path = "/api/v2/demo/devices";
    s.on(
        "GET",
        path,
        vec![
            Reply::json_value(
                200,
                &json!({"devices":[device("d-1"), device("d-2")], "after":"d-2"}),
            ),
            Reply::json_value(200, &json!({"devices":[device("d-3")]})),
        ],
    );
    let q = DeviceQuery {
        fleet: Some("edge eu".into()),
        limit: Some(5000),
        ..Default::default()
    };
    let all = client(&s.url())
        .list_all_devices("demo", &q)
        .await
        .expect("walk");
    assert_eq!(all.len(), 3);
    let queries: Vec<_> = s.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(
        queries,
        [
            "group_name=edge+eu&limit=1000",
            "group_name=edge+eu&after=d-2&limit=1000"
        ]
    );
}

#[tokio::test]
async fn other_endpoints_paths_and_encoding() {
    let s = FaultServer::start().await;
    s.on(
        "GET",
        "/access/api/v1/projects",
        vec![Reply::json(
            200,
            r#"[{"project_key":"demo","display_name":"Demo"}]"#,
        )],
    );
    s.on(
        "GET",
        "/api/v2/demo/fleets",
        vec![Reply::json(
            200,
            r#"{"fleets":[{"name":"edge","device_count":3}]}"#,
        )],
    );
    s.on(
        "GET",
        "/access/api/v2/users",
        vec![Reply::json(
            200,
            r#"{"users":[{"username":"alice","admin":true}],"cursor":"alice"}"#,
        )],
    );
    s.on(
        "GET",
        "/access/api/v1/tokens/me",
        vec![Reply::json(
            200,
            r#"{"token_id":"me1","subject":"admin","issued_at":5}"#,
        )],
    );
    s.on(
        "GET",
        "/api/v2/demo/devices/d%2F..%2Fx",
        vec![Reply::json_value(200, &device("d/../x"))],
    );
    s.on(
        "PATCH",
        "/api/v2/demo/devices/d-1",
        vec![Reply::json_value(200, &device("d-1"))],
    );
    s.on(
        "DELETE",
        "/api/v2/demo/devices/d-1",
        vec![Reply::empty(204)],
    );
    let c = client(&s.url());
    assert_eq!(
        c.list_projects().await.expect("projects")[0].project_key,
        "demo"
    );
    assert_eq!(
        c.list_fleets("demo").await.expect("fleets")[0].device_count,
        3
    );
    let users = c
        .list_users_page(Some("al"), None, Some(50))
        .await
        .expect("users");
    assert_eq!(users.cursor.as_deref(), Some("alice"));
    assert_eq!(c.get_me().await.expect("me").token_id, "me1");
    assert_eq!(
        c.get_device("demo", "d/../x")
            .await
            .expect("device")
            .device_uuid,
        "d/../x"
    );
    let patch = DevicePatch {
        device_name: None,
        description: Some("new".into()),
        tags: Some(vec!["t".into()]),
    };
    c.patch_device("demo", "d-1", &patch).await.expect("patch");
    c.delete_device("demo", "d-1").await.expect("delete");
    for bad in ["", ".", "..", " "] {
        let err = c.revoke_token(bad).await.expect_err("refused locally");
        assert!(matches!(err, ApiError::InvalidArgument { .. }), "{err:?}");
        let err = c
            .get_device("demo", bad)
            .await
            .expect_err("refused locally");
        assert!(matches!(err, ApiError::InvalidArgument { .. }), "{err:?}");
    }
    let reqs = s.requests();
    assert!(
        reqs.iter()
            .all(|r| r.method != "DELETE" || r.path.ends_with("/d-1"))
    );
    let users_q = &reqs
        .iter()
        .find(|r| r.path == "/access/api/v2/users")
        .expect("users")
        .query;
    assert_eq!(users_q, "username=al&limit=50");
    let patch_body = &reqs
        .iter()
        .find(|r| r.method == "PATCH")
        .expect("patch")
        .body;
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(patch_body).expect("json"),
        json!({"description":"new","tags":["t"]})
    );
}

#[tokio::test]
async fn base_url_with_a_prefix_and_bad_urls() {
    let s = FaultServer::start().await;
    s.on(
        "GET",
        "/prefix/access/api/v1/projects",
        vec![Reply::json(200, "[]")],
    );
    let c = client(&format!("{}/prefix/", s.url()));
    assert_eq!(c.base_url(), format!("{}/prefix", s.url()));
    assert!(c.list_projects().await.expect("projects").is_empty());
    for bad in [
        "not a url",
        "ftp://x.example",
        "http://user:pw@x.example",
        "",
    ] {
        let err = Client::new(
            bad,
            SecretString::from("t".to_owned()),
            ClientOptions::default(),
        )
        .expect_err("refused");
        assert!(matches!(err, ApiError::InvalidUrl { .. }), "{bad}: {err:?}");
    }
    let err = Client::new(
        "https://x.example",
        SecretString::from("t".to_owned()),
        ClientOptions {
            cacert_pem: Some(b"not pem".to_vec()),
            ..Default::default()
        },
    )
    .expect_err("bad CA");
    assert!(matches!(err, ApiError::Setup { .. }), "{err:?}");
}
