//! A scripted, misbehaving HTTP/1.1 server for client tests: each route answers from a queue of
//! replies (the last one repeats), and every request is recorded so tests can count them.
//! Raw TCP on purpose: it can stall, reset the connection, or send any bytes it likes.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Arc<Vec<u8>>,
    delay: Duration,
    reset: bool,
    /// Headers at once, the body only once the server has recorded this many requests.
    body_after: Option<usize>,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::bytes(status, body.as_bytes().to_vec()).header("Content-Type", "application/json")
    }
    pub fn json_value(status: u16, v: &serde_json::Value) -> Reply {
        Reply::bytes(status, serde_json::to_vec(v).expect("json"))
            .header("Content-Type", "application/json")
    }
    pub fn text(status: u16, body: &str) -> Reply {
        Reply::bytes(status, body.as_bytes().to_vec()).header("Content-Type", "text/plain")
    }
    pub fn bytes(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Arc::new(body),
            delay: Duration::ZERO,
            reset: false,
            body_after: None,
        }
    }
    pub fn empty(status: u16) -> Reply {
        Reply::bytes(status, Vec::new())
    }
    /// Reads the request, then closes with a TCP reset instead of answering.
    pub fn reset() -> Reply {
        Reply {
            reset: true,
            ..Reply::empty(0)
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }
    /// Sends the status and headers at once and holds the body until `n` requests in all
    /// have reached the server (a client that waits for this body before asking again hangs).
    pub fn body_after_requests(mut self, n: usize) -> Reply {
        self.body_after = Some(n);
        self
    }
    /// Waits this long before answering.
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    routes: HashMap<(String, String), VecDeque<Reply>>,
    log: Vec<Recorded>,
}

/// A port of our own where nothing listens: bound but not listening, so every connect is refused
/// (as for a server that is down or not up yet), and no other process can take the port
/// meanwhile, unlike a freed one. [`FaultServer::start_listening`] brings a server up on it.
pub fn refusing_port() -> (tokio::net::TcpSocket, SocketAddr) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let addr = socket.local_addr().expect("addr");
    (socket, addr)
}

pub struct FaultServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultServer {
    pub async fn start() -> FaultServer {
        FaultServer::start_on("127.0.0.1:0".parse().expect("addr")).await
    }

    /// On a given address (a port a client already failed to reach).
    pub async fn start_on(addr: SocketAddr) -> FaultServer {
        FaultServer::start_with(TcpListener::bind(addr).await.expect("bind"))
    }

    /// On a port reserved earlier with [`refusing_port`]: it starts listening now.
    pub fn start_listening(socket: tokio::net::TcpSocket) -> FaultServer {
        FaultServer::start_with(socket.listen(64).expect("listen"))
    }

    fn start_with(listener: TcpListener) -> FaultServer {
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(serve(sock, st.clone()));
            }
        });
        FaultServer { addr, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers `method path` with these replies in turn; the last one repeats.
    pub fn on(&self, method: &str, path: &str, replies: Vec<Reply>) {
        assert!(!replies.is_empty());
        self.state
            .lock()
            .expect("lock")
            .routes
            .insert((method.into(), path.into()), replies.into());
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("lock").log.clone()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }
}

async fn serve(mut sock: TcpStream, state: Arc<Mutex<State>>) {
    let Some(req) = read_request(&mut sock).await else {
        return;
    };
    let reply = {
        let mut st = state.lock().expect("lock");
        st.log.push(req.clone());
        match st.routes.get_mut(&(req.method.clone(), req.path.clone())) {
            Some(q) if q.len() > 1 => q.pop_front(),
            Some(q) => q.front().cloned(),
            None => None,
        }
    };
    let reply = reply.unwrap_or_else(|| {
        Reply::json(
            404,
            r#"{"errors":[{"code":"NOT_FOUND","message":"no such route in the fault server"}]}"#,
        )
    });
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    if reply.reset {
        let _ = sock.set_zero_linger();
        drop(sock);
        return;
    }
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if reply.status != 204 && reply.status != 304 {
        head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    if sock.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    if let Some(n) = reply.body_after {
        let _ = sock.flush().await;
        while state.lock().expect("lock").log.len() < n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    if reply.status != 204 {
        let _ = sock.write_all(&reply.body).await;
    }
    let _ = sock.shutdown().await;
}

async fn read_request(sock: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target, String::new()),
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Recorded {
        method,
        path,
        query,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Whatever",
    }
}
