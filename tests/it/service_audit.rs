//! The audit trail of the embedded service: a row for every create, revoke (by id, by value,
//! self), refresh and device change, written in the change's own transaction; refusals
//! recorded; admin-only reading with filters and paging; no secret or hash in any row;
//! retention pruning; and the SIGKILL test against the real `tokentab serve`.

use crate::common::service as svc;
use crate::common::service::child as serve_child;
use crate::common::service::harness;

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use svc::TestService;

/// Every audit row the admin can read, following `cursor` pages of `limit`.
async fn all_rows(s: &TestService, query: &str, limit: u32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/tokentab/api/v1/audit?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (st, v) = s.get(&s.admin, &path).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        out.extend(v["entries"].as_array().unwrap().iter().cloned());
        match v["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

fn find<'a>(rows: &'a [Value], action: &str, target: &str) -> &'a Value {
    rows.iter()
        .find(|r| {
            r["action"] == action
                && (r["token_id"] == target || r["device"].as_str() == Some(target))
        })
        .unwrap_or_else(|| panic!("no {action} row for {target} in {rows:#?}"))
}

/// The texts a secret could leak as: itself, its SHA-256 in hex and base64.
fn leak_forms(secret: &str) -> Vec<String> {
    let h = Sha256::digest(secret.as_bytes());
    let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    vec![
        secret.to_owned(),
        hex.clone(),
        hex.to_uppercase(),
        STANDARD.encode(h),
        STANDARD_NO_PAD.encode(h),
        URL_SAFE.encode(h),
        URL_SAFE_NO_PAD.encode(h),
    ]
}

#[tokio::test]
async fn every_change_and_refusal_is_recorded_and_only_admins_read_it() {
    let s = harness().seeded().start().await;
    let mut secrets = vec![s.admin.clone()];
    let admin_id = s.get(&s.admin, "/access/api/v1/tokens/me").await.1["token_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // create (refreshable) and refresh
    let (st, v) = s
        .post_token(
            &s.admin,
            json!({"description": "to refresh", "refreshable": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let refreshed_id = v["token_id"].as_str().unwrap().to_owned();
    secrets.push(v["access_token"].as_str().unwrap().to_owned());
    secrets.push(v["refresh_token"].as_str().unwrap().to_owned());
    let (st, v) = s
        .post_token(
            &s.admin,
            json!({"grant_type": "refresh_token", "refresh_token": secrets[2]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let refresh_new_id = v["token_id"].as_str().unwrap().to_owned();
    secrets.push(v["access_token"].as_str().unwrap().to_owned());
    secrets.push(v["refresh_token"].as_str().unwrap().to_owned());

    // revoke by id, by value, self
    let (by_id_secret, by_id) = s
        .mint(None, json!({"description": "revoke me by id"}))
        .await;
    let (by_value_secret, by_value) = s.mint(None, json!({"description": "by value"})).await;
    let (alice, alice_id) = s
        .mint(
            None,
            json!({"username": "alice", "description": "alice main"}),
        )
        .await;
    let (alice_self, alice_self_id) = s
        .mint(
            None,
            json!({"username": "alice", "description": "alice self"}),
        )
        .await;
    secrets.extend([
        by_id_secret,
        by_value_secret.clone(),
        alice.clone(),
        alice_self.clone(),
    ]);
    let (st, _) = s
        .delete(&s.admin, &format!("/access/api/v1/tokens/{by_id}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = s
        .call(
            Method::DELETE,
            Some(&s.admin),
            "/access/api/v1/tokens/revoke",
            Some(json!({"token": by_value_secret})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, _) = s.delete(&alice_self, "/access/api/v1/tokens/me").await;
    assert_eq!(st, StatusCode::OK);

    // refusals that reach the handlers
    let (st, _) = s
        .delete(&alice, &format!("/access/api/v1/tokens/{admin_id}"))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let unknown = tokentab::service::new_secret().unwrap().to_string();
    secrets.push(unknown.clone());
    let (st, _) = s
        .call(
            Method::DELETE,
            Some(&alice),
            "/access/api/v1/tokens/revoke",
            Some(json!({"token": unknown})),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = s
        .post_token(
            &alice,
            json!({"scope": "applied-permissions/admin", "description": "nope"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // device changes
    let lab = s.devices("demo", "lab").await;
    let patched = format!("demo/{}", lab[0]);
    let deleted = format!("demo/{}", lab[1]);
    let (st, _) = s
        .patch(
            &s.admin,
            &format!("/api/v2/demo/devices/{}", lab[0]),
            json!({"description": "shelf 3"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .delete(&s.admin, &format!("/api/v2/demo/devices/{}", lab[1]))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .delete(&alice, &format!("/api/v2/demo/devices/{}", lab[2]))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Only admins read the trail.
    let (st, v) = s.get(&alice, "/tokentab/api/v1/audit").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(svc::code(&v), "FORBIDDEN");

    let rows = all_rows(&s, "", 1000).await;
    let ok = |action: &str, target: &str, actor: &str| {
        let r = find(&rows, action, target);
        assert_eq!(r["result"], "ok", "{r}");
        assert_eq!(r["actor"], actor, "{r}");
        let source = r["source"].as_str().unwrap_or_default();
        assert!(source.starts_with("127.0.0.1:"), "{r}");
        r.clone()
    };
    // Start-up's own admin token: made by the service, no request behind it.
    let boot = find(&rows, "create", &admin_id);
    assert_eq!(boot["actor"], "tokentab serve", "{boot}");
    assert_eq!(boot["result"], "ok");
    let r = ok("create", &refreshed_id, "admin");
    assert_eq!(r["description"], "to refresh");
    assert_eq!(r["actor_token_id"], admin_id.as_str());
    ok("create", &by_id, "admin");
    ok("create", &alice_id, "admin");
    ok("refresh", &refresh_new_id, "admin");
    assert_eq!(
        find(&rows, "refresh", &refreshed_id)["result"],
        "ok: replaced"
    );
    assert_eq!(
        ok("revoke", &by_id, "admin")["description"],
        "revoke me by id"
    );
    assert_eq!(
        ok("revoke_by_value", &by_value, "admin")["description"],
        "by value"
    );
    let r = ok("revoke_self", &alice_self_id, "alice");
    assert_eq!(r["actor_token_id"], alice_self_id.as_str());
    ok("device_update", &patched, "admin");
    ok("device_delete", &deleted, "admin");
    let refusal = |action: &str, result: &str| {
        assert!(
            rows.iter()
                .any(|r| r["action"] == action && r["actor"] == "alice" && r["result"] == result),
            "no {action} row with {result}: {rows:#?}"
        );
    };
    refusal("revoke", "204 not found");
    refusal("revoke_by_value", "404 NOT_FOUND");
    refusal("create", "403 FORBIDDEN");
    refusal("device_delete", "403 FORBIDDEN");

    // Filters and paging.
    let one = all_rows(&s, &format!("&token_id={by_id}"), 10).await;
    assert_eq!(one.len(), 2, "{one:#?}"); // create + revoke
    assert!(one.iter().all(|r| r["token_id"] == by_id.as_str()));
    let alices = all_rows(&s, "&actor=alice", 10).await;
    assert!(alices.len() >= 5 && alices.iter().all(|r| r["actor"] == "alice"));
    let creates = all_rows(&s, "&action=create", 10).await;
    assert!(creates.iter().all(|r| r["action"] == "create"));
    assert_eq!(all_rows(&s, "&since=4102444800", 10).await.len(), 0);
    assert_eq!(
        all_rows(&s, "&since=2000-01-01T00:00:00Z", 10).await.len(),
        rows.len()
    );
    let paged = all_rows(&s, "", 3).await;
    assert_eq!(paged, rows, "pages of 3 put together differ from one page");
    let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let (st, _) = s
        .get(&s.admin, "/tokentab/api/v1/audit?since=yesterday")
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = s.get(&s.admin, "/tokentab/api/v1/audit?cursor=x").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // No secret or hash in any row, through the API or in the database file's audit table.
    let api_text = serde_json::to_string(&rows).unwrap();
    let db_text = svc::db_texts(
        s.sqlite_file(),
        s.postgres.as_deref(),
        [
            "SELECT quote(at)||quote(actor)||quote(actor_token_id)||quote(action)||quote(target_token_id)||quote(description)||quote(device)||quote(source)||quote(result) FROM audit",
            "SELECT concat_ws('|', at::text, actor, actor_token_id, action, target_token_id, \
             description, device, source, result) FROM audit",
        ],
        &[],
    )
    .await;
    let db_text = db_text.join("\n");
    assert!(db_text.contains(&by_id), "the scan reads the rows");
    for secret in &secrets {
        for form in leak_forms(secret) {
            assert!(
                !api_text.contains(&form),
                "a secret or its hash in the API rows"
            );
            assert!(
                !db_text.contains(&form),
                "a secret or its hash in the audit table"
            );
        }
    }
}

#[tokio::test]
async fn rows_past_the_retention_are_pruned_at_start_and_newer_kept() {
    let s = harness().start().await;
    let (_, fresh) = s.mint(None, json!({"description": "fresh"})).await;
    let now = chrono::Utc::now().timestamp();
    let old_rows = [
        (40, "old-40d"),
        (31, "old-31d"),
        (29, "kept-29d"),
        (1, "kept-1d"),
    ];
    const INSERT: &str = "INSERT INTO audit (at, actor, actor_token_id, action, target_token_id, result) \
                          VALUES ($1, 'admin', 'x', 'create', $2, 'ok')";
    match (s.sqlite_file(), &s.postgres) {
        (Some(db), _) => {
            let conn = rusqlite::Connection::open(&db).unwrap();
            for (days, id) in old_rows {
                conn.execute(INSERT, rusqlite::params![now - days * 86_400, id])
                    .unwrap();
            }
        }
        (None, Some(url)) => {
            let db = crate::common::pg::connect(url).await;
            for (days, id) in old_rows {
                db.execute(INSERT, &[&(now - days * 86_400), &id])
                    .await
                    .unwrap();
            }
        }
        (None, None) => unreachable!("a backend"),
    }
    let s = s
        .restart_tuned(|o| o.audit_retention = Some(Duration::from_secs(30 * 86_400)))
        .await;
    let targets: HashSet<String> = all_rows(&s, "", 100)
        .await
        .iter()
        .filter_map(|r| r["token_id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        targets.contains("kept-29d") && targets.contains("kept-1d"),
        "{targets:?}"
    );
    assert!(targets.contains(&fresh), "{targets:?}");
    assert!(
        !targets.contains("old-40d") && !targets.contains("old-31d"),
        "{targets:?}"
    );
    s.handle.shutdown().await;
}

#[tokio::test]
async fn serve_refuses_a_bad_retention() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--audit-retention",
            "forever-ish",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--audit-retention"));
}

/// SIGKILL during concurrent creates: after a restart, every acknowledged create has its audit
/// row, and every `create ok` row names a token that exists (row and change commit together).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_creates_every_acknowledged_create_has_its_row() {
    let mut s = harness().spawn_binary(&[]).await;
    let (http, url, admin) = (s.http.clone(), s.url(""), s.admin.clone());
    let acked = serve_child::kill_during_creates(&mut s.serve.child, &http, &url, &admin).await;

    let s = s.respawn().await;
    let (url, admin) = (s.url(""), s.admin.clone());
    let mut audited = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = http
            .get(format!("{url}/tokentab/api/v1/audit"))
            .bearer_auth(&admin)
            .query(&[("limit", "500"), ("action", "create")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        for r in v["entries"].as_array().unwrap() {
            assert_eq!(r["result"], "ok", "{r}");
            if r["actor"] == "tokentab serve" {
                continue; // start-up's own admin token
            }
            audited.insert(r["token_id"].as_str().unwrap().to_owned());
        }
        match v["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let missing = acked.iter().filter(|id| !audited.contains(*id)).count();
    assert_eq!(
        missing,
        0,
        "{missing} of {} acknowledged creates have no audit row",
        acked.len()
    );
    // What is stored, read from the database itself (the API could hide a row).
    const STORED: &str = "SELECT token_id FROM tokens WHERE description LIKE 'writer %'";
    let stored: HashSet<String> = svc::db_texts(
        s.sqlite_file(),
        s.postgres.as_deref(),
        [STORED, STORED],
        &[],
    )
    .await
    .into_iter()
    .collect();
    let unaudited = stored.difference(&audited).count();
    let orphans = audited.difference(&stored).count();
    assert!(
        unaudited == 0 && orphans == 0,
        "after the crash {unaudited} tokens have no create row and {orphans} create rows no token"
    );
}
