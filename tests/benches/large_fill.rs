//! The large benches' service (`large_bench`, `pty_bench`): `tokentab serve` as a child process
//! on a SQLite file under `target/large-bench/` (kept between runs, so the tokens are created
//! only once), filled through `POST /access/api/v1/tokens` in batches.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

/// `tokentab serve` on the cached file, filled to `n` tokens: the runtime that talks to it, the
/// child, and how many tokens it lists.
pub fn filled_service(n: usize) -> (tokio::runtime::Runtime, Served, usize) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = cache_dir();
    std::fs::create_dir_all(&dir).expect("cache dir");
    let served = rt.block_on(serve(&dir));
    rt.block_on(fill(&served, n));
    let total = rt.block_on(listed(&served));
    (rt, served, total)
}

/// The `tokentab serve` child; killed when dropped.
pub struct Served {
    child: Child,
    pub url: String,
    pub admin: String,
}

impl Served {
    #[allow(dead_code)] // pty_bench's, not large_bench's
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn cache_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("large-bench")
}

async fn serve(dir: &Path) -> Served {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_tokentab"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--db")
        .arg(dir.join("tokentab.db"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tokentab serve");
    // From here on a panic kills the child (Drop).
    let mut served = Served {
        child,
        url: format!("http://127.0.0.1:{port}"),
        admin: String::new(),
    };
    let http = reqwest::Client::new();
    let start = Instant::now();
    loop {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the service did not come up"
        );
        let admin = std::fs::read_to_string(dir.join("data").join("admin.token"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        if !admin.is_empty() {
            let ok = http
                .get(format!("{}/access/api/v1/tokens/me", served.url))
                .bearer_auth(&admin)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                served.admin = admin;
                return served;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many tokens the service lists now.
async fn listed(s: &Served) -> usize {
    let http = reqwest::Client::new();
    let mut n = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{}/access/api/v1/tokens?limit=10000", s.url);
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let v: Value = http
            .get(url)
            .bearer_auth(&s.admin)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        n += v["tokens"].as_array().map_or(0, Vec::len);
        match v["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return n,
        }
    }
}

/// Creates tokens through `POST /access/api/v1/tokens` until the service lists `n`.
async fn fill(s: &Served, n: usize) {
    let have = listed(s).await;
    if have >= n {
        println!(
            "  tokens in the service             {have} (cached in {})",
            cache_dir().display()
        );
        return;
    }
    let http = reqwest::Client::new();
    let t = Instant::now();
    let mut made = 0;
    // In batches with a pause between them: under writes that never pause, the service's WAL
    // never starts over and grows by gigabytes (seen: 10 GB after ~300,000 creates).
    let mut from = have;
    while from < n {
        let to = (from + BATCH).min(n);
        made += create(s, &http, from..to).await;
        from = to;
        wait_for_checkpoint().await;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "  created {made} tokens over HTTP     {:.1} s ({:.0}/s)",
        secs,
        made as f64 / secs
    );
}

/// Tokens created per batch.
const BATCH: usize = 10_000;

/// A pause with no requests, so the service's checkpointer copies the whole WAL back and the
/// next write starts the WAL over (its size then stays bounded by one batch).
async fn wait_for_checkpoint() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn create(s: &Served, http: &reqwest::Client, range: std::ops::Range<usize>) -> usize {
    // Users and the project of the demo seed.
    let users = ["admin", "alice", "bob", "carol", "ci-bot", "dana", "erin"];
    let scopes = [
        "applied-permissions/user",
        "applied-permissions/admin",
        "connect:project:demo:r connect:fleet:demo/edge-eu:rw",
        "connect:fleet:demo/lab:rwd",
    ];
    futures_util::stream::iter(range)
        .map(|i| {
            let user = users[i % users.len()];
            // carol and erin are no members of project demo: a grant there is refused.
            let scope = match i % scopes.len() {
                k if k >= 2 && matches!(user, "carol" | "erin") => scopes[i % 2],
                k => scopes[k],
            };
            let body = json!({
                "username": user,
                "scope": scope,
                "description": format!("token {i} for {} service deploy pipeline", ["edge", "core", "ci", "backup"][i % 4]),
                "expires_in": if i % 9 == 0 { 0 } else { 86_400 * (1 + (i % 400) as u64) },
            });
            let req = http
                .post(format!("{}/access/api/v1/tokens", s.url))
                .bearer_auth(&s.admin)
                .json(&body)
                .send();
            async move {
                let r = req.await.expect("create");
                let status = r.status();
                if !status.is_success() {
                    panic!("create: {status} {}", r.text().await.unwrap_or_default());
                }
            }
        })
        .buffer_unordered(16)
        .count()
        .await
}

/// Resident memory of process `pid` in bytes (`VmRSS`).
pub fn rss_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("VmRSS")
}
