//! N `tokentab serve` replicas on one PostgreSQL database, each with its own data dir, started
//! together; their start-up lines, their stderr (drained, kept), and one client for all.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::process::Child;

use super::service::child as serve_child;
use crate::common::service as svc;

pub const TOKENS: &str = "/access/api/v1/tokens";

/// One replica: its process, URL, second start-up line, data dir and everything it wrote to
/// stderr so far.
pub struct Replica {
    pub child: Child,
    pub url: String,
    pub token_line: String,
    pub data: PathBuf,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

pub struct Replicas {
    pub nodes: Vec<Replica>,
    /// The admin token, read from whichever replica wrote it.
    pub admin: String,
    /// Index of the replica that wrote `admin.token`.
    pub writer: usize,
    pub http: reqwest::Client,
    _dirs: tempfile::TempDir,
}

/// Starts one replica: its child, URL, token line and stderr (read on into a shared list: a full
/// pipe would block its logging). Panics with what it wrote to stderr when it does not start.
pub async fn start_one(args: Vec<String>, data: PathBuf) -> Replica {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = serve_child::command(&args, None)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start tokentab serve");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut err = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&stderr);
    let drained = tokio::spawn(async move {
        while let Ok(Some(l)) = err.next_line().await {
            sink.lock().unwrap().push(l);
        }
    });
    let mut lines = Vec::new();
    for _ in 0..2 {
        match tokio::time::timeout(serve_child::START_TIMEOUT, out.next_line()).await {
            Ok(Ok(Some(l))) => lines.push(l),
            other => {
                let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
                let _ = tokio::time::timeout(Duration::from_secs(10), drained).await;
                panic!(
                    "a replica did not start ({other:?}; stdout so far {lines:?}); stderr:\n{}",
                    stderr.lock().unwrap().join("\n"),
                );
            }
        }
    }
    let url = lines[0]
        .strip_prefix("tokentab serve: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {}", lines[0]))
        .to_owned();
    Replica {
        child,
        url,
        token_line: lines.pop().unwrap(),
        data,
        stderr,
    }
}

/// Starts `n` replicas on `db_url` at the same time (`--listen 127.0.0.1:0`, a data dir each,
/// `extra` flags), waits for each one's two start-up lines.
pub async fn start(db_url: &str, n: usize, extra: &[&str]) -> Replicas {
    let dirs = tempfile::tempdir().unwrap();
    let mut starts = Vec::new();
    for i in 0..n {
        let data = dirs.path().join(format!("data{i}"));
        let mut args: Vec<String> = [
            "--listen",
            "127.0.0.1:0",
            "--db",
            db_url,
            "--data-dir",
            data.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        starts.push(tokio::spawn(start_one(args, data)));
    }
    let mut nodes = Vec::new();
    for s in starts {
        match s.await {
            Ok(node) => nodes.push(node),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    let writers: Vec<usize> = (0..n)
        .filter(|&i| nodes[i].data.join("admin.token").exists())
        .collect();
    assert_eq!(
        writers.len(),
        1,
        "exactly one replica writes admin.token; lines: {:?}",
        nodes.iter().map(|r| &r.token_line).collect::<Vec<_>>()
    );
    let writer = writers[0];
    let admin = std::fs::read_to_string(nodes[writer].data.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    Replicas {
        nodes,
        admin,
        writer,
        http: svc::client(),
        _dirs: dirs,
    }
}

impl Replica {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Still running (never exited by itself).
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }
}

impl Replicas {
    pub async fn call(
        &self,
        node: usize,
        m: Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        svc::call_url(
            &self.http,
            m,
            Some(token),
            &self.nodes[node].url(path),
            body,
        )
        .await
    }

    pub async fn get(&self, node: usize, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(node, Method::GET, token, path, None).await
    }

    /// Creates a token on `node` as the admin; its secret and id.
    pub async fn mint(&self, node: usize, body: Value) -> (String, String) {
        let (st, v) = self
            .call(node, Method::POST, &self.admin, TOKENS, Some(body))
            .await;
        assert_eq!(st, StatusCode::OK, "create on replica {node}: {v}");
        (
            v["access_token"].as_str().unwrap().to_owned(),
            v["token_id"].as_str().unwrap().to_owned(),
        )
    }

    /// Every live token id as listed by `node`, following cursors (`limit` per page).
    pub async fn all_token_ids(&self, node: usize, limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..100_000 {
            let path = match &cursor {
                Some(c) => format!("{TOKENS}?limit={limit}&cursor={c}"),
                None => format!("{TOKENS}?limit={limit}"),
            };
            let (st, v) = self.get(node, &self.admin, &path).await;
            assert_eq!(st, StatusCode::OK, "list on replica {node}: {v}");
            for t in v["tokens"].as_array().unwrap() {
                out.push(t["token_id"].as_str().unwrap().to_owned());
            }
            match v["cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
        panic!("paging never ended");
    }
}

/// Polls `check` every 50 ms until it returns Some, for at most `limit`.
pub async fn wait_for<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
