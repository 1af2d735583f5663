//! Draining before a stop (issue 22): on SIGTERM `tokentab serve` answers /readyz 503 (saying
//! it is draining) while it still serves every other request, with `Connection: close`, for
//! `--drain-seconds`; then it stops as before. A second SIGTERM or SIGINT stops it at once, and
//! SIGINT (Ctrl-C in a terminal) does not drain at all.
//! On the run's backend (SQLite, or PostgreSQL with TOKENTAB_TEST_BACKEND=postgres).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::service as svc;
use crate::common::service::child as serve_child;
use crate::common::timing::within_3x;

const TOKENS: &str = "/access/api/v1/tokens";
/// serve's own shutdown grace for requests in flight after the drain.
const GRACE: Duration = Duration::from_secs(10);

async fn start(drain: &str) -> (serve_child::ServeChild, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = serve_child::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().unwrap(),
            "--no-seed",
            "--drain-seconds",
            drain,
        ],
        None,
    )
    .await;
    let admin = std::fs::read_to_string(data.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    (served, admin, dir)
}

/// One request on an open keep-alive connection; its status line and headers (lowercase), and
/// the body read by Content-Length.
async fn keep_alive_get(s: &mut TcpStream, path: &str, admin: &str) -> (u16, String) {
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        let n = tokio::time::timeout(Duration::from_secs(30), s.read(&mut b))
            .await
            .expect("an answer within 30 s")
            .unwrap();
        assert_eq!(n, 1, "the connection closed before an answer: {head:?}");
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head).to_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).await.unwrap();
    let code = head.split(' ').nth(1).unwrap().parse().unwrap();
    (code, head)
}

/// Polls /readyz until it answers 503; its body.
async fn until_not_ready(http: &reqwest::Client, url: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let resp = http.get(format!("{url}/readyz")).send().await.unwrap();
        if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
            return resp.text().await.unwrap();
        }
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(
            Instant::now() < deadline,
            "/readyz still 200 30 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_turns_readyz_503_while_requests_are_served_with_close_then_exits_0() {
    let drain = Duration::from_secs(6);
    let (mut served, admin, _dir) = start("6").await;
    let http = svc::client();
    let url = served.url.clone();
    let mut kept = TcpStream::connect(("127.0.0.1", served.port()))
        .await
        .unwrap();
    let (code, head) = keep_alive_get(&mut kept, TOKENS, &admin).await;
    assert_eq!(code, 200, "{head}");
    assert!(
        !head.contains("connection: close"),
        "before SIGTERM: {head}"
    );
    let ready = http.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    let term = Instant::now();
    served.signal("TERM");
    let body = until_not_ready(&http, &url).await;
    assert!(body.contains("draining"), "{body}");
    let line = served.stderr_line_with("draining").await;
    assert!(line.contains("seconds=6"), "{line}");

    // Still served while draining, each answer closing its connection.
    let resp = http
        .get(format!("{url}{TOKENS}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["connection"], "close");
    // The connection kept alive from before: answered, then closed by the server.
    let (code, head) = keep_alive_get(&mut kept, TOKENS, &admin).await;
    assert_eq!(code, 200, "{head}");
    assert!(head.contains("connection: close"), "while draining: {head}");
    let mut rest = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(30), kept.read_to_end(&mut rest))
        .await
        .expect("the server closed the kept-alive connection")
        .unwrap();
    assert_eq!(n, 0, "nothing after the answer");
    assert!(
        term.elapsed() < drain,
        "the checks above took longer than the drain ({:?}): make it longer",
        term.elapsed()
    );

    let status = tokio::time::timeout(drain + 3 * GRACE, served.child.wait())
        .await
        .expect("serve exits within drain + 3x its grace")
        .unwrap();
    let took = term.elapsed();
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(
        took >= drain,
        "exited {took:?} after SIGTERM, before the drain's end"
    );
    within_3x("exit after the drain", took - drain, GRACE);
    served.stderr_line_with("drained").await;
    eprintln!("drain 6 s: exited {took:?} after SIGTERM");
}

async fn second_signal_stops_at_once(second: &str) {
    let (mut served, _admin, _dir) = start("600").await;
    let http = svc::client();
    let term = Instant::now();
    served.signal("TERM");
    until_not_ready(&http, &served.url).await;
    served.signal(second);
    let status = tokio::time::timeout(3 * GRACE, served.child.wait())
        .await
        .unwrap_or_else(|_| panic!("serve still running {:?} after SIG{second}", term.elapsed()))
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
    served.stderr_line_with("second stop signal").await;
    within_3x("exit after a second signal", term.elapsed(), GRACE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_skips_the_drain() {
    second_signal_stops_at_once("TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_the_drain_skips_it() {
    second_signal_stops_at_once("INT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_at_once_without_draining() {
    let (mut served, _admin, _dir) = start("600").await;
    let int = Instant::now();
    served.signal("INT");
    let status = tokio::time::timeout(3 * GRACE, served.child.wait())
        .await
        .unwrap_or_else(|_| panic!("serve still running {:?} after SIGINT", int.elapsed()))
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
    within_3x("exit after SIGINT", int.elapsed(), GRACE);
    let mut rest = Vec::new();
    while let Ok(Some(l)) = served.stderr.next_line().await {
        rest.push(l);
    }
    assert!(
        !rest.iter().any(|l| l.contains("draining")),
        "SIGINT drained: {rest:?}"
    );
}
