//! The client's own address behind a proxy (issue 22): `--trusted-proxy` takes it from
//! X-Forwarded-For (the rightmost hop outside the trusted ranges) or, with `--proxy-protocol`,
//! from a PROXY v2 header — only from trusted peers. The audit trail, the request log lines and
//! the refusal limiter all see it. The real `tokentab serve` on the run's backend; the "proxy"
//! and the "direct client" are connections from 127.0.0.2 and 127.0.0.3 (all of 127/8 is this
//! machine), so one service sees both.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::common::service as svc;
use crate::common::service::child as serve_child;

const TOKENS: &str = "/access/api/v1/tokens";
const PROXY: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const DIRECT: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

struct Served {
    serve: serve_child::ServeChild,
    admin: String,
    _dir: tempfile::TempDir,
}

async fn start(extra: &[&str]) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().unwrap(),
        "--no-seed",
    ];
    args.extend_from_slice(extra);
    let serve = serve_child::start(&args, None).await;
    let admin = std::fs::read_to_string(data.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    Served {
        serve,
        admin,
        _dir: dir,
    }
}

/// A client whose connections come from `from`.
fn client_from(from: Ipv4Addr) -> reqwest::Client {
    svc::install_crypto();
    reqwest::Client::builder()
        .local_address(IpAddr::V4(from))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Creates a token from `from`, with `X-Forwarded-For: xff` when given; its id.
async fn create(s: &Served, from: Ipv4Addr, xff: Option<&str>, what: &str) -> String {
    let mut req = client_from(from)
        .post(format!("{}{TOKENS}", s.serve.url))
        .bearer_auth(&s.admin)
        .json(&json!({ "description": what }));
    if let Some(x) = xff {
        req = req.header("X-Forwarded-For", x);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    v["token_id"].as_str().unwrap().to_owned()
}

/// The audit trail's `source` of the create of `id`.
async fn audit_source(s: &Served, id: &str) -> String {
    let v: Value = svc::client()
        .get(format!("{}/tokentab/api/v1/audit?limit=1000", s.serve.url))
        .bearer_auth(&s.admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "create" && r["token_id"] == id)
        .unwrap_or_else(|| panic!("no create row for {id}: {v:#}"))
        .clone();
    row["source"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_names_the_client_only_from_a_trusted_proxy_in_audit_rows_and_logs() {
    let mut s = start(&["--trusted-proxy", "127.0.0.2"]).await;
    // Through the proxy: the client forged the first hop, the proxy appended the real one.
    let proxied = create(&s, PROXY, Some("198.51.100.1, 203.0.113.9"), "via proxy").await;
    assert_eq!(audit_source(&s, &proxied).await, "203.0.113.9");
    let line = s.serve.stderr_line_with("client=203.0.113.9").await;
    assert!(
        line.contains("method=POST path=/access/api/v1/tokens status=200"),
        "{line}"
    );
    // Straight from an untrusted peer: its forged header is ignored.
    let spoofed = create(&s, DIRECT, Some("203.0.113.66"), "spoofed").await;
    let source = audit_source(&s, &spoofed).await;
    assert!(source.starts_with("127.0.0.3:"), "{source}");
    let line = s.serve.stderr_line_with("client=127.0.0.3:").await;
    assert!(line.contains("status=200"), "{line}");

    // Without --trusted-proxy the proxy itself is the client.
    let mut plain = start(&[]).await;
    let id = create(&plain, PROXY, Some("203.0.113.9"), "no trust").await;
    let source = audit_source(&plain, &id).await;
    assert!(source.starts_with("127.0.0.2:"), "{source}");
    plain.serve.stderr_line_with("client=127.0.0.2:").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refusal_limiter_throttles_each_client_behind_a_trusted_proxy_on_its_own() {
    let s = start(&[
        "--trusted-proxy",
        "127.0.0.2",
        "--refusals-per-second",
        "1",
        "--refusal-burst",
        "3",
    ])
    .await;
    let http = client_from(PROXY);
    let get = |client: &'static str| {
        http.get(format!("{}{TOKENS}", s.serve.url))
            .header("X-Forwarded-For", client)
            .send()
    };
    // No token: each refusal is charged to the source alone.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(get("203.0.113.1").await.unwrap().status().as_u16());
    }
    assert_eq!(statuses[..3], [401, 401, 401], "{statuses:?}");
    assert!(
        statuses[3..].contains(&429),
        "client 1 is throttled: {statuses:?}"
    );
    // Another client through the same proxy still has its own credit.
    let other = get("203.0.113.2").await.unwrap().status();
    assert_eq!(other, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get("203.0.113.1").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// A PROXY v2 header naming `client` (or LOCAL: none).
fn proxy_header(client: Option<SocketAddr>, to: SocketAddr) -> Vec<u8> {
    use ppp::v2::{Builder, Command, Protocol, Version};
    match client {
        Some(c) => {
            Builder::with_addresses(Version::Two | Command::Proxy, Protocol::Stream, (c, to))
        }
        None => Builder::new(Version::Two | Command::Local, 0),
    }
    .build()
    .unwrap()
}

/// Connects from `from`, sends `preamble` and a create with `Connection: close`; everything
/// the server sent back before it closed.
async fn raw_create(s: &Served, from: Ipv4Addr, preamble: &[u8]) -> String {
    let sock = TcpSocket::new_v4().unwrap();
    sock.bind(SocketAddr::from((from, 0))).unwrap();
    let mut conn: TcpStream = sock
        .connect(SocketAddr::from(([127, 0, 0, 1], s.serve.port())))
        .await
        .unwrap();
    let body = json!({ "description": "raw" }).to_string();
    let mut bytes = preamble.to_vec();
    bytes.extend(
        format!(
            "POST {TOKENS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            s.admin,
            body.len()
        )
        .as_bytes(),
    );
    // The server may close before all of it is read (then the write fails): the answer is
    // what was read back either way.
    let _ = conn.write_all(&bytes).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), conn.read_to_end(&mut answer))
        .await
        .expect("the server answered or closed within 30 s");
    String::from_utf8_lossy(&answer).into_owned()
}

fn token_id(answer: &str) -> String {
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:.300}");
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let v: Value = serde_json::from_str(body).unwrap();
    v["token_id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_v2_header_names_the_client_from_a_trusted_peer_and_is_refused_from_others() {
    let mut s = start(&["--trusted-proxy", "127.0.0.2", "--proxy-protocol"]).await;
    let to = SocketAddr::from(([127, 0, 0, 1], s.serve.port()));
    let named: SocketAddr = "192.0.2.44:5555".parse().unwrap();

    let answer = raw_create(&s, PROXY, &proxy_header(Some(named), to)).await;
    assert_eq!(
        audit_source(&s, &token_id(&answer)).await,
        "192.0.2.44:5555"
    );
    // LOCAL (the proxy's own health check) and no header at all: the peer is the client.
    for preamble in [proxy_header(None, to), Vec::new()] {
        let answer = raw_create(&s, PROXY, &preamble).await;
        let source = audit_source(&s, &token_id(&answer)).await;
        assert!(source.starts_with("127.0.0.2:"), "{source}");
    }
    // A malformed header from the trusted peer (version 9): closed with no answer.
    let mut bad = proxy_header(Some(named), to);
    bad[12] = 0x91;
    assert_eq!(
        raw_create(&s, PROXY, &bad).await,
        "",
        "a malformed header got an answer"
    );
    s.serve
        .stderr_line_with("malformed PROXY protocol header")
        .await;
    // From an untrusted peer a header is refused: closed with no answer, and logged.
    let answer = raw_create(&s, DIRECT, &proxy_header(Some(named), to)).await;
    assert_eq!(answer, "", "an untrusted peer's PROXY header got an answer");
    let line = s
        .serve
        .stderr_line_with("PROXY protocol header from a peer that is not")
        .await;
    assert!(line.contains("127.0.0.3"), "{line}");
    // …while that peer without a header is served as itself.
    let answer = raw_create(&s, DIRECT, &[]).await;
    let source = audit_source(&s, &token_id(&answer)).await;
    assert!(source.starts_with("127.0.0.3:"), "{source}");
}

#[tokio::test]
async fn a_bad_trusted_proxy_or_a_proxy_protocol_with_no_proxy_is_refused_with_exit_2() {
    let out = serve_child::refused(&["--trusted-proxy", "10.0.0.0/33"]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--trusted-proxy: \"10.0.0.0/33\" is not an address range"),
        "{err}"
    );
    let out = serve_child::refused(&["--proxy-protocol"]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--trusted-proxy"), "{err}");
}
