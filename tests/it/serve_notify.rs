//! Issue 23: `tokentab serve` under systemd's `Type=notify` (assets/debian/tokentab.service).
//! The real binary with `$NOTIFY_SOCKET` naming a datagram socket of the test's, as systemd sets
//! it: `READY=1` comes once the service listens (ping answers the moment it arrives), and
//! `STOPPING=1` once SIGTERM came, before the process exits 0. Without `$NOTIFY_SOCKET` nothing
//! changes (every other serve test).

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UnixDatagram;

use crate::common::service as svc;
use crate::common::service::child as serve_child;

/// The next datagram on `sock`, as text.
async fn next_state(sock: &UnixDatagram, what: &str) -> String {
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(serve_child::START_TIMEOUT, sock.recv(&mut buf))
        .await
        .unwrap_or_else(|_| panic!("no {what} datagram within {:?}", serve_child::START_TIMEOUT))
        .expect("recv on the notify socket");
    String::from_utf8(buf[..n].to_vec()).expect("a text datagram")
}

#[tokio::test]
async fn serve_tells_systemd_ready_after_listening_and_stopping_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let socket_path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&socket_path).unwrap();
    let db = match svc::on_postgres() {
        true => vec!["--db".to_owned(), crate::common::pg::fresh_schema_url()],
        false => Vec::new(),
    };
    let mut args = vec!["--listen", "127.0.0.1:0", "--no-seed"];
    args.extend(["--data-dir", data.to_str().unwrap()]);
    args.extend(db.iter().map(String::as_str));
    let mut child = serve_child::command(&args, None)
        .env("NOTIFY_SOCKET", &socket_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tokentab serve");
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();

    let ready = next_state(&sock, "READY=1").await;
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready:?}");
    // The start-up lines were printed before READY: the URL is there to read, and it answers.
    let first = out.next_line().await.unwrap().expect("the listening line");
    let url = first
        .strip_prefix("tokentab serve: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"));
    let ping = svc::client()
        .get(format!("{url}/access/api/v1/system/ping"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("ping answers as soon as READY=1 came");
    assert_eq!(ping.status(), 200);

    let pid = child.id().expect("running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let stopping = next_state(&sock, "STOPPING=1").await;
    assert!(stopping.lines().any(|l| l == "STOPPING=1"), "{stopping:?}");
    let status = tokio::time::timeout(serve_child::START_TIMEOUT, child.wait())
        .await
        .expect("serve exits after SIGTERM")
        .unwrap();
    assert!(status.success(), "serve exited with {status}");
}
