//! The load generator: this bench binary re-executed with `--load-generator`, so the client
//! neither shares a runtime nor its CPU accounting with the servers under test. Its targets
//! (`PATH<TAB>TOKEN` lines, secrets included) come through its stdin: never argv, never a file.

use std::io::{BufRead, Write};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::AsyncWriteExt;

/// What a load generator reports (one JSON line on stdout).
#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    pub count: usize,
    pub errors: usize,
    pub elapsed_s: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    /// The load generator's own CPU time (user + system) over the run.
    pub cpu_s: f64,
    /// The latencies cannot be true: they add up to more waiting than the connections had
    /// (wrk; see `wrk.rs`).
    #[serde(default)]
    pub latency_suspect: bool,
}

impl Report {
    fn of(mut lat: Vec<Duration>, errors: usize, elapsed: Duration, cpu_s: f64) -> Report {
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
            cpu_s,
            latency_suspect: false,
        }
    }
    pub fn rps(&self) -> f64 {
        self.count as f64 / self.elapsed_s
    }
    pub fn p99_ms(&self) -> f64 {
        self.p99_us as f64 / 1000.0
    }
    pub fn line(&self) -> String {
        format!(
            "{:>8.0} req/s  p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms  ({} requests{})",
            self.rps(),
            self.p50_us as f64 / 1000.0,
            self.p99_ms(),
            self.max_us as f64 / 1000.0,
            self.count,
            if self.errors > 0 {
                format!(", {} ERRORS", self.errors)
            } else {
                String::new()
            }
        ) + if self.latency_suspect {
            "  LATENCIES NOT TRUE: their sum exceeds connections x run (wrk)"
        } else {
            ""
        }
    }
}

/// Mean req/s of several runs.
pub fn mean_rps(runs: &[Report]) -> f64 {
    runs.iter().map(Report::rps).sum::<f64>() / runs.len().max(1) as f64
}

/// This process's user + system CPU seconds (`/proc/self/stat`).
fn own_cpu_s() -> f64 {
    crate::cpu::ticks("self").map_or(0.0, crate::cpu::ticks_to_s)
}

/// `--load-generator get|create CLIENTS SECONDS URL…`, targets on stdin. `get` rotates over the
/// targets; `create` posts with the first target's token. Request `i` goes to `URL[i % n]`.
pub fn main(args: &[String]) {
    let [mode, clients, secs, urls @ ..] = args else {
        eprintln!("usage: --load-generator get|create CLIENTS SECONDS URL… (targets on stdin)");
        std::process::exit(2);
    };
    let targets: Vec<(String, String)> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| {
            l.split_once('\t')
                .map(|(p, t)| (p.to_owned(), t.to_owned()))
        })
        .collect();
    assert!(
        !targets.is_empty() && !urls.is_empty(),
        "no targets or URLs"
    );
    let clients: usize = clients.parse().expect("clients");
    let run = Duration::from_secs_f64(secs.parse().expect("seconds"));
    let create = mode == "create";
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let cpu_before = own_cpu_s();
    let (lat, errors, elapsed) = rt.block_on(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .build()
            .expect("client");
        let (targets, urls) = (Arc::new(targets), Arc::new(urls.to_vec()));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (http, urls, targets) = (http.clone(), Arc::clone(&urls), Arc::clone(&targets));
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut errors = 0;
                let mut i = c * 7919;
                while start.elapsed() < run {
                    let base = &urls[i % urls.len()];
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
                        Ok(r) if r.status().is_success() => match r.bytes().await {
                            Ok(_) => lat.push(t.elapsed()),
                            Err(_) => errors += 1,
                        },
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
        (all, errors, start.elapsed())
    });
    let report = Report::of(lat, errors, elapsed, own_cpu_s() - cpu_before);
    println!("{}", serde_json::to_string(&report).expect("json"));
}

/// Runs a load generator process against `urls` (alternating) and waits for its report.
pub async fn generate(
    mode: &str,
    urls: &[String],
    targets: &[(String, String)],
    clients: usize,
    run: Duration,
) -> Report {
    let mut child = tokio::process::Command::new(std::env::current_exe().expect("current exe"))
        .arg("--load-generator")
        .args([mode, &clients.to_string(), &run.as_secs_f64().to_string()])
        .args(urls)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the load generator");
    let mut lines = Vec::new();
    for (p, t) in targets {
        writeln!(lines, "{p}\t{t}").expect("buffer");
    }
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(&lines)
        .await
        .expect("targets to the load generator");
    drop(stdin);
    let out = child.wait_with_output().await.expect("load generator");
    assert!(
        out.status.success(),
        "load generator: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("load generator report")
}
