//! The servers under test: `tokentab serve` child processes (the release binary under `cargo
//! bench`) on SQLite or PostgreSQL, a bare axum handler, and the device-scoped tokens the reads
//! use, made through the API.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

pub const FIX_PG: &str = "eval \"$(bash tests/pg-setup.sh)\"  (installs and starts PostgreSQL, \
                          exports TOKENTAB_TEST_PG and PGPASSWORD), then run the bench again";

/// The `tokentab` binary cargo built beside this bench, and whether it is a release build.
pub fn binary() -> (&'static str, bool) {
    let bin = env!("CARGO_BIN_EXE_tokentab");
    (bin, bin.contains("/release/"))
}

/// A running `tokentab serve` (killed on drop).
pub struct Serve {
    pub child: Child,
    pub url: String,
    /// Its second start-up line: where the admin token went.
    pub token_line: String,
}

impl Serve {
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    /// `serve --listen 127.0.0.1:0 --db DB --data-dir DATA EXTRA…`. Request logs are turned
    /// down to warnings (`TOKENTAB_LOG=warn`): the figures are the service's, not the
    /// formatting of one log line per request.
    pub async fn start(db: &str, data: &Path, extra: &[&str]) -> Serve {
        let mut child = tokio::process::Command::new(binary().0)
            .args(["serve", "--listen", "127.0.0.1:0", "--db", db, "--data-dir"])
            .arg(data)
            .args(extra)
            .env("TOKENTAB_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start tokentab serve");
        let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = start_line(&mut out).await;
        let url = first
            .strip_prefix("tokentab serve: listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        let token_line = start_line(&mut out).await;
        Serve {
            child,
            url,
            token_line,
        }
    }
}

async fn start_line(out: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(60), out.next_line())
        .await
        .expect("serve's start-up line within 60 s")
        .expect("serve's stdout")
        .expect("serve exited before its start-up lines")
}

pub fn admin_token(data: &Path) -> String {
    std::fs::read_to_string(data.join("admin.token"))
        .expect("admin.token")
        .trim()
        .to_owned()
}

pub async fn json(req: reqwest::RequestBuilder) -> Value {
    let resp = req.send().await.expect("request");
    let status = resp.status();
    assert!(
        status.is_success(),
        "{status}: {}",
        resp.text().await.unwrap_or_default()
    );
    resp.json().await.expect("json")
}

/// Every device of the demo account: (project key, device uuid).
pub async fn devices(http: &reqwest::Client, url: &str, admin: &str) -> Vec<(String, String)> {
    let projects = json(
        http.get(format!("{url}/access/api/v1/projects"))
            .bearer_auth(admin),
    )
    .await;
    let mut devices = Vec::new();
    for key in projects
        .as_array()
        .expect("projects")
        .iter()
        .filter_map(|p| p["project_key"].as_str())
    {
        let list = json(
            http.get(format!("{url}/api/v2/{key}/devices?limit=1000"))
                .bearer_auth(admin),
        )
        .await;
        devices.extend(
            list["devices"]
                .as_array()
                .expect("devices")
                .iter()
                .filter_map(|d| d["device_uuid"].as_str())
                .map(|u| (key.to_owned(), u.to_owned())),
        );
    }
    assert!(!devices.is_empty(), "the demo seed has devices");
    devices
}

/// A token scoped to read one device: (token id, secret).
pub async fn device_token(
    http: &reqwest::Client,
    url: &str,
    admin: &str,
    (project, uuid): &(String, String),
    description: &str,
) -> (String, String) {
    let created = json(
        http.post(format!("{url}/access/api/v1/tokens"))
            .bearer_auth(admin)
            .json(&json!({
                "scope": format!("connect:device:{project}/{uuid}:r"),
                "description": description
            })),
    )
    .await;
    (
        created["token_id"].as_str().expect("token id").to_owned(),
        created["access_token"].as_str().expect("secret").to_owned(),
    )
}

/// `n` device-scoped tokens over every device of the demo account: (device path, secret).
/// Made 8 at a time; the secrets stay in memory.
pub async fn device_targets(
    http: &reqwest::Client,
    url: &str,
    admin: &str,
    n: usize,
) -> Vec<(String, String)> {
    let devices = Arc::new(devices(http, url, admin).await);
    let mut out = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(8) {
        let made = chunk.iter().map(|&i| {
            let (http, url, admin, devices) = (
                http.clone(),
                url.to_owned(),
                admin.to_owned(),
                Arc::clone(&devices),
            );
            async move {
                let d = &devices[i % devices.len()];
                let (_, secret) =
                    device_token(&http, &url, &admin, d, &format!("bench reader {i}")).await;
                (format!("/api/v2/{}/devices/{}", d.0, d.1), secret)
            }
        });
        out.extend(futures_util::future::join_all(made).await);
    }
    out
}

/// A bare axum handler on the device route that answers `body` with no auth and no database
/// (the body shared, not copied, per response).
pub async fn bare(body: Vec<u8>) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let body = axum::body::Bytes::from(body);
    let app = Router::new().route(
        "/api/v2/{project}/devices/{uuid}",
        get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    (
        url,
        tokio::spawn(async move { axum::serve(listener, app).await }),
    )
}

/// [`bare`] in its own process (this bench re-executed with `--bare-axum`, `body` on its
/// stdin), so it has a runtime of its own like `serve`: (URL, process, killed on drop).
pub async fn bare_process(body: &[u8]) -> (String, Child) {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(std::env::current_exe().expect("current exe"))
        .arg("--bare-axum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start the bare axum process");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(body).await.expect("body to bare axum");
    drop(stdin);
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), out.next_line())
        .await
        .expect("bare axum's URL within 30 s")
        .expect("bare axum's stdout")
        .expect("bare axum exited before its URL");
    (url, child)
}

/// `--bare-axum`: serves [`bare`] with the body read from stdin; prints its URL, runs until
/// killed.
pub fn bare_main() {
    use std::io::Read;
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body).expect("body");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (url, task) = bare(body).await;
        println!("{url}");
        let _ = task.await;
    });
}

/// The run's PostgreSQL: (URL with a fresh `schema=`, schema name, database name), or the
/// line that fixes its absence.
pub fn pg_target() -> Result<(String, String, String), String> {
    let base = match std::env::var("TOKENTAB_TEST_PG") {
        Ok(u) if u.starts_with("postgres") => u,
        _ => return Err(format!("TOKENTAB_TEST_PG is not set: {FIX_PG}")),
    };
    if std::env::var_os("PGPASSWORD").is_none() {
        return Err(format!("PGPASSWORD is not set: {FIX_PG}"));
    }
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("random");
    let schema = format!("bench_{}", hex::encode(bytes));
    let path = base.split('?').next().unwrap_or_default();
    let db = path.rsplit('/').next().unwrap_or_default().to_owned();
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok((format!("{base}{sep}schema={schema}"), schema, db))
}

/// Drops the bench's schema (psql with the run's URL; the password comes from PGPASSWORD).
pub fn drop_schema(schema: &str) {
    let Ok(base) = std::env::var("TOKENTAB_TEST_PG") else {
        return;
    };
    let status = std::process::Command::new("psql")
        .args([
            "-q",
            "-X",
            &base,
            "-c",
            &format!("DROP SCHEMA \"{schema}\" CASCADE"),
        ])
        .stdout(Stdio::null())
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!("service_bench: could not drop schema {schema} (drop it by hand)");
    }
}
