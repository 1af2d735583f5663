//! SIGTERM stops `tokentab serve` gracefully, on SQLite and on PostgreSQL: requests in flight
//! when it arrives (a create whose body is still being sent, big listings being answered) finish
//! with 200, new connections are refused, and the process exits 0 within 10 s.
//! The PostgreSQL case needs TOKENTAB_TEST_PG (see tests/it/common/pg.rs).

use crate::common::service as svc;
use crate::common::service::child as serve_child;
use crate::common::timing::within_3x;

use crate::common::pg;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKENS: &str = "/access/api/v1/tokens";
const LISTINGS: usize = 4;

/// Sends `head` (and the start of a body) on a fresh connection; the stream, still open.
async fn send_part(port: u16, text: &str) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(text.as_bytes()).await.unwrap();
    s.flush().await.unwrap();
    s
}

/// Reads a whole `Connection: close` response; its status code and text.
async fn response(mut s: TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf))
        .await
        .expect("the response came within 30 s")
        .expect("read the response");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:.200}"));
    (code, text)
}

async fn sigterm_finishes_in_flight_requests_then_exits_0(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let started = serve_child::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
            "--data-dir",
            data.to_str().unwrap(),
            "--no-seed",
        ],
        None,
    )
    .await;
    let port = started.port();
    let serve_child::ServeChild {
        mut child,
        url,
        mut stderr,
        ..
    } = started;
    let drained = tokio::spawn(async move {
        let mut all = Vec::new();
        while let Ok(Some(l)) = stderr.next_line().await {
            all.push(l);
        }
        all
    });
    let admin = std::fs::read_to_string(data.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let http = svc::client();
    // Enough tokens that a full listing takes a while to build and send.
    let mut creates = Vec::new();
    for w in 0..8 {
        let (http, url, admin) = (http.clone(), url.clone(), admin.clone());
        creates.push(tokio::spawn(async move {
            for i in 0..50 {
                let resp = http
                    .post(format!("{url}{TOKENS}"))
                    .bearer_auth(&admin)
                    .json(&json!({"description": format!("listed {w}/{i} {}", "x".repeat(200))}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), StatusCode::OK);
            }
        }));
    }
    for c in creates {
        c.await.unwrap();
    }

    // In flight when SIGTERM comes: a create whose body is half sent, and big listings.
    let body = json!({"description": "sent across the SIGTERM"}).to_string();
    let (first, rest) = body.split_at(10);
    let create = send_part(
        port,
        &format!(
            "POST {TOKENS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {admin}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
            body.len()
        ),
    )
    .await;
    let mut listings = Vec::new();
    for _ in 0..LISTINGS {
        listings.push(
            send_part(
                port,
                &format!(
                    "GET {TOKENS}?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                     Authorization: Bearer {admin}\r\nConnection: close\r\n\r\n"
                ),
            )
            .await,
        );
    }
    let pid = child.id().expect("running");
    let term = Instant::now();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill -TERM {pid}");

    // New connections are refused (the listener is closed) while the create is still open. A
    // probe whose handshake was under way as the listener closed is reset by the kernel rather
    // than refused: that too is "not accepted" (seen about once in 20 runs, before and after
    // the accept loop changed).
    // Goal: both within the 10 s shutdown grace; fails at 3x.
    let deadline = term + 3 * GRACE_GOAL;
    loop {
        match TcpStream::connect(("127.0.0.1", port)).await {
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset
                ) =>
            {
                break;
            }
            Err(e) => panic!("connect after SIGTERM: {e}"),
            Ok(_) => {}
        }
        assert!(
            Instant::now() < deadline,
            "still accepting connections {:?} after SIGTERM: goal {GRACE_GOAL:?} (fails at 3x)",
            term.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused_after = term.elapsed();
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited before its in-flight create finished"
    );

    let mut create = create;
    create.write_all(rest.as_bytes()).await.unwrap();
    let (code, text) = response(create).await;
    assert_eq!(code, 200, "the create in flight at SIGTERM: {text:.300}");
    assert!(text.contains("access_token"), "{text:.300}");
    for (i, l) in listings.into_iter().enumerate() {
        let (code, text) = response(l).await;
        assert_eq!(code, 200, "listing {i} in flight at SIGTERM: {text:.300}");
        assert!(text.contains("listed 7/49"), "listing {i} is complete");
    }

    let status = tokio::time::timeout(
        deadline.saturating_duration_since(Instant::now()),
        child.wait(),
    )
    .await
    .unwrap_or_else(|_| {
        panic!(
            "pid {pid} did not exit {:?} after SIGTERM: goal {GRACE_GOAL:?} (fails at 3x)",
            term.elapsed()
        )
    })
    .unwrap();
    let exited_after = term.elapsed();
    within_3x("serve exiting after SIGTERM", exited_after, GRACE_GOAL);
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM: {status}"
    );
    let logs = drained.await.unwrap().join("\n");
    assert!(!logs.contains("ERROR"), "{logs}");
    eprintln!(
        "SIGTERM ({db}): new connections refused after {refused_after:?}, exit 0 after \
         {exited_after:?} (including the test finishing its slow create)"
    );
}

/// serve finishes what is in flight and exits within its 10 s shutdown grace.
const GRACE_GOAL: Duration = Duration::from_secs(10);
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_on_sqlite_finishes_in_flight_requests_refuses_new_ones_and_exits_0_within_10s() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").join("tokentab.db");
    sigterm_finishes_in_flight_requests_then_exits_0(db.to_str().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_on_postgres_finishes_in_flight_requests_refuses_new_ones_and_exits_0_within_10s() {
    sigterm_finishes_in_flight_requests_then_exits_0(&pg::fresh_schema_url()).await;
}
