//! Request logs name method, path, status and latency, and never a secret; `serve
//! --log-format json` writes one JSON object per line.

use crate::common::service as svc;
use crate::common::service::child as serve_child;
use crate::common::service::harness;

use crate::common::own_process::own_process;
use crate::common::pg;

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::json;

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn request_logs_carry_no_secrets() {
    // In a process of its own: it installs the global subscriber.
    own_process(module_path!(), "request_logs_carry_no_secrets", || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(request_logs_carry_no_secrets_here())
    });
}

async fn request_logs_carry_no_secrets_here() {
    let sink = Sink::default();
    let writer = sink.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let s = harness().seeded().start().await;
    let (secret, id) = s
        .mint(
            None,
            json!({"scope": "connect:project:demo:r", "description": "logged?"}),
        )
        .await;
    let (st, _) = s.get(&secret, "/api/v2/demo/devices?limit=5").await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .get("x".repeat(43).as_str(), "/access/api/v1/tokens")
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = s
        .delete(&s.admin, &format!("/access/api/v1/tokens/{id}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s.get(&secret, "/access/api/v1/tokens/me").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    s.handle.shutdown().await;

    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    for needle in [
        "method=POST path=/access/api/v1/tokens status=200",
        "method=GET path=/api/v2/demo/devices status=200",
        "status=401",
        "latency_us=",
    ] {
        assert!(logs.contains(needle), "missing {needle:?} in:\n{logs}");
    }
    assert!(!logs.contains(&secret), "a created secret was logged");
    assert!(!logs.contains(&s.admin), "the admin secret was logged");
    assert!(
        !logs.to_ascii_lowercase().contains("bearer "),
        "an Authorization header was logged"
    );
}

/// `tokentab serve --log-format json` (TOKENTAB_LOG=info): every stderr line, from start-up to
/// the stop, is a JSON object with a level and a message, and none carries a secret.
async fn serve_json_logs_are_json_without_secrets(db: Option<&str>, listen: &str, extra: &[&str]) {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut args = vec![
        "--listen",
        listen,
        "--data-dir",
        data.to_str().unwrap(),
        "--log-format",
        "json",
    ];
    if let Some(db) = db {
        args.extend(["--db", db]);
    }
    args.extend_from_slice(extra);
    let mut child = serve_child::command(&args, None)
        .env("TOKENTAB_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start tokentab serve");
    let mut out = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let stderr = tokio::io::BufReader::new(child.stderr.take().unwrap());
    let logs = tokio::spawn(async move {
        let mut lines = stderr.lines();
        let mut all = Vec::new();
        while let Ok(Some(l)) = lines.next_line().await {
            all.push(l);
        }
        all
    });
    let first = tokio::time::timeout(serve_child::START_TIMEOUT, out.next_line())
        .await
        .expect("listening line in time")
        .unwrap();
    let Some(first) = first else {
        let _ = child.wait().await;
        panic!("serve stopped at start: {:?}", logs.await.unwrap());
    };
    let port = first
        .strip_prefix("tokentab serve: listening on http://")
        .and_then(|a| a.rsplit(':').next())
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let url = format!("http://127.0.0.1:{port}");
    let _token_line = out.next_line().await.unwrap();
    let admin = std::fs::read_to_string(data.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let http = svc::client();
    let tokens = format!("{url}/access/api/v1/tokens");
    let (st, v) = svc::call_url(
        &http,
        reqwest::Method::POST,
        Some(&admin),
        &tokens,
        Some(json!({"description": "logged?"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let secret = v["access_token"].as_str().unwrap().to_owned();
    let id = v["token_id"].as_str().unwrap().to_owned();
    let me = format!("{tokens}/me");
    let (st, _) = svc::call_url(&http, reqwest::Method::GET, Some(&secret), &me, None).await;
    assert_eq!(st, StatusCode::OK);
    let bad = "y".repeat(43);
    let (st, _) = svc::call_url(&http, reqwest::Method::GET, Some(&bad), &me, None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = svc::call_url(
        &http,
        reqwest::Method::DELETE,
        Some(&admin),
        &format!("{tokens}/{id}"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = svc::call_url(&http, reqwest::Method::GET, Some(&secret), &me, None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(serve_child::START_TIMEOUT, child.wait())
        .await
        .expect("stops after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");

    let lines = logs.await.unwrap();
    assert!(
        lines.len() >= 5,
        "start-up and request lines expected: {lines:?}"
    );
    let mut statuses = Vec::new();
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let obj = v
            .as_object()
            .unwrap_or_else(|| panic!("not an object: {line}"));
        let level = obj.get("level").and_then(|l| l.as_str()).unwrap_or("");
        assert!(
            ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level),
            "no level: {line}"
        );
        assert!(
            obj.get("message")
                .and_then(|m| m.as_str())
                .is_some_and(|m| !m.is_empty()),
            "no message: {line}"
        );
        for (what, s) in [("admin", &admin), ("created", &secret), ("bad", &bad)] {
            assert!(
                !line.contains(s.as_str()),
                "the {what} secret logged: {line}"
            );
        }
        assert!(!line.to_ascii_lowercase().contains("bearer "), "{line}");
        if let Some(s) = obj.get("status") {
            statuses.push(s.to_string());
        }
    }
    // The request lines are among them, as JSON fields.
    assert!(statuses.iter().any(|s| s == "200"), "{lines:?}");
    assert!(statuses.iter().any(|s| s == "401"), "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_json_logs_on_sqlite_are_json_objects_with_level_and_message_and_no_secret() {
    serve_json_logs_are_json_without_secrets(None, "127.0.0.1:0", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_json_logs_on_postgres_are_json_objects_with_level_and_message_and_no_secret() {
    let url = pg::fresh_schema_url();
    serve_json_logs_are_json_without_secrets(Some(&url), "127.0.0.1:0", &[]).await;
}

/// Its own lines in JSON mode are JSON too: the plain-HTTP-on-the-network warning (once, from
/// the log) and a refusal at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_json_mode_writes_its_warning_and_its_refusals_as_json() {
    serve_json_logs_are_json_without_secrets(None, "0.0.0.0:0", &["--plain-http-on-network"]).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = serve_child::refused(&[
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().unwrap(),
        "--log-format",
        "json",
        "--max-expiry",
        "soon",
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert!(!lines.is_empty(), "a refusal is said");
    for line in lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(v["level"], "ERROR", "{line}");
        assert!(
            v["message"]
                .as_str()
                .is_some_and(|m| m.contains("--max-expiry")),
            "{line}"
        );
    }
}
