//! Read load from wrk (C, epoll; `apt-get install wrk`): a generator faster than the server, so
//! the ratio to bare axum is the server's cost and not the generator's ceiling. The bench's own
//! reqwest generator topped out near 60k req/s against bare axum here, which hid the service's
//! cost (bare axum by wrk: ~150k). The run prints bare axum's rate as the proof.
//!
//! Targets (`PATH<TAB>TOKEN` lines, secrets included) reach wrk through its stdin, read once by
//! the script's `setup`: never argv, never a file. The script holds no secret.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::load::Report;

/// wrk threads per process (the machine has 2 cores).
const THREADS: usize = 2;

const SCRIPT: &str = r#"
-- Targets "PATH\tTOKEN" from stdin, read once, handed to each thread as one string (the
-- global `raw` of the thread's own Lua state).
local stdin, next_id = nil, 0
function setup(thread)
  if stdin == nil then stdin = io.stdin:read("*a") end
  thread:set("raw", stdin)
  thread:set("id", next_id)
  next_id = next_id + 1
end
function init(args)
  reqs = {}
  for line in raw:gmatch("[^\n]+") do
    local path, token = line:match("^([^\t]+)\t(.*)$")
    local headers = {}
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    reqs[#reqs + 1] = wrk.format("GET", path, headers)
  end
  raw = nil
  i = (id * 7919) % #reqs
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.status + e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean))
end
"#;

/// Whether wrk can run here, or the line that fixes it.
pub fn available() -> Result<(), String> {
    match std::process::Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("wrk: {e} (apt-get install wrk)")),
    }
}

/// GETs over `targets` for `run` with `connections` in all, split evenly over `urls` (one wrk
/// process per URL, run at the same time); the reports are combined.
pub async fn reads(
    urls: &[String],
    targets: &[(String, String)],
    connections: usize,
    run: Duration,
) -> Report {
    let dir = tempfile::tempdir().expect("dir");
    let script = dir.path().join("reads.lua");
    std::fs::write(&script, SCRIPT).expect("script");
    let each = (connections / urls.len()).max(THREADS);
    let runs = urls.iter().map(|url| one(url, &script, targets, each, run));
    let reports = futures_util::future::join_all(runs).await;
    let count = reports.iter().map(|r| r.count).sum();
    Report {
        count,
        errors: reports.iter().map(|r| r.errors).sum(),
        elapsed_s: reports.iter().map(|r| r.elapsed_s).fold(0.0, f64::max),
        p50_us: reports.iter().map(|r| r.p50_us).max().unwrap_or(0),
        p99_us: reports.iter().map(|r| r.p99_us).max().unwrap_or(0),
        max_us: reports.iter().map(|r| r.max_us).max().unwrap_or(0),
        cpu_s: reports.iter().map(|r| r.cpu_s).sum(),
        latency_suspect: reports.iter().any(|r| r.latency_suspect),
    }
}

async fn one(
    url: &str,
    script: &std::path::Path,
    targets: &[(String, String)],
    connections: usize,
    run: Duration,
) -> Report {
    let mut child = tokio::process::Command::new("wrk")
        .arg(format!("-t{THREADS}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", run.as_secs().max(1)))
        .arg("-s")
        .arg(script)
        .arg(url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start wrk (apt-get install wrk)");
    let pid = child.id().unwrap_or(0).to_string();
    let mut lines = Vec::new();
    for (p, t) in targets {
        writeln!(lines, "{p}\t{t}").expect("buffer");
    }
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&lines).await.expect("targets to wrk");
    drop(stdin);
    // wrk's CPU time: sampled until it exits (its last 100 ms are not counted).
    let mut ticks = 0;
    let sampler = async {
        loop {
            if let Some(t) = crate::cpu::ticks(&pid) {
                ticks = t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let out = tokio::select! {
        out = child.wait_with_output() => out.expect("wrk"),
        () = sampler => unreachable!(),
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "wrk: {}{}",
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("WRK "))
        .unwrap_or_else(|| panic!("no summary from wrk: {text}"));
    let v: Vec<u64> = line
        .split_whitespace()
        .map(|x| x.parse().expect("number"))
        .collect();
    let [count, duration_us, errors, p50, p99, max, mean] = v[..] else {
        panic!("wrk summary: {line}");
    };
    // A closed loop: each connection waits for its answer, so the requests' latencies cannot
    // add up to much more than connections × run. wrk's own slop is a few percent (1.06x in a
    // quiet 4 s run, session 16); two wrk processes at once on 2 cores printed 3.3x (p99s near
    // 1 s while every request of the bench's own generator, at the same time, took < 50 ms).
    let waited_s = mean as f64 * count as f64 / 1e6;
    let available_s = connections as f64 * duration_us as f64 / 1e6;
    Report {
        count: count as usize,
        errors: errors as usize,
        elapsed_s: duration_us as f64 / 1e6,
        p50_us: p50,
        p99_us: p99,
        max_us: max,
        cpu_s: crate::cpu::ticks_to_s(ticks),
        latency_suspect: waited_s > 1.5 * available_s,
    }
}
