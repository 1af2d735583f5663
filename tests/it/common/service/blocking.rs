//! The embedded service for tests that run the real binary against it from plain (sync) code
//! (`harness()….start_blocking()`): a runtime of its own keeps serving while the test drives tmux. Also a forwarding proxy in front
//! of it that fails chosen requests for real (the "someone revoked it meanwhile / forbidden"
//! case), so a test sees a genuine per-request failure while every other call reaches the
//! service unchanged.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use reqwest::StatusCode as HttpStatus;
use serde_json::Value;

use super::{Harness, TestService};

/// The service on the run's backend, served by a runtime of its own.
pub struct Served {
    pub rt: tokio::runtime::Runtime,
    pub svc: TestService,
}

impl Served {
    pub(super) fn start(h: Harness) -> Served {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let svc = rt.block_on(h.start());
        Served { rt, svc }
    }

    pub fn url(&self) -> String {
        self.svc.handle.url()
    }

    pub fn admin(&self) -> &str {
        &self.svc.admin
    }

    /// The file holding the admin token (for `--token-file`).
    pub fn admin_token_file(&self) -> PathBuf {
        self.svc.handle.admin_token_path.clone()
    }

    pub fn get(&self, token: &str, path: &str) -> (HttpStatus, Value) {
        self.rt.block_on(self.svc.get(token, path))
    }

    /// A token made by the admin through the API: (secret, id).
    pub fn mint(&self, body: Value) -> (String, String) {
        self.rt.block_on(self.svc.mint(None, body))
    }

    /// Starts a proxy to this service that answers `status` to `method path` itself.
    pub fn proxy_failing(&self, method: &str, path: &str, status: u16, body: &str) -> String {
        let rule = Rule {
            method: method.parse().expect("method"),
            path: path.to_owned(),
            status: StatusCode::from_u16(status).expect("status"),
            body: body.to_owned(),
        };
        let upstream = self.url();
        self.rt.block_on(start_proxy(upstream, vec![rule]))
    }
}

#[derive(Clone)]
struct Rule {
    method: Method,
    path: String,
    status: StatusCode,
    body: String,
}

struct Proxy {
    upstream: String,
    rules: Vec<Rule>,
    client: reqwest::Client,
}

async fn start_proxy(upstream: String, rules: Vec<Rule>) -> String {
    let state = Arc::new(Proxy {
        upstream,
        rules,
        client: super::client(),
    });
    let app = axum::Router::new().fallback(forward).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

async fn forward(
    State(p): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = p
        .rules
        .iter()
        .find(|r| r.method == method && r.path == uri.path())
    {
        return (
            r.status,
            [("content-type", "application/json")],
            r.body.clone(),
        )
            .into_response();
    }
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut req = p
        .client
        .request(method, format!("{}{path}", p.upstream))
        .body(body);
    for name in ["authorization", "content-type", "accept"] {
        if let Some(v) = headers.get(name) {
            req = req.header(name, v.as_bytes());
        }
    }
    match req.send().await {
        Ok(resp) => {
            let status = StatusCode::from_u16(resp.status().as_u16()).expect("status");
            let ctype = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_owned();
            let bytes = resp.bytes().await.unwrap_or_default();
            (status, [("content-type", ctype)], bytes).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, format!("proxy: {e}")).into_response(),
    }
}
