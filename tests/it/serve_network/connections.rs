//! Connection limits of `tokentab serve` (real child processes), plain HTTP and HTTPS:
//! 500 connections holding half-sent request heads do not slow `ping` (p99 goal 100 ms, failing
//! at 3x) and are closed by the server at `--header-timeout`, with the server's memory bounded;
//! a kept-alive connection is closed at `--idle-timeout`; at `--max-connections` a new
//! connection closes the stalest one that has no request in progress, while a request in flight
//! and answers a slow client has yet to read are kept; under a low open-file limit (the issue's 256) ping still answers and the server
//! does not spin.

use crate::common::service::child as serve_child;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const PING: &str = "/access/api/v1/system/ping";
const PING_GOAL: Duration = Duration::from_millis(100);
const PINGS: usize = 100;
const HELD: usize = 500;
/// Each held connection's half-sent head: a request line and a header of this many bytes.
const HELD_HEAD_BYTES: usize = 4 * 1024;
/// Long enough that opening all the held connections (500 TLS handshakes on a loaded machine)
/// and the pings fit before the first is closed.
const HEADER_TIMEOUT: Duration = Duration::from_secs(8);

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
type Conn = Box<dyn Io>;

/// How the test reaches the server: plain TCP, or TLS trusting the test CA.
#[derive(Clone)]
enum Dial {
    Plain,
    Tls(tokio_rustls::TlsConnector),
}

impl Dial {
    async fn open(&self, port: u16) -> Conn {
        let tcp = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        tcp.set_nodelay(true).unwrap();
        match self {
            Dial::Plain => Box::new(tcp),
            Dial::Tls(c) => {
                let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
                Box::new(c.connect(name, tcp).await.expect("TLS handshake"))
            }
        }
    }
}

/// A CA and a leaf for 127.0.0.1 (PEM files in `dir`); the client that trusts the CA.
fn tls_setup(dir: &Path) -> (Dial, String, String) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let dial = Dial::Tls(tokio_rustls::TlsConnector::from(Arc::new(config)));
    let path = |p: &Path| p.to_str().unwrap().to_owned();
    (dial, path(&cert), path(&key))
}

/// The test process needs a descriptor per held connection.
fn raise_open_file_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut l = getrlimit(Resource::Nofile);
    l.current = l.maximum;
    let _ = setrlimit(Resource::Nofile, l);
}

/// Sends a whole request on `conn` (with `Connection: close`) and reads the answer to its end.
async fn exchange(mut conn: Conn, request: &str) -> (u16, String) {
    // A server refusing a head may close before taking it all: its answer is still there.
    let _ = conn.write_all(request.as_bytes()).await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), conn.read_to_end(&mut buf))
        .await
        .expect("an answer within 30 s");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text.split(' ').nth(1).and_then(|c| c.parse().ok());
    (
        code.unwrap_or_else(|| panic!("not an HTTP answer: {text:.200}")),
        text,
    )
}

fn ping_request() -> String {
    format!("GET {PING} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}

/// `n` pings, each on a new connection; the 99th percentile of connect-to-answer times.
async fn ping_p99(dial: &Dial, port: u16, n: usize) -> Duration {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let (code, text) = exchange(dial.open(port).await, &ping_request()).await;
        assert_eq!(code, 200, "{text}");
        assert!(text.ends_with("OK"), "{text}");
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "  {n} pings: median {:?}, max {:?}",
        times[n / 2],
        times[n - 1]
    );
    times[(n * 99).div_ceil(100) - 1]
}

fn assert_ping_p99(p99: Duration, what: &str) {
    println!("{what}: ping p99 {p99:?} (goal {PING_GOAL:?}, failing at 3x)");
    assert!(
        p99 <= 3 * PING_GOAL,
        "{what}: ping p99 {p99:?}, goal {PING_GOAL:?} (fails at 3x)"
    );
}

/// A connection that sent the start of a request head (`head_bytes` of header) and stops.
async fn half_head(dial: &Dial, port: u16, head_bytes: usize) -> (Conn, Instant) {
    let mut c = dial.open(port).await;
    let head = format!(
        "GET {PING} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: {}",
        "s".repeat(head_bytes)
    );
    c.write_all(head.as_bytes()).await.unwrap();
    c.flush().await.unwrap();
    (c, Instant::now())
}

/// Waits on each held connection until the server closes it (end of stream or reset); how long
/// after its half head each was closed.
fn closings(held: Vec<(Conn, Instant)>) -> Vec<tokio::task::JoinHandle<Duration>> {
    held.into_iter()
        .map(|(mut c, sent)| {
            tokio::spawn(async move {
                let mut buf = [0u8; 512];
                loop {
                    match c.read(&mut buf).await {
                        Ok(0) | Err(_) => return sent.elapsed(),
                        Ok(_) => {}
                    }
                }
            })
        })
        .collect()
}

fn proc_field(pid: u32, file: &str, key: &str) -> String {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/{file}"))
        .trim()
        .to_owned()
}

fn rss_kib(pid: u32) -> u64 {
    let v = proc_field(pid, "status", "VmRSS:");
    v.trim_end_matches("kB").trim().parse().unwrap()
}

/// CPU time (user + system) the process has used.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after_name.split(' ').collect();
    // Fields 14 and 15 of stat(5), counted after the state (field 3).
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

async fn serve(dir: &Path, extra: &[&str]) -> serve_child::ServeChild {
    let data = dir.join("data");
    // Warnings only: nothing reads the child's stderr, and a full pipe would stall it.
    let mut args = vec![
        "--log-level",
        "warn",
        "--listen",
        "127.0.0.1:0",
        "--no-seed",
        "--data-dir",
        data.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    serve_child::start(&args, None).await
}

async fn held_heads_leave_ping_alone_and_close_at_the_header_timeout(tls: bool) {
    raise_open_file_limit();
    let dir = tempfile::tempdir().unwrap();
    let secs = format!("{}s", HEADER_TIMEOUT.as_secs());
    let (dial, tls_args) = if tls {
        let (dial, cert, key) = tls_setup(dir.path());
        (
            dial,
            vec!["--tls-cert".into(), cert, "--tls-key".into(), key],
        )
    } else {
        (Dial::Plain, Vec::new())
    };
    let mut extra = vec!["--header-timeout", &secs];
    extra.extend(tls_args.iter().map(String::as_str));
    let s = serve(dir.path(), &extra).await;
    let (port, pid) = (s.port(), s.child.id().unwrap());
    let what = if tls { "HTTPS" } else { "HTTP" };
    ping_p99(&dial, port, 20).await;
    let rss_before = rss_kib(pid);

    let mut held = Vec::with_capacity(HELD);
    for _ in 0..HELD {
        held.push(half_head(&dial, port, HELD_HEAD_BYTES).await);
    }
    let first_sent = held[0].1;
    let p99 = ping_p99(&dial, port, PINGS).await;
    let rss_held = rss_kib(pid);
    assert!(
        first_sent.elapsed() < HEADER_TIMEOUT,
        "{what}: the pings ended after the first held connection's header timeout, so they \
         were not measured while all {HELD} were held"
    );
    assert_ping_p99(p99, &format!("{what}, {HELD} half-sent heads held"));
    let grown = rss_held.saturating_sub(rss_before);
    println!(
        "{what}: server RSS {rss_before} KiB before, {rss_held} KiB with {HELD} heads of \
         {HELD_HEAD_BYTES} bytes held (+{grown} KiB, {} KiB per connection)",
        grown / HELD as u64
    );
    // A head is read into a buffer of at most 64 KiB; these use far less.
    assert!(grown < 64 * HELD as u64, "{what}: RSS grew by {grown} KiB");

    let mut closed = Vec::new();
    for c in closings(held) {
        closed.push(c.await.unwrap());
    }
    closed.sort();
    let (first, last) = (closed[0], closed[HELD - 1]);
    println!(
        "{what}: held heads closed by the server {first:?} to {last:?} after they were sent \
         (header timeout {HEADER_TIMEOUT:?})"
    );
    assert!(
        first + Duration::from_millis(500) >= HEADER_TIMEOUT,
        "{what}: closed before the timeout: {first:?}"
    );
    assert!(last <= 3 * HEADER_TIMEOUT, "{what}: closed late: {last:?}");

    // A head larger than the server reads (64 KiB) is answered 431; a smaller one is served.
    for (kib, want) in [(60, 200), (65, 431), (400, 431)] {
        let big = format!(
            "GET {PING} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
            "b".repeat(kib * 1024)
        );
        let (code, _) = exchange(dial.open(port).await, &big).await;
        assert_eq!(code, want, "{what}: a {kib} KiB head");
    }
    if tls {
        client_address_reaches_the_audit_over_tls(&dial, port, dir.path()).await;
    }
    s.stop().await;
}

/// The client's address (ConnectInfo) still reaches the handlers on the HTTPS listener.
async fn client_address_reaches_the_audit_over_tls(dial: &Dial, port: u16, dir: &Path) {
    let admin = std::fs::read_to_string(dir.join("data").join("admin.token")).unwrap();
    let body = r#"{"description":"over TLS"}"#;
    let create = format!(
        "POST /access/api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        admin.trim(),
        body.len()
    );
    let (code, text) = exchange(dial.open(port).await, &create).await;
    assert_eq!(code, 200, "{text}");
    let audit = format!(
        "GET /tokentab/api/v1/audit HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Connection: close\r\n\r\n",
        admin.trim()
    );
    let (code, text) = exchange(dial.open(port).await, &audit).await;
    assert_eq!(code, 200, "{text}");
    assert!(text.contains(r#""source":"127.0.0.1:"#), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_held_heads_leave_ping_alone_and_close_at_the_header_timeout() {
    held_heads_leave_ping_alone_and_close_at_the_header_timeout(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_held_heads_leave_ping_alone_and_close_at_the_header_timeout() {
    held_heads_leave_ping_alone_and_close_at_the_header_timeout(true).await;
}

/// How long until the server closes `c` (end of stream or reset), reading what it sends.
async fn until_closed(c: &mut Conn) -> Duration {
    let t = Instant::now();
    let mut buf = [0u8; 512];
    let wait = async {
        loop {
            match c.read(&mut buf).await {
                Ok(0) | Err(_) => return t.elapsed(),
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .expect("closed within 60 s")
}

/// Reads one keep-alive ping answer (its body is `OK`).
async fn read_ping_answer(c: &mut Conn) {
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while !got.ends_with(b"\r\n\r\nOK") {
        let n = c.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "closed before the answer: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test]
async fn kept_alive_connections_close_at_the_idle_timeout_and_new_heads_at_the_header_timeout() {
    let (header, idle) = (Duration::from_secs(1), Duration::from_secs(3));
    let dir = tempfile::tempdir().unwrap();
    let s = serve(
        dir.path(),
        &["--header-timeout", "1s", "--idle-timeout", "3s"],
    )
    .await;
    let port = s.port();
    let keep_alive = format!("GET {PING} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

    // Idle after an answer: closed at the idle timeout, though it is longer than the header's.
    let mut c = Dial::Plain.open(port).await;
    c.write_all(keep_alive.as_bytes()).await.unwrap();
    read_ping_answer(&mut c).await;
    c.write_all(keep_alive.as_bytes()).await.unwrap();
    read_ping_answer(&mut c).await;
    let waited = until_closed(&mut c).await;
    println!("idle keep-alive closed after {waited:?} (idle timeout {idle:?})");
    assert!(waited + Duration::from_millis(200) >= idle, "{waited:?}");
    assert!(waited <= 3 * idle, "{waited:?}");

    // The first byte of the next request starts the header timeout.
    let mut c = Dial::Plain.open(port).await;
    c.write_all(keep_alive.as_bytes()).await.unwrap();
    read_ping_answer(&mut c).await;
    c.write_all(b"GET /acc").await.unwrap();
    let waited = until_closed(&mut c).await;
    println!("a second head stalled after its first bytes: closed after {waited:?}");
    assert!(waited + Duration::from_millis(200) >= header, "{waited:?}");
    assert!(
        waited < idle,
        "{waited:?}: the idle timeout applied to a started head"
    );

    // A connection that never sends anything is waiting for its first head.
    let mut c = Dial::Plain.open(port).await;
    let waited = until_closed(&mut c).await;
    println!("a silent new connection closed after {waited:?} (header timeout {header:?})");
    assert!(waited + Duration::from_millis(200) >= header, "{waited:?}");
    assert!(waited <= 3 * header, "{waited:?}");
    s.stop().await;
}

/// Tokens whose listing is far larger than the socket buffers between client and server.
#[tokio::test]
async fn a_body_that_stalls_is_answered_408_at_the_header_timeout() {
    let header = Duration::from_secs(2);
    let dir = tempfile::tempdir().unwrap();
    let s = serve(dir.path(), &["--header-timeout", "2s"]).await;
    let port = s.port();
    let admin = std::fs::read_to_string(dir.path().join("data").join("admin.token")).unwrap();
    // The whole head, then 8 of the 100 body bytes it announces, then nothing.
    let mut c = Dial::Plain.open(port).await;
    let head = format!(
        "POST /access/api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"descr",
        admin.trim()
    );
    c.write_all(head.as_bytes()).await.unwrap();
    let sent = Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), c.read_to_end(&mut answer))
        .await
        .expect("answered and closed within 60 s")
        .ok();
    let waited = sent.elapsed();
    let text = String::from_utf8_lossy(&answer);
    println!("a stalled body answered after {waited:?} (header timeout {header:?})");
    assert!(text.starts_with("HTTP/1.1 408"), "{text:.300}");
    assert!(text.contains("REQUEST_TIMEOUT"), "{text:.300}");
    assert!(waited + Duration::from_millis(200) >= header, "{waited:?}");
    assert!(
        waited <= 3 * header,
        "{waited:?} (goal: the header timeout, {header:?}; fails at 3x)"
    );
    // A body that does arrive is served as before.
    let body = r#"{"description":"after a stalled one","expires_in":600}"#;
    let ok = format!(
        "POST /access/api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        admin.trim(),
        body.len()
    );
    let (code, text) = exchange(Dial::Plain.open(port).await, &ok).await;
    assert_eq!(code, 200, "{text:.300}");
    s.stop().await;
}

const LISTED: usize = 300;

async fn create_listed_tokens(port: u16, admin: &str) {
    for i in 0..LISTED {
        let body = format!(r#"{{"description":"listed {i} {}"}}"#, "x".repeat(1000));
        let create = format!(
            "POST /access/api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \
             {admin}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        );
        let (code, text) = exchange(Dial::Plain.open(port).await, &create).await;
        assert_eq!(code, 200, "{text:.300}");
    }
}

/// A client with a small receive buffer that asks for the listing (about 380 KB) and reads
/// nothing yet. (On loopback the kernel's send buffer usually takes all of it, so this shows that
/// the slow reader gets its whole answer under pressure at the cap, not that hyper's own buffer
/// is waited for.)
async fn slow_reader(port: u16, admin: &str) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut c = socket.connect(([127, 0, 0, 1], port).into()).await.unwrap();
    let list = format!(
        "GET /access/api/v1/tokens?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Bearer {admin}\r\nConnection: close\r\n\r\n"
    );
    c.write_all(list.as_bytes()).await.unwrap();
    // Long enough for the server to answer and fill the buffers.
    tokio::time::sleep(Duration::from_millis(500)).await;
    c
}

/// Whether the server still holds `c` open (nothing to read, not closed).
fn still_open(c: &TcpStream) -> bool {
    let mut buf = [0u8; 1];
    matches!(c.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_new_connections_close_the_stalest_waiting_one_and_busy_requests_finish() {
    const CAP: usize = 16;
    let dir = tempfile::tempdir().unwrap();
    let s = serve(
        dir.path(),
        &["--max-connections", "16", "--header-timeout", "60s"],
    )
    .await;
    let port = s.port();
    let admin = std::fs::read_to_string(dir.path().join("data").join("admin.token")).unwrap();

    // A create in flight: its head is in, half its body is not.
    let body = r#"{"description":"in flight at the cap"}"#;
    let (first, rest) = body.split_at(10);
    let mut busy = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    busy.write_all(
        format!(
            "POST /access/api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
            admin.trim(),
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();

    // An answer the client is slow to read: kept, not evicted, though no request is in progress.
    create_listed_tokens(port, admin.trim()).await;
    let mut slow = slow_reader(port, admin.trim()).await;

    // Three times the cap of half-sent heads, one after another.
    let mut held = Vec::new();
    for _ in 0..3 * CAP {
        let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        c.write_all(format!("GET {PING} HTTP/1.1\r\nX-Slow: s").as_bytes())
            .await
            .unwrap();
        held.push(c);
    }
    let p99 = ping_p99(&Dial::Plain, port, 50).await;
    assert_ping_p99(p99, &format!("{} half heads at a cap of {CAP}", 3 * CAP));

    // The server closed the oldest; what it still holds fits under the cap with the create.
    let deadline = Instant::now() + Duration::from_secs(30);
    let open = loop {
        let open: Vec<usize> = (0..held.len()).filter(|i| still_open(&held[*i])).collect();
        if open.len() < CAP || Instant::now() > deadline {
            break open;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    println!("held connections still open: {open:?}");
    assert!(
        open.len() < CAP,
        "{} held open at a cap of {CAP}",
        open.len()
    );
    assert!(
        open.iter().all(|i| *i >= held.len() - CAP),
        "an older connection outlived a newer one: {open:?}"
    );

    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), slow.read_to_end(&mut got))
        .await
        .expect("the listing within 60 s")
        .expect("read the listing");
    let listing = String::from_utf8_lossy(&got);
    let listed = listing.matches(r#""description":"listed "#).count();
    println!("the slow reader got {} bytes, {listed} tokens", got.len());
    assert_eq!(listed, LISTED, "the whole listing reached the slow reader");

    busy.write_all(rest.as_bytes()).await.unwrap();
    let (code, text) = exchange(Box::new(busy), "").await;
    assert_eq!(code, 200, "the create in flight: {text}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_an_open_file_limit_of_256_ping_answers_and_the_server_does_not_spin() {
    raise_open_file_limit();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_tokentab");
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 256; exec \"$0\" serve \"$@\"")
        .arg(bin)
        .args(["--listen", "127.0.0.1:0", "--no-seed", "--data-dir"])
        .arg(&data)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    use tokio::io::AsyncBufReadExt;
    let mut out = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut err = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let first = tokio::time::timeout(serve_child::START_TIMEOUT, out.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let port: u16 = first.rsplit(':').next().unwrap().parse().unwrap();
    let warning = tokio::time::timeout(serve_child::START_TIMEOUT, async {
        while let Some(l) = err.next_line().await.unwrap() {
            if l.contains("--max-connections lowered") {
                return l;
            }
        }
        panic!("no warning about the open-file limit");
    })
    .await
    .unwrap();
    assert!(warning.contains("fits=192"), "{warning}");
    tokio::spawn(async move { while let Ok(Some(_)) = err.next_line().await {} });
    let pid = child.id().unwrap();

    let mut held = Vec::new();
    for _ in 0..300 {
        held.push(half_head(&Dial::Plain, port, 64).await);
    }
    let p99 = ping_p99(&Dial::Plain, port, PINGS).await;
    assert_ping_p99(p99, "300 half heads under an open-file limit of 256");
    let cpu = cpu_time(pid);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let spent = cpu_time(pid) - cpu;
    println!("server CPU over 2 s with 300 half heads held: {spent:?}");
    assert!(spent < Duration::from_millis(500), "{spent:?}");
    drop(held);
    let _ = child.start_kill();
}
