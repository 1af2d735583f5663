//! Secrets at rest, concurrent creates, restart, the admin token file and the demo seed.

use crate::common::service as svc;
use crate::common::service::harness;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use svc::TestService;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Everything stored, and how a hash shows in it: the SQLite file and its WAL (raw bytes), or on
/// PostgreSQL every row of the service's schema as text (bytea as hex).
async fn stored(sqlite: Option<PathBuf>, postgres: Option<&str>) -> (Vec<u8>, bool) {
    if let Some(db) = sqlite {
        let mut bytes = std::fs::read(&db).unwrap();
        if let Ok(w) = std::fs::read(db.with_extension("db-wal")) {
            bytes.extend(w);
        }
        return (bytes, false);
    }
    let db = crate::common::pg::connect(postgres.expect("a backend")).await;
    let tables = db
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema()",
            &[],
        )
        .await
        .unwrap();
    assert!(!tables.is_empty(), "the service's schema has tables");
    let mut text = String::new();
    for t in tables {
        let name: String = t.get(0);
        for row in db
            .query(&format!("SELECT t::text FROM \"{name}\" t"), &[])
            .await
            .unwrap()
        {
            text.push_str(row.get::<_, &str>(0));
            text.push('\n');
        }
    }
    (text.into_bytes(), true)
}

#[tokio::test]
async fn no_secret_at_rest() {
    let s = harness().seeded().start().await;
    let mut secrets = vec![s.admin.clone()];
    for i in 0..40 {
        let scope = match i % 3 {
            0 => "applied-permissions/user",
            1 => "applied-permissions/admin",
            _ => "connect:project:demo:r",
        };
        let (secret, _) = s
            .mint(
                None,
                json!({"scope": scope, "description": format!("at rest {i}")}),
            )
            .await;
        secrets.push(secret);
    }
    // Use them, so last_used writes happen too.
    for secret in &secrets {
        let (st, _) = s.get(secret, "/access/api/v1/tokens/me").await;
        assert_eq!(st, StatusCode::OK);
    }
    let check = |(bytes, hex_hash): (Vec<u8>, bool), when: &str| {
        for secret in &secrets {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "a secret is stored ({when})"
            );
            let hash = Sha256::digest(secret.as_bytes());
            let hash = if hex_hash {
                hex::encode(hash).into_bytes()
            } else {
                hash.to_vec()
            };
            assert!(contains(&bytes, &hash), "its hash is stored ({when})");
        }
    };
    if let Some(db) = s.sqlite_file() {
        assert!(
            std::fs::metadata(db.with_extension("db-wal")).is_ok(),
            "WAL mode"
        );
    }
    check(
        stored(s.sqlite_file(), s.postgres.as_deref()).await,
        "running: db + wal",
    );
    let sqlite = s.sqlite_file();
    let TestService {
        handle,
        dir,
        postgres,
        ..
    } = s;
    handle.shutdown().await;
    check(stored(sqlite, postgres.as_deref()).await, "after shutdown");
    drop(dir);
}

#[tokio::test]
async fn concurrent_creates_then_restart() {
    let s = Arc::new(harness().start().await);
    let before = s.all_token_ids(&s.admin).await.len();
    let mut tasks = Vec::new();
    for t in 0..20 {
        let s = Arc::clone(&s);
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            for i in 0..10 {
                let (st, v) = s
                    .post_token(
                        &s.admin,
                        json!({"description": format!("task {t} token {i}"), "expires_in": 86_400}),
                    )
                    .await;
                assert_eq!(st, StatusCode::OK, "{v}");
                made.push((
                    v["token_id"].as_str().unwrap().to_owned(),
                    v["access_token"].as_str().unwrap().to_owned(),
                ));
            }
            made
        }));
    }
    let mut made = Vec::new();
    for t in tasks {
        made.extend(t.await.unwrap());
    }
    assert_eq!(made.len(), 200);
    let ids: HashSet<&String> = made.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 200, "unique ids");
    let secrets: HashSet<&String> = made.iter().map(|(_, s)| s).collect();
    assert_eq!(secrets.len(), 200, "unique secrets");
    let listed = s.all_token_ids(&s.admin).await;
    assert_eq!(listed.len(), before + 200);
    let listed_set: HashSet<&String> = listed.iter().collect();
    assert_eq!(
        listed_set.len(),
        listed.len(),
        "no duplicates in the listing"
    );
    assert!(ids.iter().all(|id| listed_set.contains(id)));

    // Revoke every tenth, restart on the same file.
    let revoked: Vec<&(String, String)> = made.iter().step_by(10).collect();
    for (id, _) in &revoked {
        let (st, _) = s
            .delete(&s.admin, &format!("/access/api/v1/tokens/{id}"))
            .await;
        assert_eq!(st, StatusCode::OK);
    }
    let admin_before = s.admin.clone();
    let s = Arc::into_inner(s).unwrap().restart().await;
    assert_eq!(s.admin, admin_before, "a valid admin.token is kept");
    let listed: HashSet<String> = s.all_token_ids(&s.admin).await.into_iter().collect();
    assert_eq!(listed.len(), before + 180);
    for (i, (id, secret)) in made.iter().enumerate() {
        let (st, _) = s.get(secret, "/access/api/v1/tokens/me").await;
        if i % 10 == 0 {
            assert!(!listed.contains(id));
            assert_eq!(st, StatusCode::UNAUTHORIZED, "revoked stays revoked");
            let (st, _) = s
                .get(&s.admin, &format!("/access/api/v1/tokens/{id}"))
                .await;
            assert_eq!(st, StatusCode::NOT_FOUND);
        } else {
            assert!(listed.contains(id));
            assert_eq!(st, StatusCode::OK, "still valid after restart");
        }
    }
    s.handle.shutdown().await;
}

#[tokio::test]
async fn admin_token_file_is_private_and_renewed_when_lost() {
    let s = harness().start().await;
    let path = s.handle.admin_token_path.clone();
    assert_eq!(path, s.dir.path().join("data").join("admin.token"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let first = s.admin.clone();

    // Missing file: a fresh one.
    std::fs::remove_file(&path).unwrap();
    let s = s.restart().await;
    assert_ne!(s.admin, first);
    let (st, _) = s.get(&s.admin, "/access/api/v2/users").await;
    assert_eq!(st, StatusCode::OK);
    // Garbage: a fresh one.
    std::fs::write(&path, "not a token\n").unwrap();
    let s = s.restart().await;
    let (st, _) = s.get(&s.admin, "/access/api/v2/users").await;
    assert_eq!(st, StatusCode::OK);
    // Revoked: a fresh one.
    let old = s.admin.clone();
    let (st, _) = s.delete(&old, "/access/api/v1/tokens/me").await;
    assert_eq!(st, StatusCode::OK);
    let s = s.restart().await;
    assert_ne!(s.admin, old);
    let (st, v) = s.get(&s.admin, "/access/api/v1/tokens/me").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["scope"], "applied-permissions/admin");
    // The first one (file lost, never revoked) still works: losing the file is not a revoke.
    let (st, _) = s.get(&first, "/access/api/v1/tokens/me").await;
    assert_eq!(st, StatusCode::OK);
    s.handle.shutdown().await;
}

#[tokio::test]
async fn demo_seed_has_every_kind_of_token() {
    let started = Instant::now();
    let s = harness().seeded().start().await;
    let ready = started.elapsed();
    let (_, first_page) = s.get(&s.admin, "/access/api/v1/tokens?limit=500").await;
    eprintln!(
        "seeded start {ready:?}, first token page after {:?}",
        started.elapsed()
    );
    let (_, projects) = s.get(&s.admin, "/access/api/v1/projects").await;
    assert_eq!(projects.as_array().unwrap().len(), 3);
    let mut fleets = 0;
    let mut devices = 0;
    for p in projects.as_array().unwrap() {
        let key = p["project_key"].as_str().unwrap();
        let (_, v) = s.get(&s.admin, &format!("/api/v2/{key}/fleets")).await;
        for f in v["fleets"].as_array().unwrap() {
            fleets += 1;
            devices += f["device_count"].as_u64().unwrap();
        }
    }
    assert!(
        fleets >= 6 && devices >= 300,
        "{fleets} fleets, {devices} devices"
    );
    let (_, users) = s.get(&s.admin, "/access/api/v2/users").await;
    assert!(users["users"].as_array().unwrap().len() >= 8);

    let tokens = first_page["tokens"].as_array().unwrap();
    assert!(tokens.len() >= 26, "25 seeded + the admin token");
    let now = chrono::Utc::now().timestamp();
    let scopes: Vec<&str> = tokens
        .iter()
        .map(|t| t["scope"].as_str().unwrap())
        .collect();
    let count = |f: &dyn Fn(&serde_json::Value) -> bool| tokens.iter().filter(|t| f(t)).count();
    assert!(scopes.contains(&"applied-permissions/admin"));
    assert!(scopes.contains(&"applied-permissions/user"));
    for kind in ["connect:project:", "connect:fleet:", "connect:device:"] {
        assert!(scopes.iter().any(|s| s.starts_with(kind)), "{kind}");
    }
    assert!(
        scopes
            .iter()
            .any(|s| s.starts_with("connect:") && s.contains(' ')),
        "several items"
    );
    assert!(count(&|t| t.get("expiry").is_none()) >= 2, "never expiring");
    assert!(
        count(&|t| t["expiry"].as_i64().is_some_and(|e| e <= now)) >= 2,
        "expired"
    );
    assert!(
        count(&|t| t["expiry"]
            .as_i64()
            .is_some_and(|e| e > now && e - now <= 7 * 86_400))
            >= 2,
        "expiring within 7 days"
    );
    // Device targets of seeded tokens exist.
    for scope in scopes.iter().filter(|s| s.contains("connect:device:")) {
        for item in scope
            .split(' ')
            .filter(|i| i.starts_with("connect:device:"))
        {
            let target = item.split(':').nth(2).unwrap();
            let (project, dev) = target.split_once('/').unwrap();
            let (st, _) = s
                .get(&s.admin, &format!("/api/v2/{project}/devices/{dev}"))
                .await;
            assert_eq!(st, StatusCode::OK, "{item}");
        }
    }
    s.handle.shutdown().await;
}
