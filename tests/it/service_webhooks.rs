//! Webhooks (issue 20 item 4) with a real receiver (`receiver.rs`): signed events written in
//! the change's transaction, in order per token, expiry notices at each lead time, delivery
//! after a receiver outage and after `kill -9` of `serve`, one delivery per event with two
//! replicas, dead letters visible and retried. On SQLite and on PostgreSQL.

mod processes;
mod receiver;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokentab::service::webhooks::{WebhookOptions, WebhookSecret};

use crate::cli_admin::AdminCli;
use crate::common::replicas::wait_for;
use crate::common::service::{TestService, harness};
use receiver::{Got, Mode, Receiver};

const SECRET: &[u8] = b"0123456789abcdef-test-webhook-key";
const DELIVERIES: &str = "/tokentab/api/v1/webhooks/deliveries";
const LONG: Duration = Duration::from_secs(60);

fn opts(url: &str) -> WebhookOptions {
    let mut o = WebhookOptions::new(vec![url.to_owned()], WebhookSecret::from_bytes(SECRET));
    o.poll_every = Duration::from_millis(100);
    o.sweep_every = Duration::from_secs(1);
    o.backoff_max = Duration::from_secs(1);
    o.timeout = Duration::from_secs(2);
    o
}

async fn with_hooks(o: WebhookOptions) -> TestService {
    harness().tune(move |s| s.webhooks = Some(o)).start().await
}

async fn deliveries(s: &TestService, query: &str) -> Vec<Value> {
    let (st, v) = s.get(&s.admin, &format!("{DELIVERIES}{query}")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["deliveries"].as_array().unwrap().clone()
}

/// The kinds the receiver accepted about `token`, in arrival order.
fn kinds_of(got: &[Got], token: &str) -> Vec<String> {
    got.iter()
        .filter(|g| g.token_id() == Some(token))
        .map(|g| g.kind.clone())
        .collect()
}

#[tokio::test]
async fn events_are_signed_carry_token_fields_and_no_secret() {
    let r = Receiver::start(SECRET).await;
    let s = with_hooks(opts(&r.url)).await;
    let (secret, id) = s
        .mint(
            None,
            json!({"description": "ci <deploy>", "expires_in": 3600, "refreshable": true}),
        )
        .await;
    let created = r.event("token.created", &id).await;
    let t = &created.body["token"];
    assert_eq!(t["id"], id.as_str());
    assert_eq!(t["description"], "ci <deploy>");
    assert!(
        t["subject"].as_str().unwrap().ends_with("/users/admin"),
        "{t}"
    );
    assert!(t["scope"].as_str().is_some(), "{t}");
    assert!(t["expiry"].as_str().unwrap().ends_with('Z'), "{t}");
    assert_eq!(created.body["id"].as_str().unwrap().len(), 36);
    assert!(created.signature.starts_with("sha256="));
    let raw = String::from_utf8_lossy(&created.raw);
    assert!(!raw.contains(&secret), "the body holds the secret");
    assert!(!raw.contains("hash"), "{raw}");

    let (st, _) = s
        .delete(&s.admin, &format!("/access/api/v1/tokens/{id}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let revoked = r.event("token.revoked", &id).await;
    assert_ne!(revoked.event_id, created.event_id);
    assert_eq!(kinds_of(&r.got(), &id), ["token.created", "token.revoked"]);
    r.assert_all_signed();
    readme_snippet_verifies(&revoked);
}

/// The README's Python check ("Verifying a delivery"), run on a real delivery: valid as
/// received, invalid with one byte of the body changed.
fn readme_snippet_verifies(got: &Got) {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    let section = &README[README
        .find("### Verifying a delivery")
        .expect("the README section")..];
    let code = section
        .split("```python\n")
        .nth(1)
        .and_then(|c| c.split("```").next())
        .expect("a python block");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("verify.py");
    std::fs::write(&script, code).unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, [SECRET, b"\n"].concat()).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = |body: &[u8]| {
        let mut child = std::process::Command::new("python3")
            .arg(&script)
            .args([key.to_str().unwrap(), &got.timestamp, &got.signature])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        child.stdin.take().unwrap().write_all(body).unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = run(&got.raw);
    assert!(ok.status.success(), "{ok:?}");
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "valid");
    let mut tampered = got.raw.clone();
    tampered[1] ^= 1;
    let bad = run(&tampered);
    assert!(!bad.status.success(), "{bad:?}");
    assert_eq!(String::from_utf8_lossy(&bad.stdout).trim(), "INVALID");
}

#[tokio::test]
async fn a_refresh_is_one_rotated_event_and_a_disable_is_user_disabled() {
    let r = Receiver::start(SECRET).await;
    let s = with_hooks(opts(&r.url)).await;
    let (st, v) = s
        .post_token(
            &s.admin,
            json!({"description": "rotating", "refreshable": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let old = v["token_id"].as_str().unwrap().to_owned();
    let refresh = v["refresh_token"].as_str().unwrap().to_owned();
    let (st, v) = s
        .post_token(
            &s.admin,
            json!({"grant_type": "refresh_token", "refresh_token": refresh}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let new = v["token_id"].as_str().unwrap().to_owned();
    let rotated = r.event("token.rotated", &new).await;
    assert_eq!(rotated.body["previous_token_id"], old.as_str());
    assert_eq!(rotated.body["token"]["description"], "rotating");
    assert_eq!(kinds_of(&r.got(), &old), ["token.created"]);

    let (st, v) = s
        .call(
            Method::POST,
            Some(&s.admin),
            "/access/api/v2/users",
            Some(json!({"username": "bob", "email": "bob@example.com"})),
        )
        .await;
    assert!(st.is_success(), "{v}");
    let (_, bob_token) = s
        .mint(
            None,
            json!({"username": "bob", "scope": "applied-permissions/user"}),
        )
        .await;
    let (st, v) = s
        .patch(
            &s.admin,
            "/access/api/v2/users/bob",
            json!({"status": "disabled"}),
        )
        .await;
    assert!(st.is_success(), "{v}");
    let disabled = r
        .wait(LONG, "user.disabled", |g| {
            g.iter().find(|e| e.kind == "user.disabled").cloned()
        })
        .await;
    assert_eq!(disabled.body["user"]["username"], "bob");
    assert!(disabled.body.get("token").is_none());
    // A disable revokes nothing (an enable brings the tokens back): no `token.revoked`.
    let created = r.event("token.created", &bob_token).await;
    assert!(
        created.body["token"]["subject"]
            .as_str()
            .unwrap()
            .ends_with("/users/bob")
    );
    assert_eq!(kinds_of(&r.got(), &bob_token), ["token.created"]);
    r.assert_all_signed();
}

#[tokio::test]
async fn no_webhook_no_outbox_rows() {
    let s = harness().start().await;
    let (_, id) = s.mint(None, json!({"description": "quiet"})).await;
    let (st, _) = s
        .delete(&s.admin, &format!("/access/api/v1/tokens/{id}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(deliveries(&s, "").await.is_empty());
}

#[tokio::test]
async fn expiring_notices_at_both_lead_times_then_expired_each_once() {
    let r = Receiver::start(SECRET).await;
    let mut o = opts(&r.url);
    o.leads = vec![Duration::from_secs(6), Duration::from_secs(3)];
    let s = with_hooks(o).await;
    let (_, id) = s
        .mint(None, json!({"description": "short", "expires_in": 9}))
        .await;
    let expired = r.event("token.expired", &id).await;
    let got = r.got();
    let leads: Vec<i64> = got
        .iter()
        .filter(|g| g.kind == "token.expiring" && g.token_id() == Some(&id))
        .map(|g| g.body["lead_seconds"].as_i64().unwrap())
        .collect();
    assert_eq!(leads, [6, 3], "each lead time once, the longer first");
    assert_eq!(expired.body["occurred_at"], expired.body["token"]["expiry"]);
    // Later sweeps add nothing: a token made now gets its 3 s notice (a sweep after the
    // expiry ran), and only that one (it was made inside the 6 s lead).
    let (_, later) = s
        .mint(None, json!({"description": "later", "expires_in": 5}))
        .await;
    let notice = r.event("token.expiring", &later).await;
    assert_eq!(notice.body["lead_seconds"], 3);
    r.event("token.expired", &later).await;
    assert_eq!(
        kinds_of(&r.got(), &later),
        ["token.created", "token.expiring", "token.expired"]
    );
    assert_eq!(
        kinds_of(&r.got(), &id),
        [
            "token.created",
            "token.expiring",
            "token.expiring",
            "token.expired"
        ]
    );
    r.assert_all_signed();
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_everything_in_order_per_token() {
    let r = Receiver::start(SECRET).await;
    r.set(Mode::Fail(503));
    let s = with_hooks(opts(&r.url)).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let (_, id) = s.mint(None, json!({"description": format!("t{i}")})).await;
        ids.push(id);
    }
    for id in &ids[..2] {
        s.delete(&s.admin, &format!("/access/api/v1/tokens/{id}"))
            .await;
    }
    // Tried and failed, visibly, and nothing of a token goes before its earlier event.
    wait_for(LONG, "failed tries recorded", || async {
        let rows = deliveries(&s, "?state=pending").await;
        rows.iter()
            .any(|d| {
                d["attempts"].as_i64() >= Some(2)
                    && d["last_error"]
                        .as_str()
                        .is_some_and(|e| e.contains("HTTP 503"))
            })
            .then_some(())
    })
    .await;
    r.set(Mode::Accept);
    for id in &ids[..2] {
        r.event("token.revoked", id).await;
    }
    for id in &ids[2..] {
        r.event("token.created", id).await;
    }
    let got = r.got();
    for id in &ids[..2] {
        assert_eq!(kinds_of(&got, id), ["token.created", "token.revoked"]);
    }
    let delivered = deliveries(&s, "?state=delivered").await;
    let ours = delivered
        .iter()
        .filter(|d| ids.iter().any(|id| d["token_id"] == id.as_str()))
        .count();
    assert_eq!(ours, 6, "{delivered:?}");
    r.assert_all_signed();
}

#[tokio::test]
async fn a_later_event_of_a_token_waits_for_its_earlier_one() {
    let r = Receiver::start(SECRET).await;
    r.set(Mode::FailType("token.created"));
    let s = with_hooks(opts(&r.url)).await;
    let (_, id) = s.mint(None, json!({"description": "ordered"})).await;
    let (st, _) = s
        .delete(&s.admin, &format!("/access/api/v1/tokens/{id}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    // The create has failed twice; the revoke, due all along, was never sent before it.
    wait_for(LONG, "the create tried twice", || async {
        deliveries(&s, "?state=pending")
            .await
            .iter()
            .any(|d| {
                d["token_id"] == id.as_str()
                    && d["type"] == "token.created"
                    && d["attempts"].as_i64() >= Some(2)
            })
            .then_some(())
    })
    .await;
    assert!(
        kinds_of(&r.got(), &id).is_empty(),
        "{:?}",
        kinds_of(&r.got(), &id)
    );
    r.set(Mode::Accept);
    r.event("token.revoked", &id).await;
    assert_eq!(kinds_of(&r.got(), &id), ["token.created", "token.revoked"]);
    r.assert_all_signed();
}

#[tokio::test]
async fn delivered_rows_go_after_the_retention_time() {
    let r = Receiver::start(SECRET).await;
    let mut o = opts(&r.url);
    // Rows are kept for the longest of retention, dead-letter age and lead time.
    o.retention = Duration::from_secs(1);
    o.max_age = Duration::from_secs(1);
    o.leads = vec![Duration::from_secs(1)];
    let s = with_hooks(o).await;
    let (_, id) = s.mint(None, json!({"description": "pruned"})).await;
    r.event("token.created", &id).await;
    let mine = |rows: Vec<Value>| rows.into_iter().any(|d| d["token_id"] == id.as_str());
    wait_for(LONG, "delivered", || async {
        mine(deliveries(&s, "?state=delivered").await).then_some(())
    })
    .await;
    wait_for(LONG, "pruned", || async {
        (!mine(deliveries(&s, "").await)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn dead_letters_are_listed_and_can_be_sent_again() {
    let r = Receiver::start(SECRET).await;
    r.set(Mode::Fail(500));
    let mut o = opts(&r.url);
    o.max_attempts = 2;
    let s = with_hooks(o).await;
    let (_, id) = s.mint(None, json!({"description": "doomed"})).await;
    let dead = wait_for(LONG, "a dead letter", || async {
        deliveries(&s, "?state=dead")
            .await
            .into_iter()
            .find(|d| d["token_id"] == id.as_str())
    })
    .await;
    assert_eq!(dead["attempts"], 2);
    assert_eq!(dead["type"], "token.created");
    assert!(
        dead["last_error"].as_str().unwrap().contains("HTTP 500"),
        "{dead}"
    );
    // Only admins see them.
    let (st, v) = s
        .call(
            Method::POST,
            Some(&s.admin),
            "/access/api/v2/users",
            Some(json!({"username": "carol", "email": "carol@example.com"})),
        )
        .await;
    assert!(st.is_success(), "{v}");
    let user = s.user_token("carol").await;
    let (st, _) = s.get(&user, DELIVERIES).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, v) = s.get(&s.admin, &format!("{DELIVERIES}?state=lost")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");

    // The admin CLI lists it (table and JSON) and sends it again.
    let event = dead["event_id"].as_str().unwrap();
    let cli = AdminCli::new(&s.url(""));
    let tf = cli.token_file("admin.token", &s.admin);
    let out = cli.run(&tf, &["webhooks", "list", "--state", "dead"]).await;
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains(event) && table.contains("HTTP 500"),
        "{table}"
    );
    let out = cli
        .run(&tf, &["webhooks", "list", "--state", "dead", "--json"])
        .await;
    let listed: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(listed[0]["event_id"], event, "{listed}");
    r.set(Mode::Accept);
    let out = cli.run(&tf, &["webhooks", "retry", event]).await;
    assert!(out.status.success(), "{out:?}");
    let retry = format!("{DELIVERIES}/{event}/retry");
    let got = r.event("token.created", &id).await;
    assert_eq!(got.event_id, event, "a retry sends the same event id");
    let (_, trail) = s
        .get(&s.admin, "/tokentab/api/v1/audit?action=webhook_retry")
        .await;
    let entries = trail["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{trail}");
    assert_eq!(entries[0]["description"], format!("event {event}").as_str());
    // Not dead any more: a second retry finds nothing to do.
    let (st, _) = s.call(Method::POST, Some(&s.admin), &retry, None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    r.assert_all_signed();
}
