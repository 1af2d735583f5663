//! A real webhook receiver for the tests: axum on 127.0.0.1:0. It checks every delivery's
//! signature and timestamp, keeps what it accepted, and can be told to answer an error
//! status or to stall (hold the request unanswered) until told otherwise.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokentab::service::webhooks::sign::signature;
use tokio::sync::watch;

use crate::common::replicas::wait_for;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    Fail(u16),
    /// Fails only events of this type (with 503); accepts the others.
    FailType(&'static str),
    Stall,
}

/// One delivery the receiver accepted (answered 200).
#[derive(Debug, Clone)]
pub struct Got {
    pub event_id: String,
    pub kind: String,
    pub body: Value,
    pub raw: Vec<u8>,
    pub timestamp: String,
    pub signature: String,
}

impl Got {
    pub fn token_id(&self) -> Option<&str> {
        self.body["token"]["id"].as_str()
    }
}

struct Inner {
    secret: Vec<u8>,
    mode: watch::Sender<Mode>,
    got: Mutex<Vec<Got>>,
    /// Requests that arrived (answered or not).
    arrived: AtomicUsize,
    /// What was wrong with a delivery, if anything ever was.
    bad: Mutex<Vec<String>>,
    /// How long an accepted delivery takes to answer.
    delay: Mutex<Duration>,
}

pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn hook(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    inner.arrived.fetch_add(1, Ordering::SeqCst);
    let mut mode = inner.mode.subscribe();
    let now = *mode
        .wait_for(|m| *m != Mode::Stall)
        .await
        .expect("receiver alive");
    if let Mode::Fail(code) = now {
        return StatusCode::from_u16(code).unwrap();
    }
    if let Mode::FailType(kind) = now {
        if header(&headers, "tokentab-event") == kind {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    let ts = header(&headers, "tokentab-timestamp");
    let sig = header(&headers, "tokentab-signature");
    let id = header(&headers, "tokentab-event-id");
    let mut problems = Vec::new();
    match ts.parse::<i64>() {
        Ok(t) if (chrono::Utc::now().timestamp() - t).abs() <= 300 => {
            if signature(&inner.secret, t, &body) != sig {
                problems.push(format!("bad signature {sig:?}"));
            }
        }
        _ => problems.push(format!("bad timestamp {ts:?}")),
    }
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if parsed["id"] != id.as_str() {
        problems.push(format!(
            "event id header {id:?} is not the body's {}",
            parsed["id"]
        ));
    }
    if parsed["type"] != header(&headers, "tokentab-event").as_str() {
        problems.push("event type header differs from the body".into());
    }
    let delay = *inner.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    if !problems.is_empty() {
        inner.bad.lock().unwrap().extend(problems);
        return StatusCode::UNAUTHORIZED;
    }
    inner.got.lock().unwrap().push(Got {
        event_id: id,
        kind: parsed["type"].as_str().unwrap_or_default().to_owned(),
        body: parsed,
        raw: body.to_vec(),
        timestamp: ts,
        signature: sig,
    });
    StatusCode::OK
}

impl Receiver {
    pub async fn start(secret: &[u8]) -> Receiver {
        let inner = Arc::new(Inner {
            secret: secret.to_vec(),
            mode: watch::Sender::new(Mode::Accept),
            got: Mutex::new(Vec::new()),
            arrived: AtomicUsize::new(0),
            bad: Mutex::new(Vec::new()),
            delay: Mutex::new(Duration::ZERO),
        });
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, inner, task }
    }

    pub fn set(&self, mode: Mode) {
        self.inner.mode.send_replace(mode);
    }

    /// Answers accepted deliveries only after `d` (a slow receiver: deliveries stay in
    /// flight long enough for another replica to look at them).
    pub fn slow(&self, d: Duration) {
        *self.inner.delay.lock().unwrap() = d;
    }

    pub fn got(&self) -> Vec<Got> {
        self.inner.got.lock().unwrap().clone()
    }

    pub fn arrived(&self) -> usize {
        self.inner.arrived.load(Ordering::SeqCst)
    }

    /// Panics when a delivery was ever badly signed or inconsistent.
    pub fn assert_all_signed(&self) {
        let bad = self.inner.bad.lock().unwrap();
        assert!(bad.is_empty(), "bad deliveries: {bad:?}");
    }

    /// Waits until `pick` finds something in what was accepted.
    pub async fn wait<T>(
        &self,
        limit: Duration,
        what: &str,
        pick: impl Fn(&[Got]) -> Option<T>,
    ) -> T {
        wait_for(limit, what, || {
            let v = pick(&self.got());
            async move { v }
        })
        .await
    }

    /// Waits for an accepted event of `kind` about `token_id`.
    pub async fn event(&self, kind: &str, token_id: &str) -> Got {
        self.wait(
            Duration::from_secs(60),
            &format!("{kind} for {token_id}"),
            |g| {
                g.iter()
                    .find(|e| e.kind == kind && e.token_id() == Some(token_id))
                    .cloned()
            },
        )
        .await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
