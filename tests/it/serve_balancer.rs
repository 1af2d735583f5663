//! Behind a real load balancer (issue 22): Debian's HAProxy and nginx, each run from the
//! README's own configuration text, in front of two TLS `tokentab serve` replicas on PostgreSQL
//! (`--trusted-proxy 127.0.0.1`; with HAProxy `--proxy-protocol` too, it sends PROXY v2; nginx
//! sends X-Forwarded-For). Four clients send requests while each replica in turn gets SIGTERM
//! (it drains for its default 10 s) and is started again: every answer is 2xx and no request
//! fails. A token revoked through the balancer is refused on every later request; the audit
//! trail and the logs carry the client's address, not the balancer's.
//! Needs TOKENTAB_TEST_PG (tests/it/common/pg.rs), `haproxy` and `nginx` (tests/run.sh installs
//! them).

mod haproxy;
mod nginx;

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::pg;
use crate::common::replicas::{Replica, start_one};
use crate::common::service as svc;
use crate::common::timing::within_3x;

const TOKENS: &str = "/access/api/v1/tokens";
/// The clients connect from here, not from 127.0.0.1 (HAProxy's address towards the replicas).
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 5);
const CLIENTS: usize = 4;
/// Each client sends at least this many requests, and goes on until both restarts are done.
const PER_CLIENT: usize = 1_000;
/// serve's default --drain-seconds, given explicitly (the test harness turns the drain off).
const DRAIN: Duration = Duration::from_secs(10);
/// serve's grace for in-flight requests after the drain.
const GRACE: Duration = Duration::from_secs(10);

/// The arguments of replica `i` on `port` (the same at each restart).
fn replica_args(
    db: &str,
    dir: &Path,
    certs: &haproxy::Certs,
    (port, i, proxy_protocol): (u16, usize, bool),
) -> Vec<String> {
    let data = dir.join(format!("data{i}"));
    let mut args: Vec<String> = [
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--db",
        db,
        "--data-dir",
        data.to_str().unwrap(),
        "--tls-cert",
        certs.cert.to_str().unwrap(),
        "--tls-key",
        certs.key.to_str().unwrap(),
        "--trusted-proxy",
        "127.0.0.1",
        "--drain-seconds",
        &DRAIN.as_secs().to_string(),
        "--no-seed",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if proxy_protocol {
        args.push("--proxy-protocol".into());
    }
    args
}

/// The balancer in front, and how to see it take a replica out and back in.
enum Balancer {
    Haproxy(haproxy::Haproxy),
    /// No active health checks: it learns from refused connections.
    Nginx(nginx::Nginx),
}

impl Balancer {
    fn url(&self) -> String {
        let port = match self {
            Balancer::Haproxy(h) => h.port,
            Balancer::Nginx(n) => n.port,
        };
        format!("https://127.0.0.1:{port}")
    }

    /// HAProxy: until its checks count replica `i` down (it must be within the drain).
    async fn until_out(&self, i: usize, term: Instant) {
        if let Balancer::Haproxy(lb) = self {
            let out = lb
                .until(|s| s[i].starts_with("DOWN"), "taking the replica out")
                .await;
            eprintln!("replica {i}: HAProxy took it out {out:?} after SIGTERM (drain {DRAIN:?})");
            assert!(
                term.elapsed() < DRAIN,
                "HAProxy took {out:?} to take the draining replica out: longer than the drain"
            );
        }
    }

    /// Until the balancer sends the restarted replica requests again: HAProxy counts it up;
    /// nginx has passed it one (its request log line).
    async fn until_back(&self, i: usize, node: &Replica) {
        let back = match self {
            Balancer::Haproxy(lb) => lb.until(|s| s[i] == "UP", "taking the replica back").await,
            Balancer::Nginx(_) => {
                let start = Instant::now();
                while !node.stderr_text().contains("client=127.0.0.5") {
                    assert!(
                        start.elapsed() < Duration::from_secs(120),
                        "nginx sent replica {i} no request within 2 minutes of its restart"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                start.elapsed()
            }
        };
        eprintln!("replica {i}: back in the balancer {back:?} after its restart");
    }
}

/// A client of the balancer that trusts the test CA and connects from [`CLIENT_IP`].
fn client(certs: &haproxy::Certs) -> reqwest::Client {
    svc::install_crypto();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&certs.ca).unwrap()).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .local_address(IpAddr::V4(CLIENT_IP))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// What one client saw.
#[derive(Default, Debug)]
struct Tally {
    ok: usize,
    not_2xx: Vec<String>,
    errors: Vec<String>,
}

/// Reads (a token-checked list) and every tenth request a create, until `stop` and at least
/// [`PER_CLIENT`] requests (bounded: 5 minutes).
async fn hammer(http: reqwest::Client, url: String, admin: String, stop: Arc<AtomicBool>) -> Tally {
    let mut t = Tally::default();
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut i = 0usize;
    while (i < PER_CLIENT || !stop.load(Ordering::Relaxed)) && Instant::now() < deadline {
        let req = if i % 10 == 9 {
            http.post(format!("{url}{TOKENS}"))
                .json(&json!({ "description": format!("during the restarts {i}") }))
        } else {
            http.get(format!("{url}{TOKENS}?limit=5"))
        };
        match req.bearer_auth(&admin).send().await {
            Ok(r) if r.status().is_success() => t.ok += 1,
            Ok(r) => t.not_2xx.push(format!(
                "{} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            )),
            Err(e) => t.errors.push(format!("{e:?}")),
        }
        i += 1;
    }
    t
}

async fn restart(node: &mut Replica, args: Vec<String>, lb: &Balancer, i: usize) -> Duration {
    let pid = node.child.id().expect("running");
    let term = Instant::now();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    lb.until_out(i, term).await;
    let status = tokio::time::timeout(DRAIN + 3 * GRACE, node.child.wait())
        .await
        .expect("the replica exits within its drain and 3x its grace")
        .unwrap();
    assert!(status.success(), "replica {i} exited with {status}");
    within_3x(
        "exit after the drain",
        term.elapsed().saturating_sub(DRAIN),
        GRACE,
    );
    let data = node.data.clone();
    *node = start_one(args, data).await;
    lb.until_back(i, node).await;
    term.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn haproxy_from_the_readme_restarts_each_replica_under_load_with_no_error() {
    rolling_restarts_through(Kind::Haproxy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nginx_from_the_readme_restarts_each_replica_under_load_with_no_error() {
    rolling_restarts_through(Kind::Nginx).await;
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Haproxy,
    Nginx,
}

async fn rolling_restarts_through(kind: Kind) {
    let dir = tempfile::tempdir().unwrap();
    let certs = haproxy::make_certs(dir.path());
    let db = pg::fresh_schema_url();
    let ports = [haproxy::free_port(), haproxy::free_port()];
    let proxy_protocol = kind == Kind::Haproxy;
    let args = |i: usize| replica_args(&db, dir.path(), &certs, (ports[i], i, proxy_protocol));
    // One after the other: the first writes admin.token.
    let mut nodes = Vec::new();
    for i in 0..2 {
        nodes.push(start_one(args(i), dir.path().join(format!("data{i}"))).await);
    }
    let admin = std::fs::read_to_string(dir.path().join("data0").join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let lb = match kind {
        Kind::Haproxy => {
            Balancer::Haproxy(haproxy::Haproxy::start(dir.path(), &certs, ports).await)
        }
        Kind::Nginx => Balancer::Nginx(nginx::Nginx::start(dir.path(), &certs, ports).await),
    };
    let url = lb.url();
    let http = client(&certs);

    // The client's own address (PROXY header or X-Forwarded-For), in the audit trail and the
    // logs; X-Forwarded-For carries no port.
    let (st, v) = svc::call_url(
        &http,
        reqwest::Method::POST,
        Some(&admin),
        &format!("{url}{TOKENS}"),
        Some(json!({"description": "whose address?"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let id = v["token_id"].as_str().unwrap().to_owned();
    let (st, audit) = svc::call_url(
        &http,
        reqwest::Method::GET,
        Some(&admin),
        &format!("{url}/tokentab/api/v1/audit?limit=1000&action=create"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{audit}");
    let row = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["token_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no create row for {id}: {audit:#}"));
    let source = row["source"].as_str().unwrap_or_default();
    assert!(
        source.starts_with("127.0.0.5"),
        "the client's, not the balancer's: {row}"
    );
    assert!(
        nodes
            .iter()
            .any(|n| n.stderr_text().contains("client=127.0.0.5")),
        "a request log line with the client's address"
    );

    // Four clients while each replica in turn is restarted.
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            tokio::spawn(hammer(
                http.clone(),
                url.clone(),
                admin.clone(),
                Arc::clone(&stop),
            ))
        })
        .collect();
    for (i, node) in nodes.iter_mut().enumerate() {
        let took = restart(node, args(i), &lb, i).await;
        eprintln!("replica {i}: restarted, back in the balancer {took:?} after SIGTERM");
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = Tally::default();
    for c in clients {
        let t = c.await.unwrap();
        assert!(t.ok + t.not_2xx.len() + t.errors.len() >= PER_CLIENT);
        total.ok += t.ok;
        total.not_2xx.extend(t.not_2xx);
        total.errors.extend(t.errors);
    }
    eprintln!(
        "through {kind:?}, {CLIENTS} clients across two rolling restarts: {} 2xx, {} non-2xx, \
         {} connection errors (uptime: {})",
        total.ok,
        total.not_2xx.len(),
        total.errors.len(),
        uptime()
    );
    assert_eq!(
        total.not_2xx,
        Vec::<String>::new(),
        "answers that were not 2xx"
    );
    assert_eq!(total.errors, Vec::<String>::new(), "requests that failed");

    // A token revoked through the balancer is refused by every later request, on both replicas.
    let (st, v) = svc::call_url(
        &http,
        reqwest::Method::POST,
        Some(&admin),
        &format!("{url}{TOKENS}"),
        Some(json!({"description": "revoked through the balancer"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (secret, id) = (
        v["access_token"].as_str().unwrap().to_owned(),
        v["token_id"].as_str().unwrap().to_owned(),
    );
    for _ in 0..10 {
        let (st, v) = get(&http, &url, &secret).await;
        assert_eq!(st, StatusCode::OK, "before the revoke: {v}");
    }
    let (st, v) = svc::call_url(
        &http,
        reqwest::Method::DELETE,
        Some(&admin),
        &format!("{url}{TOKENS}/{id}"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "revoke: {v}");
    for n in 0..100 {
        let (st, v) = get(&http, &url, &secret).await;
        assert_eq!(
            st,
            StatusCode::UNAUTHORIZED,
            "request {n} after the revoke: {v}"
        );
    }
    for n in &nodes {
        assert!(!n.stderr_text().contains("ERROR"), "{}", n.stderr_text());
    }
}

async fn get(http: &reqwest::Client, url: &str, secret: &str) -> (StatusCode, Value) {
    svc::call_url(
        http,
        reqwest::Method::GET,
        Some(secret),
        &format!("{url}{TOKENS}"),
        None,
    )
    .await
}

fn uptime() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}
