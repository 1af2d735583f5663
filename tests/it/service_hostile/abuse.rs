//! The service under abuse by the weakest token there is (read on one device), and by callers
//! with no valid token at all: what they send is never stored unbounded, refusals are
//! aggregated in the audit trail, refused callers are slowed with 429 before any work, and
//! their request lines are sampled.

use crate::common::service as svc;
use crate::common::service::child as serve_child;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;
use svc::{TestService, harness};

/// How long each flood runs.
const FLOOD: Duration = Duration::from_secs(10);
const CLIENTS: usize = 4;

fn dir_size(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let m = e.metadata().unwrap();
        total += if m.is_dir() {
            dir_size(&e.path())
        } else {
            m.len()
        };
    }
    total
}

/// A client whose connections come from `ip` (any 127/8 address is this machine).
fn client_from(ip: Ipv4Addr) -> reqwest::Client {
    svc::install_crypto();
    reqwest::Client::builder()
        .local_address(IpAddr::V4(ip))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Every audit row, newest first (admin).
async fn audit_rows(s: &TestService) -> Vec<Value> {
    let (st, v) = s.get(&s.admin, "/tokentab/api/v1/audit?limit=1000").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["entries"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_flood_with_the_weakest_token_is_aggregated_capped_and_bounded() {
    // The rate limit off: the bound must come from shapes, caps and aggregation alone.
    let s = harness()
        .seeded()
        .tune(|o| o.abuse.refusals_per_second = 0)
        .start()
        .await;
    let device = s.devices("demo", "edge-eu").await[0].clone();
    let weakest = s.scoped(&format!("connect:device:demo/{device}:r")).await;
    let before_rows = audit_rows(&s).await.len();
    let before_bytes = s.postgres.is_none().then(|| dir_size(s.dir.path()));
    let long_id = "x".repeat(60_000);
    let paths: Arc<Vec<(Method, String)>> = Arc::new(vec![
        // Not a token id by shape: 404, nothing looked up or stored.
        (Method::DELETE, format!("/access/api/v1/tokens/{long_id}")),
        (Method::GET, format!("/access/api/v1/tokens/{long_id}")),
        (
            Method::DELETE,
            "/access/api/v1/tokens/%1B%5B2J%1B%5D52%3Bc%3BAAAA%07".to_owned(),
        ),
        // A token id by shape, not this token's to revoke: 403, recorded (aggregated).
        (
            Method::DELETE,
            "/access/api/v1/tokens/6f1c2d3e-0000-4000-8000-000000000001".to_owned(),
        ),
        // A device it may read but not delete: 403, recorded (aggregated).
        (Method::DELETE, format!("/api/v2/demo/devices/{device}")),
    ]);
    let forbidden = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + FLOOD;
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (http, base, token) = (svc::client(), s.url(""), weakest.clone());
        let (paths, forbidden, sent) = (paths.clone(), forbidden.clone(), sent.clone());
        clients.push(tokio::spawn(async move {
            let mut i = c;
            while Instant::now() < until {
                let (method, path) = &paths[i % paths.len()];
                i += 1;
                let resp = http
                    .request(method.clone(), format!("{base}{path}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                let status = resp.status();
                assert!(
                    [StatusCode::NOT_FOUND, StatusCode::FORBIDDEN].contains(&status),
                    "{method} {}…: {status}",
                    &path[..path.len().min(60)]
                );
                if status == StatusCode::FORBIDDEN {
                    forbidden.fetch_add(1, Ordering::Relaxed);
                }
                sent.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    let forbidden = forbidden.load(Ordering::Relaxed);
    let sent = sent.load(Ordering::Relaxed);
    eprintln!("flood: {sent} requests, {forbidden} of them 403, in {FLOOD:?}");
    assert!(forbidden > 50, "the flood ran: {forbidden} refusals");
    // The counts gathered in memory reach the rows within the flush interval (5 s): wait for
    // them, with a deadline of 3x.
    let deadline = Instant::now() + Duration::from_secs(15);
    let (new, counted) = loop {
        let rows = audit_rows(&s).await;
        let new: Vec<Value> = rows[..rows.len() - before_rows].to_vec();
        let counted: u64 = new.iter().map(|r| r["count"].as_u64().unwrap()).sum();
        if counted == forbidden || Instant::now() > deadline {
            break (new, counted);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        counted, forbidden,
        "every refusal counted once in the trail: {new:#?}"
    );
    // Two kinds of recorded refusal, one row each per minute: a 10 s flood spans at most two
    // minutes.
    assert!(new.len() <= 4, "aggregated: {} rows {new:#?}", new.len());
    assert!(new.iter().any(|r| r["count"].as_u64().unwrap() > 1));
    for r in &new {
        assert!(r["result"].as_str().unwrap().starts_with("403"), "{r}");
        let text = r.to_string();
        assert!(!text.contains("xxxxxxxxxx"), "no long id stored: {text}");
        assert!(
            !text.contains("\\u001b"),
            "no control character stored: {text}"
        );
    }
    if let Some(before) = before_bytes {
        let running = dir_size(s.dir.path());
        s.handle.shutdown().await;
        let stopped = dir_size(s.dir.path());
        let grown = running.max(stopped).saturating_sub(before);
        eprintln!(
            "data dir: {before} bytes before, {running} after the flood, {stopped} after a \
             clean stop (+{grown}; goal <= 5 MB)"
        );
        assert!(
            grown <= 5_000_000,
            "data dir grew {grown} bytes (goal <= 5 MB)"
        );
        let db = std::fs::read(s.dir.path().join("db").join("tokentab.db")).unwrap();
        assert!(
            !db.windows(4).any(|w| w == b"\x1b]52"),
            "no raw escape sequence in the database file"
        );
    }
}

/// Sends `token` to `url` from `client` until answered 429 (401 before): when the request that
/// got the 429 was sent, how many were refused before it, and its Retry-After.
async fn drain(client: &reqwest::Client, url: &str, token: &str) -> (Instant, u32, u64) {
    let mut refused = 0;
    loop {
        let sent_at = Instant::now();
        let resp = client.get(url).bearer_auth(token).send().await.unwrap();
        match resp.status() {
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                let after: u64 = resp.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                let v: Value = resp.json().await.unwrap();
                assert_eq!(svc::code(&v), "TOO_MANY_REQUESTS", "{v}");
                return (sent_at, refused, after);
            }
            other => panic!("unexpected {other}"),
        }
        assert!(refused < 50, "never limited");
    }
}

#[tokio::test]
async fn refused_callers_get_429_before_any_work_and_nobody_else_is_slowed() {
    let s = harness()
        .seeded()
        .tune(|o| {
            o.abuse.refusals_per_second = 2;
            o.abuse.refusal_burst = 5;
        })
        .start()
        .await;
    let attacker = client_from(Ipv4Addr::new(127, 0, 0, 1));
    let bogus = "A".repeat(43);
    let send = |http: &reqwest::Client, token: &str, path: &str| {
        http.get(s.url(path)).bearer_auth(token).send()
    };
    // Refused until out of credit, then 429 with Retry-After.
    let (_, refused, retry_after) = drain(&attacker, &s.url("/access/api/v1/tokens"), &bogus).await;
    assert!(refused >= 5, "the burst of 5 is served first: {refused}");
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    // While limited, the attacker's address is answered 429 even with a valid token, and the
    // bogus token is limited from another address too. Credit comes back at 2 a second, so
    // both are judged only when answered within 500 ms of the request that found none; on a
    // machine too slow for that, the credit is drained again and they are asked again.
    let elsewhere = client_from(Ipv4Addr::new(127, 0, 0, 3));
    let mut judged = false;
    for _ in 0..20 {
        let (empty_at, _, _) = drain(&attacker, &s.url("/access/api/v1/tokens"), &bogus).await;
        let with_valid = send(&attacker, &s.admin, "/access/api/v1/tokens")
            .await
            .unwrap()
            .status();
        let from_elsewhere = send(&elsewhere, &bogus, "/access/api/v1/tokens")
            .await
            .unwrap()
            .status();
        if empty_at.elapsed() < Duration::from_millis(500) {
            assert_eq!(
                with_valid,
                StatusCode::TOO_MANY_REQUESTS,
                "a valid token, same address"
            );
            assert_eq!(
                from_elsewhere,
                StatusCode::TOO_MANY_REQUESTS,
                "the bogus token elsewhere"
            );
            judged = true;
            break;
        }
    }
    assert!(
        judged,
        "never answered within 500 ms of running out of credit"
    );
    // A client that is served is never slowed: another address, a valid token, many requests.
    let legit = client_from(Ipv4Addr::new(127, 0, 0, 2));
    for _ in 0..200 {
        let resp = send(&legit, &s.admin, "/access/api/v1/tokens?limit=1")
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
    // Credit returns with time: the attacker is heard again (and refused again).
    let deadline = Instant::now() + Duration::from_secs(3 * retry_after + 5);
    loop {
        let resp = send(&attacker, &bogus, "/access/api/v1/tokens")
            .await
            .unwrap();
        if resp.status() == StatusCode::UNAUTHORIZED {
            break;
        }
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(Instant::now() < deadline, "credit never came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // 429s cost no audit rows and no authentication: the metrics count 401s only for the
    // requests that were let through.
    let (st, _) = s.get(&s.admin, "/access/api/v1/system/ping").await;
    assert_eq!(st, StatusCode::OK);
}

/// Request lines the log may show for a flood of `t` at `--log-client-errors-per-second 20`:
/// 20 a second (whole seconds, plus two partial ones) and the summaries.
fn log_bound(t: Duration) -> usize {
    20 * (t.as_secs() as usize + 2) + 10
}

#[tokio::test]
async fn an_unauthenticated_long_path_flood_logs_short_lines_and_few_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tokentab.db");
    let data = dir.path().join("data");
    let (db, data) = (db.to_str().unwrap(), data.to_str().unwrap());
    // Only the log sampling bounds this flood (the rate limit is off).
    let serve = serve_child::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
            "--data-dir",
            data,
            "--no-seed",
            "--refusals-per-second",
            "0",
            "--log-client-errors-per-second",
            "20",
        ],
        None,
    )
    .await;
    let base = format!("http://127.0.0.1:{}", serve.port());
    let serve_child::ServeChild {
        mut child,
        mut stderr,
        ..
    } = serve;
    let lines = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Ok(Some(l)) = stderr.next_line().await {
            seen.push(l);
        }
        seen
    });
    let long = "y".repeat(60_000);
    let sent = Arc::new(AtomicU64::new(0));
    // At least 4 s, and on until the requests are more than twice what the log may show for
    // the time taken (a slow machine floods longer, not less; 60 s at most).
    let start = Instant::now();
    let enough = move |sent: u64| {
        let t = start.elapsed();
        t >= Duration::from_secs(60)
            || (t >= Duration::from_secs(4) && sent as usize > 2 * log_bound(t))
    };
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (http, url, sent) = (
            svc::client(),
            format!("{base}/access/api/v1/tokens/{long}%1B%5B2J"),
            sent.clone(),
        );
        clients.push(tokio::spawn(async move {
            while !enough(sent.load(Ordering::Relaxed)) {
                let st = http.delete(&url).send().await.unwrap().status();
                assert_eq!(st, StatusCode::UNAUTHORIZED);
                sent.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    let flood = start.elapsed();
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(killed.unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("serve stops on SIGTERM")
        .unwrap();
    assert!(status.success());
    let lines = lines.await.unwrap();
    let sent = sent.load(Ordering::Relaxed);
    let requests: Vec<&String> = lines.iter().filter(|l| l.contains("request")).collect();
    let longest = lines.iter().map(String::len).max().unwrap_or(0);
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    eprintln!(
        "{sent} requests of 60 KB paths in {flood:?}: {} log lines, {bytes} bytes, longest {longest}",
        lines.len()
    );
    assert!(longest <= 1024, "log lines stay under 1 KB: {longest}");
    // 20 a second, plus the summaries: far fewer than the requests.
    let bound = log_bound(flood);
    assert!(
        requests.len() <= bound,
        "{} request lines for {sent} requests (bound {bound})",
        requests.len()
    );
    assert!(sent as usize > 2 * bound, "the flood ran: {sent}");
    assert!(
        lines.iter().any(|l| l.contains("suppressed")),
        "a summary says how many lines were suppressed"
    );
    assert!(
        !lines.iter().any(|l| l.contains('\u{1b}')),
        "no raw escape reaches the log"
    );
}
