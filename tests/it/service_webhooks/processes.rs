//! Webhooks with `tokentab serve` processes: killed with SIGKILL mid-delivery, two replicas
//! on one database, refused flags.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::receiver::{Got, Mode, Receiver};
use super::{DELIVERIES, LONG, SECRET, kinds_of};
use crate::common::replicas::wait_for;
use crate::common::service::harness;

/// `serve --webhook …` flags for a receiver, with a secret file (mode 0600) in `dir`.
fn serve_flags(dir: &std::path::Path, url: &str) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let file = dir.join("webhook.key");
    std::fs::write(&file, SECRET).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    [
        "--webhook",
        url,
        "--webhook-secret-file",
        file.to_str().unwrap(),
        "--webhook-timeout",
        "1s",
        "--webhook-backoff-max",
        "1s",
        "--webhook-sweep-every",
        "1s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[tokio::test]
async fn kill_9_mid_delivery_then_restart_delivers_with_the_same_event_id() {
    let r = Receiver::start(SECRET).await;
    r.set(Mode::Stall);
    let keys = tempfile::tempdir().unwrap();
    let flags = serve_flags(keys.path(), &r.url);
    let refs: Vec<&str> = flags.iter().map(String::as_str).collect();
    let s = harness().spawn_binary(&refs).await;
    let (st, v) = s
        .call(
            Method::POST,
            Some(&s.admin),
            "/access/api/v1/tokens",
            Some(json!({"description": "in flight"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let id = v["token_id"].as_str().unwrap().to_owned();
    wait_for(
        LONG,
        "the delivery reaches the stalled receiver",
        || async { (r.arrived() >= 1).then_some(()) },
    )
    .await;
    s.serve.signal("KILL");
    let s = s.respawn().await;
    r.set(Mode::Accept);
    let got = r.event("token.created", &id).await;
    let (st, v) = s.call(Method::GET, Some(&s.admin), DELIVERIES, None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let row = wait_for(LONG, "delivered state", || {
        let (s, id) = (&s, &id);
        async move {
            let (_, v) = s.call(Method::GET, Some(&s.admin), DELIVERIES, None).await;
            v["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["token_id"] == id.as_str() && d["state"] == "delivered")
                .cloned()
        }
    })
    .await;
    assert_eq!(row["event_id"], got.event_id.as_str());
    // Every accepted copy of it is the same event (at least once, never a new id).
    let copies: Vec<Got> = r
        .got()
        .into_iter()
        .filter(|g| g.token_id() == Some(&id))
        .collect();
    assert!(
        copies.iter().all(|g| g.event_id == got.event_id),
        "{copies:?}"
    );
    r.assert_all_signed();
    s.serve.stop().await;
}

#[tokio::test]
async fn two_replicas_deliver_each_event_once() {
    let r = Receiver::start(SECRET).await;
    // Each delivery in flight for longer than a worker's poll: both replicas look at it.
    r.slow(Duration::from_millis(700));
    let keys = tempfile::tempdir().unwrap();
    let flags = serve_flags(keys.path(), &r.url);
    let refs: Vec<&str> = flags.iter().map(String::as_str).collect();
    let s = harness().spawn_binary(&refs).await;
    let other = s.sibling().await;
    let other_url = |path: &str| format!("{}{path}", other.url);
    let mut ids = Vec::new();
    for i in 0..20 {
        let url = if i % 2 == 0 {
            s.url("/access/api/v1/tokens")
        } else {
            other_url("/access/api/v1/tokens")
        };
        let resp = s
            .http
            .post(url)
            .bearer_auth(&s.admin)
            .json(&json!({"description": format!("r{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.unwrap();
        ids.push(v["token_id"].as_str().unwrap().to_owned());
    }
    // Once every row is recorded delivered, no claim can be running on any of them.
    wait_for(LONG, "all 20 delivered", || {
        let s = &s;
        let ids = &ids;
        async move {
            let (_, v) = s
                .call(
                    Method::GET,
                    Some(&s.admin),
                    &format!("{DELIVERIES}?state=delivered"),
                    None,
                )
                .await;
            let n = v["deliveries"]
                .as_array()?
                .iter()
                .filter(|d| ids.iter().any(|id| d["token_id"] == id.as_str()))
                .count();
            (n == ids.len()).then_some(())
        }
    })
    .await;
    let got = r.got();
    for id in &ids {
        assert_eq!(kinds_of(&got, id), ["token.created"], "token {id}");
    }
    let mut events: Vec<&str> = got.iter().map(|g| g.event_id.as_str()).collect();
    let all = events.len();
    events.sort_unstable();
    events.dedup();
    assert_eq!(events.len(), all, "an event went out twice");
    r.assert_all_signed();
    other.stop().await;
    s.serve.stop().await;
}

#[tokio::test]
async fn serve_refuses_a_readable_secret_file_and_a_webhook_without_one() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("webhook.key");
    std::fs::write(&key, SECRET).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let data = dir.path().join("data");
    let base = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().unwrap(),
        "--no-seed",
    ];
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "--webhook",
                "http://127.0.0.1:9/h",
                "--webhook-secret-file",
                key.to_str().unwrap(),
            ],
            "can be read by others",
        ),
        (
            &["--webhook", "http://127.0.0.1:9/h"],
            "needs --webhook-secret-file",
        ),
        (&["--webhook", "ftp://example.com/h"], "http:// or https://"),
        (
            &[
                "--webhook",
                "https://user:pw@example.com/h",
                "--webhook-secret-file",
                "x",
            ],
            "no user or password",
        ),
    ];
    for (extra, says) in cases {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let out = crate::common::service::child::refused(&args).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(says), "{extra:?}: {err}");
        assert!(!err.contains(std::str::from_utf8(SECRET).unwrap()), "{err}");
    }
}
