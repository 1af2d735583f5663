//! Service throughput figures (not a timed test): `cargo bench --bench service_bench`
//! (`-- --quick`, or TOKENTAB_BENCH_QUICK=1, for a short create run).
//!
//! The load comes from a separate process: this binary re-executes itself with
//! `--load-generator` (a small reqwest client) so the service under test does not share its
//! runtime or its CPU accounting with the client. Both servers run in this (parent) process.
//!
//! 1. GET one device with a device-scoped token, rotating over 1,000 distinct tokens (each for
//!    a device of the demo account, so no single cached token is measured), beside a bare axum handler that
//!    returns the same JSON without auth or database, same load generator, same layout
//!    (goal: ratio >= 0.5).
//! 2. Token create at 16 concurrent clients for 60 s (10 s quick): creates/s, p50, p99
//!    (goal: p99 <= 5 ms), and the largest -wal file seen meanwhile (goal <= 64 MiB).
//! 3. 100k tokens in the database: first page of 500 (goal <= 20 ms), walking every page
//!    (goal <= 2 s).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokentab::service::store::Store;
use tokentab::service::store::tokens::{self, NewToken};
use tokentab::service::{ServiceConfig, ServiceHandle, StoreError, spawn};

const READ_CLIENTS: usize = 32;
const READ_RUN: Duration = Duration::from_secs(8);
const DISTINCT_TOKENS: usize = 1_000;
const CREATE_CLIENTS: usize = 16;
const CREATE_RUN: Duration = Duration::from_secs(60);
const CREATE_RUN_QUICK: Duration = Duration::from_secs(10);
const WAL_GOAL: u64 = 64 * 1024 * 1024;
const BIG_TOKENS: usize = 100_000;
const PAGE: usize = 500;

/// What a load generator reports (one JSON line on stdout).
#[derive(Debug, Serialize, Deserialize)]
struct Report {
    count: usize,
    errors: usize,
    elapsed_s: f64,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
}

impl Report {
    fn of(mut lat: Vec<Duration>, errors: usize, elapsed: Duration) -> Report {
        lat.sort();
        let at = |q: f64| {
            if lat.is_empty() {
                return 0;
            }
            let i = ((lat.len() as f64 * q).ceil() as usize).clamp(1, lat.len()) - 1;
            lat[i].as_micros() as u64
        };
        Report {
            count: lat.len(),
            errors,
            elapsed_s: elapsed.as_secs_f64(),
            p50_us: at(0.50),
            p99_us: at(0.99),
            max_us: at(1.0),
        }
    }
    fn rps(&self) -> f64 {
        self.count as f64 / self.elapsed_s
    }
    fn line(&self) -> String {
        format!(
            "{:>8.0} req/s  p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms  ({} requests{})",
            self.rps(),
            self.p50_us as f64 / 1000.0,
            self.p99_us as f64 / 1000.0,
            self.max_us as f64 / 1000.0,
            self.count,
            if self.errors > 0 {
                format!(", {} ERRORS", self.errors)
            } else {
                String::new()
            }
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The load generator (child process).

/// `--load-generator get|create BASE_URL TARGETS_FILE CLIENTS SECONDS`. TARGETS_FILE lines are
/// `PATH<TAB>TOKEN`; `get` rotates over them, `create` posts to the first line's token.
fn load_generator(args: &[String]) {
    let [mode, base, targets, clients, secs] = args else {
        eprintln!("usage: --load-generator get|create BASE TARGETS CLIENTS SECONDS");
        std::process::exit(2);
    };
    let targets: Vec<(String, String)> = std::fs::read_to_string(targets)
        .expect("targets file")
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, t)| (p.to_owned(), t.to_owned()))
        .collect();
    let clients: usize = clients.parse().expect("clients");
    let run = Duration::from_secs_f64(secs.parse().expect("seconds"));
    let create = mode == "create";
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let report = rt.block_on(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .build()
            .expect("client");
        let targets = Arc::new(targets);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (http, base, targets) = (http.clone(), base.clone(), Arc::clone(&targets));
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut errors = 0;
                let mut i = c * 7919;
                while start.elapsed() < run {
                    let t = Instant::now();
                    let req = if create {
                        http.post(format!("{base}/access/api/v1/tokens"))
                            .bearer_auth(&targets[0].1)
                            .json(&json!({"description": format!("bench {c}/{i}"), "expires_in": 3600}))
                    } else {
                        let (path, token) = &targets[i % targets.len()];
                        let req = http.get(format!("{base}{path}"));
                        if token.is_empty() { req } else { req.bearer_auth(token) }
                    };
                    i += 1;
                    match req.send().await {
                        Ok(r) if r.status().is_success() => {
                            if r.bytes().await.is_ok() {
                                lat.push(t.elapsed());
                            } else {
                                errors += 1;
                            }
                        }
                        _ => errors += 1,
                    }
                }
                (lat, errors)
            }));
        }
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let (lat, e) = t.await.expect("load task");
            all.extend(lat);
            errors += e;
        }
        Report::of(all, errors, start.elapsed())
    });
    println!("{}", serde_json::to_string(&report).expect("json"));
}

/// Runs a load generator process and waits for its report.
async fn generate(mode: &str, base: &str, targets: &Path, clients: usize, run: Duration) -> Report {
    let out = tokio::process::Command::new(std::env::current_exe().expect("current exe"))
        .arg("--load-generator")
        .args([mode, base])
        .arg(targets)
        .args([clients.to_string(), run.as_secs_f64().to_string()])
        .stdin(Stdio::null())
        .output()
        .await
        .expect("start the load generator");
    assert!(
        out.status.success(),
        "load generator: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("load generator report")
}

// ---------------------------------------------------------------------------------------------
// The parent: servers and figures.

fn config(dir: &Path, seed: bool) -> ServiceConfig {
    ServiceConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        db_path: dir.join("tokentab.db"),
        data_dir: dir.to_owned(),
        seed,
        max_expiry: None,
        max_user_expiry: Some(tokentab::service::DEFAULT_MAX_USER_EXPIRY),
        max_tokens_per_user: tokentab::service::DEFAULT_MAX_TOKENS_PER_USER,
    }
}

fn admin_token(h: &ServiceHandle) -> String {
    std::fs::read_to_string(&h.admin_token_path)
        .expect("admin.token")
        .trim()
        .to_owned()
}

/// `PATH<TAB>TOKEN` lines, private to this user.
fn write_targets(path: &Path, targets: &[(String, String)]) {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).expect("targets file");
    for (p, t) in targets {
        writeln!(f, "{p}\t{t}").expect("write targets");
    }
}

async fn json(req: reqwest::RequestBuilder) -> Value {
    let resp = req.send().await.expect("request");
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.json().await.expect("json")
}

/// 1,000 device-scoped tokens over every device of the demo account: (device path, token).
async fn device_tokens(
    http: &reqwest::Client,
    svc: &ServiceHandle,
    admin: &str,
) -> Vec<(String, String)> {
    let projects = json(
        http.get(format!("{}/access/api/v1/projects", svc.url()))
            .bearer_auth(admin),
    )
    .await;
    let mut devices: Vec<(String, String)> = Vec::new();
    for key in projects
        .as_array()
        .expect("projects")
        .iter()
        .filter_map(|p| p["project_key"].as_str())
    {
        let list = json(
            http.get(format!("{}/api/v2/{key}/devices?limit=1000", svc.url()))
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
    assert!(!devices.is_empty());
    let mut out = Vec::with_capacity(DISTINCT_TOKENS);
    for i in 0..DISTINCT_TOKENS {
        let (project, uuid) = &devices[i % devices.len()];
        let created = json(
            http.post(format!("{}/access/api/v1/tokens", svc.url()))
                .bearer_auth(admin)
                .json(&json!({
                    "scope": format!("connect:device:{project}/{uuid}:r"),
                    "description": format!("bench reader {i}")
                })),
        )
        .await;
        let token = created["access_token"].as_str().expect("secret").to_owned();
        out.push((format!("/api/v2/{project}/devices/{uuid}"), token));
    }
    out
}

async fn device_read(http: &reqwest::Client, svc: &ServiceHandle, admin: &str, dir: &Path) {
    let targets = device_tokens(http, svc, admin).await;
    let distinct_devices = targets
        .iter()
        .map(|(p, _)| p.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    let device = json(
        http.get(format!("{}{}", svc.url(), targets[0].0))
            .bearer_auth(&targets[0].1),
    )
    .await;

    // The bare baseline: same route shape, same JSON, no auth, no database.
    let body = Arc::new(serde_json::to_vec(&device).expect("json"));
    let bare = Router::new().route(
        "/api/v2/{project}/devices/{uuid}",
        get(move || {
            let body = Arc::clone(&body);
            async move {
                (
                    [("content-type", "application/json")],
                    body.as_ref().clone(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let bare_url = format!("http://{}", listener.local_addr().expect("addr"));
    let bare_task = tokio::spawn(async move { axum::serve(listener, bare).await });

    let svc_targets = dir.join("svc-targets.tsv");
    write_targets(&svc_targets, &targets);
    let bare_targets = dir.join("bare-targets.tsv");
    let unauthenticated: Vec<(String, String)> = targets
        .iter()
        .map(|(p, _)| (p.clone(), String::new()))
        .collect();
    write_targets(&bare_targets, &unauthenticated);

    // Warm both up, then two measured runs of each, alternating; the figures are the means.
    let warm = Duration::from_secs(1);
    generate("get", &bare_url, &bare_targets, READ_CLIENTS, warm).await;
    generate("get", &svc.url(), &svc_targets, READ_CLIENTS, warm).await;
    let mut bare_runs = Vec::new();
    let mut svc_runs = Vec::new();
    for _ in 0..2 {
        bare_runs.push(generate("get", &bare_url, &bare_targets, READ_CLIENTS, READ_RUN).await);
        svc_runs.push(generate("get", &svc.url(), &svc_targets, READ_CLIENTS, READ_RUN).await);
    }
    bare_task.abort();
    let mean = |runs: &[Report]| runs.iter().map(Report::rps).sum::<f64>() / runs.len() as f64;
    println!(
        "1. GET one device: load generator in its own process, {READ_CLIENTS} clients, {:?} per run, \
         {DISTINCT_TOKENS} distinct device-scoped tokens over {distinct_devices} devices",
        READ_RUN
    );
    for (b, s) in bare_runs.iter().zip(&svc_runs) {
        println!("   bare axum handler : {}", b.line());
        println!("   token-checked     : {}", s.line());
    }
    println!(
        "   ratio (mean req/s): {:.2}   (goal >= 0.5)",
        mean(&svc_runs) / mean(&bare_runs)
    );
}

async fn creates(svc: &ServiceHandle, admin: &str, dir: &Path, run: Duration) {
    let targets = dir.join("admin-target.tsv");
    write_targets(&targets, &[(String::new(), admin.to_owned())]);
    let wal = PathBuf::from(format!("{}-wal", dir.join("tokentab.db").display()));
    let db = dir.join("tokentab.db");
    generate(
        "create",
        &svc.url(),
        &targets,
        CREATE_CLIENTS,
        Duration::from_secs(1),
    )
    .await;
    let stop = Arc::new(AtomicBool::new(false));
    let max_wal = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, max_wal, wal) = (Arc::clone(&stop), Arc::clone(&max_wal), wal.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Acquire) {
                max_wal.fetch_max(
                    std::fs::metadata(&wal).map_or(0, |m| m.len()),
                    Ordering::AcqRel,
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let db_before = std::fs::metadata(&db).map_or(0, |m| m.len());
    let c = generate("create", &svc.url(), &targets, CREATE_CLIENTS, run).await;
    stop.store(true, Ordering::Release);
    sampler.join().expect("sampler");
    let db_after = std::fs::metadata(&db).map_or(0, |m| m.len());
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "2. token create, {CREATE_CLIENTS} clients for {:?} (load generator in its own process):",
        run
    );
    println!("   {}", c.line());
    println!(
        "   p99 {:.3} ms   (goal p99 <= 5 ms)",
        c.p99_us as f64 / 1000.0
    );
    println!(
        "   largest -wal file {:.1} MiB, sampled every 10 ms   (goal <= {:.0} MiB); database grew {:.1} -> {:.1} MiB",
        mib(max_wal.load(Ordering::Acquire)),
        mib(WAL_GOAL),
        mib(db_before),
        mib(db_after)
    );
}

fn fill(db: &Path) -> Result<Duration, StoreError> {
    let store = Store::open(db)?;
    let start = Instant::now();
    let now = chrono::Utc::now().timestamp();
    store.write_now(move |tx| {
        tokentab::service::store::entities::insert_user(
            tx,
            &tokentab::model::wire::UserInfo {
                username: "admin".into(),
                email: None,
                admin: Some(true),
                status: None,
                realm: None,
            },
        )?;
        for i in 0..BIG_TOKENS {
            let secret = format!("bench-secret-{i}");
            tokens::insert(
                tx,
                &NewToken {
                    token_id: uuid::Uuid::new_v4().to_string(),
                    secret_hash: tokentab::service::hash_secret(&secret),
                    username: "admin".into(),
                    scope: "applied-permissions/user".into(),
                    audience: "*@*".into(),
                    description: format!("bulk token {i}"),
                    project_key: None,
                    refreshable: false,
                    issued_at: now - (BIG_TOKENS - i) as i64,
                    expiry: Some(now + 86_400 + i as i64),
                },
            )?;
        }
        Ok::<_, StoreError>(())
    })?;
    Ok(start.elapsed())
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

async fn big_listing(http: &reqwest::Client) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), false);
    let db = cfg.db_path.clone();
    let filled = tokio::task::spawn_blocking(move || fill(&db))
        .await
        .expect("fill task")
        .expect("fill");
    let svc = spawn(cfg).await.expect("service");
    let admin = admin_token(&svc);
    let first = format!("{}/access/api/v1/tokens?limit={PAGE}", svc.url());
    let mut lat = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let v = json(http.get(&first).bearer_auth(&admin)).await;
        lat.push(t.elapsed());
        assert_eq!(v["tokens"].as_array().map(Vec::len), Some(PAGE));
    }
    lat.sort();
    let mut walks = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let mut seen = 0;
        let mut pages = 0;
        let mut cursor: Option<String> = None;
        loop {
            let mut req = http.get(&first).bearer_auth(&admin);
            if let Some(c) = &cursor {
                req = req.query(&[("cursor", c)]);
            }
            let v = json(req).await;
            seen += v["tokens"].as_array().map_or(0, Vec::len);
            pages += 1;
            match v["cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, BIG_TOKENS + 1, "every token once (+ the admin token)");
        walks.push((t.elapsed(), pages));
    }
    walks.sort();
    println!(
        "3. {BIG_TOKENS} tokens (inserted in {}): first page of {PAGE}: p50 {}  max {} over 30 runs (goal <= 20 ms); \
         all {} pages: best {} / worst {} of 3 walks (goal <= 2 s)",
        ms(filled),
        ms(lat[lat.len() / 2]),
        ms(lat[lat.len() - 1]),
        walks[0].1,
        ms(walks[0].0),
        ms(walks[walks.len() - 1].0)
    );
    svc.shutdown().await;
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--load-generator") {
        return load_generator(&args[i + 1..]);
    }
    let quick = args.iter().any(|a| a == "--quick")
        || std::env::var("TOKENTAB_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::builder().build().expect("client");
        let started = Instant::now();
        let dir = tempfile::tempdir().expect("tempdir");
        let svc = spawn(config(dir.path(), true)).await.expect("service");
        let admin = admin_token(&svc);
        device_read(&http, &svc, &admin, dir.path()).await;
        creates(
            &svc,
            &admin,
            dir.path(),
            if quick { CREATE_RUN_QUICK } else { CREATE_RUN },
        )
        .await;
        svc.shutdown().await;
        big_listing(&http).await;
        println!("total {:.1} s", started.elapsed().as_secs_f64());
    });
}
