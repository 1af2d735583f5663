//! Request logs name method, path, status and latency, and never a secret.

#[path = "common/service.rs"]
mod svc;

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::json;
use svc::TestService;

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

#[tokio::test]
async fn request_logs_carry_no_secrets() {
    let sink = Sink::default();
    let writer = sink.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let s = TestService::start(true).await;
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
