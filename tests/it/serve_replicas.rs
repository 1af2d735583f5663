//! Several `tokentab serve` processes on one PostgreSQL database are stateless peers: started
//! together they migrate once, bootstrap one admin and one demo seed; a revoke on one is refused
//! by the next request on every other; cursors and `last_used` work across them; a replica
//! SIGKILLed during creates loses no acknowledged token; a write waiting on a disable of its
//! user is refused once that commits.
//! Needs TOKENTAB_TEST_PG (see tests/it/common/pg.rs for the line that sets it up).

use crate::common::replicas;
use crate::common::service as svc;

use crate::common::pg;

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::pg::connect;
use replicas::{Replicas, TOKENS, wait_for};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const SEED: &str = include_str!("../../assets/demo-seed.json");

/// What one demo seed loads: projects, devices, distinct users (with `admin`), token descriptions.
fn seed_counts() -> (i64, i64, i64, Vec<String>) {
    let seed: Value = serde_json::from_str(SEED).unwrap();
    let projects = seed["projects"].as_array().unwrap();
    let devices: u64 = projects
        .iter()
        .flat_map(|p| p["fleets"].as_array().unwrap())
        .map(|f| f["devices"].as_u64().unwrap())
        .sum();
    let mut users: BTreeSet<&str> = seed["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    users.insert("admin");
    let tokens = seed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["description"].as_str().unwrap().to_owned())
        .collect();
    (
        projects.len() as i64,
        devices as i64,
        users.len() as i64,
        tokens,
    )
}

async fn count(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

/// The start-up lines: one replica wrote admin.token (and says where), the others say another
/// replica wrote it and have none.
fn assert_one_admin_token_writer(r: &Replicas) {
    for (i, n) in r.nodes.iter().enumerate() {
        let file = n.data.join("admin.token");
        if i == r.writer {
            assert!(
                n.token_line.starts_with("tokentab serve: admin token in ")
                    && n.token_line.contains(file.to_str().unwrap()),
                "the writer names its file: {}",
                n.token_line
            );
        } else {
            assert!(
                n.token_line.starts_with("tokentab serve: admin token")
                    && n.token_line.contains("written by another replica"),
                "replica {i} says another replica wrote it: {}",
                n.token_line
            );
            assert!(!file.exists(), "replica {i} wrote {} too", file.display());
        }
    }
}

fn assert_no_error_lines(r: &Replicas) {
    for (i, n) in r.nodes.iter().enumerate() {
        let err = n.stderr_text();
        assert!(
            !err.contains("ERROR") && !err.to_lowercase().contains("panicked"),
            "replica {i} logged an error:\n{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_started_together_migrate_once_and_make_one_admin_and_one_seed() {
    let url = pg::fresh_schema_url();
    let r = replicas::start(&url, 3, &[]).await;
    assert_one_admin_token_writer(&r);
    let db = connect(&url).await;
    assert_eq!(count(&db, "SELECT count(*) FROM schema_version").await, 1);
    let version: i32 = db
        .query_one("SELECT version FROM schema_version", &[])
        .await
        .unwrap()
        .get(0);
    assert!(version >= 2, "schema at version {version}");

    let (projects, devices, users, seeded) = seed_counts();
    assert_eq!(count(&db, "SELECT count(*) FROM projects").await, projects);
    assert_eq!(count(&db, "SELECT count(*) FROM devices").await, devices);
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, users);
    assert_eq!(
        count(&db, "SELECT count(*) FROM users WHERE username = 'admin'").await,
        1
    );
    // Every token is one seed's, plus the one admin token start-up minted.
    let rows = db
        .query(
            "SELECT description, scope, revoked_at IS NULL FROM tokens ORDER BY seq",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        seeded.len() + 1,
        "tokens: one seed + admin.token"
    );
    let minted: Vec<_> = rows
        .iter()
        .filter(|row| !seeded.contains(&row.get::<_, String>(0)))
        .collect();
    assert_eq!(minted.len(), 1, "exactly one token besides the seed's");
    assert_eq!(minted[0].get::<_, String>(1), "applied-permissions/admin");
    assert!(minted[0].get::<_, bool>(2), "the admin token is live");

    // And it works on every replica, including those that did not write it.
    for i in 0..3 {
        let (st, v) = r.get(i, &r.admin, &format!("{TOKENS}/me")).await;
        assert_eq!(st, StatusCode::OK, "replica {i}: {v}");
    }
    assert_no_error_lines(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_seed_given_to_replicas_started_together_loads_no_demo_account() {
    let url = pg::fresh_schema_url();
    let r = replicas::start(&url, 3, &["--no-seed"]).await;
    assert_one_admin_token_writer(&r);
    let db = connect(&url).await;
    assert_eq!(count(&db, "SELECT count(*) FROM projects").await, 0);
    assert_eq!(count(&db, "SELECT count(*) FROM devices").await, 0);
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 1);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM tokens WHERE revoked_at IS NULL \
             AND scope = 'applied-permissions/admin' AND username = 'admin'"
        )
        .await,
        1
    );
    assert_eq!(count(&db, "SELECT count(*) FROM tokens").await, 1);
    assert_no_error_lines(&r);
}

/// Uses `secret` on `node` a few times (its principal is then cached there) and checks it works.
async fn warm(r: &Replicas, node: usize, secret: &str) {
    for _ in 0..3 {
        let (st, v) = r.get(node, secret, &format!("{TOKENS}/me")).await;
        assert_eq!(st, StatusCode::OK, "warm on replica {node}: {v}");
    }
}

/// One request by `secret` on `node`: a read when `write` is false, else a create acting for it.
async fn one_request(r: &Replicas, node: usize, secret: &str, write: bool) -> (StatusCode, Value) {
    if write {
        r.call(
            node,
            Method::POST,
            secret,
            TOKENS,
            Some(json!({"description": "by a revoked token"})),
        )
        .await
    } else {
        r.get(node, secret, &format!("{TOKENS}/me")).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_on_replica_b_by_id_or_value_is_refused_by_the_next_request_on_replicas_a_and_c() {
    let url = pg::fresh_schema_url();
    let r = replicas::start(&url, 3, &["--no-seed"]).await;
    let (a, b, c) = (0, 1, 2);
    const ROUNDS: usize = 30;
    for i in 0..ROUNDS {
        let (secret, id) = r
            .mint(
                a,
                json!({"scope": "applied-permissions/admin", "description": format!("revoke {i}")}),
            )
            .await;
        warm(&r, a, &secret).await;
        warm(&r, c, &secret).await;
        // By id, and every third round by value (`DELETE /tokens/revoke`).
        let (st, v) = if i % 3 == 2 {
            let body = json!({ "token": secret });
            r.call(
                b,
                Method::DELETE,
                &r.admin,
                &format!("{TOKENS}/revoke"),
                Some(body),
            )
            .await
        } else {
            r.call(b, Method::DELETE, &r.admin, &format!("{TOKENS}/{id}"), None)
                .await
        };
        assert_eq!(st, StatusCode::OK, "revoke on B: {v}");
        if i % 3 == 2 {
            assert_eq!(v["revoked-token-id"], id.as_str(), "{v}");
        }
        // The very next request on A and on C; every other round that request is a write.
        let write = i % 2 == 1;
        for node in [a, c] {
            let (st, v) = one_request(&r, node, &secret, write).await;
            assert_eq!(
                st,
                StatusCode::UNAUTHORIZED,
                "round {i}: the next {} on replica {node} after a revoke on B: {v}",
                if write { "create" } else { "read" }
            );
        }
        let (st, v) = one_request(&r, a, &secret, !write).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "round {i}, then: {v}");
    }
    // No revoked token managed to create anything.
    let db = connect(&url).await;
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM tokens WHERE description = 'by a revoked token'"
        )
        .await,
        0
    );
    assert_no_error_lines(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_from_replica_a_continues_on_replica_b_with_the_same_rows() {
    let url = pg::fresh_schema_url();
    let r = replicas::start(&url, 2, &["--no-seed"]).await;
    for i in 0..40 {
        r.mint(i % 2, json!({"description": format!("page {i:02}")}))
            .await;
    }
    let on_a = r.all_token_ids(0, 7).await;
    assert_eq!(on_a.len(), 41, "40 + admin.token");
    assert_eq!(r.all_token_ids(1, 7).await, on_a, "B pages alike");
    // Alternate replicas page by page: the first page from A, then B, A, B, …
    let mut mixed = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0..100 {
        let path = match &cursor {
            Some(c) => format!("{TOKENS}?limit=7&cursor={c}"),
            None => format!("{TOKENS}?limit=7"),
        };
        let (st, v) = r.get(page % 2, &r.admin, &path).await;
        assert_eq!(st, StatusCode::OK, "page {page}: {v}");
        for t in v["tokens"].as_array().unwrap() {
            mixed.push(t["token_id"].as_str().unwrap().to_owned());
        }
        match v["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(mixed, on_a, "pages alternating A/B list what A alone lists");
}

async fn stored_last_used(db: &tokio_postgres::Client, id: &str) -> Option<i64> {
    db.query_one("SELECT last_used FROM tokens WHERE token_id = $1", &[&id])
        .await
        .unwrap()
        .get(0)
}

async fn api_last_used(r: &Replicas, node: usize, id: &str) -> Option<i64> {
    let (st, v) = r.get(node, &r.admin, &format!("{TOKENS}/{id}")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["last_used"].as_i64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_used_never_moves_back_when_replicas_record_it_interleaved() {
    let url = pg::fresh_schema_url();
    let r = replicas::start(&url, 2, &["--no-seed"]).await;
    let db = connect(&url).await;
    let (secret, id) = r.mint(0, json!({"description": "last used"})).await;
    let started = chrono_now();
    // Interleaved use on both replicas; what either reports never goes back.
    let mut seen = 0i64;
    for i in 0..20 {
        let (st, _) = r.get(i % 2, &secret, &format!("{TOKENS}/me")).await;
        assert_eq!(st, StatusCode::OK);
        for node in 0..2 {
            if let Some(t) = api_last_used(&r, node, &id).await {
                assert!(t >= seen, "replica {node} reports {t} after {seen}");
                seen = t;
            }
        }
    }
    let first = wait_for(Duration::from_secs(30), "last_used recorded", || async {
        stored_last_used(&db, &id).await
    })
    .await;
    assert!(
        first >= started - 1,
        "recorded {first}, used from {started}"
    );

    // A newer value written elsewhere (a replica whose clock is ahead) at the moment a replica
    // records a use of a never-used token: whichever lands first, the newer value stays.
    let ahead = started + 100_000;
    for k in 0..10 {
        let node = k % 2;
        let (fresh, fresh_id) = r
            .mint(node, json!({"description": format!("fresh {k}")}))
            .await;
        let me = format!("{TOKENS}/me");
        let (used, _) = tokio::join!(r.get(node, &fresh, &me), async {
            db.execute(
                "UPDATE tokens SET last_used = $2 WHERE token_id = $1",
                &[&fresh_id, &ahead],
            )
            .await
            .unwrap()
        });
        assert_eq!(used.0, StatusCode::OK);
        // A barrier: once a later use on the same replica is recorded, this one's has run.
        let (barrier, barrier_id) = r.mint(node, json!({"description": "barrier"})).await;
        let (st, _) = r.get(node, &barrier, &me).await;
        assert_eq!(st, StatusCode::OK);
        wait_for(Duration::from_secs(30), "barrier's last_used", || async {
            stored_last_used(&db, &barrier_id).await
        })
        .await;
        // Over a short bounded window the newer value holds, in the table and on both replicas.
        let window = Instant::now() + Duration::from_millis(300);
        while Instant::now() < window {
            assert_eq!(
                stored_last_used(&db, &fresh_id).await,
                Some(ahead),
                "round {k}: stored"
            );
            for n in 0..2 {
                assert_eq!(
                    api_last_used(&r, n, &fresh_id).await,
                    Some(ahead),
                    "round {k}: replica {n}"
                );
            }
        }
    }
    // And the first token's interleaved uses never went past what either replica last saw.
    assert!(stored_last_used(&db, &id).await >= Some(seen));
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_sigkilled_during_creates_through_two_loses_no_acknowledged_token() {
    let url = pg::fresh_schema_url();
    let mut r = replicas::start(&url, 2, &["--no-seed"]).await;
    let urls: Vec<String> = r.nodes.iter().map(|n| n.url.clone()).collect();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let after_kill = Arc::new(Mutex::new(0usize));
    let killed = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (http, urls, admin) = (r.http.clone(), urls.clone(), r.admin.clone());
        let (acked, after_kill) = (Arc::clone(&acked), Arc::clone(&after_kill));
        let (killed, stop) = (Arc::clone(&killed), Arc::clone(&stop));
        writers.push(tokio::spawn(async move {
            let mut errors_on_survivor = 0;
            for i in 0..100_000usize {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let node = (w + i) % 2;
                let was_killed = killed.load(Ordering::SeqCst);
                let sent = http
                    .post(format!("{}{TOKENS}", urls[node]))
                    .bearer_auth(&admin)
                    .json(&json!({"description": format!("writer {w} #{i}")}))
                    .send()
                    .await;
                let ok = match sent {
                    Ok(resp) if resp.status() == StatusCode::OK => resp
                        .json::<Value>()
                        .await
                        .ok()
                        .and_then(|v| v["token_id"].as_str().map(str::to_owned)),
                    _ => None,
                };
                match ok {
                    Some(id) => {
                        acked.lock().unwrap().push(id);
                        if was_killed && node == 0 {
                            *after_kill.lock().unwrap() += 1;
                        }
                    }
                    // Replica 1 may fail once killed; replica 0 must keep serving.
                    None if node == 0 => errors_on_survivor += 1,
                    None => {}
                }
            }
            errors_on_survivor
        }));
    }
    wait_for(
        Duration::from_secs(120),
        "150 creates acknowledged",
        || async { (acked.lock().unwrap().len() >= 150).then_some(()) },
    )
    .await;
    // SIGKILL replica 1 while the writers are still sending to it.
    r.nodes[1].child.start_kill().unwrap();
    killed.store(true, Ordering::SeqCst);
    let status = r.nodes[1].child.wait().await.unwrap();
    assert!(!status.success(), "killed: {status}");
    let at_kill = acked.lock().unwrap().len();
    wait_for(
        Duration::from_secs(60),
        "100 creates on the survivor",
        || async { (*after_kill.lock().unwrap() >= 100).then_some(()) },
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    let mut survivor_errors = 0;
    for w in writers {
        survivor_errors += w.await.unwrap();
    }
    assert_eq!(survivor_errors, 0, "the surviving replica refused creates");
    let acked: Vec<String> = acked.lock().unwrap().clone();
    let listed: HashSet<String> = r.all_token_ids(0, 500).await.into_iter().collect();
    let lost: Vec<&String> = acked.iter().filter(|id| !listed.contains(*id)).collect();
    eprintln!(
        "{} creates acknowledged ({at_kill} before the SIGKILL), {} listed, {} lost",
        acked.len(),
        listed.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged but not listed: {lost:?}");
    assert!(r.nodes[0].running(), "the survivor exited");
}

/// A write whose caller's user is being disabled (by hand, in a transaction not yet committed)
/// waits for it — its caller check locks the user row, which the disable holds — and once the disable
/// commits it is refused inside its own transaction: no write by a disabled user's token commits
/// after the disable did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_waiting_on_a_disable_of_its_user_is_refused_when_that_commits() {
    let url = pg::fresh_schema_url();
    let r = replicas::start(&url, 1, &["--no-seed"]).await;
    let db = connect(&url).await;
    db.batch_execute("INSERT INTO users (username) VALUES ('carol')")
        .await
        .unwrap();
    let (secret, _) = r
        .mint(
            0,
            json!({"username": "carol", "scope": "applied-permissions/admin"}),
        )
        .await;
    warm(&r, 0, &secret).await;
    let operator = connect(&url).await;
    operator
        .batch_execute("BEGIN; UPDATE users SET disabled = true WHERE username = 'carol'")
        .await
        .unwrap();
    let (http, tokens) = (r.http.clone(), r.nodes[0].url(TOKENS));
    let write = tokio::spawn(async move {
        svc::call_url(
            &http,
            Method::POST,
            Some(&secret),
            &tokens,
            Some(json!({"description": "by a user being disabled"})),
        )
        .await
    });
    wait_for(
        Duration::from_secs(20),
        "the write's caller check waits for the disable's row lock",
        || async {
            let waiting = count(
                &db,
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                 AND query LIKE '%JOIN users u ON u.username = t.username%'",
            )
            .await;
            (waiting > 0).then_some(())
        },
    )
    .await;
    operator.batch_execute("COMMIT").await.unwrap();
    let (st, v) = write.await.unwrap();
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
    assert_eq!(
        v["errors"][0]["message"],
        "the user of this access token is disabled (found when writing)"
    );
    let made = count(
        &db,
        "SELECT count(*) FROM tokens WHERE description = 'by a user being disabled'",
    )
    .await;
    assert_eq!(made, 0);
}
