//! Device import figures (issue 17; not a timed test): `cargo bench --bench import_bench`
//! (`-- --runs N`, default 5; `-- --pg URL` or `TOKENTAB_TEST_PG` for PostgreSQL).
//!
//! A `tokentab serve --no-seed` child (the release binary under `cargo bench`) on a SQLite file
//! and, when a PostgreSQL URL is given (`eval "$(bash tests/pg-setup.sh)"`), one on a fresh
//! schema of it. Each run makes a project and fleet through the API, then times one
//! `POST /api/v2/{project}/devices/import` of a 10,000-row CSV (half the rows with ids, half
//! generated) over HTTP, answer included; then once more the same file into the same project
//! (10,000 updates / unchanged rows, the upsert path). Prints the median and the spread beside
//! the goal: ≤ 2 s on SQLite, ≤ 5 s on PostgreSQL.

#[allow(dead_code)]
#[path = "service_bench/servers.rs"]
mod servers;

use std::time::{Duration, Instant};

use serde_json::json;

use servers::{Serve, admin_token};

const ROWS: usize = 10_000;

fn csv(run: usize) -> String {
    let mut out = String::from("device_uuid,device_name,fleet,tags,description\n");
    for i in 0..ROWS {
        let id = if i % 2 == 0 {
            format!("r{run}-{i:05}")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{id},Pi {i} of run {run},rpi,arm64;lab;row-{i},imported by the bench\n"
        ));
    }
    out
}

async fn ok(req: reqwest::RequestBuilder, what: &str) -> serde_json::Value {
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert!(status.is_success(), "{what}: {status}: {text}");
    serde_json::from_str(&text).expect("json")
}

/// One timed import into project `project` (made with its fleet first when `make`).
async fn import_once(
    http: &reqwest::Client,
    s: &Serve,
    admin: &str,
    project: &str,
    body: String,
    make: bool,
) -> (Duration, serde_json::Value) {
    if make {
        ok(
            http.post(format!("{}/access/api/v1/projects", s.url))
                .bearer_auth(admin)
                .json(&json!({"project_key": project})),
            "project",
        )
        .await;
        ok(
            http.post(format!("{}/api/v2/{project}/fleets", s.url))
                .bearer_auth(admin)
                .json(&json!({"name": "rpi"})),
            "fleet",
        )
        .await;
    }
    let start = Instant::now();
    let report = ok(
        http.post(format!("{}/api/v2/{project}/devices/import", s.url))
            .bearer_auth(admin)
            .header("content-type", "text/csv")
            .body(body),
        "import",
    )
    .await;
    (start.elapsed(), report)
}

fn median(mut d: Vec<Duration>) -> (Duration, Duration, Duration) {
    d.sort();
    (d[d.len() / 2], d[0], d[d.len() - 1])
}

async fn bench(name: &str, db: &str, goal: Duration, runs: usize) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let s = Serve::start(db, &data, &["--no-seed"]).await;
    let admin = admin_token(&data);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    let mut adds = Vec::new();
    let mut upserts = Vec::new();
    for run in 0..runs {
        let project = format!("bench-{run}");
        let (took, report) = import_once(&http, &s, &admin, &project, csv(run), true).await;
        assert_eq!(report["added"], ROWS, "{report}");
        adds.push(took);
        let (took, report) = import_once(&http, &s, &admin, &project, csv(run), false).await;
        assert_eq!(report["rows"], ROWS, "{report}");
        upserts.push(took);
    }
    for (what, d) in [("10,000 new", adds), ("10,000 again (upsert)", upserts)] {
        let (mid, lo, hi) = median(d);
        let verdict = if mid <= goal { "ok" } else { "OVER" };
        println!(
            "{name:<10} {what:<22} median {:>7.3} s  (min {:.3}, max {:.3}, {runs} runs)  goal ≤ {} s  {verdict}",
            mid.as_secs_f64(),
            lo.as_secs_f64(),
            hi.as_secs_f64(),
            goal.as_secs()
        );
    }
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let runs: usize = arg("--runs").and_then(|r| r.parse().ok()).unwrap_or(5);
    let (bin, release) = servers::binary();
    println!(
        "import_bench: HTTP import of {ROWS} devices (CSV), {runs} runs; serve = {bin}{}",
        if release {
            ""
        } else {
            " (a debug build: slower than release)"
        }
    );
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("import.db");
    bench(
        "SQLite",
        sqlite.to_str().unwrap(),
        Duration::from_secs(2),
        runs,
    )
    .await;

    let pg = match arg("--pg") {
        Some(url) => Ok((url, None)),
        None => servers::pg_target().map(|(url, schema, _)| (url, Some(schema))),
    };
    match pg {
        Ok((url, schema)) => {
            bench("PostgreSQL", &url, Duration::from_secs(5), runs).await;
            if let Some(schema) = schema {
                servers::drop_schema(&schema);
            }
        }
        Err(why) => println!("PostgreSQL SKIPPED: {why}"),
    }
}
