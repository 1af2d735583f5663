//! Revocation is immediate everywhere: two `tokentab serve` processes (and the tab's embedded
//! service) on one SQLite file. A revoke acknowledged by one is honoured by the other on the very
//! next request, and a write by a token revoked while it was in flight is refused inside its own
//! transaction.

#[path = "common/serve_child.rs"]
mod serve_child;
#[path = "common/service.rs"]
mod svc;

use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use svc::{TestService, call_url, message};
use tokio::process::Child;

const TOKENS: &str = "/access/api/v1/tokens";

/// One running service, reached over HTTP at `url`.
struct Node {
    url: String,
    http: reqwest::Client,
}

impl Node {
    async fn call(
        &self,
        m: Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call_url(
            &self.http,
            m,
            Some(token),
            &format!("{}{path}", self.url),
            body,
        )
        .await
    }
    async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, token, path, None).await
    }
    async fn mint(&self, token: &str, body: Value) -> (String, String) {
        let (st, v) = self.call(Method::POST, token, TOKENS, Some(body)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        (
            v["access_token"].as_str().unwrap().to_owned(),
            v["token_id"].as_str().unwrap().to_owned(),
        )
    }
    async fn first_device(&self, admin: &str) -> String {
        let (st, v) = self
            .get(admin, "/api/v2/demo/devices?group_name=lab&limit=1")
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        v["devices"][0]["device_uuid"].as_str().unwrap().to_owned()
    }
}

struct Files {
    _dir: tempfile::TempDir,
    db: PathBuf,
    data: PathBuf,
}

fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    Files {
        db: dir.path().join("db").join("tokentab.db"),
        data: dir.path().join("data"),
        _dir: dir,
    }
}

async fn serve(f: &Files) -> (Child, Node) {
    let (child, url) = serve_child::start_on(&f.db, &f.data, &[]).await;
    (
        child,
        Node {
            url,
            http: svc::client(),
        },
    )
}

fn admin_of(data: &Path) -> String {
    std::fs::read_to_string(data.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned()
}

/// Uses `secret` on `b` until its principal is surely cached there, checks it works.
async fn warm(b: &Node, secret: &str, device: &str) {
    for _ in 0..5 {
        let (st, v) = b.get(secret, &format!("{TOKENS}/me")).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (st, v) = b
            .get(secret, &format!("/api/v2/demo/devices/{device}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
}

/// After a revoke acknowledged elsewhere: every kind of request by `secret` on `b` is 401.
async fn refused_everywhere(b: &Node, secret: &str, device: &str) {
    let (st, v) = b.get(secret, &format!("{TOKENS}/me")).await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "/tokens/me of a revoked token: {v}"
    );
    let (st, v) = b
        .get(secret, &format!("/api/v2/demo/devices/{device}"))
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "device read: {v}");
    let (st, v) = b
        .call(Method::POST, secret, TOKENS, Some(json!({"expires_in": 0})))
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "create (never expiring): {v}");
    let (st, v) = b
        .call(
            Method::PATCH,
            secret,
            &format!("/api/v2/demo/devices/{device}"),
            Some(json!({"description": "by a revoked token"})),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "device PATCH: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_on_one_serve_process_is_honoured_by_the_next_request_on_another() {
    let f = files();
    let (_a_child, a) = serve(&f).await;
    let (_b_child, b) = serve(&f).await;
    let admin = admin_of(&f.data);
    let device = a.first_device(&admin).await;

    for round in 0..3 {
        // An admin token (may do everything) and a user token, both hot in b's cache.
        let (secret, id) = a
            .mint(&admin, json!({"scope": "applied-permissions/admin", "description": format!("round {round}")}))
            .await;
        warm(&b, &secret, &device).await;
        let (st, _) = a
            .call(Method::DELETE, &admin, &format!("{TOKENS}/{id}"), None)
            .await;
        assert_eq!(st, StatusCode::OK);
        refused_everywhere(&b, &secret, &device).await;
    }

    // Revoke by value on b, then a refuses it at once; a token revoking itself likewise.
    let (secret, _) = a
        .mint(&admin, json!({"scope": "applied-permissions/admin"}))
        .await;
    warm(&a, &secret, &device).await;
    let (st, v) = b
        .call(
            Method::DELETE,
            &admin,
            &format!("{TOKENS}/revoke"),
            Some(json!({"token": secret})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    refused_everywhere(&a, &secret, &device).await;
    let (secret, _) = a
        .mint(&admin, json!({"scope": "applied-permissions/admin"}))
        .await;
    warm(&b, &secret, &device).await;
    let (st, _) = a
        .call(Method::DELETE, &secret, &format!("{TOKENS}/me"), None)
        .await;
    assert_eq!(st, StatusCode::OK);
    refused_everywhere(&b, &secret, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_service_and_a_serve_process_honour_each_others_revokes() {
    // The tab's embedded service (service::spawn), and `tokentab serve` on the same files.
    let s = TestService::start(true).await;
    let (_child, url) = serve_child::start_on(&s.db_path(), &s.dir.path().join("data"), &[]).await;
    let embedded = Node {
        url: s.handle.url(),
        http: svc::client(),
    };
    let process = Node {
        url,
        http: svc::client(),
    };
    let device = embedded.first_device(&s.admin).await;
    for (revoker, user) in [(&embedded, &process), (&process, &embedded)] {
        let (secret, id) = revoker
            .mint(&s.admin, json!({"scope": "applied-permissions/admin"}))
            .await;
        warm(user, &secret, &device).await;
        let (st, _) = revoker
            .call(Method::DELETE, &s.admin, &format!("{TOKENS}/{id}"), None)
            .await;
        assert_eq!(st, StatusCode::OK);
        refused_everywhere(user, &secret, &device).await;
    }
    s.handle.shutdown().await;
}

/// The write re-checks its caller inside its own transaction: the token is revoked (by another
/// connection to the file) after the request authenticated but before its write ran.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_in_flight_when_its_token_is_revoked_is_refused_in_its_transaction() {
    let f = files();
    let (_child, b) = serve(&f).await;
    let admin = admin_of(&f.data);
    let device = b.first_device(&admin).await;
    let mut caught_in_write = 0;
    for attempt in 0..20 {
        let (secret, id) = b
            .mint(&admin, json!({"scope": "applied-permissions/admin"}))
            .await;
        warm(&b, &secret, &device).await;
        // Another writer holds the database: b's write job waits behind it.
        let db = f.db.clone();
        let (locked_tx, locked_rx) = std::sync::mpsc::channel::<()>();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            let conn = rusqlite::Connection::open(&db).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(30))
                .unwrap();
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            locked_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            conn.execute(
                "UPDATE tokens SET revoked_at = strftime('%s','now') WHERE token_id = ?1",
                [&id],
            )
            .unwrap();
            conn.execute_batch("COMMIT").unwrap();
        });
        locked_rx.recv().unwrap();
        let write = if attempt % 2 == 0 {
            let body = json!({"expires_in": 0, "scope": "applied-permissions/admin"});
            let (b2, s2) = (
                Node {
                    url: b.url.clone(),
                    http: b.http.clone(),
                },
                secret.clone(),
            );
            tokio::spawn(async move { b2.call(Method::POST, &s2, TOKENS, Some(body)).await })
        } else {
            let path = format!("/api/v2/demo/devices/{device}");
            let (b2, s2) = (
                Node {
                    url: b.url.clone(),
                    http: b.http.clone(),
                },
                secret.clone(),
            );
            tokio::spawn(async move {
                b2.call(
                    Method::PATCH,
                    &s2,
                    &path,
                    Some(json!({"description": "late"})),
                )
                .await
            })
        };
        // Give the request time to authenticate; the assertion below holds either way, only
        // which check refuses it (authentication or the write's own) depends on this.
        tokio::time::sleep(std::time::Duration::from_millis(200 + 100 * attempt)).await;
        go_tx.send(()).unwrap();
        other.join().unwrap();
        let (st, v) = write.await.unwrap();
        assert_eq!(st, StatusCode::UNAUTHORIZED, "attempt {attempt}: {v}");
        if message(&v).contains("found when writing") {
            caught_in_write += 1;
            if caught_in_write >= 2 {
                break;
            }
        }
    }
    assert!(caught_in_write >= 2, "the in-transaction check never ran");
    let (st, v) = b
        .get(&admin, &format!("/api/v2/demo/devices/{device}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_ne!(v["description"], "late");
}
