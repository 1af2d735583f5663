//! Revocation keeps working when the disk fills, failed writes are 503 + Retry-After, and
//! `/readyz` says so (issue 15, item 3). Over HTTP, on the real `tokentab serve` binary:
//!
//! - a 32 MiB tmpfs the test mounts (root only; unmounted by a guard even on failure) holds
//!   the database, filled by another process (`fallocate` leaving 2 MiB, under the 8 MiB
//!   floor, or `dd` until ENOSPC): creates 507 with the reason, revokes (by id, by value,
//!   self) 200 and the tokens then 401, refusals not recorded, `/readyz` 503; ready again once
//!   the filler's file is gone; every acknowledged create still there after a SIGKILL;
//! - the database file deleted or replaced under the service (embedded, SQLite only).
//!
//! PostgreSQL read-only or refusing connections: `tests/service_at_rest/pg_unwritable.rs`.

use crate::common::service as svc;
use crate::common::service::child as serve_child;
use crate::common::timing::within_3x;
use crate::common::tmpfs;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use svc::{call_url, code, message};
use tmpfs::{Fill, Tmpfs, fill};

const FLOOR: &str = "8MiB";
/// The floor check reads free space at most once a second: a refusal shows within ~1 s.
const REFUSE_GOAL: Duration = Duration::from_secs(1);

/// A `serve` child on the tmpfs and what the test needs to talk to it.
struct Server {
    child: tokio::process::Child,
    url: String,
    admin: String,
    http: reqwest::Client,
}

impl Server {
    async fn start(root: &Path) -> Server {
        let (db, data) = (root.join("db/tokentab.db"), root.join("data"));
        let (child, url) = serve_child::start_on(&db, &data, &["--min-free-disk", FLOOR]).await;
        let admin = std::fs::read_to_string(data.join("admin.token"))
            .unwrap()
            .trim()
            .to_owned();
        Server {
            child,
            url,
            admin,
            http: svc::client(),
        }
    }

    async fn call(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call_url(
            &self.http,
            method,
            token,
            &format!("{}{path}", self.url),
            body,
        )
        .await
    }

    async fn create(&self, description: &str) -> (StatusCode, Value) {
        let body = json!({ "description": description });
        let admin = self.admin.clone();
        self.call(
            Method::POST,
            Some(&admin),
            "/access/api/v1/tokens",
            Some(body),
        )
        .await
    }

    /// (secret, id) of a new token made by the admin; panics unless 200.
    async fn mint(&self, body: Value) -> (String, String) {
        let admin = self.admin.clone();
        let (st, v) = self
            .call(
                Method::POST,
                Some(&admin),
                "/access/api/v1/tokens",
                Some(body),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        (
            v["access_token"].as_str().unwrap().to_owned(),
            v["token_id"].as_str().unwrap().to_owned(),
        )
    }

    async fn me(&self, secret: &str) -> StatusCode {
        self.call(Method::GET, Some(secret), "/access/api/v1/tokens/me", None)
            .await
            .0
    }

    async fn ready(&self) -> (StatusCode, Value) {
        self.call(Method::GET, None, "/readyz", None).await
    }

    /// Polls `/readyz` until it answers `want`; its body.
    async fn wait_ready(&self, want: StatusCode, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let (st, v) = self.ready().await;
            if st == want {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "/readyz stayed {st} ({v}), want {want}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn live_ids(&self) -> Vec<String> {
        let admin = self.admin.clone();
        let (st, v) = self
            .call(
                Method::GET,
                Some(&admin),
                "/access/api/v1/tokens?limit=10000",
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["token_id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Creates tokens as fast as one client can until stopped: the ids answered 200, and every
/// other status seen (each must be 503 or 507).
struct Creator {
    acked: Arc<Mutex<Vec<String>>>,
    others: Arc<Mutex<Vec<(StatusCode, Value)>>>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Creator {
    fn start(url: &str, admin: &str) -> Creator {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let acked = Arc::<Mutex<Vec<String>>>::default();
        let others = Arc::<Mutex<Vec<(StatusCode, Value)>>>::default();
        let (a, o) = (Arc::clone(&acked), Arc::clone(&others));
        let (url, admin, http) = (url.to_owned(), admin.to_owned(), svc::client());
        let task = tokio::spawn(async move {
            let mut i = 0;
            while !*stopped.borrow_and_update() {
                i += 1;
                let body = json!({ "description": format!("creator #{i}") });
                let (st, v) = call_url(
                    &http,
                    Method::POST,
                    Some(&admin),
                    &format!("{url}/access/api/v1/tokens"),
                    Some(body),
                )
                .await;
                if st == StatusCode::OK {
                    a.lock()
                        .unwrap()
                        .push(v["token_id"].as_str().unwrap().to_owned());
                } else {
                    o.lock().unwrap().push((st, v));
                    // Refused: no need to spin.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        });
        Creator {
            acked,
            others,
            stop,
            task,
        }
    }

    async fn finish(self) -> (Vec<String>, Vec<(StatusCode, Value)>) {
        let _ = self.stop.send(true);
        self.task.await.unwrap();
        let acked = self.acked.lock().unwrap().clone();
        let others = self.others.lock().unwrap().clone();
        (acked, others)
    }
}

async fn audit_of(s: &Server, token_id: &str) -> Value {
    let admin = s.admin.clone();
    let (st, v) = s
        .call(
            Method::GET,
            Some(&admin),
            &format!("/tokentab/api/v1/audit?token_id={token_id}&limit=1000"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

async fn full_disk(how: Fill) {
    if svc::on_postgres() {
        eprintln!("SKIPPED on PostgreSQL: fills the SQLite file's disk");
        return;
    }
    let Some(fs) = Tmpfs::mount(32) else { return };
    let root = fs.path().to_owned();
    let reserve = root.join("db/tokentab.db-reserve");
    let mut s = Server::start(&root).await;
    assert!(reserve.exists(), "the revocation reserve is made at start");
    s.wait_ready(StatusCode::OK, Duration::from_secs(10)).await;

    // Tokens to revoke once the disk is full, three ways; one that is refused a revoke.
    let (by_id, by_id_id) = s.mint(json!({"description": "revoke by id"})).await;
    let (by_value, _) = s.mint(json!({"description": "revoke by value"})).await;
    let (selfish, _) = s.mint(json!({"description": "revokes itself"})).await;
    let (reader, _) = s.mint(json!({"scope": "connect:project:demo:r"})).await;
    for t in [&by_id, &by_value, &selfish, &reader] {
        assert_eq!(s.me(t).await, StatusCode::OK);
    }
    let refuse = format!("/access/api/v1/tokens/{by_id_id}");
    let (st, _) = s.call(Method::DELETE, Some(&reader), &refuse, None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let audit_before = audit_of(&s, &by_id_id).await;
    assert!(
        audit_before["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["result"].as_str().unwrap_or("").starts_with("403")),
        "a refusal is recorded while there is room: {audit_before}"
    );

    // Another process fills the disk while a client keeps creating.
    let creator = Creator::start(&s.url, &s.admin);
    let deadline = Instant::now() + Duration::from_secs(60);
    while creator.acked.lock().unwrap().len() < 200 {
        assert!(Instant::now() < deadline, "creates too slow");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let filler = tokio::task::spawn_blocking({
        let root = root.clone();
        move || fill(&root, how)
    })
    .await
    .unwrap();
    let filled = Instant::now();
    let refusal = loop {
        let (st, v) = s.create("after the fill").await;
        if st == StatusCode::INSUFFICIENT_STORAGE {
            break v;
        }
        assert!(
            st == StatusCode::OK || st == StatusCode::SERVICE_UNAVAILABLE,
            "{st} {v}"
        );
        assert!(
            filled.elapsed() < 3 * REFUSE_GOAL,
            "creates not refused after {:?}: goal {REFUSE_GOAL:?} (fails at 3x)",
            filled.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    within_3x(
        "creates refused after the disk filled",
        filled.elapsed(),
        REFUSE_GOAL,
    );
    let (mut acked, others) = creator.finish().await;
    assert_eq!(code(&refusal), "INSUFFICIENT_STORAGE");
    let m = message(&refusal);
    assert!(
        m.contains("disk is nearly full")
            && m.contains("floor 8 MiB")
            && m.contains("revokes still work"),
        "{m}"
    );
    for (st, v) in &others {
        assert!(
            *st == StatusCode::INSUFFICIENT_STORAGE || *st == StatusCode::SERVICE_UNAVAILABLE,
            "a create during the fill answered {st}: {v}"
        );
    }
    println!(
        "{how:?}: {} creates acknowledged, {} refused (507/503) during the fill",
        acked.len(),
        others.len()
    );

    let ready = s
        .wait_ready(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(5))
        .await;
    assert!(message(&ready).contains("disk is nearly full"), "{ready}");

    // A refusal is not recorded under the floor.
    let (st, _) = s.call(Method::DELETE, Some(&reader), &refuse, None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(audit_of(&s, &by_id_id).await, audit_before);

    // Revokes still work: by id (admin), by value (admin), self.
    let admin = s.admin.clone();
    let (st, v) = s.call(Method::DELETE, Some(&admin), &refuse, None).await;
    assert_eq!(st, StatusCode::OK, "revoke by id: {v}");
    let (st, v) = s
        .call(
            Method::DELETE,
            Some(&admin),
            "/access/api/v1/tokens/revoke",
            Some(json!({ "token": by_value })),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "revoke by value: {v}");
    let (st, v) = s
        .call(
            Method::DELETE,
            Some(&selfish),
            "/access/api/v1/tokens/me",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "revoke self: {v}");
    for t in [&by_id, &by_value, &selfish] {
        assert_eq!(s.me(t).await, StatusCode::UNAUTHORIZED);
    }
    // More revokes than the recycled WAL can hold: with zero bytes free they need the reserve.
    let mut revoked = Vec::new();
    for id in acked.iter().take(150) {
        let path = format!("/access/api/v1/tokens/{id}");
        let (st, v) = s.call(Method::DELETE, Some(&admin), &path, None).await;
        assert_eq!(
            st,
            StatusCode::OK,
            "revoke {} of the acknowledged: {v}",
            revoked.len()
        );
        revoked.push(id.clone());
    }
    let reserve_used = !reserve.exists();
    println!(
        "{how:?}: {} more revokes, reserve used: {reserve_used}",
        revoked.len()
    );
    if matches!(how, Fill::ToZero) {
        assert!(
            reserve_used,
            "with zero bytes free the revokes ran into the reserve"
        );
    }
    acked.retain(|id| !revoked.contains(id));

    // Space comes back: ready again once a write succeeds, creates work, the reserve is back.
    std::fs::remove_file(&filler).unwrap();
    let freed = Instant::now();
    s.wait_ready(StatusCode::OK, Duration::from_secs(10)).await;
    println!(
        "ready {:?} after the filler's file was removed",
        freed.elapsed()
    );
    let (st, v) = s.create("after the space came back").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    acked.push(v["token_id"].as_str().unwrap().to_owned());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !reserve.exists() {
        assert!(Instant::now() < deadline, "the reserve was not made again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Nothing acknowledged is lost, even by a SIGKILL.
    s.child.start_kill().unwrap();
    s.child.wait().await.unwrap();
    let s = Server::start(&root).await;
    let live = s.live_ids().await;
    let missing: Vec<_> = acked.iter().filter(|id| !live.contains(id)).collect();
    assert!(missing.is_empty(), "acknowledged creates lost: {missing:?}");
    for id in &revoked {
        assert!(!live.contains(id), "a revoked token is live again: {id}");
    }
    for t in [&by_id, &by_value, &selfish] {
        assert_eq!(s.me(t).await, StatusCode::UNAUTHORIZED);
    }
    // Gone before the file system is unmounted.
    let mut s = s;
    s.child.start_kill().unwrap();
    s.child.wait().await.unwrap();
}

#[tokio::test]
async fn under_the_floor_creates_are_refused_and_revokes_work() {
    full_disk(Fill::UnderFloor).await;
}

#[tokio::test]
async fn with_zero_bytes_free_revokes_run_into_the_reserve() {
    full_disk(Fill::ToZero).await;
}

/// Every write 503 + Retry-After naming the reason, `/readyz` too.
async fn writes_refused_because_the_file_is_gone(s: &svc::TestService, secret: &str) {
    let (st, v) = s
        .post_token(&s.admin, json!({"description": "into the void"}))
        .await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(code(&v), "SERVICE_UNAVAILABLE");
    assert!(
        message(&v).contains("deleted or replaced: restart the service"),
        "{v}"
    );
    let (st, v) = s.delete(secret, "/access/api/v1/tokens/me").await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "revoke: {v}");
    let resp = s.http.get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    let v: Value = resp.json().await.unwrap();
    assert!(message(&v).contains("deleted or replaced"), "{v}");
}

#[tokio::test]
async fn a_deleted_or_replaced_database_file_makes_writes_503() {
    if svc::on_postgres() {
        eprintln!("SKIPPED on PostgreSQL: deletes the SQLite file");
        return;
    }
    let s = svc::harness().start().await;
    let (secret, _) = s.mint(None, json!({"description": "kept"})).await;
    let db = s.db_path();
    let resp = s
        .http
        .post(s.url("/access/api/v1/tokens"))
        .bearer_auth(&s.admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // Replaced: a copy renamed over it (what a restore from backup does).
    let copy = db.with_extension("copy");
    std::fs::copy(&db, &copy).unwrap();
    std::fs::rename(&copy, &db).unwrap();
    writes_refused_because_the_file_is_gone(&s, &secret).await;
    let resp = s
        .http
        .post(s.url("/access/api/v1/tokens"))
        .bearer_auth(&s.admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["retry-after"], "1");

    // Deleted.
    std::fs::remove_file(&db).unwrap();
    writes_refused_because_the_file_is_gone(&s, &secret).await;
    s.handle.shutdown().await;
}
