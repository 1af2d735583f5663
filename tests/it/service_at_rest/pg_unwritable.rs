//! PostgreSQL that cannot be written (issue 15, item 3): read-only, or refusing connections.
//! Writes answer 503 + Retry-After (never 500), `/readyz` 503, and both recover when the
//! database does. On a database of its own (the run's role may create databases), so that
//! making it read-only touches no other test. Needs `TOKENTAB_TEST_PG` (tests/pg-setup.sh).

use crate::common::service as svc;

use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use svc::code;

/// A database of the run's PostgreSQL role for one test (dropped at the end, even on failure),
/// which the test may make read-only or closed to connections without touching others'.
struct PrivateDb {
    base: String,
    name: String,
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args(["-XAtq", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl PrivateDb {
    fn create() -> PrivateDb {
        let base = crate::common::pg::url();
        let mut bytes = [0u8; 6];
        getrandom::fill(&mut bytes).unwrap();
        let name = format!("tokentab_disk_{}", hex::encode(bytes));
        psql(&base, &format!("CREATE DATABASE {name}"));
        PrivateDb { base, name }
    }

    /// The service's URL: the run's, naming this database.
    fn url(&self) -> String {
        let (head, tail) = self.base.rsplit_once('/').unwrap();
        let query = tail
            .split_once('?')
            .map_or(String::new(), |(_, q)| format!("?{q}"));
        format!("{head}/{}{query}", self.name)
    }

    /// Runs `sql` (on the run's database), then closes every session of this one, so the
    /// service's next connections see the change. On the blocking pool: the service shares
    /// this test's runtime and must go on running (its connections answer PostgreSQL).
    async fn alter(&self, sql: &str) {
        let (base, sql) = (self.base.clone(), sql.to_owned());
        let terminate = format!(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{}'",
            self.name
        );
        tokio::task::spawn_blocking(move || {
            psql(&base, &sql);
            psql(&base, &terminate);
        })
        .await
        .unwrap();
    }
}

impl Drop for PrivateDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args(["-XAtq", "-d", &self.base, "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .status();
    }
}

async fn expect_503(s: &svc::TestService, secret: &str, why: &str) {
    for i in 0..3 {
        let resp = s
            .http
            .post(s.url("/access/api/v1/tokens"))
            .bearer_auth(&s.admin)
            .json(&json!({"description": format!("refused {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "create #{i} while {why}"
        );
        assert_eq!(resp.headers()["retry-after"], "1");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(code(&v), "SERVICE_UNAVAILABLE", "{v}");
    }
    let (st, v) = s.delete(secret, "/access/api/v1/tokens/me").await;
    assert_eq!(
        st,
        StatusCode::SERVICE_UNAVAILABLE,
        "revoke while {why}: {v}"
    );
    let resp = s.http.get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "/readyz while {why}"
    );
    assert_eq!(resp.headers()["retry-after"], "1");
}

async fn back_to_ready(s: &svc::TestService, secret: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let resp = s.http.get(s.url("/readyz")).send().await.unwrap();
        if resp.status() == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz stayed {}",
            resp.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (st, v) = s.post_token(&s.admin, json!({"description": "back"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, _) = s.get(secret, "/access/api/v1/tokens/me").await;
    assert_eq!(st, StatusCode::OK, "the failed revoke did not happen");
}

#[tokio::test]
async fn postgres_read_only_or_refusing_connections_is_503_and_not_ready() {
    svc::install_crypto();
    let db = PrivateDb::create();
    let url = db.url();
    let s = svc::harness().postgres(&url).start().await;
    let (secret, _) = s.mint(None, json!({"description": "kept"})).await;
    let (st, _) = s.call(Method::GET, None, "/readyz", None).await;
    assert_eq!(st, StatusCode::OK);

    let name = &db.name;
    db.alter(&format!(
        "ALTER DATABASE {name} SET default_transaction_read_only = on"
    ))
    .await;
    expect_503(&s, &secret, "read-only").await;
    db.alter(&format!(
        "ALTER DATABASE {name} RESET default_transaction_read_only"
    ))
    .await;
    back_to_ready(&s, &secret).await;

    db.alter(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await;
    expect_503(&s, &secret, "refusing connections").await;
    db.alter(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await;
    back_to_ready(&s, &secret).await;
    // The client's keep-alive connections would hold the service (and its pool) open; the
    // database is dropped once nothing uses it.
    let svc::TestService { handle, http, .. } = s;
    drop(http);
    handle.shutdown().await;
    // Off the runtime: a connection the service was opening when it stopped is dropped only
    // when the runtime runs, and DROP DATABASE waits for it (up to PostgreSQL's 60 s
    // authentication_timeout when the runtime's one thread is blocked in psql).
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}
