//! Revocation is immediate everywhere: two `tokentab serve` processes (and the tab's embedded
//! service) on one SQLite file. A revoke acknowledged by one is honoured by the other on the very
//! next request, and a write by a token revoked while it was in flight is refused inside its own
//! transaction. A user disabled or deleted by hand loses every token the same way (on the
//! PostgreSQL pass, through two replicas).

use crate::common::pg;
use crate::common::service as svc;
use crate::common::service::child as serve_child;
use crate::common::service::harness;
use crate::common::service::nodes::{Node, TwoProcesses, admin_of, files, serve, two_processes};

use reqwest::{Method, StatusCode};
use serde_json::json;
use svc::message;

const TOKENS: &str = "/access/api/v1/tokens";

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
    let (_a_child, a) = serve(&f, &[]).await;
    let (_b_child, b) = serve(&f, &[]).await;
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
    // The tab's embedded service (service::spawn), and `tokentab serve` on the same files (on
    // PostgreSQL: the same schema).
    let s = harness().seeded().start().await;
    let db = match (s.sqlite_file(), &s.postgres) {
        (Some(file), _) => file.display().to_string(),
        (None, Some(url)) => url.clone(),
        (None, None) => unreachable!("a backend"),
    };
    let data = s.dir.path().join("data").display().to_string();
    let serve = serve_child::start(
        &["--listen", "127.0.0.1:0", "--db", &db, "--data-dir", &data],
        None,
    )
    .await;
    let url = serve.url.clone();
    let embedded = Node::new(s.handle.url());
    let process = Node::new(url);
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

/// What another connection to the file does to the caller while its write waits: revoke the
/// token (by id) or disable its user (`alice`).
#[derive(Clone, Copy)]
enum Change {
    Revoke,
    DisableAlice,
}

/// The write re-checks its caller inside its own transaction: `change` is made (by another
/// connection to the file) after the request authenticated but before its write ran. Returns
/// how often the write's own check was the one that refused.
async fn in_flight_writes_refused(change: Change, said: &str) -> usize {
    let f = files();
    let (_child, b) = serve(&f, &[]).await;
    let admin = admin_of(&f.data);
    let device = b.first_device(&admin).await;
    let mut caught_in_write = 0;
    for attempt in 0..20 {
        let owner = match change {
            Change::Revoke => json!({"scope": "applied-permissions/admin"}),
            Change::DisableAlice => {
                rusqlite::Connection::open(&f.db)
                    .unwrap()
                    .execute("UPDATE users SET disabled = 0 WHERE username = 'alice'", [])
                    .unwrap();
                json!({"scope": "applied-permissions/admin", "username": "alice"})
            }
        };
        let (secret, id) = b.mint(&admin, owner).await;
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
            match change {
                Change::Revoke => conn.execute(
                    "UPDATE tokens SET revoked_at = strftime('%s','now') WHERE token_id = ?1",
                    [&id],
                ),
                Change::DisableAlice => {
                    conn.execute("UPDATE users SET disabled = 1 WHERE username = 'alice'", [])
                }
            }
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
        if message(&v).contains(said) && message(&v).contains("found when writing") {
            caught_in_write += 1;
            if caught_in_write >= 2 {
                break;
            }
        }
    }
    let (st, v) = b
        .get(&admin, &format!("/api/v2/demo/devices/{device}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_ne!(v["description"], "late");
    caught_in_write
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_in_flight_when_its_token_is_revoked_is_refused_in_its_transaction() {
    let caught = in_flight_writes_refused(Change::Revoke, "revoked").await;
    assert!(caught >= 2, "the in-transaction check never ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_in_flight_when_its_user_is_disabled_is_refused_in_its_transaction() {
    let caught = in_flight_writes_refused(Change::DisableAlice, "disabled").await;
    assert!(caught >= 2, "the in-transaction check never ran");
}

/// Two processes on one database, and a way to change it by hand as an operator would: two
/// `serve` processes on one SQLite file (`sqlite3`-style SQL on the file), or, on the
/// PostgreSQL pass, two replicas on one schema (`psql`-style SQL).
struct Shared {
    procs: TwoProcesses,
    /// On PostgreSQL: the operator's own connection to the schema.
    db: Option<tokio_postgres::Client>,
}

impl Shared {
    async fn start() -> (Shared, [Node; 2], String) {
        let (procs, nodes, admin) = two_processes(&[]).await;
        let db = match &procs {
            TwoProcesses::Postgres { url, .. } => Some(pg::connect(url).await),
            TwoProcesses::Sqlite { .. } => None,
        };
        (Shared { procs, db }, nodes, admin)
    }

    /// Runs `sql` as one transaction, as an operator at a shell would (foreign keys are off in
    /// the `sqlite3` shell unless turned on; PostgreSQL always enforces them). The error, if any.
    async fn operator(&self, sql: &str) -> Result<(), String> {
        match &self.procs {
            TwoProcesses::Sqlite { files, .. } => {
                let conn = rusqlite::Connection::open(&files.db).unwrap();
                conn.busy_timeout(std::time::Duration::from_secs(30))
                    .unwrap();
                conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
                conn.execute_batch(&format!("BEGIN IMMEDIATE; {sql}; COMMIT"))
                    .map_err(|e| e.to_string())
            }
            TwoProcesses::Postgres { .. } => self
                .db
                .as_ref()
                .expect("a connection on PostgreSQL")
                .batch_execute(&format!("BEGIN; {sql}; COMMIT"))
                .await
                .map_err(|e| format!("{e:?}")),
        }
    }

    async fn rollback_if_failed(&self) {
        if let Some(db) = &self.db {
            let _ = db.batch_execute("ROLLBACK").await;
        }
    }
}

/// `user`'s tokens on `node`: each request's status, with the first refusal's message.
async fn uses(node: &Node, secrets: &[&str], device: &str) -> (Vec<StatusCode>, String) {
    let mut statuses = Vec::new();
    let mut said = String::new();
    for secret in secrets {
        for (m, path, body) in [
            (Method::GET, format!("{TOKENS}/me"), None),
            (Method::GET, format!("/api/v2/demo/devices/{device}"), None),
            (
                Method::POST,
                TOKENS.to_owned(),
                Some(json!({"description": "made by a user's token"})),
            ),
        ] {
            let (st, v) = node.call(m, secret, &path, body).await;
            if st == StatusCode::UNAUTHORIZED && said.is_empty() {
                said = message(&v).to_owned();
            }
            statuses.push(st);
        }
    }
    (statuses, said)
}

/// alice disabled by hand (through either column) on the database under two processes: her
/// tokens, hot in both caches, are 401 on the very next request on each, and work again once
/// she is enabled. bob deleted by hand likewise (on PostgreSQL the foreign key first makes the
/// operator delete his tokens).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_or_deleted_users_tokens_are_refused_on_the_next_request_everywhere() {
    let (shared, [a, b], admin) = Shared::start().await;
    let device = a.first_device(&admin).await;
    let (alice, _) = a
        .mint(
            &admin,
            json!({"username": "alice", "description": "alice's"}),
        )
        .await;
    let (alice_reader, _) = a
        .mint(
            &admin,
            json!({"username": "alice", "scope": format!("connect:device:demo/{device}:r")}),
        )
        .await;
    let ok_all = |n: usize| vec![StatusCode::OK; n];
    for node in [&a, &b] {
        warm(node, &alice, &device).await;
        let (st, v) = node
            .get(&alice_reader, &format!("/api/v2/demo/devices/{device}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }

    for (disable, enable) in [
        (
            "UPDATE users SET disabled = 1 WHERE username = 'alice'",
            "UPDATE users SET disabled = 0 WHERE username = 'alice'",
        ),
        (
            "UPDATE users SET status = 'disabled' WHERE username = 'alice'",
            "UPDATE users SET status = 'enabled' WHERE username = 'alice'",
        ),
    ] {
        let (disable, enable) = if svc::on_postgres() {
            (
                disable.replace("= 1", "= true"),
                enable.replace("= 0", "= false"),
            )
        } else {
            (disable.to_owned(), enable.to_owned())
        };
        shared.operator(&disable).await.unwrap();
        for (name, node) in [("b", &b), ("a", &a)] {
            let (got, said) = uses(node, &[&alice], &device).await;
            assert_eq!(got, [StatusCode::UNAUTHORIZED; 3], "{disable} on {name}");
            assert_eq!(said, "the user of this access token is disabled");
            let (st, _) = node
                .get(&alice_reader, &format!("/api/v2/demo/devices/{device}"))
                .await;
            assert_eq!(
                st,
                StatusCode::UNAUTHORIZED,
                "{disable}: a custom token of hers too"
            );
        }
        // Whichever column was set, the other follows: the users API says so.
        let (st, v) = b.get(&admin, "/access/api/v2/users?username=alice").await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["users"][0]["status"], "disabled", "{disable}: {v}");
        shared.operator(&enable).await.unwrap();
        for node in [&b, &a] {
            let (got, said) = uses(node, &[&alice], &device).await;
            assert_eq!(got, ok_all(3), "{enable}: {said}");
        }
    }

    // bob deleted.
    let (bob, _) = a
        .mint(&admin, json!({"username": "bob", "description": "bob's"}))
        .await;
    warm(&b, &bob, &device).await;
    let delete_bob = "DELETE FROM memberships WHERE username = 'bob'; \
                      DELETE FROM users WHERE username = 'bob'";
    if svc::on_postgres() {
        let refused = shared.operator(delete_bob).await;
        assert!(
            refused.as_ref().is_err_and(|e| e.contains("foreign key")),
            "{refused:?}"
        );
        shared.rollback_if_failed().await;
        let (got, _) = uses(&b, &[&bob], &device).await;
        assert_eq!(got[..2], [StatusCode::OK; 2], "nothing was deleted");
        shared
            .operator(&format!(
                "DELETE FROM tokens WHERE username = 'bob'; {delete_bob}"
            ))
            .await
            .unwrap();
    } else {
        shared.operator(delete_bob).await.unwrap();
    }
    for (name, node) in [("b", &b), ("a", &a)] {
        let (got, said) = uses(node, &[&bob], &device).await;
        assert_eq!(
            got,
            [StatusCode::UNAUTHORIZED; 3],
            "deleted bob on {name}: {said}"
        );
        if !svc::on_postgres() {
            assert_eq!(said, "the user of this access token no longer exists");
        }
    }
    // Others are untouched.
    let (got, said) = uses(&b, &[&alice], &device).await;
    assert_eq!(got, ok_all(3), "{said}");
}
